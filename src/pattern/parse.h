// Pattern text -> PatternObject, with EventBridge's validation rules.

#ifndef EVMATCH_SRC_PATTERN_PARSE_H_
#define EVMATCH_SRC_PATTERN_PARSE_H_

#include <string_view>

#include "absl/status/status.h"
#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "pattern/ast.h"

namespace evmatch::internal {

// AWS's reason for a wildcard above PatternOptions::max_wildcard_complexity.
inline constexpr char kWildcardTooComplex[] =
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character";

// Validates `text` and fills `*root`. Errors carry a PatternError payload
// with an empty rule name (callers that know the rule add it).
absl::Status ParsePatternTree(std::string_view text, const PatternOptions& options,
                              PatternObject* root);

// The same for a pattern already parsed as part of a larger document:
// `value` is its tree (offsets into that document) and `text` its slice of
// the document. Errors are exactly those of ParsePatternTree(text): a pattern
// that fails is parsed again from its text, so offsets are relative to it.
absl::Status ParsePatternValue(const JsonValue& value, std::string_view text,
                               const PatternOptions& options, PatternObject* root);

}  // namespace evmatch::internal

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
// The parsed form behind a public Pattern (defined in pattern.cc).
const internal::PatternAst& AstOf(const Pattern& pattern);
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_SRC_PATTERN_PARSE_H_
