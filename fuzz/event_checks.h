// Checks shared by the event and differential fuzzers.

#ifndef EVMATCH_FUZZ_EVENT_CHECKS_H_
#define EVMATCH_FUZZ_EVENT_CHECKS_H_

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "evmatch/evmatch.h"
#include "json/json_tree.h"

namespace evmatch_fuzz {

[[noreturn]] inline void Fail(const char* what, std::string_view input) {
  std::fprintf(stderr, "%s\ninput (%zu bytes): %.*s\n", what, input.size(),
               static_cast<int>(input.size()), input.data());
  std::abort();
}

struct Outcome {
  evmatch::MatchStatus status;
  std::vector<evmatch::RuleId> matches;
  bool operator==(const Outcome&) const = default;
};

inline Outcome MatchOne(const evmatch::Matcher& matcher, evmatch::Scratch& scratch,
                 std::string_view event, evmatch::MatchMode mode) {
  std::string buffer(event);
  buffer.reserve(buffer.size() + evmatch::kPadding);
  Outcome out{matcher.Match(buffer, buffer.capacity(), scratch, mode), {}};
  if (out.status == evmatch::MatchStatus::kOk) {
    out.matches.assign(scratch.matches().begin(), scratch.matches().end());
  }
  return out;
}

// `event` through `matcher` (compiled from `rules`) against the reference
// evaluator: when the reference accepts the event, complete mode must accept
// it and agree rule by rule, and lazy mode must agree too unless an object
// repeats a key.
inline void CheckAgainstReference(const evmatch::RuleSet& rules, const evmatch::Matcher& matcher,
                                  evmatch::Scratch& scratch, std::string_view input) {
  const Outcome complete = MatchOne(matcher, scratch, input, evmatch::MatchMode::kComplete);
  const Outcome lazy = MatchOne(matcher, scratch, input, evmatch::MatchMode::kLazy);
  std::vector<evmatch::RuleId> want;
  for (size_t r = 0; r < rules.size(); ++r) {
    bool hit = false;
    for (const evmatch::Pattern& p : rules.patterns(r)) {
      absl::StatusOr<bool> result = evmatch::TestEventPattern(p, input);
      if (!result.ok()) return;  // the reference rejects the event: nothing to compare
      hit |= *result;
    }
    if (hit) want.push_back(static_cast<evmatch::RuleId>(r));
  }
  if (complete.status != evmatch::MatchStatus::kOk) {
    Fail("complete mode rejects a valid event", input);
  }
  if (complete.matches != want) Fail("complete mode disagrees with the reference", input);
  evmatch::internal::JsonValue tree;
  evmatch::internal::JsonParseError error;
  if (!evmatch::internal::ParseJsonTree(input, 1 << 10, &tree, &error)) return;
  if (evmatch::internal::HasRepeatedKey(tree)) return;
  if (lazy != complete) Fail("lazy mode disagrees with complete mode", input);
}

}  // namespace evmatch_fuzz

#endif  // EVMATCH_FUZZ_EVENT_CHECKS_H_
