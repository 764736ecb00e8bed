// `evmatch test-event-pattern` and `evmatch validate`.

#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
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
    } else {
      std::cerr << "ValidationException: Parameter Event is not valid.\n";
      if (std::optional<evmatch::EventError> e = evmatch::GetEventError(result.status())) {
        std::cerr << " " << e->reason << " (offset " << e->offset << ")\n";
      }
    }
    return kExitError;
  }
  std::cout << "{\"Result\": " << (*result ? "true" : "false") << "}\n";
  return *result ? kExitOk : kExitNo;
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
                  .required = true}},
       .details =
           "Prints {\"Result\": true} (exit 0) or {\"Result\": false} (exit 1). An invalid\n"
           "pattern prints AWS's InvalidEventPatternException with its reason, JSON Pointer\n"
           "and offset; an event that is not a JSON object prints ValidationException\n"
           "(both exit 2). Envelope fields (id, source, ...) are not required.\n",
       .run = TestEventPattern},
      {.name = "validate",
       .summary = "Checks every rule of a rules file and lists each invalid one.",
       .flags =
           {{.name = "rules", .value_name = "FILE", .help = "the rules file", .required = true}},
       .details = kRulesFileHelp,
       .run = Validate},
  };
}

}  // namespace evmatch_cli
