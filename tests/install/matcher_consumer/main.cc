// A downstream program that uses the matcher only (with target input
// shaping, part of the same library).
#include <cstdio>
#include <string>

#include "evmatch/evmatch.h"
#include "evmatch/transform.h"

int main() {
  evmatch::RuleSet rules;
  const bool added = rules.Add("jpg", R"({"detail":{"key":[{"suffix":".jpg"}]}})").ok();
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  bool ok = added && matcher.ok();
  if (ok) {
    evmatch::Scratch scratch;
    ok = matcher->PrepareScratch(scratch).ok();
    std::string event = R"({"detail":{"key":"cat.jpg"}})";
    event.reserve(event.size() + evmatch::kPadding);
    ok = ok && matcher->Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kOk &&
         scratch.matches().size() == 1;
  }
  evmatch::TargetInput input;
  input.input_path = "$.detail.key";
  absl::StatusOr<evmatch::InputTransform> shape = evmatch::InputTransform::Compile("t", input);
  evmatch::TransformEvent event;
  std::string payload;
  ok = ok && shape.ok() && event.Parse(R"({"detail":{"key":"cat.jpg"}})").ok() &&
       shape->Apply(event, {}, &payload) == evmatch::TransformStatus::kOk &&
       payload == R"("cat.jpg")";
  std::printf("matcher consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
