// The invariants every explanation keeps, checked with Catch against the
// reference evaluator (TestEventPattern):
//
//   * the verdict is TestEventPattern's;
//   * a condition reported kFailed fails when it is the whole pattern, one
//     reported kSatisfied or kInconsistent holds so, and every value listed
//     as satisfying a condition satisfies it on its own;
//   * removing every kFailed, kInconsistent and kReplaced condition from a
//     pattern that does not match makes it match (where what is left is a
//     valid pattern).
//
// Used by the conformance suite (every case) and the differential suite
// (random cases).

#ifndef EVMATCH_TESTS_SUPPORT_EXPLAIN_INVARIANTS_H_
#define EVMATCH_TESTS_SUPPORT_EXPLAIN_INVARIANTS_H_

#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "evmatch/evmatch.h"
#include "evmatch/explain.h"
#include "pattern/ast.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
const internal::PatternAst& AstOf(const Pattern& pattern);
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

namespace evmatch_test {

struct ExplainCounts {
  size_t cases = 0;       // explanations checked
  size_t conditions = 0;  // conditions checked on their own
  size_t removals = 0;    // non-matching patterns made to match by removal
};

namespace explain_internal {

inline std::string Quoted(std::string_view s) {
  std::string out;
  evmatch::internal::AppendJsonString(&out, s);
  return out;
}

// Removes from `object` (at pattern pointer `*pointer`) the field arrays
// whose pointers are in `drop`, then objects left empty, and `$or` arrays of
// which a branch was left empty (that branch holds for every event).
inline void Prune(evmatch::internal::PatternObject* object, std::string* pointer,
                  const std::set<std::string>& drop) {
  using Type = evmatch::internal::PatternField::Type;
  std::vector<evmatch::internal::PatternField> kept;
  for (evmatch::internal::PatternField& field : object->fields) {
    const size_t size = pointer->size();
    evmatch::internal::AppendPointerToken(pointer, field.key);
    bool keep = true;
    if (field.type == Type::kLeaf) {
      keep = drop.count(*pointer) == 0;
    } else if (field.type == Type::kObject) {
      Prune(&field.children[0], pointer, drop);
      keep = !field.children[0].fields.empty();
    } else {
      for (size_t i = 0; i < field.children.size(); ++i) {
        const size_t before = pointer->size();
        evmatch::internal::Append(pointer, "/", i);
        Prune(&field.children[i], pointer, drop);
        keep &= !field.children[i].fields.empty();
        pointer->resize(before);
      }
    }
    pointer->resize(size);
    if (keep) kept.push_back(std::move(field));
  }
  object->fields = std::move(kept);
}

inline void Conditions(const evmatch::GroupExplanation& group,
                       std::vector<const evmatch::ConditionExplanation*>* out) {
  for (const evmatch::ConditionExplanation& c : group.conditions) out->push_back(&c);
  for (const evmatch::OrExplanation& alternatives : group.ors) {
    CHECK(alternatives.branches.size() >= 2);
    for (const evmatch::GroupExplanation& branch : alternatives.branches) {
      Conditions(branch, out);
    }
  }
}

}  // namespace explain_internal

// Checks the invariants for one pattern and event; adds to `counts`.
inline void CheckExplanation(const std::string& pattern_text, const std::string& event,
                             const evmatch::PatternOptions& pattern_options,
                             ExplainCounts* counts) {
  using evmatch::ConditionStatus;
  using explain_internal::Quoted;
  INFO("pattern: " << pattern_text);
  INFO("event: " << event);
  evmatch::ExplainOptions options;
  options.pattern_options = pattern_options;
  options.max_value_bytes = size_t{1} << 30;  // nothing cut: values are re-parsed below
  options.max_values = size_t{1} << 30;
  absl::StatusOr<bool> verdict = evmatch::TestEventPattern(pattern_text, event, pattern_options);
  absl::StatusOr<evmatch::Explanation> why = evmatch::ExplainPattern(pattern_text, event, options);
  REQUIRE(why.ok() == verdict.ok());
  if (!why.ok()) return;
  ++counts->cases;
  REQUIRE(why->patterns.size() == 1);
  REQUIRE(why->matched == *verdict);
  REQUIRE(why->patterns[0].matched == *verdict);
  REQUIRE(why->patterns[0].root.satisfied == *verdict);

  std::vector<const evmatch::ConditionExplanation*> conditions;
  explain_internal::Conditions(why->patterns[0].root, &conditions);
  std::set<std::string> drop;
  for (const evmatch::ConditionExplanation* c : conditions) {
    INFO("condition " << c->pattern_pointer << " " << c->expected << ": "
                      << evmatch::ConditionStatusName(c->status));
    const std::string alone = "{" + Quoted(c->path) + ":" + c->expected + "}";
    absl::StatusOr<bool> holds = evmatch::TestEventPattern(alone, event, pattern_options);
    REQUIRE(holds.ok());
    ++counts->conditions;
    switch (c->status) {
      case ConditionStatus::kSatisfied:
        CHECK(*holds);
        for (const evmatch::EventValue& value : c->values) {
          INFO("value " << value.json << " at " << value.pointer);
          CHECK(*evmatch::TestEventPattern(alone, "{" + Quoted(c->path) + ":" + value.json + "}",
                                           pattern_options));
        }
        break;
      case ConditionStatus::kInconsistent:
        CHECK(*holds);
        CHECK(!c->array.empty());
        drop.insert(c->pattern_pointer);
        break;
      case ConditionStatus::kFailed:
        CHECK_FALSE(*holds);
        CHECK(c->missing == c->values.empty());
        drop.insert(c->pattern_pointer);
        break;
      case ConditionStatus::kReplaced:
        drop.insert(c->pattern_pointer);
        break;
    }
  }
  if (*verdict) {
    // Array consistency is only blamed for a pattern that does not match.
    for (const evmatch::ConditionExplanation* c : conditions) {
      CHECK(c->status != ConditionStatus::kInconsistent);
    }
    return;
  }
  // Removing what the explanation blames makes the pattern match.
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern_text, pattern_options);
  REQUIRE(parsed.ok());
  evmatch::internal::PatternObject root = evmatch::AstOf(*parsed).root;
  std::string pointer;
  explain_internal::Prune(&root, &pointer, drop);
  if (root.fields.empty()) return;  // nothing left: every event would match
  const std::string rest = evmatch::internal::PrintPattern(root);
  INFO("after removing the blamed conditions: " << rest);
  absl::StatusOr<bool> now = evmatch::TestEventPattern(rest, event, pattern_options);
  if (!now.ok()) return;  // no longer a valid pattern ($or with one branch, ...)
  CHECK(*now);
  ++counts->removals;
}

}  // namespace evmatch_test

#endif  // EVMATCH_TESTS_SUPPORT_EXPLAIN_INVARIANTS_H_
