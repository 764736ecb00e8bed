// Explanations as JSON (docs/explain.md has the schema) and as text.

#include <string>

#include "evmatch/explain.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace {

using internal::Append;
using internal::AppendJsonString;

void AppendBool(std::string* out, const char* key, bool value) {
  Append(out, "\"", key, "\":", value ? "true" : "false");
}

void AppendStringField(std::string* out, const char* key, std::string_view value) {
  Append(out, "\"", key, "\":");
  AppendJsonString(out, value);
}

template <typename T, typename Each>
void AppendList(std::string* out, const char* key, const std::vector<T>& items, const Each& each) {
  Append(out, "\"", key, "\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    each(out, items[i]);
  }
  out->push_back(']');
}

void AppendCondition(std::string* out, const ConditionExplanation& c) {
  out->push_back('{');
  AppendStringField(out, "pointer", c.pattern_pointer);
  out->push_back(',');
  AppendStringField(out, "path", c.path);
  out->push_back(',');
  AppendList(out, "operators", c.operators,
             [](std::string* o, const std::string& op) { AppendJsonString(o, op); });
  out->push_back(',');
  AppendStringField(out, "expected", c.expected);
  out->push_back(',');
  AppendStringField(out, "status", ConditionStatusName(c.status));
  out->push_back(',');
  AppendBool(out, "missing", c.missing);
  out->push_back(',');
  AppendList(out, "values", c.values, [](std::string* o, const EventValue& v) {
    o->push_back('{');
    AppendStringField(o, "pointer", v.pointer);
    o->push_back(',');
    AppendStringField(o, "json", v.json);
    o->push_back('}');
  });
  Append(out, ",\"more_values\":", c.more_values, ",");
  AppendStringField(out, "array", c.array);
  out->push_back(',');
  AppendList(out, "hints", c.hints,
             [](std::string* o, const std::string& hint) { AppendJsonString(o, hint); });
  out->push_back('}');
}

void AppendGroup(std::string* out, const GroupExplanation& group) {
  out->push_back('{');
  AppendStringField(out, "pointer", group.pattern_pointer);
  out->push_back(',');
  AppendBool(out, "satisfied", group.satisfied);
  out->push_back(',');
  AppendList(out, "conditions", group.conditions, AppendCondition);
  out->push_back(',');
  AppendList(out, "or", group.ors, [](std::string* o, const OrExplanation& alternatives) {
    o->push_back('{');
    AppendStringField(o, "pointer", alternatives.pattern_pointer);
    o->push_back(',');
    AppendBool(o, "satisfied", alternatives.satisfied);
    o->push_back(',');
    AppendList(o, "branches", alternatives.branches, AppendGroup);
    o->push_back('}');
  });
  out->push_back('}');
}

// Text: two spaces per level.
void Line(std::string* out, int depth, std::string_view text) {
  out->append(static_cast<size_t>(depth) * 2, ' ');
  Append(out, text, "\n");
}

std::string Values(const ConditionExplanation& c) {
  std::string out;
  for (size_t i = 0; i < c.values.size(); ++i) {
    if (i > 0) out += ", ";
    Append(&out, c.values[i].json, " at ", c.values[i].pointer);
  }
  if (c.more_values > 0) Append(&out, " and ", c.more_values, " more");
  return out;
}

void TextCondition(std::string* out, int depth, const ConditionExplanation& c) {
  std::string operators;
  for (const std::string& op : c.operators) {
    Append(&operators, operators.empty() ? "" : " | ", op);
  }
  Line(out, depth,
       internal::Cat(
           "[", c.status == ConditionStatus::kSatisfied ? "ok" : ConditionStatusName(c.status),
           "] ", c.path, ": ", operators, " ", c.expected, "  (pattern ", c.pattern_pointer, ")"));
  switch (c.status) {
    case ConditionStatus::kSatisfied:
      if (c.values.empty()) {
        Line(out, depth + 2, "satisfied by the field's absence");
      } else {
        Line(out, depth + 2, "satisfied by " + Values(c));
      }
      break;
    case ConditionStatus::kFailed:
      Line(out, depth + 2,
           c.missing ? "the event has no value at " + c.path : "the event has " + Values(c));
      break;
    case ConditionStatus::kInconsistent:
      Line(out, depth + 2,
           internal::Cat("holds only in other elements of array ", c.array,
                         " than the conditions before it: ", Values(c)));
      break;
    case ConditionStatus::kReplaced:
      Line(out, depth + 2, "replaced by a later condition on the same path");
      break;
  }
  for (const std::string& hint : c.hints) Line(out, depth + 2, "hint: " + hint);
}

void TextGroup(std::string* out, int depth, const GroupExplanation& group) {
  for (const ConditionExplanation& c : group.conditions) TextCondition(out, depth, c);
  for (const OrExplanation& alternatives : group.ors) {
    Line(out, depth,
         internal::Cat("$or at ", alternatives.pattern_pointer, ": ",
                       alternatives.satisfied ? "a branch holds" : "no branch holds"));
    for (const GroupExplanation& branch : alternatives.branches) {
      Line(out, depth + 1,
           internal::Cat("branch ", branch.pattern_pointer, ": ",
                         branch.satisfied ? "holds" : "does not hold"));
      TextGroup(out, depth + 2, branch);
    }
  }
}

}  // namespace

std::string ExplanationJson(const Explanation& explanation) {
  std::string out = "{";
  AppendStringField(&out, "rule", explanation.rule);
  out.push_back(',');
  AppendStringField(&out, "refused", explanation.refused);
  out.push_back(',');
  AppendBool(&out, "matched", explanation.matched);
  out.push_back(',');
  AppendList(&out, "patterns", explanation.patterns,
             [](std::string* o, const PatternExplanation& p) {
               o->push_back('{');
               AppendBool(o, "matched", p.matched);
               o->append(",\"root\":");
               AppendGroup(o, p.root);
               o->push_back('}');
             });
  out.push_back('}');
  return out;
}

std::string ExplanationText(const Explanation& explanation) {
  std::string out;
  const char* verdict = explanation.matched ? "matches" : "does not match";
  if (!explanation.refused.empty()) {
    Line(&out, 0,
         internal::Cat("the pattern is refused: ", explanation.refused,
                       "; explained as if the wildcard complexity limit were raised"));
    verdict = explanation.matched ? "would match" : "would not match";
  }
  if (explanation.rule.empty()) {
    Line(&out, 0, internal::Cat("the event ", verdict, " the pattern"));
  } else {
    std::string name;
    AppendJsonString(&name, explanation.rule);
    Line(&out, 0, internal::Cat("rule ", name, ": the event ", verdict));
  }
  const size_t count = explanation.patterns.size();
  for (size_t i = 0; i < count; ++i) {
    const PatternExplanation& p = explanation.patterns[i];
    int depth = 1;
    if (count > 1) {
      Line(&out, 1,
           internal::Cat("pattern ", i + 1, " of ", count, ": ",
                         p.matched ? "matches" : "does not match"));
      depth = 2;
    }
    TextGroup(&out, depth, p.root);
  }
  return out;
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
