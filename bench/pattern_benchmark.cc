// Pattern front end and reference evaluator costs (Google Benchmark).
//
//   cmake --workflow --preset bench   (or cmake --preset bench && cmake --build --preset bench)
//   build/bench/bench/pattern_benchmark --benchmark_repetitions=5
//
// The reference evaluator is the correctness oracle, not the product's hot
// path; these figures are the baseline the compiled matcher is measured
// against.

#include <benchmark/benchmark.h>

#include <string>

#include "evmatch/evmatch.h"

namespace {

const char* const kPatterns[] = {
    R"({"source":["aws.s3"],"detail-type":["Object Created"]})",
    R"({"source":["aws.ec2"],"detail":{"state":[{"anything-but":["running","pending"]}],"instance-id":[{"prefix":"i-"}]}})",
    R"({"detail":{"size":[{"numeric":[">",0,"<=",1048576]}],"key":[{"wildcard":"photos/*/*.jpg"}],"ip":[{"cidr":"10.0.0.0/8"}]}})",
    R"({"$or":[{"a":[{"equals-ignore-case":"Stra\u00dfe"}]},{"b":[{"suffix":{"equals-ignore-case":".PNG"}}]},{"c":[{"exists":false}]}]})",
};

const char kEvent[] =
    R"({"version":"0","id":"1","detail-type":"Object Created","source":"aws.s3","account":"123456789012",)"
    R"("time":"2021-11-12T00:00:00Z","region":"us-east-1","resources":["arn:aws:s3:::b"],)"
    R"("detail":{"state":"stopped","instance-id":"i-1","size":1024,"key":"photos/2021/cat.jpg",)"
    R"("ip":"10.1.2.3","a":"STRASSE","b":"x.png"}})";

void BM_Parse(benchmark::State& state) {
  const char* pattern = kPatterns[state.range(0)];
  for (auto _ : state) {
    absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::string(pattern).size()));
}
BENCHMARK(BM_Parse)->DenseRange(0, 3);

void BM_Reference_TestEventPattern(benchmark::State& state) {
  absl::StatusOr<evmatch::Pattern> parsed =
      evmatch::Pattern::Parse(kPatterns[state.range(0)]);
  if (!parsed.ok()) {
    state.SkipWithError("pattern does not parse");
    return;
  }
  for (auto _ : state) {
    absl::StatusOr<bool> result = evmatch::TestEventPattern(*parsed, kEvent);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Reference_TestEventPattern)->DenseRange(0, 3);

}  // namespace

BENCHMARK_MAIN();
