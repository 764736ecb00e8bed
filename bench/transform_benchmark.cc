// Target input shaping (evmatch/transform.h) on an EventBridge-sized event
// (an EC2 state change, ~1 KB): TransformEvent::Parse, then Apply for a
// string template, a JSON template with the event placeholders, and an
// InputPath. The matcher's own Match on the same event is the yardstick:
// the event bus parses once and shapes once per target.
//
//   build/bench/bench/transform_benchmark --benchmark_repetitions=5

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "evmatch/evmatch.h"
#include "evmatch/transform.h"

namespace {

const std::string kEvent = R"({"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602",
"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",
"account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",
"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],
"detail":{"instance-id":"i-0123456789","state":"RUNNING","tags":{"team":"payments",
"env":"prod","owner":"ops@example.com"},"launch":{"type":"on-demand","zone":"us-east-1a",
"image":"ami-0abcdef1234567890","cpu":{"cores":4,"threads":2}},"history":[{"state":"PENDING",
"at":"2015-11-11T21:29:40Z"},{"state":"RUNNING","at":"2015-11-11T21:29:54Z"}],
"note":"a state change that a team routes to its own queue, with enough detail around it to
look like a real event rather than a toy one; padding of a few hundred bytes follows here"}})";

const evmatch::TransformContext kContext = {
    "ec2-state", "arn:aws:events:us-east-1:123456789012:rule/ec2-state", "2015-11-11T21:29:55Z"};

evmatch::InputTransform Compile(const evmatch::TargetInput& input) {
  absl::StatusOr<evmatch::InputTransform> shape = evmatch::InputTransform::Compile("t", input);
  if (!shape.ok()) std::abort();
  return *shape;
}

std::string Event() {
  std::string event = kEvent;
  for (char& c : event) {
    if (c == '\n') c = ' ';
  }
  return event;
}

void BM_Parse(benchmark::State& state) {
  const std::string event = Event();
  evmatch::TransformEvent parsed;
  for (auto _ : state) {
    if (!parsed.Parse(event).ok()) std::abort();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * event.size()));
}
BENCHMARK(BM_Parse);

void Apply(benchmark::State& state, const evmatch::TargetInput& input) {
  const evmatch::InputTransform shape = Compile(input);
  evmatch::TransformEvent parsed;
  if (!parsed.Parse(Event()).ok()) std::abort();
  std::string out;
  for (auto _ : state) {
    if (shape.Apply(parsed, kContext, &out) != evmatch::TransformStatus::kOk) std::abort();
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["payload_bytes"] = static_cast<double>(out.size());
}

void BM_ApplyStringTemplate(benchmark::State& state) {
  evmatch::TargetInput input;
  input.input_transformer = {{{"id", "$.detail.instance-id"},
                              {"state", "$.detail.state"},
                              {"team", "$.detail.tags.team"}},
                             R"t("Instance <id> of <team> is <state> (<aws.events.rule-name>)")t"};
  Apply(state, input);
}
BENCHMARK(BM_ApplyStringTemplate);

void BM_ApplyJsonTemplate(benchmark::State& state) {
  evmatch::TargetInput input;
  input.input_transformer = {
      {{"id", "$.detail.instance-id"},
       {"launch", "$.detail.launch"},
       {"at", "$.detail.history[*].at"}},
      R"({"instance": <id>, "launch": <launch>, "seen": <at>, "envelope": <aws.events.event>,
          "text": "<id> at <aws.events.event.ingestion-time>"})"};
  Apply(state, input);
}
BENCHMARK(BM_ApplyJsonTemplate);

void BM_ApplyInputPath(benchmark::State& state) {
  evmatch::TargetInput input;
  input.input_path = "$.detail";
  Apply(state, input);
}
BENCHMARK(BM_ApplyInputPath);

// The yardstick: matching the same event against one rule.
void BM_Match(benchmark::State& state) {
  evmatch::RuleSet rules;
  if (!rules.Add("r", R"({"source":["aws.ec2"],"detail":{"state":["RUNNING"]}})").ok()) {
    std::abort();
  }
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  evmatch::Scratch scratch;
  if (!matcher.ok() || !matcher->PrepareScratch(scratch).ok()) std::abort();
  std::string event = Event();
  event.reserve(event.size() + evmatch::kPadding);
  for (auto _ : state) {
    if (matcher->Match(event, event.capacity(), scratch) != evmatch::MatchStatus::kOk ||
        scratch.matches().size() != 1) {
      std::abort();
    }
  }
}
BENCHMARK(BM_Match);

}  // namespace

BENCHMARK_MAIN();
