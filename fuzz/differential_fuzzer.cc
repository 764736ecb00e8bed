// A fuzzer-built pattern and event: the input's first line is the pattern,
// the rest the event. When the pattern is valid, the compiled matcher (both
// modes) must agree with the reference evaluator on the event; any
// disagreement aborts with the input printed (see event_checks.h).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "event_checks.h"
#include "evmatch/evmatch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 8192) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return 0;
  const std::string_view pattern = input.substr(0, newline);
  const std::string_view event = input.substr(newline + 1);

  evmatch::PatternOptions options;
  options.max_or_combinations = 64;
  evmatch::RuleSet rules(options);
  if (!rules.Add("r", pattern).ok()) return 0;
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) std::abort();  // a valid pattern always compiles
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  evmatch_fuzz::CheckAgainstReference(rules, *matcher, scratch, event);
  return 0;
}
