// Rules files, as `validate` and `match` read them.

#ifndef EVMATCH_CLI_RULES_FILE_H_
#define EVMATCH_CLI_RULES_FILE_H_

#include <string>

#include "evmatch/evmatch.h"

namespace evmatch_cli {

inline constexpr char kRulesFileHelp[] =
    "A rules FILE is a JSON object {\"rule-name\": pattern, ...}; a value may also be\n"
    "an array of patterns (the rule matches when any of them does). Every invalid\n"
    "rule is listed with its name, JSON Pointer, offset into the file and reason.\n";

// Adds the rules of file `path` to `rules`, printing every invalid rule on
// stderr. Returns kExitOk, or kExitError when the file cannot be read or a
// rule is invalid.
int LoadRules(const std::string& path, evmatch::RuleSet* rules);

}  // namespace evmatch_cli

#endif  // EVMATCH_CLI_RULES_FILE_H_
