// S3 notifications: routing time per record and configuration validation
// time (overlap check included) against the number of configurations.
//
//   build/bench/bench/s3_benchmark
//
// Configurations are per-tenant: prefix "tenant-<i>/", one of four suffixes,
// ObjectCreated:* or ObjectRemoved:*. Route/<n> routes a fixed mix of keys
// (hits and misses); Validate/<n> parses and validates the JSON document.

#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "evmatch/s3.h"

namespace {

namespace s3 = evmatch::s3;

constexpr const char* kSuffixes[] = {".jpg", ".png", ".csv", ".log"};

std::string Configurations(int n) {
  std::string json = R"({"QueueConfigurations":[)";
  for (int i = 0; i < n; ++i) {
    json += std::string(i ? "," : "") + R"({"Id":"c)" + std::to_string(i) +
            R"(","QueueArn":"arn:aws:sqs:us-east-1:123456789012:q","Events":[")" +
            (i % 3 ? "s3:ObjectCreated:*" : "s3:ObjectRemoved:*") +
            R"("],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"tenant-)" +
            std::to_string(i) + R"(/"},{"Name":"suffix","Value":")" + kSuffixes[i % 4] +
            R"("}]}}})";
  }
  return json + "]}";
}

void Route(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  absl::StatusOr<s3::NotificationConfiguration> config =
      s3::ParseNotificationConfiguration(Configurations(n));
  if (!config.ok()) {
    state.SkipWithError(std::string(config.status().message()).c_str());
    return;
  }
  const s3::Router router(*config);
  const s3::EventSet put = s3::RecordEventType("ObjectCreated:Put");
  std::vector<std::string> keys;  // half with the tenant's suffix, half not
  for (int i = 0; i < 64; ++i) {
    const int tenant = i * 7 % n;
    keys.push_back("tenant-" + std::to_string(tenant) + "/photos/2026/11/img_" +
                   std::to_string(i) + (i % 2 ? ".bin" : kSuffixes[tenant % 4]));
  }
  size_t routed = 0, records = 0;
  for (auto _ : state) {
    for (const std::string& key : keys) routed += router.Route(put, key).has_value();
    records += keys.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(records));
  state.counters["routed_fraction"] = static_cast<double>(routed) / static_cast<double>(records);
}

void Validate(benchmark::State& state) {
  const std::string json = Configurations(static_cast<int>(state.range(0)));
  for (auto _ : state) {
    absl::StatusOr<s3::NotificationConfiguration> config =
        s3::ParseNotificationConfiguration(json);
    if (!config.ok()) {
      state.SkipWithError(std::string(config.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(config->configurations.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * state.range(0)));
}

BENCHMARK(Route)->Arg(10)->Arg(10000);
BENCHMARK(Validate)->Arg(100)->Arg(10000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
