// DLQ policies and SNS retry schedules (SPEC E.2, E.3, E.5, E.6, E.7).

#include <string>

#include "catch2/catch.hpp"
#include "evmatch/dlq.h"

namespace {

using namespace evmatch::dlq;

constexpr const char* kDlq = "arn:aws:sqs:us-east-2:123456789012:my-dlq";

std::string Policy(const std::string& count) {
  return std::string("{\"deadLetterTargetArn\":\"") + kDlq + "\",\"maxReceiveCount\":" + count +
         "}";
}

TEST_CASE("RedrivePolicy: maxReceiveCount bounds and forms (E.7 1)", "[dlq]") {
  auto zero = ParseRedrivePolicy(Policy("0"));
  REQUIRE_FALSE(zero.ok());
  CHECK(std::string(zero.status().message()) ==
        "InvalidParameterValue: Value " + Policy("0") +
            " for parameter RedrivePolicy is invalid. Reason: Invalid value for "
            "maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.");
  CHECK_FALSE(ParseRedrivePolicy(Policy("1001")).ok());
  CHECK_FALSE(ParseRedrivePolicy(Policy("-1")).ok());
  CHECK_FALSE(ParseRedrivePolicy(Policy("5.5")).ok());
  CHECK_FALSE(ParseRedrivePolicy(Policy("\"5x\"")).ok());
  CHECK((*ParseRedrivePolicy(Policy("1")))->max_receive_count == 1);
  CHECK((*ParseRedrivePolicy(Policy("1000")))->max_receive_count == 1000);
  CHECK((*ParseRedrivePolicy(Policy("\"5\"")))->max_receive_count == 5);

  const std::string missing = std::string("{\"deadLetterTargetArn\":\"") + kDlq + "\"}";
  auto defaulted = ParseRedrivePolicy(missing);
  REQUIRE(defaulted.ok());
  CHECK((*defaulted)->max_receive_count == 10);  // D12
  CHECK_FALSE(ParseRedrivePolicy(missing, {.require_max_receive_count = true}).ok());

  auto removed = ParseRedrivePolicy("");
  REQUIRE(removed.ok());
  CHECK_FALSE(removed->has_value());

  CHECK_FALSE(ParseRedrivePolicy("[]").ok());
  CHECK_FALSE(ParseRedrivePolicy("{\"maxReceiveCount\":3}").ok());
  CHECK_FALSE(ParseRedrivePolicy(
                  R"({"deadLetterTargetArn":"arn:aws:sns:us-east-2:1:topic",)"
                  R"("maxReceiveCount":3})")
                  .ok());
  CHECK_FALSE(ParseRedrivePolicy(Policy("3").insert(1, "\"extra\":1,")).ok());

  const RedrivePolicy p{kDlq, 7};
  CHECK((*ParseRedrivePolicy(p.ToJson()))->max_receive_count == 7);
}

TEST_CASE("RedriveAllowPolicy: permissions and source lists (E.7 6)", "[dlq]") {
  auto arns = [](int n) {
    std::string list = "[";
    for (int i = 0; i < n; ++i) {
      if (i > 0) list += ",";
      list += "\"arn:aws:sqs:us-east-2:123456789012:src" + std::to_string(i) + "\"";
    }
    return list + "]";
  };
  auto by_queue = [&](int n) {
    return ParseRedriveAllowPolicy("{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":" +
                                   arns(n) + "}");
  };
  CHECK_FALSE(by_queue(0).ok());
  REQUIRE(by_queue(10).ok());
  CHECK(by_queue(10)->source_queue_arns.size() == 10);
  auto eleven = by_queue(11);
  REQUIRE_FALSE(eleven.ok());
  CHECK(std::string(eleven.status().message()).find("Maximum number of sourceQueueArns is 10") !=
        std::string::npos);
  CHECK_FALSE(ParseRedriveAllowPolicy("{\"redrivePermission\":\"byQueue\"}").ok());

  auto with_allow_all = ParseRedriveAllowPolicy(
      "{\"redrivePermission\":\"allowAll\",\"sourceQueueArns\":" + arns(1) + "}");
  REQUIRE_FALSE(with_allow_all.ok());
  CHECK(std::string(with_allow_all.status().message())
            .find("sourceQueueArns can only be specified when redrivePermission is byQueue") !=
        std::string::npos);
  CHECK_FALSE(ParseRedriveAllowPolicy("{\"redrivePermission\":\"allowSome\"}").ok());
  CHECK_FALSE(ParseRedriveAllowPolicy("\"allowAll\"").ok());

  auto deny = ParseRedriveAllowPolicy("{\"redrivePermission\":\"denyAll\"}");
  REQUIRE(deny.ok());
  CHECK_FALSE(deny->Allows("arn:aws:sqs:us-east-2:123456789012:src0"));
  auto one = by_queue(1);
  CHECK(one->Allows("arn:aws:sqs:us-east-2:123456789012:src0"));
  CHECK_FALSE(one->Allows("arn:aws:sqs:us-east-2:123456789012:src1"));
  CHECK(ParseRedriveAllowPolicy("{}")->Allows("anything"));
  CHECK(ParseRedriveAllowPolicy(one->ToJson())->source_queue_arns == one->source_queue_arns);
}

TEST_CASE("SNS subscription RedrivePolicy: SQS only, FIFO to FIFO (E.5)", "[dlq]") {
  auto ok = ParseSnsRedrivePolicy(std::string("{\"deadLetterTargetArn\":\"") + kDlq + "\"}");
  REQUIRE(ok.ok());
  CHECK(ok->dead_letter_target_arn == kDlq);
  CHECK_FALSE(ParseSnsRedrivePolicy(std::string("{\"deadLetterTargetArn\":\"") + kDlq + "\"}",
                                    /*fifo_topic=*/true)
                  .ok());
  CHECK(ParseSnsRedrivePolicy(
            "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-2:123456789012:d.fifo\"}", true)
            .ok());
  CHECK_FALSE(ParseSnsRedrivePolicy(std::string("{\"deadLetterTargetArn\":\"") + kDlq +
                                    "\",\"maxReceiveCount\":3}")
                  .ok());
  CHECK_FALSE(ParseSnsRedrivePolicy("{}").ok());
}

TEST_CASE("EventBridge target: a standard DLQ even for FIFO targets (B.4, E.7 9)", "[dlq]") {
  auto defaults = ParseEventBridgeTargetPolicy("{}");
  REQUIRE(defaults.ok());
  CHECK(defaults->maximum_retry_attempts == 185);
  CHECK(defaults->maximum_event_age_seconds == 86'400);
  CHECK(defaults->dead_letter_arn.empty());

  auto standard = ParseEventBridgeTargetPolicy(
      R"({"RetryPolicy":{"MaximumRetryAttempts":0,"MaximumEventAgeInSeconds":60},
          "DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:123456789012:rule-dlq"}})");
  REQUIRE(standard.ok());
  CHECK(standard->maximum_retry_attempts == 0);  // a single attempt
  CHECK(standard->maximum_event_age_seconds == 60);
  CHECK(standard->dead_letter_arn == "arn:aws:sqs:us-east-1:123456789012:rule-dlq");

