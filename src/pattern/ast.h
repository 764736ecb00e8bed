// The parsed form of one EventBridge pattern.
//
// PatternObject mirrors the pattern's objects (fields in document order,
// duplicates kept, `$or` arrays as branch lists), so it prints back as
// canonical JSON. `conjunctions` is the same pattern expanded the way
// event-ruler's compiler expands it: one conjunction per `$or` combination,
// each a set of leaf conditions keyed by the dot-joined field path, where a
// later condition on the same path replaces an earlier one (SPEC D10).

#ifndef EVMATCH_SRC_PATTERN_AST_H_
#define EVMATCH_SRC_PATTERN_AST_H_

#include <memory>
#include <string>
#include <vector>

#include "number/decimal.h"
#include "pattern/cidr.h"
#include "pattern/wildcard.h"

namespace evmatch::internal {

enum class ScalarType : unsigned char { kString, kNumber, kTrue, kFalse, kNull };

// A kNumber value is held in Matcher::numbers[0], apart: most values of a
// large rule set are strings.
struct Scalar {
  ScalarType type = ScalarType::kNull;
  std::string text;  // kString: decoded value
};

// One numeric interval; "=" x is the closed interval [x, x].
struct NumericRange {
  bool has_low = false, low_open = false;
  bool has_high = false, high_open = false;
  Decimal low, high;

  bool Contains(const Decimal& value) const;
};

enum class MatchKind : unsigned char {
  kExact,                  // value; a number in numbers[0]
  kPrefix,                 // strings[0]
  kPrefixIgnoreCase,       // strings[0]
  kSuffix,                 // strings[0]
  kSuffixIgnoreCase,       // strings[0]
  kEqualsIgnoreCase,       // strings[0]
  kWildcard,               // wildcards[0]
  kNumeric,                // range
  kExists,                 // exists
  kCidr,                   // cidr
  kAnythingBut,            // strings, or numbers when anything_but_numbers
  kAnythingButPrefix,      // strings
  kAnythingButSuffix,      // strings
  kAnythingButIgnoreCase,  // strings
  kAnythingButWildcard,    // wildcards
};

// The operands of numeric and cidr matchers are held apart, so that the
// common matchers of a million-rule set stay small (a pattern tree is kept
// per rule); they never change once parsed.
struct Matcher {
  MatchKind kind = MatchKind::kExact;
  bool exists = false;
  bool anything_but_numbers = false;
  bool list_form = false;  // anything-but operand was written as an array
  Scalar value;
  std::vector<std::string> strings;
  std::vector<Decimal> numbers;
  std::vector<WildcardPattern> wildcards;
  std::shared_ptr<const NumericRange> range;  // kNumeric
  std::shared_ptr<const CidrBlock> cidr;      // kCidr
};

struct PatternObject;

struct PatternField {
  enum class Type : unsigned char { kObject, kLeaf, kOr };
  Type type = Type::kLeaf;
  std::string key;                       // "$or" for kOr
  std::vector<PatternObject> children;   // kObject: one; kOr: the branches
  std::vector<Matcher> matchers;         // kLeaf
};

struct PatternObject {
  std::vector<PatternField> fields;
};

// A leaf condition of an expanded pattern; `matchers` points into the tree.
struct LeafCondition {
  std::string path;  // field names joined with '.'
  const std::vector<Matcher>* matchers = nullptr;
};

struct PatternAst {
  PatternObject root;
  std::vector<std::vector<LeafCondition>> conjunctions;
};

// Appends the canonical JSON of one matcher (also a deduplication key).
void AppendMatcherJson(std::string* out, const Matcher& m);

// Canonical compact JSON of the tree.
std::string PrintPattern(const PatternObject& root);

// Expands `root` into conjunctions (pointers refer into `root`).
std::vector<std::vector<LeafCondition>> ExpandPattern(const PatternObject& root);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_PATTERN_AST_H_
