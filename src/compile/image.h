// A compiled Program as bytes: the image Matcher::Serialize writes and
// Matcher::Load reads back. The format is described in docs/persistence.md.
//
// The arrays that grow with the rules (rule names, predicates, conditions,
// sub-rules, triggers, exact-value tables, prefix and suffix tries) are
// stored as they lie in memory, 8-byte aligned, and a loaded Program views
// them in place; the rest (the path trie, wildcard, equals-ignore-case,
// numeric and CIDR indexes) is stored as its source and rebuilt, in time
// proportional to those patterns. Every count, offset and index is checked
// before anything is used: a hostile image is refused, never read out of
// bounds.

#ifndef EVMATCH_SRC_COMPILE_IMAGE_H_
#define EVMATCH_SRC_COMPILE_IMAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "compile/program.h"

namespace evmatch::internal {

inline constexpr char kImageMagic[8] = {'E', 'V', 'M', 'A', 'T', 'C', 'H', '\0'};
inline constexpr uint32_t kImageVersion = 2;
inline constexpr size_t kImageHeaderBytes = 64;

// The patterns of every rule of an image, as canonical JSON, for a
// LiveMatcher to restart from (LiveMatcher::Checkpoint writes them; an image
// of Matcher::Save has none).
struct ImageSources {
  bool present = false;       // the image holds sources
  StringList patterns;        // every rule's patterns, rule after rule
  Array<uint32_t> rule_ends;  // rule r's are patterns [rule_ends[r - 1], rule_ends[r])
};

// Appends the image of `program` to `out`, with `sources` when not null
// (one entry per rule of `program`).
void WriteImage(const Program& program, const ImageSources* sources, std::string* out);

// Recomputes the checksum of `image` in place (after WriteImage wrote it,
// and for tests and fuzzers that edit an image on purpose).
void SealImage(std::string* image);

// Reads `image`, which must be 8-byte aligned and stay unchanged while
// `program` lives; `owner` keeps it alive and is stored in the program.
// Errors: InvalidArgument when `image` is not an evmatch image or is one of
// another format version, byte order or layout; DataLoss when it is
// truncated, fails its checksum or holds inconsistent contents (with the
// offset). `program` is unspecified on error.
// `sources`, when not null, receives the image's sources (viewing `image`),
// empty when it has none.
absl::Status ReadImage(std::string_view image, std::shared_ptr<const void> owner, Program* program,
                       ImageSources* sources = nullptr);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_COMPILE_IMAGE_H_
