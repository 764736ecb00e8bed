// Explaining a rule against a 1 MiB event (Google Benchmark). The target:
// at most 10 ms for a 256-field pattern against a 1 MiB event, off the hot
// path. TestEventPattern on the same inputs is the baseline: explaining adds
// pointers, values, statuses and hints to the same evaluation, but builds
// the event's tree only along the pattern's paths.
//
// Two events of 1 MiB: the bulk (an array of 7,000 records) either outside
// the pattern's paths (/Unread: a payload the rule ignores) or read by its
// 256th condition, a numeric test on every record's score (/Read).
//
//   build/bench/bench/explain_benchmark --benchmark_repetitions=5

#include <benchmark/benchmark.h>

#include <string>

#include "evmatch/evmatch.h"
#include "evmatch/explain.h"

namespace {

// 255 string fields under "detail", every third one differing from the
// pattern in case (so hints are computed), and an array of 7,000 records
// that brings the event to 1 MiB.
std::string Event() {
  std::string out = R"({"source":"bench","detail":{)";
  for (int i = 0; i < 255; ++i) {
    if (i > 0) out += ",";
    out += "\"field" + std::to_string(i) + "\":\"" + (i % 3 == 0 ? "Value-" : "value-") +
           std::to_string(i) + "\"";
  }
  out += R"(},"records":[)";
  for (int i = 0; out.size() < (size_t{1} << 20) - 200; ++i) {
    if (i > 0) out += ",";
    out += R"({"id":)" + std::to_string(i) + R"(,"name":"record number )" + std::to_string(i) +
           R"(","tags":["a","b","c"],"score":)" + std::to_string(i % 97) + "}";
  }
  return out + "]}";
}

// 256 fields: the 255 detail fields and a numeric condition on every
// record (`read`) or on a field beside the records.
std::string Pattern(bool read) {
  std::string out = R"({"detail":{)";
  for (int i = 0; i < 255; ++i) {
    if (i > 0) out += ",";
    out += "\"field" + std::to_string(i) + "\":[\"value-" + std::to_string(i) + "\"]";
  }
  return out + (read ? R"(},"records":{"score":[{"numeric":[">",100]}]}})"
                     : R"(},"source":[{"prefix":"bench"}]})");
}

evmatch::ExplainOptions Options() {
  evmatch::ExplainOptions options;
  options.pattern_options.max_pattern_bytes = 1 << 16;
  options.pattern_options.max_leaf_fields = 256;
  return options;
}

// The event and the parsed pattern of one case (state.range(0): read).
struct Inputs {
  std::string event;
  absl::StatusOr<evmatch::Pattern> pattern;
};

Inputs Prepare(const benchmark::State& state) {
  return {Event(),
          evmatch::Pattern::Parse(Pattern(state.range(0) != 0), Options().pattern_options)};
}

// Both cases, in milliseconds.
void BothCases(benchmark::internal::Benchmark* b) {
  b->ArgName("read")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);
}

void BM_Explain_1MiB_256Fields(benchmark::State& state) {
  const Inputs in = Prepare(state);
  size_t hints = 0;
  for (auto _ : state) {
    absl::StatusOr<evmatch::Explanation> why =
        evmatch::ExplainPattern(*in.pattern, in.event, Options());
    if (!why.ok() || why->matched) {
      state.SkipWithError("unexpected explanation");
      return;
    }
    for (const auto& c : why->patterns[0].root.conditions) hints += c.hints.size();
  }
  state.counters["event_bytes"] = static_cast<double>(in.event.size());
  state.counters["hints"] = static_cast<double>(hints) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_Explain_1MiB_256Fields)->Apply(BothCases);

void BM_ExplainText_1MiB_256Fields(benchmark::State& state) {
  const Inputs in = Prepare(state);
  for (auto _ : state) {
    absl::StatusOr<evmatch::Explanation> why =
        evmatch::ExplainPattern(*in.pattern, in.event, Options());
    std::string text = why.ok() ? evmatch::ExplanationText(*why) : "";
    benchmark::DoNotOptimize(text);
  }
}
BENCHMARK(BM_ExplainText_1MiB_256Fields)->Apply(BothCases);

void BM_TestEventPattern_1MiB_256Fields(benchmark::State& state) {
  const Inputs in = Prepare(state);
  for (auto _ : state) {
    absl::StatusOr<bool> result = evmatch::TestEventPattern(*in.pattern, in.event);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_TestEventPattern_1MiB_256Fields)->Apply(BothCases);

}  // namespace

BENCHMARK_MAIN();
