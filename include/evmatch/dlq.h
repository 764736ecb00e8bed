// evmatch/dlq.h: SQS-style dead-letter bookkeeping for any broker. Three parts:
//
//  * Policies: SQS RedrivePolicy and RedriveAllowPolicy, SNS subscription
//    RedrivePolicy, SNS HTTP/S DeliveryPolicy and an EventBridge target's
//    retry and dead-letter settings, parsed and validated with the
//    services' rules. Errors are InvalidArgument and carry the service's
//    error code (evmatch::GetAwsError, evmatch/aws_error.h), which also
//    starts the message ("InvalidParameterValue: Value ... for parameter
//    RedrivePolicy is invalid. Reason: ...").
//  * SNS retries: the exact delay before every retry of a delivery policy,
//    and what happens after a failed attempt.
//  * Ledger: queues and messages driven by the caller, with SQS's receive
//    counts, visibility timeouts, maxReceiveCount moves to the dead-letter
//    queue, retention and message move tasks (redrive). It keeps the books
//    (ids, counts, timestamps, sources), never message bodies: the caller
//    moves the bytes. Durable through an append-only journal and snapshots.
//
// Example:
//
//   evmatch::dlq::ManualClock clock(0);
//   auto ledger = evmatch::dlq::Ledger::Open({.clock = &clock});
//   (*ledger)->CreateQueue(kDlqArn);
//   evmatch::dlq::QueueAttributes source;
//   source.redrive_policy = evmatch::dlq::RedrivePolicy{kDlqArn, 3};
//   (*ledger)->CreateQueue(kSourceArn, source);
//   auto sent = (*ledger)->Send(kSourceArn);
//   auto received = (*ledger)->Receive(kSourceArn);  // count 1, deadline +30 s
//   clock.Advance(31'000);                           // visibility expires
//
// Times are milliseconds since the Unix epoch (or any fixed origin the
// caller chooses); durations in the SQS/SNS APIs are seconds.

#ifndef EVMATCH_DLQ_H_
#define EVMATCH_DLQ_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "evmatch/abi.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {

// ---------------------------------------------------------------- policies

// Whether `arn` names a queue: "arn:<partition>:sqs:<region>:<account>:<name>"
// with every part non-empty.
EVMATCH_EXPORT bool IsQueueArn(std::string_view arn);
// Whether a queue ARN (or name) names a FIFO queue: its name ends in ".fifo".
EVMATCH_EXPORT bool IsFifoQueue(std::string_view arn);

// RedrivePolicy of a source queue.
struct EVMATCH_EXPORT RedrivePolicy {
  std::string dead_letter_target_arn;
  int max_receive_count = 10;  // 1 ... 1,000

  // The attribute's JSON, as SQS returns it.
  std::string ToJson() const;
};

struct RedrivePolicyOptions {
  // An omitted maxReceiveCount means 10, as the API reference
  // says. LocalStack requires it; set this to reject its absence instead.
  bool require_max_receive_count = false;
};

// Parses the RedrivePolicy attribute value. "" removes the policy
// (nullopt). maxReceiveCount may be a JSON integer or a string of digits
// ("5"). Errors: not a JSON object, unknown keys, a missing or malformed
// deadLetterTargetArn, maxReceiveCount outside 1 ... 1,000 ("Invalid value
// for maxReceiveCount: 0, valid values are from 1 to 1000 both inclusive.").
EVMATCH_EXPORT absl::StatusOr<std::optional<RedrivePolicy>> ParseRedrivePolicy(
    std::string_view json, const RedrivePolicyOptions& options = {});

enum class RedrivePermission : uint8_t { kAllowAll, kDenyAll, kByQueue };

// RedriveAllowPolicy of a dead-letter queue: which source queues
// may name it as their deadLetterTargetArn.
struct EVMATCH_EXPORT RedriveAllowPolicy {
  RedrivePermission permission = RedrivePermission::kAllowAll;
  std::vector<std::string> source_queue_arns;  // kByQueue only; 1 ... 10

