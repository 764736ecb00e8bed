// Explanations: the pattern's tree walked beside the reference evaluator's
// view of the event.
//
// Each field array of the pattern is decided on its own: its candidates are
// the event leaves at its path that satisfy one of its matchers. The verdict
// is the reference evaluator's. When the pattern does not match, each
// expanded conjunction (one per `$or` combination) is checked for array
// consistency among the conditions that hold on their own: they are added
// in order while a consistent choice of leaves exists, and a condition that
// cannot be added is kInconsistent. What is left after removing every failed
// and inconsistent condition of a conjunction therefore has a consistent
// choice, so removing them from the pattern makes it match.

#include "evmatch/explain.h"

#include <algorithm>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "evmatch/live.h"
#include "explain/hints.h"
#include "pattern/ast.h"
#include "pattern/parse.h"
#include "pattern/wildcard.h"
#include "reference/evaluate.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

using internal::EventLeaf;
using internal::JsonValue;
using internal::LeafCondition;
using FieldMatcher = internal::Matcher;  // evmatch::Matcher is the compiled matcher
using internal::MatchKind;
using internal::PatternAst;
using internal::PatternField;
using internal::PatternObject;
using internal::ReferenceEvent;

const PatternAst& AstOf(const Pattern& pattern);

const char* ConditionStatusName(ConditionStatus status) {
  switch (status) {
    case ConditionStatus::kSatisfied:
      return "satisfied";
    case ConditionStatus::kFailed:
      return "failed";
    case ConditionStatus::kInconsistent:
      return "inconsistent";
    case ConditionStatus::kReplaced:
      return "replaced";
  }
  return "";
}

namespace {

const char* OperatorName(MatchKind kind) {
  switch (kind) {
    case MatchKind::kExact:
      return "equals";
    case MatchKind::kPrefix:
      return "prefix";
    case MatchKind::kPrefixIgnoreCase:
      return "prefix equals-ignore-case";
    case MatchKind::kSuffix:
      return "suffix";
    case MatchKind::kSuffixIgnoreCase:
      return "suffix equals-ignore-case";
    case MatchKind::kEqualsIgnoreCase:
      return "equals-ignore-case";
    case MatchKind::kWildcard:
      return "wildcard";
    case MatchKind::kNumeric:
      return "numeric";
    case MatchKind::kExists:
      return "exists";
    case MatchKind::kCidr:
      return "cidr";
    case MatchKind::kAnythingBut:
      return "anything-but";
    case MatchKind::kAnythingButPrefix:
      return "anything-but prefix";
    case MatchKind::kAnythingButSuffix:
      return "anything-but suffix";
    case MatchKind::kAnythingButIgnoreCase:
      return "anything-but equals-ignore-case";
    case MatchKind::kAnythingButWildcard:
      return "anything-but wildcard";
  }
  return "";
}

// A condition being explained, with what the evaluation needs besides.
struct Entry {
  ConditionExplanation* out;
  std::vector<const EventLeaf*> candidates;
};

class Explainer {
 public:
  // `wildcard_limit` > 0: the pattern was refused for a wildcard above this
  // complexity, and such wildcards get a hint.
  Explainer(const ReferenceEvent& event, std::string_view event_text, const ExplainOptions& options,
            int wildcard_limit = 0)
      : event_(event),
        event_text_(event_text),
        options_(options),
        wildcard_limit_(wildcard_limit) {}

  PatternExplanation Explain(const PatternAst& ast) {
    in_force_.clear();
    entries_.clear();
    conjunctions_ = ast.conjunctions.size();
    for (const auto& conjunction : ast.conjunctions) {
      for (const LeafCondition& c : conjunction) ++in_force_[c.matchers];
    }
    PatternExplanation out;
    out.matched = event_.Matches(ast);
    std::string pointer;
    Fields(ast.root, "", /*at_root=*/true, /*in_or=*/false, &pointer, &out.root);
    if (!out.matched) {
      for (const auto& conjunction : ast.conjunctions) MarkInconsistent(conjunction);
    }
    Settle(&out.root);
    // Where a condition outside `$or` is replaced by one on the same path in
    // a branch, the tree alone cannot tell; the verdict can.
    out.root.satisfied = out.matched;
    return out;
  }

