// The router's configuration: what it accepts, and for each mistake the
// message with its line, column and JSON Pointer.

#include "config.h"

#include <string>

#include "catch2/catch.hpp"

namespace evmatch_router {
namespace {

constexpr char kValid[] = R"({
  "Redis": {"Host": "10.0.0.5", "Port": 6380},
  "Bus": {"Stream": "bus", "Group": "routers", "DeadLetterStream": "bus-dlq",
          "MaxReceiveCount": 3, "ReclaimIdleSeconds": 5},
  "Policy": {"Accounts": ["123456789012"], "RejectedStream": "rejected"},
  "Archive": {"Stream": "archive", "EventPattern": "{\"source\": [\"app\"]}",
              "RetentionDays": 7},
  "Rules": [
    {"Name": "orders", "EventPattern": {"source": ["shop"]},
     "Targets": [
       {"Id": "all", "Stream": "orders-out",
        "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
        "DeadLetterConfig": {"Stream": "orders-dlq"}},
       {"Id": "shaped", "Stream": "orders-shaped",
        "InputTransformer": {"InputPathsMap": {"id": "$.detail.id"},
                             "InputTemplate": "{\"order\": <id>}"}}]},
    {"Name": "paused", "EventPattern": "{\"source\": [\"x\"]}", "State": "DISABLED"}
  ]
})";

