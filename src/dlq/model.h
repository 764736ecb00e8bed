// The ledger's model: what it keeps for each queue, message and move task,
// the operations' record types, and the checks and SQS errors they share.
//
// Messages live in a slab (a vector with a free list); receipt handles name
// a slot and the nonce of the receive that issued them, so no hash map from
// ids is needed. Each message sits in three ordered indexes:
//   * its queue's `arrivals` (every message, oldest arrival first),
//   * its queue's `ready` (visible messages, oldest arrival first) or the
//     global `pending` (in flight or delayed, by the time they turn visible),
//   * the global `expiry` (by the time retention deletes it).

#ifndef EVMATCH_SRC_DLQ_MODEL_H_
#define EVMATCH_SRC_DLQ_MODEL_H_

#include <cstdint>
#include <deque>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/container/btree_map.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "evmatch/dlq.h"
#include "util/aws_error.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq::internal {

using evmatch::internal::Cat;

inline constexpr uint32_t kNoQueue = std::numeric_limits<uint32_t>::max();
inline constexpr int64_t kSecond = 1000;
inline constexpr int64_t kDedupWindowMs = 5 * 60 * kSecond;
inline constexpr int64_t kMaxVisibilitySeconds = 43'200;
inline constexpr int64_t kTaskLimitMs = 36 * 3600 * kSecond;
inline constexpr int kMaxActiveTasks = 100;
inline constexpr size_t kTasksKeptPerSource = 10;

enum Flag : uint32_t {
  kPending = 1,           // in `pending` (else in its queue's `ready`)
  kReceived = 2,          // pending because received (else delayed)
  kDedupIsMessageId = 4,  // moved to a FIFO DLQ: the dedup id is the message id
};

enum class Op : uint8_t {
  kInit = 1,
  kTick,
  kCreateQueue,
  kSetQueueAttributes,
  kDeleteQueue,
  kSend,
  kReceive,
  kDelete,
  kChangeVisibility,
  kStartMoveTask,
  kCancelMoveTask,
};

struct Message {
  uint64_t seq = 0;  // the message id's number; 0: a free slot
  uint64_t arrival = 0;
  uint64_t nonce = 0;  // of the latest receive
  int64_t sent_ms = 0;
  int64_t retention_base_ms = 0;
  int64_t arrived_ms = 0;
  int64_t visible_at_ms = 0;
  int64_t received_ms = 0;
  int64_t first_receive_ms = 0;
  uint32_t queue = kNoQueue;
  uint32_t source = kNoQueue;  // DeadLetterQueueSourceArn
  uint32_t receive_count = 0;
  uint32_t flags = 0;
};

struct Queue {
  std::string arn;
  bool fifo = false;
  bool alive = false;
  QueueAttributes attributes;
  absl::btree_map<uint64_t, uint32_t> ready;     // arrival -> slot
  absl::btree_map<uint64_t, uint32_t> arrivals;  // arrival -> slot
  int64_t in_flight = 0, delayed = 0;
  int64_t moved_to_dlq = 0, expired = 0;
  struct Dedup {
    int64_t expires_ms;
    uint64_t seq;
  };
  absl::flat_hash_map<std::string, Dedup> dedup;
  std::deque<std::pair<int64_t, std::string>> dedup_order;  // by expiry
};

struct Task {
  uint64_t id = 0;
  uint32_t source = kNoQueue;
  std::optional<uint32_t> destination;
  std::optional<int> rate;
  MoveTaskStatus status = MoveTaskStatus::kRunning;
  int64_t moved = 0, to_move = 0;
  uint64_t cutoff = 0;  // messages that arrived up to here are moved
  int64_t started_ms = 0, cancel_ms = 0;
  std::string failure;
};

inline bool Active(MoveTaskStatus s) {
  return s == MoveTaskStatus::kRunning || s == MoveTaskStatus::kCancelling;
}

inline absl::Status NoSuchQueue() {
  return evmatch::internal::AwsError(absl::StatusCode::kNotFound,
                                     "AWS.SimpleQueueService.NonExistentQueue",
                                     "The specified queue does not exist.");
}

inline absl::Status InvalidValue(std::string_view parameter, int64_t value,
                                 std::string_view reason) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                                     "Value ", value, " for parameter ", parameter,
                                     " is invalid. Reason: ", reason);
}

inline absl::Status InvalidAttribute(std::string_view name, std::string_view range) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidAttributeValue",
                                     "Invalid value for the parameter ", name, " (", range, ").");
}

inline absl::Status BadHandle(std::string_view handle, std::string_view why) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "ReceiptHandleIsInvalid",
                                     "The input receipt handle \"", handle,
                                     "\" is not a valid receipt handle", why, ".");
}

inline absl::Status CheckRanges(const QueueAttributes& a) {
  if (a.visibility_timeout_seconds < 0 || a.visibility_timeout_seconds > kMaxVisibilitySeconds) {
    return InvalidAttribute("VisibilityTimeout", "0 to 43200");
  }
  if (a.message_retention_period_seconds < 60 || a.message_retention_period_seconds > 1'209'600) {
    return InvalidAttribute("MessageRetentionPeriod", "60 to 1209600");
  }
  if (a.delay_seconds < 0 || a.delay_seconds > 900) {
    return InvalidAttribute("DelaySeconds", "0 to 900");
  }
  if (a.maximum_message_size < 1024 || a.maximum_message_size > 1'048'576) {
    return InvalidAttribute("MaximumMessageSize", "1024 to 1048576");
  }
  return absl::OkStatus();
}

// Clock readings the ledger accepts (about +-31,000 years around the
// epoch): time arithmetic can then never overflow. Stored times are
// readings plus at most 14 days.
inline constexpr int64_t kMaxClockMillis = 1'000'000'000'000'000;
inline bool ClockInRange(int64_t ms) { return ms >= -kMaxClockMillis && ms <= kMaxClockMillis; }
inline bool StoredTimeInRange(int64_t ms) {
  return ms >= -2 * kMaxClockMillis && ms <= 2 * kMaxClockMillis;
}
inline bool CountInRange(int64_t n) { return n >= 0 && n <= (int64_t{1} << 62); }

inline bool SameAttributes(const QueueAttributes& a, const QueueAttributes& b) {
  auto redrive = [](const QueueAttributes& q) {
    return q.redrive_policy ? q.redrive_policy->ToJson() : std::string();
  };
  auto allow = [](const QueueAttributes& q) {
    return q.redrive_allow_policy ? q.redrive_allow_policy->ToJson() : std::string();
  };
  return a.visibility_timeout_seconds == b.visibility_timeout_seconds &&
         a.message_retention_period_seconds == b.message_retention_period_seconds &&
         a.delay_seconds == b.delay_seconds && a.maximum_message_size == b.maximum_message_size &&
         redrive(a) == redrive(b) && allow(a) == allow(b);
}

// A receipt handle names the message's slot and the receive that issued it.
inline std::string ReceiptHandle(uint64_t nonce, uint32_t slot) {
  return Cat(absl::Hex(nonce), ".", absl::Hex(slot));
}

}  // namespace dlq::internal
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_SRC_DLQ_MODEL_H_
