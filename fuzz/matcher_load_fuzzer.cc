// Arbitrary bytes as a matcher image (Matcher::Load): refused with
// InvalidArgument or DataLoss, or loaded; a loaded matcher matches a few
// events without crashing or reading out of bounds, and writes an image that
// loads again. Each input is tried as it is and with its header's size and
// checksum made right, so that mutations reach the body's checks.
//
// Seeds: images of the rule sets in fuzz/seed_rules (every operator; many
// values under one guard), written by `evmatch compile --rules
// fuzz/seed_rules/NAME.json -o fuzz/corpus/matcher_load_fuzzer/seed_NAME.evm`,
// and seed_checkpoint.evm, a LiveMatcher::Checkpoint (with its patterns) of
// three rules: a numeric range beside a source, a wildcard and a CIDR block.
// Rewrite them when the format version changes.

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "compile/image.h"
#include "evmatch/evmatch.h"
#include "runtime/kernel.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::string_view kEvents[] = {
    R"({"source":"aws.s3","detail-type":"x","detail":{"a":"b","n":5,"t":true,"z":null}})",
    R"({"detail":{"key":"logs/img.png","ip":"10.0.0.1","user":"ALICE","items":[{"id":"x"}]}})",
    R"({"a":[1,2,{"b":[{"c":"d"}]}],"b":{"c":{"d":{"e":{"f":"g"}}}},"n":-0.5e3})",
    R"({})",
};

void Try(std::string_view bytes) {
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Load(bytes);
  if (!matcher.ok()) {
    const absl::StatusCode code = matcher.status().code();
    Check(code == absl::StatusCode::kInvalidArgument || code == absl::StatusCode::kDataLoss);
    return;
  }
  // The image's options size the parser: an image may ask for events of up
  // to 4 GiB, which a Scratch then allocates; not here.
  const evmatch::internal::Program& program = evmatch::internal::MatcherAccess::ProgramOf(*matcher);
  evmatch::Scratch scratch;
  if (program.options.max_event_bytes <= (size_t{64} << 20) &&
      matcher->PrepareScratch(scratch).ok()) {
    for (std::string_view text : kEvents) {
      std::string event(text);
      event.resize(text.size() + evmatch::kPadding);
      for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
        (void)matcher->Match(std::string_view(event.data(), text.size()), event.size(), scratch,
                             mode);
        for (evmatch::RuleId id : scratch.matches()) Check(id < matcher->rule_count());
      }
    }
  }
  Check(evmatch::Matcher::Load(matcher->Serialize()).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  Try(bytes);
  if (size >= evmatch::internal::kImageHeaderBytes) {
    std::string sealed(bytes);
    const uint64_t length = size;
    std::memcpy(sealed.data() + 16, &length, 8);
    evmatch::internal::SealImage(&sealed);
    Try(sealed);
  }
  return 0;
}
