// SQS and SNS policy documents (SPEC E.2, E.3, E.5, E.6).

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "evmatch/dlq.h"
#include "simdjson.h"
#include "util/aws_error.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {
namespace {

using evmatch::internal::Cat;

// A policy document parsed into simdjson's DOM. Keys repeated in an object
// resolve to their last occurrence, as SQS's and SNS's JSON readers do.
class Document {
 public:
  bool Parse(std::string_view json) {
    text_ = simdjson::padded_string(json);
    return parser_.parse(text_).get(root_) == simdjson::SUCCESS;
  }
  // Parses `json`, which must be one JSON object: false otherwise.
  bool ParseObject(std::string_view json, simdjson::dom::object* object) {
    return Parse(json) && root_.get_object().get(*object) == simdjson::SUCCESS;
  }

 private:
  simdjson::padded_string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

std::optional<simdjson::dom::element> Field(simdjson::dom::object object, std::string_view key) {
  std::optional<simdjson::dom::element> found;
  for (auto field : object) {
    if (field.key == key) found = field.value;
  }
  return found;
}

std::string Text(simdjson::dom::element value) {
  return simdjson::minify(value);
}

// An integer given as a JSON integer or as a string of decimal digits.
std::optional<int64_t> IntegerOrDigits(simdjson::dom::element value) {
  int64_t n = 0;
  if (value.get_int64().get(n) == simdjson::SUCCESS) return n;
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS || s.empty() || s.size() > 18) {
    return std::nullopt;
  }
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

absl::Status SqsInvalid(std::string_view parameter, std::string_view json,
                        std::string_view reason) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                                     "Value ", json, " for parameter ", parameter,
                                     " is invalid. Reason: ", reason);
}

absl::Status SnsInvalid(std::string_view reason) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameter",
                                     "Invalid parameter: DeliveryPolicy: ", reason);
}

}  // namespace