  bool Allows(std::string_view source_queue_arn) const;
  std::string ToJson() const;
};

// Parses the RedriveAllowPolicy attribute value. Errors: not a JSON object,
// an unknown redrivePermission, sourceQueueArns without byQueue, byQueue
// without sourceQueueArns or with more than 10, an ARN that is not a queue's.
EVMATCH_EXPORT absl::StatusOr<RedriveAllowPolicy> ParseRedriveAllowPolicy(
    std::string_view json);

// RedrivePolicy of an SNS subscription: an SQS queue ARN only.
// A FIFO topic needs a FIFO queue, a standard topic a standard one.
struct SnsRedrivePolicy {
  std::string dead_letter_target_arn;
};
EVMATCH_EXPORT absl::StatusOr<SnsRedrivePolicy> ParseSnsRedrivePolicy(std::string_view json,
                                                                      bool fifo_topic = false);

// An EventBridge target's RetryPolicy and DeadLetterConfig. Unlike an SQS
// queue's, an EventBridge target's dead-letter queue
// must be a standard SQS queue, even when the target is a FIFO queue.
struct EventBridgeTargetPolicy {
  int maximum_retry_attempts = 185;         // 0 ... 185
  int maximum_event_age_seconds = 86'400;   // 60 ... 86,400
  std::string dead_letter_arn;              // empty: no dead-letter queue
};

// Parses a target's {"RetryPolicy": {"MaximumRetryAttempts": N,
// "MaximumEventAgeInSeconds": S}, "DeadLetterConfig": {"Arn": "..."}} (the
// PutTargets members; either may be absent). Errors start with
// "ValidationException: ".
EVMATCH_EXPORT absl::StatusOr<EventBridgeTargetPolicy> ParseEventBridgeTargetPolicy(
    std::string_view json);

// ------------------------------------------------------------- SNS retries

// The backoff phase's curve from minDelayTarget (first backoff retry) to
// maxDelayTarget (last). AWS shows the curves only as a chart;
// evmatch defines them, for n backoff retries and t = (i-1)/(n-1):
//   linear       min + (max-min) * t
//   arithmetic   min + (max-min) * t^2     (the steps grow arithmetically)
//   geometric    min * (max/min)^t         (a constant ratio)
//   exponential  min * 2^(i-1), capped at max
// Delays are rounded to whole milliseconds.
enum class BackoffFunction : uint8_t { kLinear, kArithmetic, kGeometric, kExponential };

// An SNS HTTP/S delivery policy, with the service's defaults.
struct DeliveryPolicy {
  int min_delay_target = 20;      // seconds, 1 ... max_delay_target
  int max_delay_target = 20;      // seconds, min_delay_target ... 3,600
  int num_retries = 3;            // 0 ... 100, all phases
  int num_no_delay_retries = 0;   // immediate phase
  int num_min_delay_retries = 0;  // pre-backoff phase, at min_delay_target
  int num_max_delay_retries = 0;  // post-backoff phase, at max_delay_target
  BackoffFunction backoff_function = BackoffFunction::kLinear;
  std::optional<int> max_receives_per_second;  // throttlePolicy; >= 1
};

// Parses a DeliveryPolicy in either of SNS's forms: a subscription's
// {"healthyRetryPolicy": {...}, "throttlePolicy": {...}, "requestPolicy":
// {...}} or a topic's {"http": {"defaultHealthyRetryPolicy": {...}, ...}}.
// Validates every range above, that the phases fit in numRetries, and that
// the retries' delays add up to at most 3,600 s. Errors:
// "InvalidParameter: Invalid parameter: DeliveryPolicy: <reason>".
EVMATCH_EXPORT absl::StatusOr<DeliveryPolicy> ParseDeliveryPolicy(std::string_view json);

