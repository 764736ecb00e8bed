// TestEventPattern: the AWS API equivalent, answered by the reference
// evaluator.

#include "evmatch/evmatch.h"
#include "pattern/parse.h"
#include "reference/evaluate.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

absl::StatusOr<bool> TestEventPattern(const Pattern& pattern,
                                      std::string_view event_json,
                                      const EventOptions& event_options) {
  absl::StatusOr<internal::ReferenceEvent> event =
      internal::ReferenceEvent::Parse(event_json, event_options);
  if (!event.ok()) return event.status();
  return event->Matches(AstOf(pattern));
}

absl::StatusOr<bool> TestEventPattern(std::string_view pattern_json,
                                      std::string_view event_json,
                                      const PatternOptions& pattern_options,
                                      const EventOptions& event_options) {
  absl::StatusOr<Pattern> pattern = Pattern::Parse(pattern_json, pattern_options);
  if (!pattern.ok()) return pattern.status();
  return TestEventPattern(*pattern, event_json, event_options);
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