 private:
  // Adds the fields of `object` (at event path `path`, pattern pointer
  // `*pointer`) to `group`: leaves as conditions, nested objects' fields
  // likewise, `$or` arrays as alternatives with a group per branch.
  void Fields(const PatternObject& object, const std::string& path, bool at_root, bool in_or,
              std::string* pointer, GroupExplanation* group) {
    // entries_ points at the conditions: the vector must not move them.
    if (group->conditions.empty()) group->conditions.reserve(CountLeaves(object));
    for (const PatternField& field : object.fields) {
      const size_t size = pointer->size();
      internal::AppendPointerToken(pointer, field.key);
      switch (field.type) {
        case PatternField::Type::kObject:
          Fields(field.children[0], Join(path, at_root, field.key), false, in_or, pointer, group);
          break;
        case PatternField::Type::kLeaf:
          group->conditions.push_back({});
          Condition(field, Join(path, at_root, field.key), *pointer, in_or,
                    &group->conditions.back());
          break;
        case PatternField::Type::kOr: {
          group->ors.push_back({});
          OrExplanation& alternatives = group->ors.back();
          alternatives.pattern_pointer = *pointer;
          alternatives.branches.resize(field.children.size());
          for (size_t i = 0; i < field.children.size(); ++i) {
            const size_t before = pointer->size();
            internal::Append(pointer, "/", i);
            alternatives.branches[i].pattern_pointer = *pointer;
            Fields(field.children[i], path, at_root, /*in_or=*/true, pointer,
                   &alternatives.branches[i]);
            pointer->resize(before);
          }
          break;
        }
      }
      pointer->resize(size);
    }
  }

  // Field arrays of `object` and its nested objects, `$or` branches apart.
  static size_t CountLeaves(const PatternObject& object) {
    size_t count = 0;
    for (const PatternField& field : object.fields) {
      if (field.type == PatternField::Type::kLeaf) ++count;
      if (field.type == PatternField::Type::kObject) count += CountLeaves(field.children[0]);
    }
    return count;
  }

  static std::string Join(const std::string& path, bool at_root, const std::string& key) {
    return at_root ? key : internal::Cat(path, ".", key);
  }

  std::string ValueJson(const JsonValue& value) const {
    return internal::Cut(event_text_.substr(value.offset, value.end - value.offset),
                         options_.max_value_bytes);
  }

  void AddValue(const JsonValue& value, std::string_view pointer, ConditionExplanation* out) {
    if (out->values.size() < options_.max_values) {
      out->values.push_back({std::string(pointer), ValueJson(value)});
    } else {
      ++out->more_values;
    }
  }

  // `in_or`: the condition is inside a `$or` branch.
  void Condition(const PatternField& field, std::string path, const std::string& pointer,
                 bool in_or, ConditionExplanation* out) {
    out->pattern_pointer = pointer;
    out->path = std::move(path);
    for (const FieldMatcher& m : field.matchers) {
      const std::string name = OperatorName(m.kind);
      if (std::find(out->operators.begin(), out->operators.end(), name) == out->operators.end()) {
        out->operators.push_back(name);
      }
    }
    std::string expected = "[";
    for (size_t i = 0; i < field.matchers.size(); ++i) {
      if (i > 0) expected.push_back(',');
      internal::AppendMatcherJson(&expected, field.matchers[i]);
    }
    expected.push_back(']');
    out->expected = internal::Cut(expected, options_.max_value_bytes);

    const LeafCondition condition{out->path, &field.matchers};
    const std::vector<size_t>* at = event_.LeavesAt(out->path);
    out->missing = at == nullptr;
    Entry entry{out, {}};
    if (at != nullptr) {
      for (size_t index : *at) {
        const EventLeaf& leaf = event_.leaves()[index];
        if (std::any_of(field.matchers.begin(), field.matchers.end(),
                        [&](const FieldMatcher& m) { return internal::LeafSatisfies(m, leaf); })) {
          entry.candidates.push_back(&leaf);
        }
      }
    }
    const bool holds =
        (at == nullptr && internal::AbsenceAllowed(condition)) || !entry.candidates.empty();
    const auto in_force = in_force_.find(&field.matchers);
    if (in_force == in_force_.end()) {
      out->status = ConditionStatus::kReplaced;
    } else {
      out->status = holds ? ConditionStatus::kSatisfied : ConditionStatus::kFailed;
    }
    if (holds) {
      for (const EventLeaf* leaf : entry.candidates) {
        AddValue(*leaf->value, event_.pointer(*leaf), out);
      }
    } else if (at != nullptr) {
      for (size_t index : *at) {
        const EventLeaf& leaf = event_.leaves()[index];
        AddValue(*leaf.value, event_.pointer(leaf), out);
      }
    }
    if (out->status == ConditionStatus::kFailed) {
      std::vector<const EventLeaf*> present;
      if (at != nullptr) {
        for (size_t index : *at) present.push_back(&event_.leaves()[index]);
      }
      out->hints =
          internal::NearMisses(field.matchers, out->path, present, event_.root(), event_text_);
    }
    if (wildcard_limit_ > 0) RefusedWildcardHints(field, out);
    if (!in_or && in_force != in_force_.end() && in_force->second < conjunctions_) {
      out->hints.push_back(
          "a condition on the same path inside a $or branch replaces this one where that "
          "branch applies");
    }
    entries_.emplace(&field.matchers, std::move(entry));
  }