bool IsQueueArn(std::string_view arn) {
  // arn:partition:sqs:region:account:name
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (parts.size() < 5) {
    size_t colon = arn.find(':', start);
    if (colon == std::string_view::npos) return false;
    parts.push_back(arn.substr(start, colon - start));
    start = colon + 1;
  }
  std::string_view name = arn.substr(start);
  if (parts[0] != "arn" || parts[2] != "sqs" || name.empty() || name.size() > 80) return false;
  for (std::string_view part : parts) {
    if (part.empty()) return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

bool IsFifoQueue(std::string_view arn) {
  constexpr std::string_view kSuffix = ".fifo";
  return arn.size() >= kSuffix.size() && arn.substr(arn.size() - kSuffix.size()) == kSuffix;
}

std::string RedrivePolicy::ToJson() const {
  std::string out = "{\"deadLetterTargetArn\":";
  evmatch::internal::AppendJsonString(&out, dead_letter_target_arn);
  evmatch::internal::Append(&out, ",\"maxReceiveCount\":", max_receive_count, "}");
  return out;
}

absl::StatusOr<std::optional<RedrivePolicy>> ParseRedrivePolicy(
    std::string_view json, const RedrivePolicyOptions& options) {
  constexpr std::string_view kParameter = "RedrivePolicy";
  if (json.empty()) return std::optional<RedrivePolicy>();
  Document doc;
  simdjson::dom::object object;
  if (!doc.ParseObject(json, &object)) {
    return SqsInvalid(kParameter, json, "Redrive policy is not a valid JSON map.");
  }
  RedrivePolicy policy;
  bool have_target = false, have_count = false;
  for (auto field : object) {
    if (field.key == "deadLetterTargetArn") {
      std::string_view arn;
      if (field.value.get_string().get(arn) != simdjson::SUCCESS || !IsQueueArn(arn)) {
        return SqsInvalid(kParameter, json, "Invalid value for deadLetterTargetArn.");
      }
      policy.dead_letter_target_arn = std::string(arn);
      have_target = true;
    } else if (field.key == "maxReceiveCount") {
      std::optional<int64_t> n = IntegerOrDigits(field.value);
      if (!n || *n < 1 || *n > 1000) {
        return SqsInvalid(kParameter, json,
                          Cat("Invalid value for maxReceiveCount: ", Text(field.value),
                              ", valid values are from 1 to 1000 both inclusive."));
      }
      policy.max_receive_count = static_cast<int>(*n);
      have_count = true;
    } else {
      return SqsInvalid(kParameter, json,
                        Cat("Unknown attribute ", field.key, " in redrive policy."));
    }
  }
  if (!have_target) {
    return SqsInvalid(kParameter, json, "Redrive policy does not contain deadLetterTargetArn.");
  }
  if (!have_count && options.require_max_receive_count) {
    return SqsInvalid(kParameter, json, "Redrive policy does not contain maxReceiveCount.");
  }
  return std::optional<RedrivePolicy>(std::move(policy));
}

bool RedriveAllowPolicy::Allows(std::string_view source_queue_arn) const {
  switch (permission) {
    case RedrivePermission::kAllowAll:
      return true;
    case RedrivePermission::kDenyAll:
      return false;
    case RedrivePermission::kByQueue:
      return std::find(source_queue_arns.begin(), source_queue_arns.end(), source_queue_arn) !=
             source_queue_arns.end();
  }
  return false;
}

std::string RedriveAllowPolicy::ToJson() const {
  static constexpr std::string_view kNames[] = {"allowAll", "denyAll", "byQueue"};
  std::string out = Cat("{\"redrivePermission\":\"",
                        kNames[static_cast<int>(permission)], "\"");
  if (permission == RedrivePermission::kByQueue) {
    out += ",\"sourceQueueArns\":[";
    for (size_t i = 0; i < source_queue_arns.size(); ++i) {
      if (i > 0) out += ",";
      evmatch::internal::AppendJsonString(&out, source_queue_arns[i]);
    }
    out += "]";
  }
  return out + "}";
}

absl::StatusOr<RedriveAllowPolicy> ParseRedriveAllowPolicy(std::string_view json) {
  constexpr std::string_view kParameter = "RedriveAllowPolicy";
  constexpr std::string_view kUnsupported =
      "Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.";
  Document doc;
  simdjson::dom::object object;
  if (!doc.ParseObject(json, &object)) {
    return SqsInvalid(kParameter, json, kUnsupported);
  }
  RedriveAllowPolicy policy;
  std::optional<simdjson::dom::array> sources;
  for (auto field : object) {
    if (field.key == "redrivePermission") {
      std::string_view p;
      if (field.value.get_string().get(p) != simdjson::SUCCESS) {
        return SqsInvalid(kParameter, json, kUnsupported);
      }
      if (p == "allowAll") {
        policy.permission = RedrivePermission::kAllowAll;
      } else if (p == "denyAll") {
        policy.permission = RedrivePermission::kDenyAll;
      } else if (p == "byQueue") {
        policy.permission = RedrivePermission::kByQueue;
      } else {
        return SqsInvalid(kParameter, json,
                          Cat("Invalid value for redrivePermission: ", p,
                              ". Valid values are allowAll, denyAll and byQueue."));
      }
    } else if (field.key == "sourceQueueArns") {
      simdjson::dom::array list;
      if (field.value.get_array().get(list) != simdjson::SUCCESS) {
        return SqsInvalid(kParameter, json, "sourceQueueArns must be a list of queue ARNs.");
      }
      sources = list;
    } else {
      return SqsInvalid(kParameter, json, kUnsupported);
    }
  }
  if (policy.permission != RedrivePermission::kByQueue) {
    if (sources) {
      return SqsInvalid(kParameter, json,
                        "sourceQueueArns can only be specified when redrivePermission is "
                        "byQueue.");
    }
    return policy;
  }
  if (!sources || sources->size() == 0) {
    return SqsInvalid(kParameter, json,
                      "sourceQueueArns must name at least one queue when redrivePermission "
                      "is byQueue.");
  }
  if (sources->size() > 10) {
    return SqsInvalid(kParameter, json,
                      "Maximum number of sourceQueueArns is 10.");
  }
  for (simdjson::dom::element e : *sources) {
    std::string_view arn;
    if (e.get_string().get(arn) != simdjson::SUCCESS || !IsQueueArn(arn)) {
      return SqsInvalid(kParameter, json, Cat("Invalid queue ARN in sourceQueueArns: ",
                                              Text(e), "."));
    }
    policy.source_queue_arns.emplace_back(arn);
  }
  return policy;
}

absl::StatusOr<SnsRedrivePolicy> ParseSnsRedrivePolicy(std::string_view json, bool fifo_topic) {
  auto invalid = [](std::string_view reason) {
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameter",
                                       "Invalid parameter: RedrivePolicy: ", reason);
  };
  Document doc;
  simdjson::dom::object object;
  if (!doc.ParseObject(json, &object)) {
    return invalid("Redrive policy is not a valid JSON object.");
  }
  SnsRedrivePolicy policy;
  for (auto field : object) {
    if (field.key != "deadLetterTargetArn") {
      return invalid(Cat("Unknown key ", field.key, "."));
    }
    std::string_view arn;
    if (field.value.get_string().get(arn) != simdjson::SUCCESS || !IsQueueArn(arn)) {
      return invalid("deadLetterTargetArn must be the ARN of an SQS queue.");
    }
    policy.dead_letter_target_arn = std::string(arn);
  }
  if (policy.dead_letter_target_arn.empty()) {
    return invalid("deadLetterTargetArn is required.");
  }
  if (IsFifoQueue(policy.dead_letter_target_arn) != fifo_topic) {
    return invalid(fifo_topic
                       ? "The dead-letter queue of a FIFO topic's subscription must be a FIFO "
                         "queue."
                       : "The dead-letter queue of a standard topic's subscription must be a "
                         "standard queue.");
  }
  return policy;
}

absl::StatusOr<EventBridgeTargetPolicy> ParseEventBridgeTargetPolicy(std::string_view json) {
  auto invalid = [](std::string_view reason) {
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "ValidationException",
                                       "", reason);
  };
  Document doc;
  simdjson::dom::object object;
  if (!doc.ParseObject(json, &object)) {
    return invalid("The target settings are not a valid JSON object.");
  }
  EventBridgeTargetPolicy policy;
  for (auto field : object) {
    simdjson::dom::object member;
    if (field.value.get_object().get(member) != simdjson::SUCCESS) {
      return invalid(Cat(field.key, " must be an object."));
    }
    for (auto inner : member) {
      int64_t n = 0;
      const bool integer = inner.value.get_int64().get(n) == simdjson::SUCCESS;
      if (field.key == "RetryPolicy" && inner.key == "MaximumRetryAttempts") {
        if (!integer || n < 0 || n > 185) {
          return invalid(Cat("RetryPolicy.MaximumRetryAttempts must be between 0 and 185, got ",
                             Text(inner.value), "."));
        }
        policy.maximum_retry_attempts = static_cast<int>(n);
      } else if (field.key == "RetryPolicy" && inner.key == "MaximumEventAgeInSeconds") {
        if (!integer || n < 60 || n > 86'400) {
          return invalid(Cat("RetryPolicy.MaximumEventAgeInSeconds must be between 60 and "
                             "86400, got ",
                             Text(inner.value), "."));
        }
        policy.maximum_event_age_seconds = static_cast<int>(n);
      } else if (field.key == "DeadLetterConfig" && inner.key == "Arn") {
        std::string_view arn;
        if (inner.value.get_string().get(arn) != simdjson::SUCCESS || !IsQueueArn(arn)) {
          return invalid("DeadLetterConfig.Arn must be the ARN of an SQS queue.");
        }
        if (IsFifoQueue(arn)) {
          return invalid("The dead-letter queue of an EventBridge target must be a standard SQS "
                         "queue; FIFO queues are not supported, even for a FIFO target.");
        }
        policy.dead_letter_arn = std::string(arn);
      } else {
        return invalid(Cat("Unknown member ", field.key, ".", inner.key, "."));
      }
    }
    if (field.key != "RetryPolicy" && field.key != "DeadLetterConfig") {
      return invalid(Cat("Unknown member ", field.key, "."));
    }
  }
  return policy;
}

