// The router's configuration: one JSON document in EventBridge's API shapes
// (docs/router.md, "Configuration"). Rules are PutRule's Name, EventPattern
// and State, each with its targets as PutTargets gives them, with a Redis
// stream in place of an ARN.

#ifndef EVMATCH_ROUTER_CONFIG_H_
#define EVMATCH_ROUTER_CONFIG_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "evmatch/evmatch.h"
#include "evmatch/transform.h"
#include "redis.h"

namespace evmatch_router {

struct TargetConfig {
  std::string id;
  std::string stream;
  // Input / InputPath / InputTransformer, compiled (always set once parsed).
  std::optional<evmatch::InputTransform> input;
  int max_retry_attempts = 185;            // RetryPolicy.MaximumRetryAttempts, 0-185
  int64_t max_event_age_seconds = 86'400;  // RetryPolicy.MaximumEventAgeInSeconds, 60-86,400
  std::string dead_letter_stream;          // DeadLetterConfig.Stream; empty: drop
};

struct RuleConfig {
  std::string name;
  std::string event_pattern;  // JSON text
  bool enabled = true;        // State
  std::vector<TargetConfig> targets;
};

struct BusConfig {
  std::string stream;
  std::string group = "evmatch-router";
  std::string dead_letter_stream;  // hostile entries, MaxReceiveCount; empty: none
  int max_receive_count = 10;
  int64_t reclaim_idle_ms = 30'000;
  int batch_size = 256;           // entries per XREADGROUP
  int64_t retry_base_ms = 1'000;  // first retry delay; doubles per attempt, with jitter
  int64_t retry_max_ms = 60'000;
  size_t max_event_bytes = 1 << 20;
};

// Events whose envelope the policy does not allow are rejected (not matched).
struct BusPolicy {
  std::vector<std::string> accounts;  // empty: any
  std::vector<std::string> regions;
  std::vector<std::string> sources;
  std::string rejected_stream;  // empty: counted only
};

struct ArchiveConfig {
  std::string stream;
  std::string event_pattern;  // empty: every event
  int retention_days = 0;     // 0: keep forever
};

struct RouterConfig {
  RedisEndpoint redis;
  BusConfig bus;
  std::optional<BusPolicy> policy;
  std::optional<ArchiveConfig> archive;
  std::vector<RuleConfig> rules;
  // The enabled rules, validated.
  evmatch::RuleSet rule_set;
};

// A name as PutRule's Name, PutTargets' Id and StartReplay's ReplayName
// take it: 1 to 64 of A-Z, a-z, 0-9, '.', '-', '_'.
bool IsAwsName(std::string_view name);

// Parses and validates `text`. Errors are InvalidArgument and start with
// "<source>:<line>:<column>: <JSON Pointer>: ".
absl::StatusOr<RouterConfig> ParseConfig(std::string_view text, std::string_view source);
absl::StatusOr<RouterConfig> LoadConfig(const std::string& path);

}  // namespace evmatch_router

#endif  // EVMATCH_ROUTER_CONFIG_H_