  // For a pattern explained past its refusal: each wildcard over the limit.
  void RefusedWildcardHints(const PatternField& field, ConditionExplanation* out) const {
    for (const FieldMatcher& m : field.matchers) {
      for (const internal::WildcardPattern& w : m.wildcards) {
        const int complexity = internal::WildcardComplexity(w);
        if (complexity <= wildcard_limit_) continue;
        out->hints.push_back(internal::Cat(
            "this wildcard's complexity is ", complexity, ", above the limit of ", wildcard_limit_,
            " (PatternOptions::max_wildcard_complexity): with the limit raised to ", complexity,
            " the pattern is accepted and this condition ",
            out->status == ConditionStatus::kFailed ? "still fails" : "holds"));
      }
    }
  }

  // Marks, in one conjunction that does not match, the conditions that hold
  // on their own but not together with the ones before them.
  void MarkInconsistent(const std::vector<LeafCondition>& conjunction) {
    std::vector<std::vector<const EventLeaf*>> kept;
    std::vector<const EventLeaf*> chosen;  // one leaf per list of `kept`
    for (const LeafCondition& condition : conjunction) {
      Entry& entry = entries_.at(condition.matchers);
      if (entry.out->status == ConditionStatus::kFailed || entry.candidates.empty()) continue;
      kept.push_back(entry.candidates);
      // Most often a candidate agrees with the choice so far; otherwise
      // search all choices again.
      const auto fits = std::find_if(
          entry.candidates.begin(), entry.candidates.end(), [&](const EventLeaf* leaf) {
            return std::all_of(chosen.begin(), chosen.end(), [&](const EventLeaf* other) {
              return internal::Consistent(*leaf, *other);
            });
          });
      if (fits != entry.candidates.end()) {
        chosen.push_back(*fits);
        continue;
      }
      std::vector<const EventLeaf*> attempt;
      if (ReferenceEvent::ConsistentChoice(kept, &attempt)) {
        chosen = std::move(attempt);
        continue;
      }
      kept.pop_back();
      entry.out->status = ConditionStatus::kInconsistent;
      entry.out->array = ConflictingArray(entry.candidates, chosen);
    }
  }

  // The pointer of an array in which every candidate disagrees with a chosen
  // leaf (the first such array of the first candidate).
  std::string ConflictingArray(const std::vector<const EventLeaf*>& candidates,
                               const std::vector<const EventLeaf*>& chosen) const {
    for (const EventLeaf* leaf : candidates) {
      for (const EventLeaf* other : chosen) {
        for (const auto& [array, index] : leaf->trail) {
          for (const auto& [other_array, other_index] : other->trail) {
            if (array == other_array && index != other_index) {
              return event_.array_pointer(array);
            }
          }
        }
      }
    }
    return "";
  }

  // Sets the satisfied flags bottom-up.
  static bool Settle(GroupExplanation* group) {
    bool satisfied = true;
    for (const ConditionExplanation& c : group->conditions) {
      satisfied &=
          c.status == ConditionStatus::kSatisfied || c.status == ConditionStatus::kReplaced;
    }
    for (OrExplanation& alternatives : group->ors) {
      alternatives.satisfied = false;
      for (GroupExplanation& branch : alternatives.branches) {
        alternatives.satisfied |= Settle(&branch);
      }
      satisfied &= alternatives.satisfied;
    }
    group->satisfied = satisfied;
    return satisfied;
  }

  const ReferenceEvent& event_;
  std::string_view event_text_;
  const ExplainOptions& options_;
  const int wildcard_limit_;
  // Conjunctions each condition is in force in, by its field array, and how
  // many there are.
  std::unordered_map<const std::vector<FieldMatcher>*, size_t> in_force_;
  size_t conjunctions_ = 0;
  std::unordered_map<const std::vector<FieldMatcher>*, Entry> entries_;
};

// Adds the path of every field array of `object` (in force or replaced) and
// every prefix of it: the event's other leaves are never looked at (hints
// walk the event's tree instead).
void AddPaths(const PatternObject& object, const std::string& path, bool at_root,
              internal::PathSet* paths) {
  for (const PatternField& field : object.fields) {
    if (field.type == PatternField::Type::kOr) {
      for (const PatternObject& branch : field.children) AddPaths(branch, path, at_root, paths);
      continue;
    }
    const std::string child = at_root ? field.key : internal::Cat(path, ".", field.key);
    // A dotted key ("a.b") names a path of several steps.
    for (size_t dot = child.find('.'); dot != std::string::npos; dot = child.find('.', dot + 1)) {
      paths->insert(child.substr(0, dot));
    }
    paths->insert(child);
    if (field.type == PatternField::Type::kObject) {
      AddPaths(field.children[0], child, false, paths);
    }
  }
}

absl::StatusOr<ReferenceEvent> ParseEvent(std::string_view event_json,
                                          const ExplainOptions& options,
                                          const internal::PathSet& paths) {
  return ReferenceEvent::Parse(event_json, options.event_options, /*record_pointers=*/true, &paths);
}

}  // namespace

