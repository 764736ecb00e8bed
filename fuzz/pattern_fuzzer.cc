// Arbitrary bytes as a pattern, as a rules document, and (when the pattern is
// valid) against a fixed event. Must never crash, hang or leak; every
// rejection must carry a PatternError.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "evmatch/evmatch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  evmatch::PatternOptions options;
  options.max_pattern_bytes = 4096;
  options.max_or_combinations = 64;

  absl::StatusOr<evmatch::Pattern> pattern = evmatch::Pattern::Parse(text, options);
  if (!pattern.ok()) {
    if (!evmatch::GetPatternError(pattern.status())) std::abort();
  } else {
    // The canonical form must parse back to itself. It may be longer than
    // the input (1e20 prints as 100000000000000000000), so lift the size cap.
    evmatch::PatternOptions reparse = options;
    reparse.max_pattern_bytes = pattern->ToJson().size();
    absl::StatusOr<evmatch::Pattern> again =
        evmatch::Pattern::Parse(pattern->ToJson(), reparse);
    if (!again.ok() || again->ToJson() != pattern->ToJson()) std::abort();
    absl::StatusOr<bool> result = evmatch::TestEventPattern(
        *pattern, R"({"a":"x","b":[1,{"c":null}],"d":{"e":"10.0.0.1"}})");
    if (!result.ok()) std::abort();
  }

  evmatch::RuleSet rules(options);
  std::vector<absl::Status> errors;
  (void)rules.AddRules(text, &errors);
  return 0;
}
