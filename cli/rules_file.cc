#include "rules_file.h"

#include <iostream>
#include <optional>
#include <vector>

#include "flags.h"

namespace evmatch_cli {

int LoadRules(const std::string& path, evmatch::RuleSet* rules) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) return Fail("cannot read " + path);
  std::vector<absl::Status> errors;
  absl::Status status = rules->AddRules(*text, &errors);
  if (errors.empty() && !status.ok()) errors.push_back(status);
  for (const absl::Status& error : errors) {
    std::optional<evmatch::PatternError> e = evmatch::GetPatternError(error);
    if (!e) {
      std::cerr << path << ": " << error.message() << "\n";
      continue;
    }
    std::cerr << "rule \"" << e->rule_name << "\" at "
              << (e->json_pointer.empty() ? "/" : e->json_pointer) << " (offset " << e->offset
              << "): " << e->reason << "\n";
  }
  return errors.empty() ? kExitOk : kExitError;
}

}  // namespace evmatch_cli