  // An SQS FIFO source queue needs a FIFO DLQ; an EventBridge target's DLQ
  // may not be one.
  auto fifo = ParseEventBridgeTargetPolicy(
      R"({"DeadLetterConfig":{"Arn":"arn:aws:sqs:us-east-1:123456789012:rule-dlq.fifo"}})");
  REQUIRE_FALSE(fifo.ok());
  CHECK(std::string(fifo.status().message()).rfind("ValidationException: ", 0) == 0);
  CHECK(std::string(fifo.status().message()).find("FIFO queues are not supported") !=
        std::string::npos);

  CHECK_FALSE(ParseEventBridgeTargetPolicy(R"({"RetryPolicy":{"MaximumRetryAttempts":186}})").ok());
  CHECK_FALSE(
      ParseEventBridgeTargetPolicy(R"({"RetryPolicy":{"MaximumEventAgeInSeconds":59}})").ok());
  CHECK_FALSE(
      ParseEventBridgeTargetPolicy(R"({"RetryPolicy":{"MaximumEventAgeInSeconds":86401}})").ok());
  CHECK_FALSE(ParseEventBridgeTargetPolicy(
                  R"({"DeadLetterConfig":{"Arn":"arn:aws:sns:us-east-1:123456789012:topic"}})")
                  .ok());
  CHECK_FALSE(ParseEventBridgeTargetPolicy(R"({"Retry":{}})").ok());
}

