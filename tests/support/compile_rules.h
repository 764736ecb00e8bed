// Test helper: a Matcher from a rules document that must be valid.

#ifndef EVMATCH_TESTS_SUPPORT_COMPILE_RULES_H_
#define EVMATCH_TESTS_SUPPORT_COMPILE_RULES_H_

#include <catch2/catch.hpp>

#include <string_view>

#include "evmatch/evmatch.h"

namespace evmatch_test {

inline evmatch::Matcher CompileRules(std::string_view rules_json,
                                     const evmatch::CompileOptions& options = {}) {
  evmatch::RuleSet rules;
  REQUIRE(rules.AddRules(rules_json).ok());
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules, options);
  REQUIRE(matcher.ok());
  return *std::move(matcher);
}

}  // namespace evmatch_test

#endif  // EVMATCH_TESTS_SUPPORT_COMPILE_RULES_H_
