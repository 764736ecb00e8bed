// evmatch: command-line front end.
//
//   evmatch test-event-pattern --event-pattern <JSON|file://PATH> --event <JSON|file://PATH>
//   evmatch validate --rules FILE
//   evmatch match --rules FILE [--events FILE|-]
//
// Exit codes: 0 success (including {"Result": false}), 1 usage or I/O error,
// 2 invalid pattern, rules or event (the AWS exception text on stderr).

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "pattern/parse.h"
#include "reference/evaluate.h"
#include "util/strings.h"

namespace {

using evmatch::internal::Cat;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitInvalid = 2;

constexpr std::string_view kUsage =
    "usage:\n"
    "  evmatch test-event-pattern --event-pattern <JSON|file://PATH> "
    "--event <JSON|file://PATH>\n"
    "  evmatch validate --rules FILE\n"
    "  evmatch match --rules FILE [--events FILE|-]\n"
    "\n"
    "A rules FILE is a JSON object {\"rule-name\": pattern, ...}; a value may\n"
    "also be an array of patterns (the rule matches when any of them does).\n"
    "Events for `match` are JSON objects, one per line (NDJSON); output is one\n"
    "line per event: {\"event\": <line>, \"rules\": [names...]}.\n";

int Usage(std::string_view error) {
  if (!error.empty()) std::cerr << "evmatch: " << error << "\n";
  std::cerr << kUsage;
  return kExitUsage;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

// Parses "--name value" pairs into `flags`; returns false on a malformed list.
bool ParseFlags(int argc, char** argv, int first,
                std::map<std::string, std::string>* flags, std::string* error) {
  for (int i = first; i < argc; i += 2) {
    std::string_view name = argv[i];
    if (name.substr(0, 2) != "--" || i + 1 >= argc) {
      *error = Cat("expected --flag value, got '", name, "'");
      return false;
    }
    (*flags)[std::string(name.substr(2))] = argv[i + 1];
  }
  return true;
}

// "file://PATH" reads PATH; anything else is the literal text.
bool ResolveArgument(const std::string& value, std::string* out) {
  constexpr std::string_view kFile = "file://";
  if (std::string_view(value).substr(0, kFile.size()) == kFile) {
    return ReadFile(value.substr(kFile.size()), out);
  }
  *out = value;
  return true;
}

void PrintPatternError(const absl::Status& status) {
  std::optional<evmatch::PatternError> e = evmatch::GetPatternError(status);
  std::cerr << "InvalidEventPatternException: Event pattern is not valid. Reason: "
            << (e ? e->reason : std::string(status.message())) << "\n";
  if (e) {
    std::cerr << " at " << (e->json_pointer.empty() ? "/" : e->json_pointer)
              << " (offset " << e->offset << ")\n";
  }
}

int TestEventPatternCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  if (!ParseFlags(argc, argv, 2, &flags, &error)) return Usage(error);
  if (!flags.count("event-pattern") || !flags.count("event") || flags.size() != 2) {
    return Usage("test-event-pattern needs exactly --event-pattern and --event");
  }
  std::string pattern, event;
  if (!ResolveArgument(flags["event-pattern"], &pattern)) {
    return Usage(Cat("cannot read ", flags["event-pattern"]));
  }
  if (!ResolveArgument(flags["event"], &event)) {
    return Usage(Cat("cannot read ", flags["event"]));
  }
  absl::StatusOr<bool> result = evmatch::TestEventPattern(pattern, event);
  if (!result.ok()) {
    if (evmatch::GetPatternError(result.status())) {
      PrintPatternError(result.status());
    } else {
      std::optional<evmatch::EventError> e = evmatch::GetEventError(result.status());
      std::cerr << "ValidationException: Parameter Event is not valid.\n";
      if (e) std::cerr << " " << e->reason << " (offset " << e->offset << ")\n";
    }
    return kExitInvalid;
  }
  std::cout << "{\"Result\": " << (*result ? "true" : "false") << "}\n";
  return kExitOk;
}

void PrintRuleError(const absl::Status& status) {
  std::optional<evmatch::PatternError> e = evmatch::GetPatternError(status);
  if (!e) {
    std::cerr << status.message() << "\n";
    return;
  }
  std::cerr << "rule \"" << e->rule_name << "\" at "
            << (e->json_pointer.empty() ? "/" : e->json_pointer) << " (offset "
            << e->offset << "): " << e->reason << "\n";
}

// Loads --rules into `rules`, printing every error; false when any.
bool LoadRules(const std::string& path, evmatch::RuleSet* rules, int* exit_code) {
  std::string text;
  if (!ReadFile(path, &text)) {
    std::cerr << "evmatch: cannot read " << path << "\n";
    *exit_code = kExitUsage;
    return false;
  }
  std::vector<absl::Status> errors;
  absl::Status status = rules->AddRules(text, &errors);
  if (errors.empty() && !status.ok()) errors.push_back(status);
  for (const absl::Status& e : errors) PrintRuleError(e);
  *exit_code = errors.empty() ? kExitOk : kExitInvalid;
  return errors.empty();
}

int ValidateCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  if (!ParseFlags(argc, argv, 2, &flags, &error)) return Usage(error);
  if (!flags.count("rules") || flags.size() != 1) {
    return Usage("validate needs exactly --rules FILE");
  }
  evmatch::RuleSet rules;
  int exit_code = kExitOk;
  if (LoadRules(flags["rules"], &rules, &exit_code)) {
    size_t patterns = 0;
    for (size_t i = 0; i < rules.size(); ++i) patterns += rules.patterns(i).size();
    std::cout << rules.size() << " rules (" << patterns << " patterns) are valid\n";
  }
  return exit_code;
}

int MatchCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  if (!ParseFlags(argc, argv, 2, &flags, &error)) return Usage(error);
  if (!flags.count("rules")) return Usage("match needs --rules FILE");
  for (const auto& [name, value] : flags) {
    if (name != "rules" && name != "events") {
      return Usage(Cat("unknown flag --", name));
    }
  }
  evmatch::RuleSet rules;
  int exit_code = kExitOk;
  if (!LoadRules(flags["rules"], &rules, &exit_code)) return exit_code;

  std::ifstream file;
  std::istream* in = &std::cin;
  if (flags.count("events") && flags["events"] != "-") {
    file.open(flags["events"], std::ios::binary);
    if (!file) {
      std::cerr << "evmatch: cannot read " << flags["events"] << "\n";
      return kExitUsage;
    }
    in = &file;
  }
  std::string line, out;
  size_t line_number = 0;
  while (std::getline(*in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    absl::StatusOr<evmatch::internal::ReferenceEvent> event =
        evmatch::internal::ReferenceEvent::Parse(line, evmatch::EventOptions());
    if (!event.ok()) {
      std::optional<evmatch::EventError> e = evmatch::GetEventError(event.status());
      std::cerr << "line " << line_number << ": invalid event: "
                << (e ? e->reason : std::string(event.status().message())) << "\n";
      continue;
    }
    out = Cat("{\"event\": ", line_number, ", \"rules\": [");
    bool first = true;
    for (size_t r = 0; r < rules.size(); ++r) {
      for (const evmatch::Pattern& pattern : rules.patterns(r)) {
        if (event->Matches(evmatch::AstOf(pattern))) {
          if (!first) out.append(", ");
          first = false;
          evmatch::internal::AppendJsonString(&out, rules.name(r));
          break;
        }
      }
    }
    out.append("]}\n");
    std::cout << out;
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage("");
  std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "test-event-pattern") return TestEventPatternCommand(argc, argv);
  if (command == "validate") return ValidateCommand(argc, argv);
  if (command == "match") return MatchCommand(argc, argv);
  return Usage(Cat("unknown command '", command, "'"));
}