TEST_CASE("DeliveryPolicy: defaults, both forms, every range (E.6, E.7 8)", "[dlq]") {
  auto defaults = ParseDeliveryPolicy("{}");
  REQUIRE(defaults.ok());
  CHECK(defaults->min_delay_target == 20);
  CHECK(defaults->max_delay_target == 20);
  CHECK(defaults->num_retries == 3);
  CHECK(defaults->backoff_function == BackoffFunction::kLinear);
  CHECK_FALSE(defaults->max_receives_per_second.has_value());

  auto sub = ParseDeliveryPolicy(
      R"({"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":60,"numRetries":50,
          "numNoDelayRetries":3,"numMinDelayRetries":2,"numMaxDelayRetries":35,
          "backoffFunction":"exponential"},
          "throttlePolicy":{"maxReceivesPerSecond":10},
          "requestPolicy":{"headerContentType":"application/json"},
          "sicklyRetryPolicy":null,"guaranteed":false})");
  REQUIRE(sub.ok());
  CHECK(sub->num_retries == 50);
  CHECK(sub->num_max_delay_retries == 35);
  CHECK(sub->backoff_function == BackoffFunction::kExponential);
  CHECK(sub->max_receives_per_second == 10);

  auto topic = ParseDeliveryPolicy(
      R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":5},
          "disableSubscriptionOverrides":false,
          "defaultThrottlePolicy":{"maxReceivesPerSecond":1}}})");
  REQUIRE(topic.ok());
  CHECK(topic->num_retries == 5);

  auto numRetries101 = ParseDeliveryPolicy(R"({"healthyRetryPolicy":{"numRetries":101}})");
  REQUIRE_FALSE(numRetries101.ok());
  CHECK(std::string(numRetries101.status().message()) ==
        "InvalidParameter: Invalid parameter: DeliveryPolicy: healthyRetryPolicy.numRetries "
        "must be between 0 and 100, got 101");
  CHECK_FALSE(ParseDeliveryPolicy(
                  R"({"healthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":20}})")
                  .ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"healthyRetryPolicy":{"maxDelayTarget":3601}})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"healthyRetryPolicy":{"minDelayTarget":0}})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(
                  R"({"healthyRetryPolicy":{"numRetries":3,"numNoDelayRetries":2,
                      "numMaxDelayRetries":2}})")
                  .ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"healthyRetryPolicy":{"backoffFunction":"cubic"}})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"throttlePolicy":{"maxReceivesPerSecond":0}})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"sicklyRetryPolicy":{}})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"guaranteed":true})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"retryPolicy":{}})").ok());
  CHECK_FALSE(ParseDeliveryPolicy(R"({"requestPolicy":{"headerContentType":"text/html"}})").ok());

  // The 3,600 s ceiling on the sum of the delays: 100 retries at 60 s is
  // 6,000 s; 60 retries at 60 s is exactly 3,600 s.
  auto too_long = ParseDeliveryPolicy(
      R"({"healthyRetryPolicy":{"minDelayTarget":60,"maxDelayTarget":60,"numRetries":100}})");
  REQUIRE_FALSE(too_long.ok());
  CHECK(std::string(too_long.status().message()).find("more than the 3600 s") !=
        std::string::npos);
  CHECK(ParseDeliveryPolicy(
            R"({"healthyRetryPolicy":{"minDelayTarget":60,"maxDelayTarget":60,"numRetries":60}})")
            .ok());
  CHECK_FALSE(ParseDeliveryPolicy(
                  R"({"healthyRetryPolicy":{"minDelayTarget":60,"maxDelayTarget":60,)"
                  R"("numRetries":61}})")
                  .ok());
}