namespace {

absl::Status ReadInt(simdjson::dom::element value, std::string_view name, int64_t lo,
                     int64_t hi, int* out) {
  int64_t n = 0;
  if (value.get_int64().get(n) != simdjson::SUCCESS) {
    return SnsInvalid(Cat(name, " must be an integer"));
  }
  if (n < lo || n > hi) {
    return SnsInvalid(Cat(name, " must be between ", lo, " and ", hi, ", got ", n));
  }
  *out = static_cast<int>(n);
  return absl::OkStatus();
}

absl::Status ReadRetryPolicy(simdjson::dom::object object, std::string_view prefix,
                             DeliveryPolicy* policy) {
  constexpr int64_t kMax = 3600;
  for (auto field : object) {
    std::string name = Cat(prefix, ".", field.key);
    absl::Status s;
    if (field.key == "minDelayTarget") {
      s = ReadInt(field.value, name, 1, kMax, &policy->min_delay_target);
    } else if (field.key == "maxDelayTarget") {
      s = ReadInt(field.value, name, 1, kMax, &policy->max_delay_target);
    } else if (field.key == "numRetries") {
      s = ReadInt(field.value, name, 0, 100, &policy->num_retries);
    } else if (field.key == "numNoDelayRetries") {
      s = ReadInt(field.value, name, 0, 100, &policy->num_no_delay_retries);
    } else if (field.key == "numMinDelayRetries") {
      s = ReadInt(field.value, name, 0, 100, &policy->num_min_delay_retries);
    } else if (field.key == "numMaxDelayRetries") {
      s = ReadInt(field.value, name, 0, 100, &policy->num_max_delay_retries);
    } else if (field.key == "backoffFunction") {
      std::string_view f;
      if (field.value.get_string().get(f) != simdjson::SUCCESS) f = "";
      if (f == "linear") {
        policy->backoff_function = BackoffFunction::kLinear;
      } else if (f == "arithmetic") {
        policy->backoff_function = BackoffFunction::kArithmetic;
      } else if (f == "geometric") {
        policy->backoff_function = BackoffFunction::kGeometric;
      } else if (f == "exponential") {
        policy->backoff_function = BackoffFunction::kExponential;
      } else {
        s = SnsInvalid(Cat(name, " must be one of linear, arithmetic, geometric, exponential"));
      }
    } else {
      s = SnsInvalid(Cat("unknown key ", name));
    }
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ReadThrottlePolicy(simdjson::dom::element value, std::string_view prefix,
                                DeliveryPolicy* policy) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return SnsInvalid(Cat(prefix, " must be an object"));
  }
  for (auto field : object) {
    if (field.key != "maxReceivesPerSecond") {
      return SnsInvalid(Cat("unknown key ", prefix, ".", field.key));
    }
    int n = 0;
    absl::Status s = ReadInt(field.value, Cat(prefix, ".maxReceivesPerSecond"), 1,
                             INT32_MAX, &n);
    if (!s.ok()) return s;
    policy->max_receives_per_second = n;
  }
  return absl::OkStatus();
}

absl::Status ReadRequestPolicy(simdjson::dom::element value, std::string_view prefix) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return SnsInvalid(Cat(prefix, " must be an object"));
  }
  for (auto field : object) {
    std::string_view type;
    if (field.key != "headerContentType") {
      return SnsInvalid(Cat("unknown key ", prefix, ".", field.key));
    }
    if (field.value.get_string().get(type) != simdjson::SUCCESS ||
        (type != "text/plain" && type != "application/json" && type != "application/xml")) {
      return SnsInvalid(Cat(prefix, ".headerContentType must be text/plain, application/json "
                                    "or application/xml"));
    }
  }
  return absl::OkStatus();
}