// The delays of every retry after a failed first delivery attempt.
// Stored as phases, so the AWS-managed schedule's 100,015 retries take no
// memory; DelayBeforeRetry is O(1).
class EVMATCH_EXPORT RetrySchedule {
 public:
  // SQS, Lambda and Firehose endpoints: 3 immediate, 2 at 1 s, 10
  // exponential 1 s -> 20 s, 100,000 at 20 s: 100,015 retries.
  static RetrySchedule AwsManaged();
  // SMTP, SMS and mobile push: 2 at 10 s, 10 exponential 10 s -> 600 s,
  // 38 at 600 s: 50 retries.
  static RetrySchedule CustomerManaged();
  // HTTP/S endpoints. InvalidArgument as ParseDeliveryPolicy for a policy
  // that was not parsed.
  static absl::StatusOr<RetrySchedule> Http(const DeliveryPolicy& policy);

  int64_t retries() const { return retries_; }
  // The delay before retry `i`, 1 <= i <= retries(), in milliseconds.
  int64_t DelayBeforeRetryMillis(int64_t i) const;
  // The sum of every delay: how long after the first attempt the last retry
  // happens (jitter aside).
  int64_t TotalDelayMillis() const;

 private:
  RetrySchedule(int64_t no_delay, int64_t min_delay_count, int64_t backoff,
                int64_t max_delay_count, int64_t min_ms, int64_t max_ms, BackoffFunction f);
  int64_t BackoffDelayMillis(int64_t i) const;  // 1 <= i <= backoff_

  int64_t no_delay_, min_delay_count_, backoff_, max_delay_count_;
  int64_t min_ms_, max_ms_;
  BackoffFunction function_;
  int64_t retries_;
};

// Why a delivery attempt failed. Client-side errors come from
// stale subscription metadata (the endpoint was deleted, or its policy
// forbids SNS): never retried. Server-side errors (endpoint unavailable,
// throttled, an exception) are retried per the schedule.
enum class FailureKind : uint8_t { kClientSide, kServerSide };

struct DeliveryDecision {
  enum class Action : uint8_t { kRetry, kDeadLetter, kDiscard };
  Action action = Action::kRetry;
  int64_t delay_ms = 0;  // kRetry: wait this long, then attempt again
};

// What SNS does after attempt number `attempts_made` (1 = the first
// delivery) failed: retry after the schedule's next delay, or, once the
// retries are exhausted or at once for a client-side error, move the
// message to the subscription's dead-letter queue (or discard it when it
// has none).
EVMATCH_EXPORT DeliveryDecision AfterFailedAttempt(const RetrySchedule& schedule,
                                                   int64_t attempts_made, FailureKind kind,
                                                   bool has_dead_letter_queue);

// ------------------------------------------------------------------ ledger

// The ledger reads time from a Clock. Time never runs backwards inside a
// ledger: a reading earlier than the last one counts as the last one.
class EVMATCH_EXPORT Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMillis() const = 0;
};

// std::chrono::system_clock.
class EVMATCH_EXPORT SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
};