TEST_CASE("a configuration in EventBridge's shapes is read whole", "[router][config]") {
  absl::StatusOr<RouterConfig> config = ParseConfig(kValid, "bus.json");
  REQUIRE(config.ok());
  CHECK(config->redis.host == "10.0.0.5");
  CHECK(config->redis.port == 6380);
  CHECK(config->bus.group == "routers");
  CHECK(config->bus.max_receive_count == 3);
  CHECK(config->bus.reclaim_idle_ms == 5000);
  REQUIRE(config->policy);
  CHECK(config->policy->accounts == std::vector<std::string>{"123456789012"});
  REQUIRE(config->archive);
  CHECK(config->archive->retention_days == 7);
  REQUIRE(config->rules.size() == 2);
  const TargetConfig& all = config->rules[0].targets[0];
  CHECK(all.max_retry_attempts == 0);
  CHECK(all.max_event_age_seconds == 60);
  CHECK(all.dead_letter_stream == "orders-dlq");
  const TargetConfig& shaped = config->rules[0].targets[1];
  CHECK(shaped.max_retry_attempts == 185);  // AWS's defaults
  CHECK(shaped.max_event_age_seconds == 86'400);
  // The disabled rule is kept but not matched.
  CHECK_FALSE(config->rules[1].enabled);
  REQUIRE(config->rule_set.size() == 1);
  CHECK(config->rule_set.name(0) == "orders");
}

std::string ErrorOf(const std::string& text) {
  absl::StatusOr<RouterConfig> config = ParseConfig(text, "bus.json");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

std::string WithTarget(const std::string& target) {
  return R"({"Bus": {"Stream": "bus"},
"Rules": [{"Name": "r", "EventPattern": {"a": [1]},
  "Targets": [)" +
         target + "]}]}";
}

TEST_CASE("each mistake is named with its line and column and pointer", "[router][config]") {
  CHECK(ErrorOf(WithTarget(
            R"({"Id": "t", "Stream": "s", "RetryPolicy": {"MaximumRetryAttempts": 186}})")) ==
        "bus.json:3:82: /Rules/0/Targets/0/RetryPolicy/MaximumRetryAttempts: must be an integer "
        "from 0 to 185, not 186");
  CHECK(ErrorOf(WithTarget(
            R"({"Id": "t", "Stream": "s", "RetryPolicy": {"MaximumEventAgeInSeconds": 59}})")) ==
        "bus.json:3:86: /Rules/0/Targets/0/RetryPolicy/MaximumEventAgeInSeconds: must be an "
        "integer from 60 to 86400, not 59");
  CHECK(
      ErrorOf(
          WithTarget(
              R"({"Id": "t", "Stream": "s", "RetryPolicy": {"MaximumEventAgeInSeconds": 86401}})"))
          .find("not 86401") != std::string::npos);
  CHECK(ErrorOf(WithTarget(R"({"Id": "t", "Stream": "s", "Arn": "x"})")) ==
        "bus.json:3:49: /Rules/0/Targets/0/Arn: unknown field \"Arn\"; the fields here are Id, "
        "Stream, Input, InputPath, InputTransformer, RetryPolicy, DeadLetterConfig");
  CHECK(ErrorOf(WithTarget(R"({"Id": "t", "Stream": "s", "Input": "{}", "InputPath": "$"})")) ==
        "bus.json:3:15: /Rules/0/Targets/0: Only one of Input, InputPath, or InputTransformer "
        "must be provided for target t.");
  CHECK(ErrorOf(WithTarget(
            R"({"Id": "t", "Stream": "s", "InputTransformer": {"InputTemplate": "<nope>"}})")) ==
        "bus.json:3:80: /Rules/0/Targets/0/InputTransformer/InputTemplate: InputTemplate for "
        "target t contains invalid placeholder nope. (InputTransformer.InputTemplate, offset 0)");
  CHECK(ErrorOf(WithTarget(R"({"Id": "t", "Stream": "s"}, {"Id": "t", "Stream": "s2"})")) ==
        "bus.json:3:50: /Rules/0/Targets/1/Id: names target \"t\" twice");
  CHECK(ErrorOf(WithTarget(R"({"Id": "a b", "Stream": "s"})")) ==
        "bus.json:3:22: /Rules/0/Targets/0/Id: must be 1 to 64 characters of A-Z, a-z, 0-9, '.', "
        "'-', '_'");
  CHECK(ErrorOf(WithTarget(R"({"Id": "t"})")) ==
        "bus.json:3:15: /Rules/0/Targets/0: needs \"Stream\", the target's stream key");
  std::string six;
  for (int i = 0; i < 6; ++i)
    six += std::string(i ? "," : "") + R"({"Id": "t)" + std::to_string(i) + R"(", "Stream": "s"})";
  CHECK(ErrorOf(WithTarget(six)).find("/Rules/0/Targets: holds more than 5 targets") !=
        std::string::npos);
}

TEST_CASE("mistakes in rules and the bus and the document itself", "[router][config]") {
  // A pattern error keeps the library's text.
  std::string bad_pattern = ErrorOf(R"({"Bus": {"Stream": "bus"},
 "Rules": [{"Name": "r", "EventPattern": {"a": [{"numeric": [">", "x"]}]}}]})");
  CHECK(bad_pattern ==
        "bus.json:2:42: /Rules/0/EventPattern: rule \"r\": /a/0/numeric/1: Value of > must be "
        "numeric (offset 22)");
  CHECK(ErrorOf(R"({"Bus": {"Stream": "bus"}, "Rules": [
  {"Name": "r", "EventPattern": {"a": [1]}},
  {"Name": "r", "EventPattern": {"a": [2]}}]})") ==
        "bus.json:3:12: /Rules/1/Name: names rule \"r\" twice");
  CHECK(ErrorOf(R"({"Bus": {"Stream": "bus"}, "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
 "State": "ON"}]})") == "bus.json:2:11: /Rules/0/State: must be ENABLED or DISABLED");
  CHECK(ErrorOf(R"({"Rules": []})") ==
        "bus.json:1:1: (document): needs \"Bus\" (at least its \"Stream\")");
  CHECK(ErrorOf(R"({"Bus": {"Stream": ""}})") == "bus.json:1:20: /Bus/Stream: must not be empty");
  CHECK(ErrorOf(R"({"Bus": {"Stream": "b", "Stream": "c"}})") ==
        "bus.json:1:20: /Bus/Stream: given twice");
  CHECK(ErrorOf(R"({"Bus": {"Stream": "b"}, "Archive": {"Stream": "a", "RetentionDays": -1}})") ==
        "bus.json:1:70: /Archive/RetentionDays: must be an integer from 0 to 36500, not -1");
  CHECK(ErrorOf(R"({"Bus": {"Stream": "b"}, "Policy": {"RejectedStream": "r"}})") ==
        "bus.json:1:36: /Policy: allows nothing to be checked: give Accounts, Regions or Sources");
  // A key given twice: the position is the first one's.
  // Not JSON: where the text goes wrong.
  std::string syntax = ErrorOf("{\"Bus\": {\"Stream\": \"b\"},\n \"Rules\": [}");
  CHECK(syntax.rfind("bus.json:2:", 0) == 0);
  CHECK(syntax.find("not valid JSON") != std::string::npos);
}

}  // namespace
}  // namespace evmatch_router