// The members SNS accepts next to the retry policy: the deprecated ones
// must keep their only values.
absl::Status ReadDeprecated(std::string_view key, simdjson::dom::element value) {
  if (key == "sicklyRetryPolicy") {
    if (!value.is_null()) return SnsInvalid("sicklyRetryPolicy is deprecated and must be null");
    return absl::OkStatus();
  }
  bool b = true;
  if (value.get_bool().get(b) != simdjson::SUCCESS || b) {
    return SnsInvalid("guaranteed is deprecated and must be false");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DeliveryPolicy> ParseDeliveryPolicy(std::string_view json) {
  Document doc;
  simdjson::dom::object object;
  if (!doc.ParseObject(json, &object)) {
    return SnsInvalid("the policy is not a valid JSON object");
  }
  DeliveryPolicy policy;
  std::optional<simdjson::dom::element> http = Field(object, "http");
  std::string_view retry_key = "healthyRetryPolicy", throttle_key = "throttlePolicy",
                   request_key = "requestPolicy";
  if (http) {  // the topic form
    if (object.size() != 1 || http->get_object().get(object) != simdjson::SUCCESS) {
      return SnsInvalid("a topic policy holds only an \"http\" object");
    }
    retry_key = "defaultHealthyRetryPolicy";
    throttle_key = "defaultThrottlePolicy";
    request_key = "defaultRequestPolicy";
  }
  for (auto field : object) {
    absl::Status s;
    if (field.key == retry_key) {
      simdjson::dom::object retry;
      s = field.value.get_object().get(retry) == simdjson::SUCCESS
              ? ReadRetryPolicy(retry, retry_key, &policy)
              : SnsInvalid(Cat(retry_key, " must be an object"));
    } else if (field.key == throttle_key) {
      s = ReadThrottlePolicy(field.value, throttle_key, &policy);
    } else if (field.key == request_key) {
      s = ReadRequestPolicy(field.value, request_key);
    } else if (field.key == "sicklyRetryPolicy" || field.key == "guaranteed") {
      s = ReadDeprecated(field.key, field.value);
    } else if (http && field.key == "disableSubscriptionOverrides") {
      bool b = false;
      if (field.value.get_bool().get(b) != simdjson::SUCCESS) {
        s = SnsInvalid("disableSubscriptionOverrides must be a boolean");
      }
    } else {
      s = SnsInvalid(Cat("unknown key ", field.key));
    }
    if (!s.ok()) return s;
  }
  absl::StatusOr<RetrySchedule> schedule = RetrySchedule::Http(policy);
  if (!schedule.ok()) return schedule.status();
  return policy;
}

absl::StatusOr<QueueSettings> ParseQueueAttributes(
    std::string_view queue_arn, absl::Span<const std::pair<std::string, std::string>> attributes) {
  static constexpr std::string_view kIgnored[] = {"QueueArn",
                                                  "ApproximateNumberOfMessages",
                                                  "ApproximateNumberOfMessagesNotVisible",
                                                  "ApproximateNumberOfMessagesDelayed",
                                                  "CreatedTimestamp",
                                                  "LastModifiedTimestamp",
                                                  "SqsManagedSseEnabled",
                                                  "KmsMasterKeyId",
                                                  "KmsDataKeyReusePeriodSeconds",
                                                  "Policy",
                                                  "ReceiveMessageWaitTimeSeconds",
                                                  "DeduplicationScope",
                                                  "FifoThroughputLimit"};
  static constexpr std::pair<std::string_view, int64_t QueueAttributes::*> kIntegers[] = {
      {"VisibilityTimeout", &QueueAttributes::visibility_timeout_seconds},
      {"MessageRetentionPeriod", &QueueAttributes::message_retention_period_seconds},
      {"DelaySeconds", &QueueAttributes::delay_seconds},
      {"MaximumMessageSize", &QueueAttributes::maximum_message_size}};
  auto unknown = [](std::string_view name) {
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidAttributeName",
                                       "Unknown Attribute ", name, ".");
  };
  auto bad_value = [](std::string_view name) {
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidAttributeValue",
                                       "Invalid value for the parameter ", name, ".");
  };
  auto boolean = [&](std::string_view name, std::string_view text, bool* out) -> absl::Status {
    if (text != "true" && text != "false") return bad_value(name);
    *out = text == "true";
    return absl::OkStatus();
  };
  const bool fifo_name = IsFifoQueue(queue_arn);
  QueueSettings settings;
  for (const auto& attribute : attributes) {
    const std::string& name = attribute.first;
    const std::string& value = attribute.second;
    const auto integer = std::find_if(std::begin(kIntegers), std::end(kIntegers),
                                      [&](const auto& entry) { return entry.first == name; });
    if (integer != std::end(kIntegers)) {
      // Decimal digits only: no sign, no spaces, no exponent.
      int64_t n = 0;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return bad_value(name);
      }
      for (char c : value) n = n * 10 + (c - '0');
      settings.attributes.*(integer->second) = n;
    } else if (name == "RedrivePolicy") {
      absl::StatusOr<std::optional<RedrivePolicy>> p = ParseRedrivePolicy(value);
      if (!p.ok()) return p.status();
      settings.attributes.redrive_policy = *p;
    } else if (name == "RedriveAllowPolicy") {
      absl::StatusOr<RedriveAllowPolicy> p = ParseRedriveAllowPolicy(value);
      if (!p.ok()) return p.status();
      settings.attributes.redrive_allow_policy = *p;
    } else if (name == "FifoQueue" || name == "ContentBasedDeduplication") {
      if (!fifo_name && name == "FifoQueue" && value == "true") {
        return evmatch::internal::AwsError(
            absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length.");
      }
      if (!fifo_name) return unknown(name);  // FIFO attributes on a standard queue
      if (absl::Status s = boolean(
              name, value,
              name == "FifoQueue" ? &settings.fifo_queue : &settings.content_based_deduplication);
          !s.ok()) {
        return s;
      }
    } else if (std::find(std::begin(kIgnored), std::end(kIgnored), name) == std::end(kIgnored)) {
      return unknown(name);
    }
  }
  if (fifo_name && !settings.fifo_queue) {
    return evmatch::internal::AwsError(
        absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
        "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
  }
  return settings;
}

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