// A clock the caller moves: simulations, tests, replays. Thread-safe.
class EVMATCH_EXPORT ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_ms = 0) : now_ms_(now_ms) {}
  int64_t NowMillis() const override { return now_ms_.load(std::memory_order_relaxed); }
  void Set(int64_t now_ms) { now_ms_.store(now_ms, std::memory_order_relaxed); }
  void Advance(int64_t ms) { now_ms_.fetch_add(ms, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> now_ms_;
};

// SQS queue attributes with SQS's defaults. A queue is FIFO when
// its name ends in ".fifo".
struct QueueAttributes {
  int64_t visibility_timeout_seconds = 30;             // 0 ... 43,200
  int64_t message_retention_period_seconds = 345'600;  // 60 ... 1,209,600
  int64_t delay_seconds = 0;                           // 0 ... 900
  int64_t maximum_message_size = 1'048'576;            // 1,024 ... 1,048,576
  std::optional<RedrivePolicy> redrive_policy;
  std::optional<RedriveAllowPolicy> redrive_allow_policy;  // none: allowAll
};

// A queue's attributes as SQS names them: what CreateQueue and
// SetQueueAttributes take, and what `aws sqs get-queue-attributes
// --attribute-names All` prints (name -> text).
struct QueueSettings {
  QueueAttributes attributes;
  bool fifo_queue = false;                   // FifoQueue
  bool content_based_deduplication = false;  // ContentBasedDeduplication (FIFO)
};

// Reads the attributes of queue `queue_arn` by SQS's rules. Integers are
// decimal digits (their ranges are checked by Ledger::CreateQueue and
// SetQueueAttributes); RedrivePolicy and RedriveAllowPolicy are JSON text.
// FifoQueue must be "true" exactly when the queue's name ends in ".fifo";
// FifoQueue and ContentBasedDeduplication are unknown attributes on a
// standard queue. Attributes SQS reports but the ledger does not model
// (QueueArn, ApproximateNumberOf*, CreatedTimestamp, LastModifiedTimestamp,
// SqsManagedSseEnabled, KmsMasterKeyId, KmsDataKeyReusePeriodSeconds,
// Policy, ReceiveMessageWaitTimeSeconds, DeduplicationScope,
// FifoThroughputLimit) are accepted and ignored. Errors carry SQS's code:
// InvalidAttributeName for an unknown attribute, InvalidAttributeValue for a
// malformed value, InvalidParameterValue for a name that disagrees with
// FifoQueue.
EVMATCH_EXPORT absl::StatusOr<QueueSettings> ParseQueueAttributes(
    std::string_view queue_arn, absl::Span<const std::pair<std::string, std::string>> attributes);

struct SendRequest {
  std::optional<int64_t> delay_seconds;  // 0 ... 900; standard queues only
  // FIFO queues: required (compute a SHA-256 of the body for content-based
  // deduplication). A second send with the same id within 5 minutes is
  // accepted and dropped, returning the first message's id. Standard
  // queues: must be empty.
  std::string deduplication_id;
  int64_t size_bytes = 0;  // checked against maximum_message_size
};

struct SendResult {
  std::string message_id;
  bool duplicate = false;  // FIFO: dropped as a duplicate within 5 minutes
};

struct ReceiveRequest {
  int max_number_of_messages = 1;                      // 1 ... 10
  std::optional<int64_t> visibility_timeout_seconds;  // 0 ... 43,200
};

struct ReceivedMessage {
  std::string message_id;
  std::string receipt_handle;  // for Delete and ChangeVisibility
  int64_t receive_count = 0;   // ApproximateReceiveCount, this receive included
  int64_t sent_timestamp_ms = 0;
  int64_t first_receive_timestamp_ms = 0;  // ApproximateFirstReceiveTimestamp
  int64_t visible_again_at_ms = 0;         // the visibility deadline
  std::string dead_letter_queue_source_arn;  // set once moved to a DLQ
  std::string deduplication_id;              // FIFO
  std::string redriven_from_message_id;      // a move task's copy of this message
};

// What GetQueueAttributes reports, plus the ledger's own totals.
struct QueueCounters {
  int64_t approximate_number_of_messages = 0;              // visible
  int64_t approximate_number_of_messages_not_visible = 0;  // in flight
  int64_t approximate_number_of_messages_delayed = 0;
  int64_t approximate_age_of_oldest_message_seconds = 0;   // since arrival here
  int64_t moved_to_dead_letter_queue = 0;  // total moved out by maxReceiveCount
  int64_t expired = 0;                     // total deleted by retention
};

// One tracked message, for inspection (ForEachMessage).
struct MessageInfo {
  std::string message_id;
  std::string queue_arn;
  int64_t receive_count = 0;
  int64_t sent_timestamp_ms = 0;
  int64_t arrived_ms = 0;       // when it entered this queue
  int64_t visible_at_ms = 0;    // <= now: visible; later: in flight or delayed
  bool in_flight = false;       // received and not yet visible again
  std::string dead_letter_queue_source_arn;
  std::string redriven_from_message_id;  // a move task's copy of this message
};

// A change the ledger makes to a message by itself, which the caller, who
// holds the bytes, must mirror in its broker (LedgerOptions::on_transition).
struct Transition {
  enum class Kind : uint8_t {
    kMovedToDeadLetterQueue,  // a receive found it past maxReceiveCount
    kRedriven,                // a move task replaced it by new_message_id
    kExpired,                 // its queue's retention period ran out
  };
  Kind kind = Kind::kExpired;
  std::string_view message_id;
  std::string_view from_queue_arn;
  std::string_view to_queue_arn;    // empty for kExpired
  std::string_view new_message_id;  // kRedriven only
  int64_t at_ms = 0;
};

enum class MoveTaskStatus : uint8_t { kRunning, kCompleted, kCancelling, kCancelled, kFailed };
EVMATCH_EXPORT std::string_view MoveTaskStatusName(MoveTaskStatus status);  // "RUNNING", ...

// A ListMessageMoveTasks entry.
struct MoveTask {
  std::string task_handle;  // only while RUNNING
  MoveTaskStatus status = MoveTaskStatus::kRunning;
  std::string source_arn;
  std::optional<std::string> destination_arn;     // none: each message's source
  std::optional<int> max_number_of_messages_per_second;
  int64_t approximate_number_of_messages_moved = 0;
  int64_t approximate_number_of_messages_to_move = 0;  // at the start
  std::string failure_reason;  // FAILED only
  int64_t started_timestamp_ms = 0;
};

enum class FsyncPolicy : uint8_t {
  // Records and snapshots reach the OS before each call returns: they
  // survive the process crashing, not the machine.
  kNone,
  // ... and are fdatasync'ed (snapshots fsync'ed with their directory):
  // they survive a power loss.
  kEveryRecord,
};

struct LedgerOptions {
  // Where the journal and snapshot live (created if missing). Empty: the
  // ledger is in memory only.
  std::string directory;
  FsyncPolicy fsync = FsyncPolicy::kEveryRecord;
  const Clock* clock = nullptr;  // not owned; nullptr: SystemClock
  // Rate of a move task started without MaxNumberOfMessagesPerSecond (SQS:
  // "system optimised"). 1 ... 500.
  int default_move_rate_per_second = 500;
  // Called for every Transition, inside the call that makes it (the views
  // live until it returns), under the ledger's lock: it must not call the
  // ledger. Not called while Open replays the journal: after a crash,
  // reconcile the broker with ForEachMessage, whose redriven copies name
  // the message they replaced.
  std::function<void(const Transition&)> on_transition;
};

// The books of a set of queues. Every method is thread-safe: calls are
// serialised by one mutex, so a call sees every earlier call's effect.
//
// Every call first brings the ledger up to the clock's time: it deletes
// messages past their queue's retention and advances running move tasks.
// Calls that change state append one record to the journal before they
// return; a failed call or a read appends a short "tick" record only when
// bringing the books up to the clock changed them. Open replays the
// snapshot and the journal, so after a crash the ledger is exactly as it
// was after the last recorded call; a record
// torn by the crash is detected by its CRC32C and dropped. If a journal
// write fails, the call returns the error and the ledger refuses every
// later call (Internal): reopen it.
//
// Costs: n messages in the ledger, k messages a call touches (received,
// moved, expired, made visible); every call is O(k log n), plus
// O(tasks kept) while a move task is active. SetQueueAttributes changing
// the retention and DeleteQueue touch every message of the queue. A
// message takes about 150 bytes (bench/dlq_benchmark).
//
// Not modelled: message bodies and attributes, FIFO message groups (the
// ordering inside a group is the broker's), long polling, the in-flight
// limits.
class EVMATCH_EXPORT Ledger {
 public:
  // InvalidArgument for bad options; DataLoss for a corrupt snapshot or a
  // corrupt journal record that is not the last; the I/O error otherwise.
  static absl::StatusOr<std::unique_ptr<Ledger>> Open(const LedgerOptions& options = {});
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Queues. `arn` must be a queue ARN (IsQueueArn). Attribute errors use
  // SQS's InvalidAttributeValue; a RedrivePolicy must name an existing queue
  // of the same type (FIFO or standard) whose RedriveAllowPolicy admits
  // this queue. AlreadyExists for a second CreateQueue with other
  // attributes; NotFound "AWS.SimpleQueueService.NonExistentQueue: The
  // specified queue does not exist." for every call naming no queue.
  // Deleting a queue deletes its messages; messages it sent to a DLQ keep
  // its ARN as their source.
  absl::Status CreateQueue(std::string_view arn, const QueueAttributes& attributes = {});
  absl::Status SetQueueAttributes(std::string_view arn, const QueueAttributes& attributes);
  absl::StatusOr<QueueAttributes> GetQueueAttributes(std::string_view arn);
  absl::Status DeleteQueue(std::string_view arn);

  // SendMessage: a new message, visible after its delay.
  absl::StatusOr<SendResult> Send(std::string_view queue_arn, const SendRequest& request = {});

  // ReceiveMessage: up to max_number_of_messages visible messages, oldest
  // visibility first. Each one's receive count goes up and it stays
  // invisible until its deadline. A message whose receive count would
  // exceed the queue's maxReceiveCount is moved to the dead-letter queue
  // instead (same id and count, DeadLetterQueueSourceArn set; standard
  // queues keep its retention clock, FIFO queues restart it and replace its
  // deduplication id by its message id) and is not returned.
  absl::StatusOr<std::vector<ReceivedMessage>> Receive(std::string_view queue_arn,
                                                       const ReceiveRequest& request = {});

  // DeleteMessage. InvalidArgument "ReceiptHandleIsInvalid: ..." for a
  // handle that is not the message's latest (it was received again) or
  // whose message is gone.
  absl::Status Delete(std::string_view queue_arn, std::string_view receipt_handle);

  // ChangeMessageVisibility: the message becomes visible `seconds` from
  // now (0: at once). The deadline may not pass 12 hours after the receive
  // that issued the handle.
  absl::Status ChangeVisibility(std::string_view queue_arn, std::string_view receipt_handle,
                                int64_t seconds);

  absl::StatusOr<QueueCounters> Counters(std::string_view queue_arn);

  // Message move tasks. The source must be the
  // dead-letter queue of some queue; the destination, when given, an
  // existing queue of the same type. A task moves the messages that were in
  // the source when it started, oldest first, at most `rate` per second of
  // clock time; in-flight ones wait until they are visible again. A moved
  // message is a new message at the destination (new id, new enqueue time,
  // receive count 0). Without a destination each message goes back to its
  // own source; one without a source (sent straight to the DLQ), or whose
  // source no longer exists, stops the task as FAILED with a reason naming
  // it, and stays where it is.
  absl::StatusOr<std::string> StartMoveTask(
      std::string_view source_arn, std::optional<std::string_view> destination_arn = {},
      std::optional<int> max_number_of_messages_per_second = {});
  // Cancels a RUNNING task: it is CANCELLING until the clock moves, then
  // CANCELLED. Returns the number of messages moved.
  absl::StatusOr<int64_t> CancelMoveTask(std::string_view task_handle);
  // The most recent tasks of `source_arn` first; max_results 1 ... 10. The
  // ledger keeps the last 10 tasks per source.
  absl::StatusOr<std::vector<MoveTask>> ListMoveTasks(std::string_view source_arn,
                                                      int max_results = 1);

  // Every message, queue by queue, oldest arrival first, as the last call
  // left them (Counters brings the books up to the clock). Runs under the
  // ledger's lock: `visit` must not call the ledger. Fails, visiting
  // nothing, once the journal has failed (as every call then does).
  absl::Status ForEachMessage(const std::function<void(const MessageInfo&)>& visit) const;
  // The number of messages in the books (no clock, no journal involved).
  size_t message_count() const;

  // Writes a snapshot of the whole state and empties the journal. The
  // snapshot is written aside and renamed into place, so a crash at any
  // point leaves a state that Open restores.
  absl::Status Snapshot();

 private:
  struct State;
  explicit Ledger(const LedgerOptions& options);
  std::unique_ptr<State> state_;
};

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_DLQ_H_