TEST_CASE("RetrySchedule: the AWS-managed and customer-managed tables (E.6)", "[dlq]") {
  const RetrySchedule aws = RetrySchedule::AwsManaged();
  CHECK(aws.retries() == 100'015);
  for (int i = 1; i <= 3; ++i) CHECK(aws.DelayBeforeRetryMillis(i) == 0);
  CHECK(aws.DelayBeforeRetryMillis(4) == 1000);
  CHECK(aws.DelayBeforeRetryMillis(5) == 1000);
  // Backoff 1 s -> 20 s, doubling: 1, 2, 4, 8, 16, then 20.
  const int64_t backoff[] = {1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000, 20000, 20000};
  for (int i = 0; i < 10; ++i) CHECK(aws.DelayBeforeRetryMillis(6 + i) == backoff[i]);
  CHECK(aws.DelayBeforeRetryMillis(16) == 20000);
  CHECK(aws.DelayBeforeRetryMillis(100'015) == 20000);
  CHECK(aws.DelayBeforeRetryMillis(100'016) == 0);
  const int64_t aws_total = 2000 + 131000 + int64_t{100'000} * 20000;
  CHECK(aws.TotalDelayMillis() == aws_total);  // about 23 days
  CHECK(aws_total / 86'400'000 == 23);

  const RetrySchedule customer = RetrySchedule::CustomerManaged();
  CHECK(customer.retries() == 50);
  CHECK(customer.DelayBeforeRetryMillis(1) == 10'000);
  CHECK(customer.DelayBeforeRetryMillis(2) == 10'000);
  CHECK(customer.DelayBeforeRetryMillis(3) == 10'000);
  CHECK(customer.DelayBeforeRetryMillis(12) == 600'000);
  CHECK(customer.DelayBeforeRetryMillis(50) == 600'000);
}

TEST_CASE("RetrySchedule: HTTP/S policies and the four backoff curves (E.6)", "[dlq]") {
  const RetrySchedule defaults = *RetrySchedule::Http(DeliveryPolicy());
  CHECK(defaults.retries() == 3);  // 3 retries, 20 s apart
  for (int i = 1; i <= 3; ++i) CHECK(defaults.DelayBeforeRetryMillis(i) == 20000);

  // The documentation's example: 3 + 2 + 10 + 35 = 50 retries.
  DeliveryPolicy doc;
  doc.min_delay_target = 1;
  doc.max_delay_target = 60;
  doc.num_retries = 50;
  doc.num_no_delay_retries = 3;
  doc.num_min_delay_retries = 2;
  doc.num_max_delay_retries = 35;
  doc.backoff_function = BackoffFunction::kExponential;
  const RetrySchedule example = *RetrySchedule::Http(doc);
  CHECK(example.retries() == 50);
  CHECK(example.DelayBeforeRetryMillis(3) == 0);
  CHECK(example.DelayBeforeRetryMillis(4) == 1000);
  CHECK(example.DelayBeforeRetryMillis(6) == 1000);   // first backoff retry: min
  CHECK(example.DelayBeforeRetryMillis(15) == 60000);  // last backoff retry: max
  CHECK(example.DelayBeforeRetryMillis(16) == 60000);

  DeliveryPolicy p;
  p.min_delay_target = 10;
  p.max_delay_target = 90;
  p.num_retries = 5;
  auto delays = [&](BackoffFunction f) {
    p.backoff_function = f;
    const RetrySchedule s = *RetrySchedule::Http(p);
    std::vector<int64_t> out;
    for (int i = 1; i <= 5; ++i) out.push_back(s.DelayBeforeRetryMillis(i) / 1000);
    return out;
  };
  CHECK(delays(BackoffFunction::kLinear) == std::vector<int64_t>{10, 30, 50, 70, 90});
  CHECK(delays(BackoffFunction::kArithmetic) == std::vector<int64_t>{10, 15, 30, 55, 90});
  CHECK(delays(BackoffFunction::kGeometric) ==
        std::vector<int64_t>{10, 17, 30, 51, 90});  // ratio sqrt(3)
  CHECK(delays(BackoffFunction::kExponential) == std::vector<int64_t>{10, 20, 40, 80, 90});

  DeliveryPolicy bad;
  bad.num_retries = 1;
  bad.num_no_delay_retries = 2;
  CHECK_FALSE(RetrySchedule::Http(bad).ok());
}

TEST_CASE("AfterFailedAttempt: client errors skip the retries (E.5, E.7 8)", "[dlq]") {
  using Action = DeliveryDecision::Action;
  const RetrySchedule aws = RetrySchedule::AwsManaged();
  CHECK(AfterFailedAttempt(aws, 1, FailureKind::kClientSide, true).action == Action::kDeadLetter);
  CHECK(AfterFailedAttempt(aws, 1, FailureKind::kClientSide, false).action == Action::kDiscard);

  // Server-side failures: exactly retries() retries, then the DLQ.
  const RetrySchedule http = *RetrySchedule::Http(DeliveryPolicy());
  int64_t attempts = 1, waited = 0;
  for (;;) {
    const DeliveryDecision d = AfterFailedAttempt(http, attempts, FailureKind::kServerSide, true);
    if (d.action != Action::kRetry) {
      CHECK(d.action == Action::kDeadLetter);
      break;
    }
    waited += d.delay_ms;
    ++attempts;
  }
  CHECK(attempts == 4);  // the first delivery and 3 retries
  CHECK(waited == 60000);

  const RetrySchedule customer = RetrySchedule::CustomerManaged();
  int64_t n = 1;
  while (AfterFailedAttempt(customer, n, FailureKind::kServerSide, false).action ==
         Action::kRetry) {
    ++n;
  }
  CHECK(n == 51);
  CHECK(AfterFailedAttempt(customer, n, FailureKind::kServerSide, false).action ==
        Action::kDiscard);
  CHECK(AfterFailedAttempt(aws, 100'015, FailureKind::kServerSide, true).action ==
        Action::kRetry);
  CHECK(AfterFailedAttempt(aws, 100'016, FailureKind::kServerSide, true).action ==
        Action::kDeadLetter);
}

}  // namespace
