// SNS delivery retry schedules (SPEC E.5, E.6).

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dlq/model.h"
#include "evmatch/dlq.h"
#include "util/aws_error.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {
namespace {

using internal::kSecond;

constexpr int64_t kMaxHttpRetryMillis = 3600 * kSecond;

absl::Status Invalid(std::string_view reason) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameter",
                                     "Invalid parameter: DeliveryPolicy: ", reason);
}

}  // namespace

RetrySchedule::RetrySchedule(int64_t no_delay, int64_t min_delay_count, int64_t backoff,
                             int64_t max_delay_count, int64_t min_ms, int64_t max_ms,
                             BackoffFunction f)
    : no_delay_(no_delay),
      min_delay_count_(min_delay_count),
      backoff_(backoff),
      max_delay_count_(max_delay_count),
      min_ms_(min_ms),
      max_ms_(max_ms),
      function_(f),
      retries_(no_delay + min_delay_count + backoff + max_delay_count) {}

RetrySchedule RetrySchedule::AwsManaged() {
  return RetrySchedule(3, 2, 10, 100'000, 1 * kSecond, 20 * kSecond,
                       BackoffFunction::kExponential);
}

RetrySchedule RetrySchedule::CustomerManaged() {
  return RetrySchedule(0, 2, 10, 38, 10 * kSecond, 600 * kSecond,
                       BackoffFunction::kExponential);
}

absl::StatusOr<RetrySchedule> RetrySchedule::Http(const DeliveryPolicy& p) {
  using internal::Cat;
  if (p.min_delay_target < 1 || p.min_delay_target > p.max_delay_target) {
    return Invalid(Cat("minDelayTarget must be between 1 and maxDelayTarget (",
                       p.max_delay_target, "), got ", p.min_delay_target));
  }
  if (p.max_delay_target > 3600) {
    return Invalid(Cat("maxDelayTarget must be at most 3600, got ", p.max_delay_target));
  }
  if (p.num_retries < 0 || p.num_retries > 100) {
    return Invalid(Cat("numRetries must be between 0 and 100, got ", p.num_retries));
  }
  if (p.num_no_delay_retries < 0 || p.num_min_delay_retries < 0 ||
      p.num_max_delay_retries < 0) {
    return Invalid("numNoDelayRetries, numMinDelayRetries and numMaxDelayRetries must not "
                   "be negative");
  }
  int64_t fixed = int64_t{p.num_no_delay_retries} + p.num_min_delay_retries +
                  p.num_max_delay_retries;
  if (fixed > p.num_retries) {
    return Invalid(Cat("numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries (", fixed,
                       ") must not exceed numRetries (", p.num_retries, ")"));
  }
  if (p.max_receives_per_second && *p.max_receives_per_second < 1) {
    return Invalid("maxReceivesPerSecond must be at least 1");
  }
  RetrySchedule schedule(p.num_no_delay_retries, p.num_min_delay_retries,
                         p.num_retries - fixed, p.num_max_delay_retries,
                         p.min_delay_target * kSecond, p.max_delay_target * kSecond,
                         p.backoff_function);
  if (schedule.TotalDelayMillis() > kMaxHttpRetryMillis) {
    return Invalid(Cat("the retries' delays add up to ", schedule.TotalDelayMillis() / 1000.0,
                       " s, more than the 3600 s an HTTP/S policy may take"));
  }
  return schedule;
}

int64_t RetrySchedule::BackoffDelayMillis(int64_t i) const {
  if (backoff_ == 1 || min_ms_ == max_ms_) return min_ms_;
  const double t = static_cast<double>(i - 1) / static_cast<double>(backoff_ - 1);
  const double lo = static_cast<double>(min_ms_), hi = static_cast<double>(max_ms_);
  double d = lo;
  switch (function_) {
    case BackoffFunction::kLinear:
      d = lo + (hi - lo) * t;
      break;
    case BackoffFunction::kArithmetic:
      d = lo + (hi - lo) * t * t;
      break;
    case BackoffFunction::kGeometric:
      d = lo * std::pow(hi / lo, t);
      break;
    case BackoffFunction::kExponential:
      d = std::min(hi, lo * std::ldexp(1.0, static_cast<int>(std::min<int64_t>(i - 1, 62))));
      break;
  }
  return std::clamp(std::llround(d), static_cast<long long>(min_ms_),
                    static_cast<long long>(max_ms_));
}

int64_t RetrySchedule::DelayBeforeRetryMillis(int64_t i) const {
  if (i < 1 || i > retries_) return 0;
  if (i <= no_delay_) return 0;
  i -= no_delay_;
  if (i <= min_delay_count_) return min_ms_;
  i -= min_delay_count_;
  if (i <= backoff_) return BackoffDelayMillis(i);
  return max_ms_;
}

int64_t RetrySchedule::TotalDelayMillis() const {
  int64_t total = min_delay_count_ * min_ms_ + max_delay_count_ * max_ms_;
  for (int64_t i = 1; i <= backoff_; ++i) total += BackoffDelayMillis(i);
  return total;
}

DeliveryDecision AfterFailedAttempt(const RetrySchedule& schedule, int64_t attempts_made,
                                    FailureKind kind, bool has_dead_letter_queue) {
  using Action = DeliveryDecision::Action;
  const int64_t retries_made = std::max<int64_t>(attempts_made - 1, 0);
  if (kind == FailureKind::kServerSide && retries_made < schedule.retries()) {
    return {Action::kRetry, schedule.DelayBeforeRetryMillis(retries_made + 1)};
  }
  return {has_dead_letter_queue ? Action::kDeadLetter : Action::kDiscard, 0};
}

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
