// File: evmatch/explain.h
// -----------------------------------------------------------------------------
// Why an event matched a pattern, or why it did not: every condition of the
// pattern with what the event had at its path, and hints for near misses
// ("equals-ignore-case would match", a number sent as a string, a key
// spelled differently, ...).
//
//   absl::StatusOr<evmatch::Explanation> why =
//       evmatch::ExplainPattern(pattern_json, event_json);
//   if (why.ok()) std::cout << evmatch::ExplanationText(*why);
//
// The verdict is always the one TestEventPattern and Matcher give. The
// explanation follows the pattern as written: conditions in document order
// with their JSON Pointers, `$or` arrays as their branches (not as the
// combinations they expand to), one PatternExplanation per pattern of a rule.
//
// A condition's status is decided on its own against the event, except where
// arrays decide: conditions that each hold, but only in different elements of
// an array, are kInconsistent (docs/semantics.md, "Arrays"). Removing every
// kFailed and kInconsistent condition from a pattern makes it match.
//
// Explaining re-parses the pattern and the event into trees; it is meant for
// people and tools, not for the hot path (a 1 MiB event takes milliseconds).
// Errors are those of TestEventPattern: pattern errors with a PatternError
// payload, event errors with an EventError payload.

#ifndef EVMATCH_EXPLAIN_H_
#define EVMATCH_EXPLAIN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "evmatch/abi.h"
#include "evmatch/evmatch.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

class LiveMatcher;

struct ExplainOptions {
  PatternOptions pattern_options;
  EventOptions event_options;
  // Values (and the pattern's field arrays) longer than this many bytes of
  // JSON are cut, ending in "...".
  size_t max_value_bytes = 120;
  // Event values listed per condition; the rest are counted.
  size_t max_values = 8;
  // ExplainPattern only. When true, a pattern refused because a wildcard
  // exceeds `pattern_options.max_wildcard_complexity` (and for nothing else)
  // is explained as if there were no limit: Explanation::refused holds the
  // refusal's reason, `matched` is what the pattern would give, and every
  // condition with such a wildcard carries a hint naming its complexity and
  // whether it would hold. When false, such a pattern is an error, as in
  // TestEventPattern.
  bool explain_refused = false;
};

enum class ConditionStatus : uint8_t {
  // Some value at the path satisfies the condition (or it is absent and the
  // condition accepts absence). `values` lists the satisfying values.
  kSatisfied,
  // Nothing at the path satisfies it. `values` lists what the event had there
  // (any type); `missing` when it had nothing.
  kFailed,
  // Satisfied on its own, but only in elements of array `array` other than
  // those the pattern's other conditions hold in.
  kInconsistent,
  // Not in force: a later condition on the same path replaces it
  // (docs/semantics.md, "Duplicate keys").
  kReplaced,
};

// "satisfied", "failed", "inconsistent", "replaced".
EVMATCH_EXPORT const char* ConditionStatusName(ConditionStatus status);

// A value of the event.
struct EventValue {
  std::string pointer;  // RFC 6901 pointer into the event
  std::string json;     // the value as JSON, cut past max_value_bytes
};

// One field array of the pattern: "state": ["stopped", {"prefix": "term"}].
struct ConditionExplanation {
  std::string pattern_pointer;         // of the field array, e.g. "/detail/state"
  std::string path;                    // the event path, dot-joined: "detail.state"
  std::vector<std::string> operators;  // distinct, in order: "equals", "prefix", ...
  std::string expected;                // the field array as canonical JSON, cut
  ConditionStatus status = ConditionStatus::kFailed;
  bool missing = false;            // the event has no value at `path`
  std::vector<EventValue> values;  // see ConditionStatus
  size_t more_values = 0;          // values not listed (max_values)
  std::string array;               // kInconsistent: pointer of the deciding array
  std::vector<std::string> hints;  // near misses, each one sentence
};

struct GroupExplanation;

// One `$or` array: satisfied when a branch is.
struct OrExplanation {
  std::string pattern_pointer;  // of the array, e.g. "/detail/$or"
  bool satisfied = false;
  std::vector<GroupExplanation> branches;
};

// An object of the pattern with the conditions below it (nested objects
// included, `$or` arrays apart): satisfied when all of them are.
struct GroupExplanation {
  std::string pattern_pointer;  // "" for the whole pattern, "/$or/1" for a branch
  bool satisfied = false;
  std::vector<ConditionExplanation> conditions;  // document order
  std::vector<OrExplanation> ors;
};

// One pattern of a rule.
struct PatternExplanation {
  bool matched = false;
  GroupExplanation root;
};

struct Explanation {
  std::string rule;  // "" for a lone pattern
  // With ExplainOptions::explain_refused: why the pattern is refused (its
  // AWS reason text); the verdict is then what it would be with the limit
  // raised. Empty otherwise.
  std::string refused;
  bool matched = false;
  std::vector<PatternExplanation> patterns;  // one per pattern of the rule
};

// Explains `pattern_json` against `event_json`. Errors as TestEventPattern.
EVMATCH_EXPORT absl::StatusOr<Explanation> ExplainPattern(std::string_view pattern_json,
                                                          std::string_view event_json,
                                                          const ExplainOptions& options = {});
// The same for an already parsed pattern.
EVMATCH_EXPORT absl::StatusOr<Explanation> ExplainPattern(const Pattern& pattern,
                                                          std::string_view event_json,
                                                          const ExplainOptions& options = {});

// Explains rule `name` of `rules` (every pattern it has) against the event.
// A Matcher keeps no patterns: explain its rules with the RuleSet it was
// compiled from (a LiveMatcher keeps them: see below). NotFound for a name the set does not have;
// event errors as TestEventPattern.
EVMATCH_EXPORT absl::StatusOr<Explanation> ExplainRule(const RuleSet& rules, std::string_view name,
                                                       std::string_view event_json,
                                                       const ExplainOptions& options = {});

// Rule `name` of a LiveMatcher, with the patterns in force when called.
// NotFound for a name it does not have; event errors as TestEventPattern.
EVMATCH_EXPORT absl::StatusOr<Explanation> ExplainRule(const LiveMatcher& live,
                                                       std::string_view name,
                                                       std::string_view event_json,
                                                       const ExplainOptions& options = {});
// Every rule of `rules`, in order, against the event (parsed once).
EVMATCH_EXPORT absl::StatusOr<std::vector<Explanation>> ExplainRules(
    const RuleSet& rules, std::string_view event_json, const ExplainOptions& options = {});

// The explanation as one line of JSON; the schema is documented in
// docs/explain.md and stable within a major version.
EVMATCH_EXPORT std::string ExplanationJson(const Explanation& explanation);
// The explanation as indented text for people, one condition per line.
EVMATCH_EXPORT std::string ExplanationText(const Explanation& explanation);

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_EXPLAIN_H_
