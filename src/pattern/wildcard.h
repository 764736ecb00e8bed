// Wildcard values: parsing with EventBridge's escapes and error positions,
// the complexity measure of SPEC D3, and a reference matcher.

#ifndef EVMATCH_SRC_PATTERN_WILDCARD_H_
#define EVMATCH_SRC_PATTERN_WILDCARD_H_

#include <string>
#include <string_view>
#include <vector>

namespace evmatch::internal {

// segments[0] * segments[1] * ... * segments[n]: n unescaped stars separate
// n + 1 literal byte strings (escapes resolved; inner segments non-empty).
struct WildcardPattern {
  std::vector<std::string> segments;

  size_t stars() const { return segments.size() - 1; }
  // The value as written in a pattern (`*` and `\` in literals escaped).
  std::string ToValue() const;
  // True when the whole of `text` matches (a star matches any bytes).
  bool Matches(std::string_view text) const;
};

// Parses a wildcard value. On error returns false and sets `*reason` to the
// EventBridge text ("Consecutive wildcard characters at pos N", "Invalid
// escape character at pos N"; N counts bytes from 1, as event-ruler does).
bool ParseWildcard(std::string_view value, WildcardPattern* out,
                   std::string* reason);

// The largest number of NFA positions active at once over all inputs
// (SPEC D3). Runs in time linear in the pattern length times log.
int WildcardComplexity(const WildcardPattern& pattern);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_PATTERN_WILDCARD_H_
