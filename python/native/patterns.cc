// evmatch.Pattern, test_event_pattern, validate and validate_rules.

#include <string>
#include <vector>

#include "bindings.h"
#include "common.h"
#include "evmatch/explain.h"

namespace evmatch_python {
namespace {

evmatch::Pattern ParsePattern(py::handle value) {
  JsonText text(value);
  absl::StatusOr<evmatch::Pattern> pattern = evmatch::Pattern::Parse(text.view());
  if (!pattern.ok()) Raise(pattern.status());
  return *std::move(pattern);
}

bool TestEventPattern(py::handle event_pattern, py::handle event) {
  JsonText event_text(event);
  absl::StatusOr<bool> result =
      py::isinstance<evmatch::Pattern>(event_pattern)
          ? evmatch::TestEventPattern(event_pattern.cast<const evmatch::Pattern&>(),
                                      event_text.view())
          : evmatch::TestEventPattern(JsonText(event_pattern).view(), event_text.view());
  if (!result.ok()) Raise(result.status());
  return *result;
}

py::list Validate(py::handle pattern) {
  py::list errors;
  JsonText text(pattern);
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(text.view());
  if (!parsed.ok()) errors.append(PatternErrorObject(parsed.status()));
  return errors;
}

// The explanation as the dict its JSON form (docs/explain.md) parses to.
py::object Explain(py::handle pattern, py::handle event) {
  JsonText event_text(event);
  absl::StatusOr<evmatch::Explanation> why =
      py::isinstance<evmatch::Pattern>(pattern)
          ? evmatch::ExplainPattern(pattern.cast<const evmatch::Pattern&>(), event_text.view())
          : evmatch::ExplainPattern(JsonText(pattern).view(), event_text.view());
  if (!why.ok()) Raise(why.status());
  static const py::handle loads = py::object(py::module_::import("json").attr("loads")).release();
  return loads(evmatch::ExplanationJson(*why));
}

py::list ValidateRules(py::handle rules) {
  evmatch::RuleSet set;
  std::vector<absl::Status> statuses;
  AddRules(rules, set, &statuses);
  py::list errors;
  for (const absl::Status& status : statuses) errors.append(PatternErrorObject(status));
  return errors;
}

}  // namespace

void AddPatterns(py::module_& module) {
  py::class_<evmatch::Pattern>(module, "Pattern", R"doc(
One validated EventBridge event pattern. Immutable and reusable from any thread.

Pattern(pattern) parses `pattern`: its JSON text (str or bytes) or a dict.
Raises InvalidEventPatternError with AWS's reason text, the JSON Pointer and
the byte offset of the problem.)doc")
      .def(py::init(&ParsePattern), py::arg("pattern"))
      .def("to_json", &evmatch::Pattern::ToJson, R"doc(
The pattern as compact canonical JSON: keys in the order written, numbers in
their shortest exact form. Parsing it gives a pattern that matches exactly the
same events.)doc")
      .def_property_readonly("combinations", &evmatch::Pattern::combinations,
                             "How many rule combinations the pattern's $or arrays expand to "
                             "(1 without $or).")
      .def(
          "matches",
          [](const evmatch::Pattern& pattern, py::handle event) {
            JsonText text(event);
            absl::StatusOr<bool> result = evmatch::TestEventPattern(pattern, text.view());
            if (!result.ok()) Raise(result.status());
            return *result;
          },
          py::arg("event"), R"doc(
Whether `event` (JSON text, bytes or a dict) matches. Raises InvalidEventError
when the event is not a JSON object.)doc")
      .def("__eq__", [](const evmatch::Pattern& a,
                        const evmatch::Pattern& b) { return a.ToJson() == b.ToJson(); })
      .def("__hash__", [](const evmatch::Pattern& p) { return py::hash(py::str(p.ToJson())); })
      .def("__str__", &evmatch::Pattern::ToJson)
      .def("__repr__", [](const evmatch::Pattern& p) {
        return "evmatch.Pattern(" + py::repr(py::str(p.ToJson())).cast<std::string>() + ")";
      });

  module.def("test_event_pattern", &TestEventPattern, py::arg("event_pattern"), py::arg("event"),
             R"doc(
Whether `event` matches `event_pattern`, as `aws events test-event-pattern`
answers. Each argument is JSON text (str or bytes) or a dict; the pattern may
also be a Pattern. The envelope fields (id, source, ...) are not required.

Raises InvalidEventPatternError for an invalid pattern (AWS's reason text, with
json_pointer and offset) and InvalidEventError for an event that is not a JSON
object, is malformed, or exceeds 1 MiB or 64 levels of nesting.)doc");
  module.def("explain", &Explain, py::arg("event_pattern"), py::arg("event"), R"doc(
Why `event` matches `event_pattern` or does not: a dict with the verdict
("matched") and, for each condition of the pattern as written ($or branches
grouped), its status ("satisfied", "failed", "inconsistent", "replaced"),
the event's values at its path with their JSON Pointers, and near-miss hints
("equals-ignore-case would match", a number sent as a string, a key spelled
differently, ...). The schema is docs/explain.md's JSON form. Errors as
test_event_pattern.)doc");
  module.def("validate", &Validate, py::arg("pattern"), R"doc(
The errors of one pattern: an empty list when it is valid, otherwise one
InvalidEventPatternError (not raised) with AWS's reason, json_pointer and offset.)doc");
  module.def("validate_rules", &ValidateRules, py::arg("rules"), R"doc(
Every invalid pattern of a rule set, as InvalidEventPatternError objects (not
raised); an empty list when all are valid. `rules` is a dict mapping rule names
to a pattern or a list of patterns, or the JSON text of a rules document. A
document that is not such an object raises InvalidEventPatternError.)doc");
}

}  // namespace evmatch_python