namespace {

// One pattern against the event; `wildcard_limit` as Explainer's.
absl::StatusOr<Explanation> ExplainOnePattern(const Pattern& pattern, std::string_view event_json,
                                              const ExplainOptions& options,
                                              int wildcard_limit = 0) {
  internal::PathSet paths;
  AddPaths(AstOf(pattern).root, "", /*at_root=*/true, &paths);
  absl::StatusOr<ReferenceEvent> event = ParseEvent(event_json, options, paths);
  if (!event.ok()) return event.status();
  Explanation out;
  out.patterns.push_back(
      Explainer(*event, event_json, options, wildcard_limit).Explain(AstOf(pattern)));
  out.matched = out.patterns[0].matched;
  return out;
}

}  // namespace

absl::StatusOr<Explanation> ExplainPattern(const Pattern& pattern, std::string_view event_json,
                                           const ExplainOptions& options) {
  return ExplainOnePattern(pattern, event_json, options);
}

absl::StatusOr<Explanation> ExplainPattern(std::string_view pattern_json,
                                           std::string_view event_json,
                                           const ExplainOptions& options) {
  absl::StatusOr<Pattern> pattern = Pattern::Parse(pattern_json, options.pattern_options);
  if (pattern.ok()) return ExplainOnePattern(*pattern, event_json, options);
  const int limit = options.pattern_options.max_wildcard_complexity;
  const std::optional<PatternError> error = GetPatternError(pattern.status());
  if (!options.explain_refused || limit <= 0 || !error ||
      error->reason != internal::kWildcardTooComplex) {
    return pattern.status();
  }
  // Refused for a wildcard's complexity alone? Then explained without the
  // limit.
  PatternOptions unlimited = options.pattern_options;
  unlimited.max_wildcard_complexity = 0;
  absl::StatusOr<Pattern> accepted = Pattern::Parse(pattern_json, unlimited);
  if (!accepted.ok()) return pattern.status();
  absl::StatusOr<Explanation> out = ExplainOnePattern(*accepted, event_json, options, limit);
  if (out.ok()) out->refused = error->reason;
  return out;
}

namespace {

Explanation ExplainOne(const RuleSet& rules, size_t index, const ReferenceEvent& event,
                       std::string_view event_json, const ExplainOptions& options) {
  Explanation out;
  out.rule = std::string(rules.name(index));
  Explainer explainer(event, event_json, options);
  for (const Pattern& pattern : rules.patterns(index)) {
    out.patterns.push_back(explainer.Explain(AstOf(pattern)));
    out.matched |= out.patterns.back().matched;
  }
  return out;
}

void AddRulePaths(const RuleSet& rules, size_t index, internal::PathSet* paths) {
  for (const Pattern& pattern : rules.patterns(index)) {
    AddPaths(AstOf(pattern).root, "", /*at_root=*/true, paths);
  }
}

}  // namespace

absl::StatusOr<Explanation> ExplainRule(const RuleSet& rules, std::string_view name,
                                        std::string_view event_json,
                                        const ExplainOptions& options) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules.name(i) != name) continue;
    internal::PathSet paths;
    AddRulePaths(rules, i, &paths);
    absl::StatusOr<ReferenceEvent> event = ParseEvent(event_json, options, paths);
    if (!event.ok()) return event.status();
    return ExplainOne(rules, i, *event, event_json, options);
  }
  return absl::NotFoundError(internal::Cat("no rule is named \"", name, "\""));
}

absl::StatusOr<Explanation> ExplainRule(const LiveMatcher& live, std::string_view name,
                                        std::string_view event_json,
                                        const ExplainOptions& options) {
  std::vector<Pattern> patterns = live.patterns(name);
  if (patterns.empty())
    return absl::NotFoundError(internal::Cat("no rule is named \"", name, "\""));
  RuleSet rule;
  for (Pattern& pattern : patterns) (void)rule.Add(name, std::move(pattern));
  return ExplainRule(rule, name, event_json, options);
}

absl::StatusOr<std::vector<Explanation>> ExplainRules(const RuleSet& rules,
                                                      std::string_view event_json,
                                                      const ExplainOptions& options) {
  internal::PathSet paths;
  for (size_t i = 0; i < rules.size(); ++i) AddRulePaths(rules, i, &paths);
  absl::StatusOr<ReferenceEvent> event = ParseEvent(event_json, options, paths);
  if (!event.ok()) return event.status();
  std::vector<Explanation> out;
  out.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    out.push_back(ExplainOne(rules, i, *event, event_json, options));
  }
  return out;
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
