// evmatch: command-line front end. Each command is declared in a table (see
// flags.h) by the file that implements it; this file dispatches on the
// command's name and prints the overview.

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "flags.h"

namespace {

using evmatch_cli::Command;

std::vector<Command> AllCommands() {
  std::vector<Command> all;
  // The modules' commands are there when their library was built.
  for (auto group : {
         evmatch_cli::PatternCommands, evmatch_cli::MatchCommands,
#if EVMATCH_CLI_S3
             evmatch_cli::S3Commands,
#endif
#if EVMATCH_CLI_INTEGRITY
             evmatch_cli::IntegrityCommands,
#endif
#if EVMATCH_CLI_DLQ
             evmatch_cli::DlqCommands,
#endif
       }) {
    for (Command& command : group()) all.push_back(std::move(command));
  }
  return all;
}

std::string Overview(const std::vector<Command>& commands, std::string_view group) {
  std::string out =
      "usage: evmatch <command> [flags]   (evmatch <command> --help for its flags)\n\n";
  for (const Command& command : commands) {
    if (!group.empty() && command.name.substr(0, group.size() + 1) != std::string(group) + " ") {
      continue;
    }
    std::string left = "  " + std::string(command.name);
    out += left + std::string(left.size() < 28 ? 28 - left.size() : 1, ' ') +
           std::string(command.summary.substr(0, command.summary.find('\n'))) + "\n";
  }
  out +=
      "\nexit codes, for every command: 0 success (a match, where the command answers\n"
      "yes or no), 1 no match or mismatch (yes/no commands: test-event-pattern,\n"
      "verify), 2 invalid input, usage error, or a file that cannot be read.\n"
      "Semantics: docs/semantics.md.\n";
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<Command> commands = AllCommands();
  const std::string_view first = argc > 1 ? argv[1] : "";
  if (first == "--help" || first == "-h" || first == "help") {
    std::cout << Overview(commands, "");
    return evmatch_cli::kExitOk;
  }
  // One word ("match") or two ("s3 route").
  const std::string two = argc > 2 ? std::string(first) + " " + argv[2] : "";
  bool group = false;
  for (const Command& command : commands) {
    if (command.name == first) return evmatch_cli::RunCommand(command, argc, argv, 2);
    if (!two.empty() && command.name == two) {
      return evmatch_cli::RunCommand(command, argc, argv, 3);
    }
    group |= !first.empty() && command.name.substr(0, first.size() + 1) == std::string(first) + " ";
  }
  if (group && argc > 2 && std::string_view(argv[2]) == "--help") {
    std::cout << Overview(commands, first);
    return evmatch_cli::kExitOk;
  }
  std::string error = "no command given";
  if (group && argc == 2) {
    error = std::string(first) + " needs a subcommand";
  } else if (!first.empty()) {
    error = "unknown command '" + (group ? two : std::string(first)) + "'";
  }
  std::cerr << "evmatch: " << error << "\n\n" << Overview(commands, group ? first : "");
  return evmatch_cli::kExitError;
}
