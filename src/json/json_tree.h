// A fully materialised JSON tree with byte offsets and number tokens kept as
// written. Used where clarity beats speed: pattern validation (which needs
// offsets, duplicate keys and exact numbers) and the reference evaluator.

#ifndef EVMATCH_SRC_JSON_JSON_TREE_H_
#define EVMATCH_SRC_JSON_JSON_TREE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"

namespace evmatch::internal {

struct JsonMember;

struct JsonValue {
  enum class Type : unsigned char {
    kObject, kArray, kString, kNumber, kTrue, kFalse, kNull
  };
  Type type = Type::kNull;
  size_t offset = 0;              // byte offset of the value's first byte
  size_t end = 0;                 // byte offset just past the value
  std::string text;               // decoded string, or number token as written
  std::vector<JsonMember> members;  // objects: document order, duplicates kept
  std::vector<JsonValue> elements;  // arrays

  bool is_object() const { return type == Type::kObject; }
  bool is_array() const { return type == Type::kArray; }
  bool is_string() const { return type == Type::kString; }
  bool is_number() const { return type == Type::kNumber; }
  // The token as Jackson's getText() would show it: decoded strings, numbers
  // and literals as written, "{" / "[" for containers.
  std::string_view TokenText() const;
};

struct JsonMember {
  std::string key;   // decoded
  size_t key_offset = 0;
  JsonValue value;
};

struct JsonParseError {
  enum class Kind : unsigned char { kSyntax, kDepth };
  Kind kind = Kind::kSyntax;
  size_t offset = 0;
  std::string reason;
};

// A tree built only where it is read, and the numbers JSON allows but
// binary64 cannot hold. With `paths`, values at the dot-joined paths it
// holds (it must also hold every prefix of each path) are built in full;
// every other value is validated as thoroughly but not kept: an object's
// members are those on kept paths (with `keys`, the others too, as a key
// and a value's type and offsets), while its offsets still span the whole
// object, so that its text can be read again. Paths join keys with '.'
// below the root ("a.b"), arrays adding no step (docs/semantics.md).
// Without `paths`, the whole tree is built.
// Dot-joined event paths.
using PathSet = absl::flat_hash_set<std::string>;

struct PartialTree {
  const PathSet* paths = nullptr;
  bool keys = false;
  // Set by ParseJsonTree: the first number beyond binary64 in the whole text
  // (kept or not), in document order; npos when there is none.
  size_t huge_number_offset = std::string::npos;
  std::string huge_number;
};

// Parses `text` completely (UTF-8 validated, escapes checked, numbers checked
// against the JSON grammar, nothing may follow the value). Nesting deeper than
// `max_depth` containers is reported as kDepth. Returns false and fills
// `*error` on failure. With `partial`, builds what partial->paths keeps and
// reports the first huge number there.
bool ParseJsonTree(std::string_view text, int max_depth, JsonValue* out, JsonParseError* error,
                   PartialTree* partial = nullptr);

// Parses `text` as ParseJsonTree does, except that the members of a root
// object are handed to `visit` one at a time as they are built and not kept:
// `*root` gets the root's type and offsets but no members, and memory stays
// that of the largest member. On failure `visit` may have seen the members
// before the error; the caller discards what it made of them.
using MemberVisitor = absl::FunctionRef<void(const JsonMember&)>;
bool ParseJsonMembers(std::string_view text, int max_depth, JsonValue* root, JsonParseError* error,
                      const MemberVisitor& visit);

// True when some object in `v` repeats a key, counting a dotted key after the
// plain key of its first part ("a.b" after "a") as a repetition. Events may;
// the matcher's lazy mode may then stop after the first occurrence where
// complete mode reads them all.
bool HasRepeatedKey(const JsonValue& v);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_JSON_JSON_TREE_H_
