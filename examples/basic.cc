// Validates a pattern, reports an invalid one the way EventBridge does, and
// tests events against it.
//
//   $ ./build/examples/basic
#include <cstdio>

#include "evmatch/evmatch.h"

int main() {
  const char* pattern =
      R"({"source":["aws.s3"],"detail":{"object":{"key":[{"suffix":".jpg"}]}}})";
  const char* events[] = {
      R"({"source":"aws.s3","detail":{"object":{"key":"cat.jpg"}}})",
      R"({"source":"aws.s3","detail":{"object":{"key":"cat.png"}}})",
  };
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  if (!parsed.ok()) return 1;
  std::printf("canonical pattern: %s\n", parsed->ToJson().c_str());
  for (const char* event : events) {
    absl::StatusOr<bool> result = evmatch::TestEventPattern(*parsed, event);
    if (!result.ok()) return 1;
    std::printf("%-60s -> %s\n", event, *result ? "match" : "no match");
  }

  absl::StatusOr<evmatch::Pattern> bad =
      evmatch::Pattern::Parse(R"({"detail":{"size":[{"numeric":[">=",5,"<=",5]}]}})");
  if (std::optional<evmatch::PatternError> error =
          evmatch::GetPatternError(bad.status())) {
    std::printf("rejected: %s at %s (offset %zu)\n", error->reason.c_str(),
                error->json_pointer.c_str(), error->offset);
  }
  return 0;
}
