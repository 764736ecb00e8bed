// `evmatch test-event-pattern` and `evmatch validate`.

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "evmatch/explain.h"
#include "flags.h"
#include "rules_file.h"

namespace evmatch_cli {
namespace {

// "file://PATH" reads PATH; anything else is the literal text.
std::optional<std::string> Resolve(const std::string& value) {
  constexpr std::string_view kFile = "file://";
  if (value.compare(0, kFile.size(), kFile) == 0) return ReadFile(value.substr(kFile.size()));
  return value;
}

// --format text (default) or json.
void PrintExplanation(const Args& args, const evmatch::Explanation& explanation) {
  if (args.get("format", "text") == "json") {
    std::cout << evmatch::ExplanationJson(explanation) << "\n";
  } else {
    std::cout << evmatch::ExplanationText(explanation);
  }
}

Flag FormatFlag() {
  return {.name = "format",
          .type = FlagType::kChoice,
          .help = "the explanation as text for people or one line of JSON (default text)",
          .choices = {"text", "json"}};
}

int TestEventPattern(const Args& args) {
  std::optional<std::string> pattern = Resolve(args.get("event-pattern"));
  if (!pattern) return Fail("cannot read " + args.get("event-pattern"));
  std::optional<std::string> event = Resolve(args.get("event"));
  if (!event) return Fail("cannot read " + args.get("event"));
  absl::StatusOr<bool> result = evmatch::TestEventPattern(*pattern, *event);
  if (!result.ok()) {
    if (std::optional<evmatch::PatternError> e = evmatch::GetPatternError(result.status())) {
      std::cerr << "InvalidEventPatternException: Event pattern is not valid. Reason: " << e->reason
                << "\n at " << (e->json_pointer.empty() ? "/" : e->json_pointer) << " (offset "
                << e->offset << ")\n";
      // Refused for a wildcard's complexity alone: what it would do if not.
      evmatch::ExplainOptions options;
      options.explain_refused = true;
      absl::StatusOr<evmatch::Explanation> why =
          args.has("explain") ? evmatch::ExplainPattern(*pattern, *event, options)
                              : absl::StatusOr<evmatch::Explanation>(result.status());
      if (why.ok()) PrintExplanation(args, *why);
    } else {
      std::cerr << "ValidationException: Parameter Event is not valid.\n";
      if (std::optional<evmatch::EventError> e = evmatch::GetEventError(result.status())) {
        std::cerr << " " << e->reason << " (offset " << e->offset << ")\n";
      }
    }
    return kExitError;
  }
  std::cout << "{\"Result\": " << (*result ? "true" : "false") << "}\n";
  if (args.has("explain")) {
    absl::StatusOr<evmatch::Explanation> why = evmatch::ExplainPattern(*pattern, *event);
    if (!why.ok()) return Fail(why.status());
    PrintExplanation(args, *why);
  }
  return *result ? kExitOk : kExitNo;
}

int Explain(const Args& args) {
  evmatch::RuleSet rules;
  if (int code = LoadRules(args.get("rules"), &rules); code != kExitOk) return code;
  std::optional<std::string> event = Resolve(args.get("event"));
  if (!event) return Fail("cannot read " + args.get("event"));
  std::vector<evmatch::Explanation> explanations;
  if (args.has("rule")) {
    absl::StatusOr<evmatch::Explanation> why =
        evmatch::ExplainRule(rules, args.get("rule"), *event);
    if (!why.ok()) return Fail(why.status());
    explanations.push_back(*std::move(why));
  } else {
    absl::StatusOr<std::vector<evmatch::Explanation>> all = evmatch::ExplainRules(rules, *event);
    if (!all.ok()) return Fail(all.status());
    explanations = *std::move(all);
  }
  bool any = false;
  for (size_t i = 0; i < explanations.size(); ++i) {
    if (i > 0 && args.get("format", "text") == "text") std::cout << "\n";
    PrintExplanation(args, explanations[i]);
    any |= explanations[i].matched;
  }
  return any ? kExitOk : kExitNo;
}

int Validate(const Args& args) {
  evmatch::RuleSet rules;
  if (int code = LoadRules(args.get("rules"), &rules); code != kExitOk) return code;
  size_t patterns = 0;
  for (size_t i = 0; i < rules.size(); ++i) patterns += rules.patterns(i).size();
  std::cout << rules.size() << " rules (" << patterns << " patterns) are valid\n";
  return kExitOk;
}

}  // namespace

std::vector<Command> PatternCommands() {
  return {
      {.name = "test-event-pattern",
       .summary = "Tells whether an event matches a pattern, as `aws events test-event-pattern`.",
       .flags = {{.name = "event-pattern",
                  .value_name = "JSON|file://PATH",
                  .help = "the EventBridge pattern",
                  .required = true},
                 {.name = "event",
                  .value_name = "JSON|file://PATH",
                  .help = "the event, a JSON object",
                  .required = true},
                 {.name = "explain",
                  .type = FlagType::kBool,
                  .help = "then explain the result: every condition, what the event had"},
                 FormatFlag()},
       .details =
           "Prints {\"Result\": true} (exit 0) or {\"Result\": false} (exit 1). An invalid\n"
           "pattern prints AWS's InvalidEventPatternException with its reason, JSON Pointer\n"
           "and offset; an event that is not a JSON object prints ValidationException\n"
           "(both exit 2). Envelope fields (id, source, ...) are not required.\n"
           "--explain adds, after the result, each condition of the pattern with its\n"
           "status, the event's values at its path and near-miss hints (docs/explain.md).\n"
           "A pattern refused only for a wildcard's complexity is still refused (exit 2),\n"
           "and --explain then shows what it would do with the limit raised.\n",
       .run = TestEventPattern},
      {.name = "explain",
       .summary = "Explains why each rule of a rules file matches an event or does not.",
       .flags =
           {{.name = "rules", .value_name = "FILE", .help = "the rules file", .required = true},
            {.name = "rule", .value_name = "NAME", .help = "only this rule"},
            {.name = "event",
             .value_name = "JSON|file://PATH",
             .help = "the event, a JSON object",
             .required = true},
            FormatFlag()},
       .details =
           std::string("Prints every rule's (or one rule's) verdict and, per pattern, each\n"
                       "condition with its status (ok, failed, inconsistent, replaced), what the\n"
                       "event had at its path and near-miss hints. Exit 0 when a rule explained\n"
                       "matches, 1 when none does. The JSON schema is in docs/explain.md.\n\n") +
           kRulesFileHelp,
       .run = Explain},
      {.name = "validate",
       .summary = "Checks every rule of a rules file and lists each invalid one.",
       .flags =
           {{.name = "rules", .value_name = "FILE", .help = "the rules file", .required = true}},
       .details = kRulesFileHelp,
       .run = Validate},
  };
}

}  // namespace evmatch_cli
