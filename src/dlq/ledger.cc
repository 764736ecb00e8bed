// The ledger: SQS queue and message bookkeeping (SPEC E.1-E.4, D12-D14).
//
// Messages live in a slab (a vector with a free list); receipt handles name
// a slot and the nonce of the receive that issued them, so no hash map from
// ids is needed. Each message sits in three ordered indexes:
//   * its queue's `arrivals` (every message, oldest arrival first),
//   * its queue's `ready` (visible messages, oldest arrival first) or the
//     global `pending` (in flight or delayed, by the time they turn visible),
//   * the global `expiry` (by the time retention deletes it).
// Advance(now) walks the fronts of `expiry` and `pending` and the running
// move tasks; every other change touches a bounded number of messages.
//
// Durability: each call that changes state appends one record (its
// arguments and the clock reading it ran at), or a Tick record when only
// Advance changed something. Replay runs the same code on the same
// readings, so it rebuilds the same state, slots and nonces included.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "dlq/storage.h"
#include "evmatch/dlq.h"
#include "util/aws_error.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace evmatch::dlq {
namespace {

using evmatch::internal::Cat;
using internal::Decoder;
using internal::Encoder;

constexpr uint32_t kNoQueue = std::numeric_limits<uint32_t>::max();
constexpr int64_t kSecond = 1000;
constexpr int64_t kDedupWindowMs = 5 * 60 * kSecond;
constexpr int64_t kMaxVisibilitySeconds = 43'200;
constexpr int64_t kTaskLimitMs = 36 * 3600 * kSecond;
constexpr int kMaxActiveTasks = 100;
constexpr size_t kTasksKeptPerSource = 10;

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

bool Active(MoveTaskStatus s) {
  return s == MoveTaskStatus::kRunning || s == MoveTaskStatus::kCancelling;
}

absl::Status NoSuchQueue() {
  return evmatch::internal::AwsError(absl::StatusCode::kNotFound,
                                     "AWS.SimpleQueueService.NonExistentQueue",
                                     "The specified queue does not exist.");
}

absl::Status InvalidValue(std::string_view parameter, int64_t value, std::string_view reason) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                                     "Value ", value, " for parameter ", parameter,
                                     " is invalid. Reason: ", reason);
}

absl::Status InvalidAttribute(std::string_view name, std::string_view range) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidAttributeValue",
                                     "Invalid value for the parameter ", name, " (", range, ").");
}

absl::Status BadHandle(std::string_view handle, std::string_view why) {
  return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "ReceiptHandleIsInvalid",
                                     "The input receipt handle \"", handle,
                                     "\" is not a valid receipt handle", why, ".");
}

absl::Status CheckRanges(const QueueAttributes& a) {
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
constexpr int64_t kMaxClockMillis = 1'000'000'000'000'000;
bool ClockInRange(int64_t ms) { return ms >= -kMaxClockMillis && ms <= kMaxClockMillis; }
bool StoredTimeInRange(int64_t ms) {
  return ms >= -2 * kMaxClockMillis && ms <= 2 * kMaxClockMillis;
}
bool CountInRange(int64_t n) { return n >= 0 && n <= (int64_t{1} << 62); }

bool SameAttributes(const QueueAttributes& a, const QueueAttributes& b) {
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

void EncodeAttributes(const QueueAttributes& a, Encoder* e) {
  e->I64(a.visibility_timeout_seconds);
  e->I64(a.message_retention_period_seconds);
  e->I64(a.delay_seconds);
  e->I64(a.maximum_message_size);
  e->Str(a.redrive_policy ? a.redrive_policy->ToJson() : "");
  e->Str(a.redrive_allow_policy ? a.redrive_allow_policy->ToJson() : "");
}

bool DecodeAttributes(Decoder* d, QueueAttributes* a) {
  a->visibility_timeout_seconds = d->I64();
  a->message_retention_period_seconds = d->I64();
  a->delay_seconds = d->I64();
  a->maximum_message_size = d->I64();
  const std::string redrive = d->Str();
  const std::string allow = d->Str();
  if (!d->ok()) return false;
  absl::StatusOr<std::optional<RedrivePolicy>> r = ParseRedrivePolicy(redrive);
  if (!r.ok()) return false;
  a->redrive_policy = *r;
  a->redrive_allow_policy.reset();
  if (!allow.empty()) {
    absl::StatusOr<RedriveAllowPolicy> p = ParseRedriveAllowPolicy(allow);
    if (!p.ok()) return false;
    a->redrive_allow_policy = *p;
  }
  return true;
}

// A receipt handle names the message's slot and the receive that issued it.
std::string ReceiptHandle(uint64_t nonce, uint32_t slot) {
  return Cat(absl::Hex(nonce), ".", absl::Hex(slot));
}

}  // namespace

int64_t SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string_view MoveTaskStatusName(MoveTaskStatus status) {
  switch (status) {
    case MoveTaskStatus::kRunning:
      return "RUNNING";
    case MoveTaskStatus::kCompleted:
      return "COMPLETED";
    case MoveTaskStatus::kCancelling:
      return "CANCELLING";
    case MoveTaskStatus::kCancelled:
      return "CANCELLED";
    case MoveTaskStatus::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
}

struct Ledger::State {
  explicit State(const LedgerOptions& o)
      : options(o), clock(o.clock != nullptr ? o.clock : &system_clock) {}

  LedgerOptions options;
  SystemClock system_clock;
  const Clock* clock;
  std::mutex mu;
  std::unique_ptr<internal::Storage> storage;
  absl::Status broken;
  bool replaying = false;  // Open: no transitions are reported

  uint64_t salt = 0;
  uint64_t next_seq = 1, next_arrival = 1, next_nonce = 1, next_task = 1;
  int64_t now_ms = std::numeric_limits<int64_t>::min();

  std::deque<Queue> queues;  // never shrinks: messages name queues by index
  absl::flat_hash_map<std::string, uint32_t> queue_index;
  std::vector<Message> messages;
  std::vector<uint32_t> free_slots;
  absl::flat_hash_map<uint32_t, std::string> dedup_ids;  // FIFO messages
  absl::flat_hash_map<uint32_t, uint64_t> redriven_from;  // slot -> seq it replaced
  absl::btree_set<std::pair<int64_t, uint32_t>> pending;  // (visible at, slot)
  absl::btree_set<std::pair<int64_t, uint32_t>> expiry;   // (expires at, slot)
  std::vector<Task> tasks;  // the last 10 of each source, oldest first
  int active_tasks = 0;     // RUNNING or CANCELLING

  // ---- helpers

  int64_t Now() const { return std::max(clock->NowMillis(), now_ms); }

  Queue* Find(std::string_view arn) {
    auto it = queue_index.find(evmatch::internal::ToAbsl(arn));  // no copy
    if (it == queue_index.end() || !queues[it->second].alive) return nullptr;
    return &queues[it->second];
  }
  uint32_t IndexOf(const Queue* q) const { return queue_index.at(q->arn); }

  std::string MessageId(uint64_t seq) const {
    char buffer[48];
    std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(salt >> 32), static_cast<unsigned>(salt >> 16 & 0xffff),
                  static_cast<unsigned>(salt & 0xffff), static_cast<unsigned>(seq >> 48),
                  static_cast<unsigned long long>(seq & 0xffffffffffffULL));
    return buffer;
  }
  std::string TaskHandle(uint64_t id) const {
    return Cat(absl::Hex(salt, absl::kZeroPad16), "-", id);
  }
  std::string DedupId(uint32_t slot) const {
    const Message& m = messages[slot];
    if (m.flags & kDedupIsMessageId) return MessageId(m.seq);
    auto it = dedup_ids.find(slot);
    return it == dedup_ids.end() ? std::string() : it->second;
  }
  std::string RedrivenFrom(uint32_t slot) const {
    auto it = redriven_from.find(slot);
    return it == redriven_from.end() ? std::string() : MessageId(it->second);
  }
  int64_t ExpiresAt(const Message& m) const {
    return m.retention_base_ms +
           queues[m.queue].attributes.message_retention_period_seconds * kSecond;
  }

  // Puts a message whose fields are set into the indexes.
  void Index(uint32_t slot) {
    Message& m = messages[slot];
    Queue& q = queues[m.queue];
    q.arrivals.emplace(m.arrival, slot);
    expiry.emplace(ExpiresAt(m), slot);
    if (m.flags & kPending) {
      pending.emplace(m.visible_at_ms, slot);
      ++(m.flags & kReceived ? q.in_flight : q.delayed);
    } else {
      q.ready.emplace(m.arrival, slot);
    }
  }
  void Unindex(uint32_t slot) {
    Message& m = messages[slot];
    Queue& q = queues[m.queue];
    q.arrivals.erase(m.arrival);
    expiry.erase({ExpiresAt(m), slot});
    if (m.flags & kPending) {
      pending.erase({m.visible_at_ms, slot});
      --(m.flags & kReceived ? q.in_flight : q.delayed);
      m.flags &= ~kPending;
    } else {
      q.ready.erase(m.arrival);
    }
  }
  void Free(uint32_t slot) {
    Unindex(slot);
    dedup_ids.erase(slot);
    redriven_from.erase(slot);
    messages[slot] = Message();
    free_slots.push_back(slot);
  }

  uint32_t CreateMessage(uint32_t queue, int64_t now, int64_t delay_ms) {
    uint32_t slot;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
    } else {
      slot = static_cast<uint32_t>(messages.size());
      messages.emplace_back();
    }
    Message& m = messages[slot];
    m.seq = next_seq++;
    m.arrival = next_arrival++;
    m.sent_ms = m.retention_base_ms = m.arrived_ms = now;
    m.visible_at_ms = now + delay_ms;
    m.queue = queue;
    if (delay_ms > 0) m.flags |= kPending;
    Index(slot);
    return slot;
  }

  void MoveToDeadLetter(uint32_t slot, uint32_t dlq, int64_t now) {
    Unindex(slot);
    Message& m = messages[slot];
    ++queues[m.queue].moved_to_dlq;
    m.source = m.queue;
    m.queue = dlq;
    Notify(Transition::Kind::kMovedToDeadLetterQueue, m.seq, m.source, dlq, 0, now);
    m.arrival = next_arrival++;
    m.arrived_ms = now;
    m.visible_at_ms = now;
    if (queues[dlq].fifo) {  // SPEC E.2: FIFO restarts retention, dedup id := message id
      m.retention_base_ms = now;
      m.flags |= kDedupIsMessageId;
      dedup_ids.erase(slot);
    }
    Index(slot);
  }

  // A move task's step: the message becomes a new message at `destination`.
  void Redrive(uint32_t slot, uint32_t destination, int64_t now) {
    std::string dedup = queues[destination].fifo ? DedupId(slot) : std::string();
    const uint64_t old_seq = messages[slot].seq;
    const uint32_t source = messages[slot].queue;
    Free(slot);
    const uint32_t moved =
        CreateMessage(destination, now, queues[destination].attributes.delay_seconds * kSecond);
    if (!dedup.empty()) dedup_ids.emplace(moved, std::move(dedup));
    redriven_from.emplace(moved, old_seq);
    Notify(Transition::Kind::kRedriven, old_seq, source, destination, messages[moved].seq, now);
  }

  // Tells LedgerOptions::on_transition (never while replaying the journal).
  void Notify(Transition::Kind kind, uint64_t seq, uint32_t from, uint32_t to,
              uint64_t new_seq, int64_t now) {
    if (!options.on_transition || replaying) return;
    const std::string id = MessageId(seq);
    const std::string new_id = new_seq != 0 ? MessageId(new_seq) : std::string();
    Transition t;
    t.kind = kind;
    t.message_id = id;
    t.from_queue_arn = queues[from].arn;
    if (to != kNoQueue) t.to_queue_arn = queues[to].arn;
    t.new_message_id = new_id;
    t.at_ms = now;
    options.on_transition(t);
  }

  bool Fail(Task* task, std::string reason) {
    task->status = MoveTaskStatus::kFailed;
    task->failure = std::move(reason);
    return true;
  }

  bool AdvanceTask(Task* task, int64_t now) {
    if (task->status == MoveTaskStatus::kCancelling) {
      if (now <= task->cancel_ms) return false;
      task->status = MoveTaskStatus::kCancelled;
      return true;
    }
    Queue& source = queues[task->source];
    if (!source.alive) return Fail(task, Cat("The source queue ", source.arn, " was deleted."));
    bool changed = false;
    const int64_t rate = task->rate.value_or(options.default_move_rate_per_second);
    const int64_t allowed = rate * (now - task->started_ms) / kSecond;
    while (task->moved < allowed && !source.ready.empty() &&
           source.ready.begin()->first <= task->cutoff) {
      const uint32_t slot = source.ready.begin()->second;
      const Message& m = messages[slot];
      uint32_t destination;
      if (task->destination) {
        destination = *task->destination;
        if (!queues[destination].alive) {
          return Fail(task, Cat("The destination queue ", queues[destination].arn,
                                " was deleted."));
        }
      } else if (m.source == kNoQueue) {  // SPEC D13
        return Fail(task, Cat("Message ", MessageId(m.seq),
                              " has no DeadLetterQueueSourceArn to return to and the task "
                              "has no DestinationArn."));
      } else if (!queues[m.source].alive) {
        return Fail(task, Cat("The source queue ", queues[m.source].arn, " of message ",
                              MessageId(m.seq), " does not exist."));
      } else {
        destination = m.source;
      }
      Redrive(slot, destination, now);
      ++task->moved;
      changed = true;
    }
    if (source.arrivals.empty() || source.arrivals.begin()->first > task->cutoff) {
      task->status = MoveTaskStatus::kCompleted;
      return true;
    }
    if (now - task->started_ms >= kTaskLimitMs) {
      return Fail(task, "The task did not finish within 36 hours.");
    }
    return changed;
  }

  // Brings the books up to `now`; whether anything changed.
  bool Advance(int64_t now) {
    bool changed = false;
    while (!expiry.empty() && expiry.begin()->first <= now) {
      const uint32_t slot = expiry.begin()->second;
      ++queues[messages[slot].queue].expired;
      Notify(Transition::Kind::kExpired, messages[slot].seq, messages[slot].queue, kNoQueue, 0,
             now);
      Free(slot);
      changed = true;
    }
    while (!pending.empty() && pending.begin()->first <= now) {
      const uint32_t slot = pending.begin()->second;
      Message& m = messages[slot];
      Queue& q = queues[m.queue];
      pending.erase(pending.begin());
      --(m.flags & kReceived ? q.in_flight : q.delayed);
      m.flags &= ~kPending;
      q.ready.emplace(m.arrival, slot);
      changed = true;
    }
    for (size_t i = 0; active_tasks > 0 && i < tasks.size(); ++i) {
      Task& task = tasks[i];
      if (!Active(task.status)) continue;
      changed |= AdvanceTask(&task, now);
      if (!Active(task.status)) --active_tasks;
    }
    now_ms = now;
    return changed;
  }

  // ---- validation

  // `current`: the queue's attributes when it exists. Like SQS, which sets
  // attributes one by one, an unchanged RedrivePolicy is not checked
  // against its target again (which may have turned denyAll since).
  absl::Status ValidateAttributes(std::string_view arn, const QueueAttributes& a,
                                  const QueueAttributes* current) {
    EVMATCH_RETURN_IF_ERROR(CheckRanges(a));
    if (a.redrive_allow_policy) {
      // Re-parsing the policy's JSON applies every rule to hand-built ones.
      absl::StatusOr<RedriveAllowPolicy> p =
          ParseRedriveAllowPolicy(a.redrive_allow_policy->ToJson());
      if (!p.ok()) return p.status();
    }
    if (!a.redrive_policy) return absl::OkStatus();
    const RedrivePolicy& r = *a.redrive_policy;
    const std::string json = r.ToJson();
    if (current != nullptr && current->redrive_policy &&
        current->redrive_policy->ToJson() == json) {
      return absl::OkStatus();
    }
    auto invalid = [&](std::string_view reason) {
      return evmatch::internal::AwsError(
          absl::StatusCode::kInvalidArgument, "InvalidParameterValue", "Value ", json,
          " for parameter RedrivePolicy is invalid. Reason: ", reason);
    };
    absl::StatusOr<std::optional<RedrivePolicy>> parsed = ParseRedrivePolicy(json);
    if (!parsed.ok()) return parsed.status();
    if (r.dead_letter_target_arn == arn) {
      return invalid("A queue cannot be its own dead-letter queue.");
    }
    Queue* target = Find(r.dead_letter_target_arn);
    if (target == nullptr) return invalid("Dead-letter target does not exist.");
    if (target->fifo != IsFifoQueue(arn)) {
      return invalid(target->fifo
                         ? "The dead-letter queue of a standard queue must be a standard queue."
                         : "The dead-letter queue of a FIFO queue must also be a FIFO queue.");
    }
    if (target->attributes.redrive_allow_policy &&
        !target->attributes.redrive_allow_policy->Allows(arn)) {
      return invalid(Cat("The RedriveAllowPolicy of ", target->arn,
                         " does not allow this queue to use it as a dead-letter queue."));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<uint32_t> CheckHandle(const Queue& q, std::string_view handle) {
    const size_t dot = handle.find('.');
    uint64_t nonce = 0;
    uint32_t slot = 0;
    if (dot == std::string_view::npos ||
        !absl::SimpleHexAtoi(evmatch::internal::ToAbsl(handle.substr(0, dot)), &nonce) ||
        !absl::SimpleHexAtoi(evmatch::internal::ToAbsl(handle.substr(dot + 1)), &slot) ||
        handle != ReceiptHandle(nonce, slot)) {  // only the spelling issued
      return BadHandle(handle, "");
    }
    if (slot >= messages.size() || messages[slot].seq == 0 || messages[slot].nonce != nonce ||
        messages[slot].queue != queue_index.at(q.arn)) {
      return BadHandle(handle, ": its message was deleted, moved or received again");
    }
    return slot;
  }

  // ---- operations; `mutated` tells whether the call must be journaled

  absl::Status CreateQueue(int64_t, std::string_view arn, const QueueAttributes& a,
                           bool* mutated) {
    if (!IsQueueArn(arn)) {
      return evmatch::internal::AwsError(
          absl::StatusCode::kInvalidArgument, "InvalidParameterValue", "Value ", arn,
          " for parameter QueueArn is invalid. Reason: not an SQS queue ARN "
          "(arn:<partition>:sqs:<region>:<account>:<name>).");
    }
    Queue* existing = Find(arn);
    EVMATCH_RETURN_IF_ERROR(
        ValidateAttributes(arn, a, existing != nullptr ? &existing->attributes : nullptr));
    if (Queue* q = existing) {
      if (SameAttributes(q->attributes, a)) return absl::OkStatus();
      return evmatch::internal::AwsError(
          absl::StatusCode::kAlreadyExists, "QueueAlreadyExists",
          "A queue already exists with the same name and a different "
          "value for one of its attributes.");
    }
    auto [it, inserted] = queue_index.emplace(std::string(arn), queues.size());
    if (inserted) queues.emplace_back();
    Queue& q = queues[it->second];
    q = Queue();
    q.arn = std::string(arn);
    q.fifo = IsFifoQueue(arn);
    q.alive = true;
    q.attributes = a;
    *mutated = true;
    return absl::OkStatus();
  }

  absl::Status SetQueueAttributes(int64_t, std::string_view arn, const QueueAttributes& a,
                                  bool* mutated) {
    Queue* q = Find(arn);
    if (q == nullptr) return NoSuchQueue();
    EVMATCH_RETURN_IF_ERROR(ValidateAttributes(arn, a, &q->attributes));
    if (a.message_retention_period_seconds != q->attributes.message_retention_period_seconds) {
      for (const auto& [arrival, slot] : q->arrivals) {
        expiry.erase({ExpiresAt(messages[slot]), slot});
      }
      q->attributes.message_retention_period_seconds = a.message_retention_period_seconds;
      for (const auto& [arrival, slot] : q->arrivals) {
        expiry.emplace(ExpiresAt(messages[slot]), slot);
      }
    }
    q->attributes = a;
    *mutated = true;
    return absl::OkStatus();
  }

  absl::Status DeleteQueue(int64_t, std::string_view arn, bool* mutated) {
    Queue* q = Find(arn);
    if (q == nullptr) return NoSuchQueue();
    while (!q->arrivals.empty()) Free(q->arrivals.begin()->second);
    const std::string name = q->arn;
    *q = Queue();
    q->arn = name;
    *mutated = true;
    return absl::OkStatus();
  }

  absl::StatusOr<SendResult> Send(int64_t now, std::string_view arn, const SendRequest& r,
                                  bool* mutated) {
    Queue* q = Find(arn);
    if (q == nullptr) return NoSuchQueue();
    if (r.delay_seconds && (*r.delay_seconds < 0 || *r.delay_seconds > 900)) {
      return InvalidValue("DelaySeconds", *r.delay_seconds, "Must be between 0 and 900.");
    }
    if (q->fifo && r.delay_seconds) {
      return InvalidValue("DelaySeconds", *r.delay_seconds,
                          "The request include parameter that is not valid for this queue "
                          "type.");
    }
    if (r.size_bytes < 0 || r.size_bytes > q->attributes.maximum_message_size) {
      return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument,
                                         "InvalidParameterValue",
                                         "One or more parameters are invalid. Reason: Message must "
                                         "be shorter than ",
                                         q->attributes.maximum_message_size, " bytes.");
    }
    if (q->fifo == r.deduplication_id.empty() || r.deduplication_id.size() > 128) {
      return evmatch::internal::AwsError(
          absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
          q->fifo ? "The queue should either have ContentBasedDeduplication enabled or "
                    "MessageDeduplicationId provided explicitly (1 to 128 characters)."
                  : "The request include parameter MessageDeduplicationId that is not valid "
                    "for this queue type.");
    }
    const uint32_t qi = IndexOf(q);
    if (q->fifo) {
      while (!q->dedup_order.empty() && q->dedup_order.front().first <= now) {
        auto it = q->dedup.find(q->dedup_order.front().second);
        if (it != q->dedup.end() && it->second.expires_ms <= now) q->dedup.erase(it);
        q->dedup_order.pop_front();
      }
      auto it = q->dedup.find(r.deduplication_id);
      if (it != q->dedup.end() && it->second.expires_ms > now) {
        return SendResult{MessageId(it->second.seq), true};
      }
    }
    const int64_t delay =
        r.delay_seconds.value_or(q->attributes.delay_seconds) * kSecond;
    const uint32_t slot = CreateMessage(qi, now, delay);
    if (q->fifo) {
      dedup_ids.emplace(slot, r.deduplication_id);
      q->dedup[r.deduplication_id] = {now + kDedupWindowMs, messages[slot].seq};
      q->dedup_order.emplace_back(now + kDedupWindowMs, r.deduplication_id);
    }
    *mutated = true;
    return SendResult{MessageId(messages[slot].seq), false};
  }

  absl::StatusOr<std::vector<ReceivedMessage>> Receive(int64_t now, std::string_view arn,
                                                       const ReceiveRequest& r, bool* mutated) {
    Queue* q = Find(arn);
    if (q == nullptr) return NoSuchQueue();
    if (r.max_number_of_messages < 1 || r.max_number_of_messages > 10) {
      return InvalidValue("MaxNumberOfMessages", r.max_number_of_messages,
                          "Must be between 1 and 10, if provided.");
    }
    if (r.visibility_timeout_seconds &&
        (*r.visibility_timeout_seconds < 0 ||
         *r.visibility_timeout_seconds > kMaxVisibilitySeconds)) {
      return InvalidValue("VisibilityTimeout", *r.visibility_timeout_seconds,
                          "Must be between 0 and 43200, if provided.");
    }
    const int64_t timeout =
        r.visibility_timeout_seconds.value_or(q->attributes.visibility_timeout_seconds);
    std::optional<uint32_t> dlq;
    int64_t max_receive_count = 0;
    if (q->attributes.redrive_policy) {
      // A DLQ deleted after the policy was set leaves messages where they are.
      if (Queue* target = Find(q->attributes.redrive_policy->dead_letter_target_arn)) {
        dlq = IndexOf(target);
        max_receive_count = q->attributes.redrive_policy->max_receive_count;
      }
    }
    std::vector<ReceivedMessage> out;
    while (out.size() < static_cast<size_t>(r.max_number_of_messages) && !q->ready.empty()) {
      const uint32_t slot = q->ready.begin()->second;
      Message& m = messages[slot];
      *mutated = true;
      if (dlq && m.receive_count + int64_t{1} > max_receive_count) {
        MoveToDeadLetter(slot, *dlq, now);
        continue;
      }
      q->ready.erase(q->ready.begin());
      ++m.receive_count;
      m.nonce = next_nonce++;
      m.received_ms = now;
      if (m.receive_count == 1) m.first_receive_ms = now;
      m.visible_at_ms = now + timeout * kSecond;
      m.flags |= kPending | kReceived;
      pending.emplace(m.visible_at_ms, slot);
      ++q->in_flight;
      ReceivedMessage& rm = out.emplace_back();
      rm.message_id = MessageId(m.seq);
      rm.receipt_handle = ReceiptHandle(m.nonce, slot);
      rm.receive_count = m.receive_count;
      rm.sent_timestamp_ms = m.sent_ms;
      rm.first_receive_timestamp_ms = m.first_receive_ms;
      rm.visible_again_at_ms = m.visible_at_ms;
      if (m.source != kNoQueue) rm.dead_letter_queue_source_arn = queues[m.source].arn;
      rm.deduplication_id = DedupId(slot);
      rm.redriven_from_message_id = RedrivenFrom(slot);
    }
    return out;
  }

  absl::Status Delete(int64_t, std::string_view arn, std::string_view handle, bool* mutated) {
    Queue* q = Find(arn);
    if (q == nullptr) return NoSuchQueue();
    absl::StatusOr<uint32_t> slot = CheckHandle(*q, handle);
    if (!slot.ok()) return slot.status();
    Free(*slot);
    *mutated = true;
    return absl::OkStatus();
  }

  absl::Status ChangeVisibility(int64_t now, std::string_view arn, std::string_view handle,
                                int64_t seconds, bool* mutated) {
    Queue* q = Find(arn);
    if (q == nullptr) return NoSuchQueue();
    if (seconds < 0 || seconds > kMaxVisibilitySeconds) {
      return InvalidValue("VisibilityTimeout", seconds, "Must be between 0 and 43200.");
    }
    absl::StatusOr<uint32_t> slot = CheckHandle(*q, handle);
    if (!slot.ok()) return slot.status();
    Message& m = messages[*slot];
    if ((m.flags & (kPending | kReceived)) != (kPending | kReceived)) {
      return evmatch::internal::AwsError(absl::StatusCode::kFailedPrecondition,
                                         "MessageNotInflight",
                                         "The message referred to isn't in flight.");
    }
    const int64_t deadline = now + seconds * kSecond;
    if (deadline > m.received_ms + kMaxVisibilitySeconds * kSecond) {
      return InvalidValue("VisibilityTimeout", seconds,
                          "Total VisibilityTimeout for the message is beyond the limit "
                          "[43200 seconds]");
    }
    pending.erase({m.visible_at_ms, *slot});
    m.visible_at_ms = deadline;
    pending.emplace(deadline, *slot);
    *mutated = true;
    return absl::OkStatus();
  }

  absl::StatusOr<std::string> StartMoveTask(int64_t now, std::string_view source_arn,
                                            std::optional<std::string_view> destination_arn,
                                            std::optional<int> rate, bool* mutated) {
    Queue* source = Find(source_arn);
    if (source == nullptr) {
      return evmatch::internal::AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                                         "The resource that you "
                                         "specified for the SourceArn parameter doesn't exist: ",
                                         source_arn);
    }
    const bool is_dlq = std::any_of(queues.begin(), queues.end(), [&](const Queue& q) {
      return q.alive && q.attributes.redrive_policy &&
             q.attributes.redrive_policy->dead_letter_target_arn == source_arn;
    });
    if (!is_dlq) {
      return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument,
                                         "InvalidParameterValue",
                                         "Source queue must be configured as a Dead Letter Queue.");
    }
    std::optional<uint32_t> destination;
    if (destination_arn) {
      Queue* d = Find(*destination_arn);
      if (d == nullptr) {
        return evmatch::internal::AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                                           "The resource that you "
                                           "specified for the DestinationArn parameter doesn't "
                                           "exist: ",
                                           *destination_arn);
      }
      if (d == source || d->fifo != source->fifo) {
        return evmatch::internal::AwsError(
            absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
            d == source ? "The destination must differ from the source."
                        : "The destination queue must be the same type (FIFO or standard) as "
                          "the source queue.");
      }
      destination = IndexOf(d);
    }
    if (rate && (*rate < 1 || *rate > 500)) {
      return InvalidValue("MaxNumberOfMessagesPerSecond", *rate, "Must be between 1 and 500.");
    }
    const uint32_t si = IndexOf(source);
    for (const Task& t : tasks) {
      if (Active(t.status) && t.source == si) {
        return evmatch::internal::AwsError(
            absl::StatusCode::kFailedPrecondition, "UnsupportedOperation",
            "There is already a task running. Only one active task is "
            "allowed for a source queue arn at a given time.");
      }
    }
    if (active_tasks >= kMaxActiveTasks) {
      return evmatch::internal::AwsError(
          absl::StatusCode::kResourceExhausted, "UnsupportedOperation",
          "An account can have at most 100 active message move tasks.");
    }
    Task task;
    task.id = next_task++;
    task.source = si;
    task.destination = destination;
    task.rate = rate;
    task.to_move = static_cast<int64_t>(source->arrivals.size());
    task.cutoff = next_arrival - 1;
    task.started_ms = now;
    tasks.push_back(std::move(task));
    ++active_tasks;
    // Keep the last 10 tasks of this source.
    size_t kept = 0;
    for (size_t i = tasks.size(); i-- > 0;) {
      if (tasks[i].source == si && ++kept > kTasksKeptPerSource) {
        tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
    *mutated = true;
    return TaskHandle(tasks.back().id);
  }

  absl::StatusOr<int64_t> CancelMoveTask(int64_t now, std::string_view handle, bool* mutated) {
    const std::string prefix = Cat(absl::Hex(salt, absl::kZeroPad16), "-");
    uint64_t id = 0;
    Task* task = nullptr;
    if (handle.substr(0, prefix.size()) == prefix &&
        absl::SimpleAtoi(evmatch::internal::ToAbsl(handle.substr(prefix.size())), &id)) {
      for (Task& t : tasks) {
        if (t.id == id) task = &t;
      }
    }
    if (task == nullptr) {
      return evmatch::internal::AwsError(absl::StatusCode::kNotFound, "ResourceNotFoundException",
                                         "Task does not exist.");
    }
    if (task->status != MoveTaskStatus::kRunning) {
      return evmatch::internal::AwsError(absl::StatusCode::kFailedPrecondition,
                                         "UnsupportedOperation",
                                         "Only a RUNNING task can be cancelled; this one is ",
                                         MoveTaskStatusName(task->status), ".");
    }
    task->status = MoveTaskStatus::kCancelling;
    task->cancel_ms = now;
    *mutated = true;
    return task->moved;
  }

  MoveTask Describe(const Task& t) const {
    MoveTask m;
    if (t.status == MoveTaskStatus::kRunning) m.task_handle = TaskHandle(t.id);
    m.status = t.status;
    m.source_arn = queues[t.source].arn;
    if (t.destination) m.destination_arn = queues[*t.destination].arn;
    m.max_number_of_messages_per_second = t.rate;
    m.approximate_number_of_messages_moved = t.moved;
    m.approximate_number_of_messages_to_move = t.to_move;
    m.failure_reason = t.failure;
    m.started_timestamp_ms = t.started_ms;
    return m;
  }

  // ---- journal

  absl::Status Usable() const {
    if (broken.ok()) return absl::OkStatus();
    return absl::InternalError(
        Cat("the ledger's journal failed earlier (", broken.message(), "); reopen it"));
  }

  // One public call: brings the books up to the clock, runs
  // `run(now, &mutated)`, and journals the call (its operation, `now` and
  // what `arguments` encodes) when it changed the books, or a Tick when
  // only Advance did. The result is `run`'s unless the journal fails.
  template <typename Result, typename Run, typename Arguments>
  Result Call(Op op, Run run, Arguments arguments) {
    std::lock_guard lock(mu);
    EVMATCH_RETURN_IF_ERROR(Usable());
    const int64_t now = Now();
    if (!ClockInRange(now)) {
      return absl::InvalidArgumentError(
          Cat("the clock reads ", now, " ms, outside the +-1e15 ms the ledger accepts"));
    }
    const bool ticked = Advance(now);
    bool mutated = false;
    Result result = run(now, &mutated);
    mutated &= result.ok();
    if (storage == nullptr || (!mutated && !ticked)) return result;
    Encoder record;
    record.U64(static_cast<uint64_t>(mutated ? op : Op::kTick));
    record.I64(now);
    if (mutated) arguments(&record);
    if (absl::Status s = storage->Append(record.bytes()); !s.ok()) {
      broken = s;
      return s;
    }
    return result;
  }

  absl::Status Replay(std::string_view payload);
  std::string EncodeSnapshot() const;
  absl::Status RestoreSnapshot(std::string_view payload);
};

absl::Status Ledger::State::Replay(std::string_view payload) {
  Decoder d(payload);
  const auto op = static_cast<Op>(d.U64());
  if (op == Op::kInit) {
    salt = d.U64();
    return d.done() ? absl::OkStatus() : absl::DataLossError("malformed init record");
  }
  const int64_t now = d.I64();
  if (!d.ok() || !ClockInRange(now)) return absl::DataLossError("malformed record");
  Advance(std::max(now, now_ms));
  bool mutated = false;
  absl::Status s;
  switch (op) {
    case Op::kTick:
      break;
    case Op::kCreateQueue:
    case Op::kSetQueueAttributes: {
      const std::string arn = d.Str();
      QueueAttributes a;
      if (!DecodeAttributes(&d, &a)) return absl::DataLossError("malformed queue record");
      s = op == Op::kCreateQueue ? CreateQueue(now, arn, a, &mutated)
                                 : SetQueueAttributes(now, arn, a, &mutated);
      break;
    }
    case Op::kDeleteQueue:
      s = DeleteQueue(now, d.Str(), &mutated);
      break;
    case Op::kSend: {
      const std::string arn = d.Str();
      SendRequest r;
      if (d.U64() != 0) r.delay_seconds = d.I64();
      r.deduplication_id = d.Str();
      r.size_bytes = d.I64();
      s = Send(now, arn, r, &mutated).status();
      break;
    }
    case Op::kReceive: {
      const std::string arn = d.Str();
      ReceiveRequest r;
      r.max_number_of_messages = static_cast<int>(d.I64());
      if (d.U64() != 0) r.visibility_timeout_seconds = d.I64();
      s = Receive(now, arn, r, &mutated).status();
      break;
    }
    case Op::kDelete: {
      const std::string arn = d.Str();
      s = Delete(now, arn, d.Str(), &mutated);
      break;
    }
    case Op::kChangeVisibility: {
      const std::string arn = d.Str();
      const std::string handle = d.Str();
      s = ChangeVisibility(now, arn, handle, d.I64(), &mutated);
      break;
    }
    case Op::kStartMoveTask: {
      const std::string source = d.Str();
      std::optional<std::string> destination;
      if (d.U64() != 0) destination = d.Str();
      std::optional<int> rate;
      if (d.U64() != 0) rate = static_cast<int>(d.I64());
      s = StartMoveTask(now, source, destination, rate, &mutated).status();
      break;
    }
    case Op::kCancelMoveTask:
      s = CancelMoveTask(now, d.Str(), &mutated).status();
      break;
    default:
      return absl::DataLossError(Cat("unknown record type ", static_cast<int>(op)));
  }
  if (!d.done()) return absl::DataLossError("malformed record");
  if (!s.ok()) return absl::DataLossError(Cat("a journal record does not apply: ", s.message()));
  return absl::OkStatus();
}

std::string Ledger::State::EncodeSnapshot() const {
  Encoder e;
  e.U64(salt);
  e.U64(next_seq);
  e.U64(next_arrival);
  e.U64(next_nonce);
  e.U64(next_task);
  e.I64(now_ms);
  e.U64(queues.size());
  for (const Queue& q : queues) {
    e.Str(q.arn);
    e.U64(q.alive);
    EncodeAttributes(q.attributes, &e);
    e.I64(q.moved_to_dlq);
    e.I64(q.expired);
    e.U64(q.dedup_order.size());
    for (const auto& [expires, id] : q.dedup_order) {
      const auto it = q.dedup.find(id);
      e.Str(id);
      e.I64(expires);
      // A superseded entry of the order queue (the map holds a later one).
      e.U64(it != q.dedup.end() && it->second.expires_ms == expires ? it->second.seq : 0);
    }
  }
  e.U64(messages.size());
  e.U64(free_slots.size());
  for (uint32_t slot : free_slots) e.U64(slot);
  for (uint32_t slot = 0; slot < messages.size(); ++slot) {
    const Message& m = messages[slot];
    if (m.seq == 0) continue;
    e.U64(slot);
    e.U64(m.seq);
    e.U64(m.arrival);
    e.U64(m.nonce);
    e.I64(m.sent_ms);
    e.I64(m.retention_base_ms);
    e.I64(m.arrived_ms);
    e.I64(m.visible_at_ms);
    e.I64(m.received_ms);
    e.I64(m.first_receive_ms);
    e.U64(m.queue);
    e.U64(m.source);
    e.U64(m.receive_count);
    e.U64(m.flags);
    const auto it = dedup_ids.find(slot);
    e.Str(it == dedup_ids.end() ? std::string() : it->second);
    const auto from = redriven_from.find(slot);
    e.U64(from == redriven_from.end() ? 0 : from->second);
  }
  e.U64(tasks.size());
  for (const Task& t : tasks) {
    e.U64(t.id);
    e.U64(t.source);
    e.I64(t.destination ? int64_t{*t.destination} : -1);
    e.I64(t.rate.value_or(-1));
    e.U64(static_cast<uint64_t>(t.status));
    e.I64(t.moved);
    e.I64(t.to_move);
    e.U64(t.cutoff);
    e.I64(t.started_ms);
    e.I64(t.cancel_ms);
    e.Str(t.failure);
  }
  return std::move(e.bytes());
}

absl::Status Ledger::State::RestoreSnapshot(std::string_view payload) {
  const absl::Status corrupt = absl::DataLossError("malformed snapshot");
  Decoder d(payload);
  salt = d.U64();
  next_seq = d.U64();
  next_arrival = d.U64();
  next_nonce = d.U64();
  next_task = d.U64();
  now_ms = d.I64();
  const uint64_t queue_count = d.U64();
  if (!d.ok() || queue_count > payload.size() ||
      (now_ms != std::numeric_limits<int64_t>::min() && !ClockInRange(now_ms))) {
    return corrupt;
  }
  for (uint64_t i = 0; i < queue_count; ++i) {
    Queue& q = queues.emplace_back();
    q.arn = d.Str();
    q.fifo = IsFifoQueue(q.arn);
    q.alive = d.U64() != 0;
    if (!DecodeAttributes(&d, &q.attributes) || !CheckRanges(q.attributes).ok()) return corrupt;
    q.moved_to_dlq = d.I64();
    q.expired = d.I64();
    if (!CountInRange(q.moved_to_dlq) || !CountInRange(q.expired)) return corrupt;
    const uint64_t dedup_count = d.U64();
    if (!d.ok() || dedup_count > payload.size()) return corrupt;
    for (uint64_t j = 0; j < dedup_count; ++j) {
      std::string id = d.Str();
      const int64_t expires = d.I64();
      const uint64_t seq = d.U64();
      if (seq != 0) q.dedup[id] = {expires, seq};
      q.dedup_order.emplace_back(expires, std::move(id));
    }
    queue_index[q.arn] = static_cast<uint32_t>(i);
  }
  const uint64_t slots = d.U64();
  const uint64_t free_count = d.U64();
  if (!d.ok() || slots > payload.size() || free_count > slots) return corrupt;
  messages.assign(slots, Message());
  std::vector<bool> used(slots);
  for (uint64_t i = 0; i < free_count; ++i) {
    const uint64_t slot = d.U64();
    if (slot >= slots || used[slot]) return corrupt;
    used[slot] = true;
    free_slots.push_back(static_cast<uint32_t>(slot));
  }
  for (uint64_t i = 0; i < slots - free_count; ++i) {
    const uint64_t slot = d.U64();
    if (!d.ok() || slot >= slots || used[slot]) return corrupt;
    used[slot] = true;
    Message& m = messages[slot];
    m.seq = d.U64();
    m.arrival = d.U64();
    m.nonce = d.U64();
    m.sent_ms = d.I64();
    m.retention_base_ms = d.I64();
    m.arrived_ms = d.I64();
    m.visible_at_ms = d.I64();
    m.received_ms = d.I64();
    m.first_receive_ms = d.I64();
    m.queue = static_cast<uint32_t>(d.U64());
    m.source = static_cast<uint32_t>(d.U64());
    m.receive_count = static_cast<uint32_t>(d.U64());
    m.flags = static_cast<uint32_t>(d.U64());
    std::string dedup = d.Str();
    const uint64_t from = d.U64();
    const bool times_ok = StoredTimeInRange(m.sent_ms) &&
                          StoredTimeInRange(m.retention_base_ms) &&
                          StoredTimeInRange(m.arrived_ms) && StoredTimeInRange(m.visible_at_ms) &&
                          StoredTimeInRange(m.received_ms) &&
                          StoredTimeInRange(m.first_receive_ms);
    // Counters ahead of every stored value: new ids, arrivals and nonces
    // never collide with old ones.
    if (!d.ok() || !times_ok || m.seq == 0 || m.seq >= next_seq || m.arrival >= next_arrival ||
        m.nonce >= next_nonce || m.queue >= queues.size() || !queues[m.queue].alive ||
        queues[m.queue].arrivals.count(m.arrival) != 0 ||
        (m.source != kNoQueue && m.source >= queues.size())) {
      return corrupt;
    }
    if (!dedup.empty()) dedup_ids.emplace(static_cast<uint32_t>(slot), std::move(dedup));
    if (from != 0) redriven_from.emplace(static_cast<uint32_t>(slot), from);
    Index(static_cast<uint32_t>(slot));
  }
  const uint64_t task_count = d.U64();
  if (!d.ok() || task_count > payload.size()) return corrupt;
  for (uint64_t i = 0; i < task_count; ++i) {
    Task& t = tasks.emplace_back();
    t.id = d.U64();
    t.source = static_cast<uint32_t>(d.U64());
    const int64_t destination = d.I64();
    if (destination >= 0) t.destination = static_cast<uint32_t>(destination);
    const int64_t rate = d.I64();
    if (rate >= 0) t.rate = static_cast<int>(rate);
    t.status = static_cast<MoveTaskStatus>(d.U64());
    t.moved = d.I64();
    t.to_move = d.I64();
    t.cutoff = d.U64();
    t.started_ms = d.I64();
    t.cancel_ms = d.I64();
    t.failure = d.Str();
    if (Active(t.status)) ++active_tasks;
    if (!d.ok() || t.source >= queues.size() ||
        (t.destination && *t.destination >= queues.size()) ||
        t.status > MoveTaskStatus::kFailed || (t.rate && (*t.rate < 1 || *t.rate > 500)) ||
        t.id == 0 || t.id >= next_task ||
        !CountInRange(t.moved) || !CountInRange(t.to_move) ||
        !StoredTimeInRange(t.started_ms) || !StoredTimeInRange(t.cancel_ms)) {
      return corrupt;
    }
  }
  return d.done() ? absl::OkStatus() : corrupt;
}

// ------------------------------------------------------------------ Ledger

Ledger::Ledger(const LedgerOptions& options) : state_(std::make_unique<State>(options)) {}
Ledger::~Ledger() = default;

absl::StatusOr<std::unique_ptr<Ledger>> Ledger::Open(const LedgerOptions& options) {
  if (options.default_move_rate_per_second < 1 || options.default_move_rate_per_second > 500) {
    return absl::InvalidArgumentError(
        "LedgerOptions::default_move_rate_per_second must be between 1 and 500");
  }
  std::unique_ptr<Ledger> ledger(new Ledger(options));
  State& s = *ledger->state_;
  auto fresh_salt = [] {
    std::random_device random;
    return (uint64_t{random()} << 32) ^ random();
  };
  if (options.directory.empty()) {
    s.salt = fresh_salt();
    return ledger;
  }
  internal::Recovered recovered;
  absl::StatusOr<std::unique_ptr<internal::Storage>> storage =
      internal::Storage::Open(options.directory, options.fsync, &recovered);
  if (!storage.ok()) return storage.status();
  s.storage = std::move(*storage);
  if (!recovered.snapshot.empty()) EVMATCH_RETURN_IF_ERROR(s.RestoreSnapshot(recovered.snapshot));
  s.replaying = true;
  for (const std::string& record : recovered.records) EVMATCH_RETURN_IF_ERROR(s.Replay(record));
  s.replaying = false;
  if (recovered.snapshot.empty() && recovered.records.empty()) {
    s.salt = fresh_salt();
    Encoder init;
    init.U64(static_cast<uint64_t>(Op::kInit));
    init.U64(s.salt);
    EVMATCH_RETURN_IF_ERROR(s.storage->Append(init.bytes()));
  }
  return ledger;
}

absl::Status Ledger::CreateQueue(std::string_view arn, const QueueAttributes& attributes) {
  return state_->Call<absl::Status>(
      Op::kCreateQueue,
      [&](int64_t now, bool* mutated) {
        return state_->CreateQueue(now, arn, attributes, mutated);
      },
      [&](Encoder* e) {
        e->Str(arn);
        EncodeAttributes(attributes, e);
      });
}

absl::Status Ledger::SetQueueAttributes(std::string_view arn, const QueueAttributes& attributes) {
  return state_->Call<absl::Status>(
      Op::kSetQueueAttributes,
      [&](int64_t now, bool* mutated) {
        return state_->SetQueueAttributes(now, arn, attributes, mutated);
      },
      [&](Encoder* e) {
        e->Str(arn);
        EncodeAttributes(attributes, e);
      });
}

absl::StatusOr<QueueAttributes> Ledger::GetQueueAttributes(std::string_view arn) const {
  std::lock_guard lock(state_->mu);
  const Queue* q = state_->Find(arn);
  if (q == nullptr) return NoSuchQueue();
  return q->attributes;
}

absl::Status Ledger::DeleteQueue(std::string_view arn) {
  return state_->Call<absl::Status>(
      Op::kDeleteQueue,
      [&](int64_t now, bool* mutated) { return state_->DeleteQueue(now, arn, mutated); },
      [&](Encoder* e) { e->Str(arn); });
}

absl::StatusOr<SendResult> Ledger::Send(std::string_view queue_arn, const SendRequest& request) {
  return state_->Call<absl::StatusOr<SendResult>>(
      Op::kSend,
      [&](int64_t now, bool* mutated) { return state_->Send(now, queue_arn, request, mutated); },
      [&](Encoder* e) {
        e->Str(queue_arn);
        e->U64(request.delay_seconds.has_value());
        if (request.delay_seconds) e->I64(*request.delay_seconds);
        e->Str(request.deduplication_id);
        e->I64(request.size_bytes);
      });
}

absl::StatusOr<std::vector<ReceivedMessage>> Ledger::Receive(std::string_view queue_arn,
                                                             const ReceiveRequest& request) {
  return state_->Call<absl::StatusOr<std::vector<ReceivedMessage>>>(
      Op::kReceive,
      [&](int64_t now, bool* mutated) {
        return state_->Receive(now, queue_arn, request, mutated);
      },
      [&](Encoder* e) {
        e->Str(queue_arn);
        e->I64(request.max_number_of_messages);
        e->U64(request.visibility_timeout_seconds.has_value());
        if (request.visibility_timeout_seconds) e->I64(*request.visibility_timeout_seconds);
      });
}

absl::Status Ledger::Delete(std::string_view queue_arn, std::string_view receipt_handle) {
  return state_->Call<absl::Status>(
      Op::kDelete,
      [&](int64_t now, bool* mutated) {
        return state_->Delete(now, queue_arn, receipt_handle, mutated);
      },
      [&](Encoder* e) {
        e->Str(queue_arn);
        e->Str(receipt_handle);
      });
}

absl::Status Ledger::ChangeVisibility(std::string_view queue_arn,
                                      std::string_view receipt_handle, int64_t seconds) {
  return state_->Call<absl::Status>(
      Op::kChangeVisibility,
      [&](int64_t now, bool* mutated) {
        return state_->ChangeVisibility(now, queue_arn, receipt_handle, seconds, mutated);
      },
      [&](Encoder* e) {
        e->Str(queue_arn);
        e->Str(receipt_handle);
        e->I64(seconds);
      });
}

absl::StatusOr<QueueCounters> Ledger::Counters(std::string_view queue_arn) {
  return state_->Call<absl::StatusOr<QueueCounters>>(
      Op::kTick,
      [&](int64_t now, bool*) -> absl::StatusOr<QueueCounters> {
        const Queue* q = state_->Find(queue_arn);
        if (q == nullptr) return NoSuchQueue();
        QueueCounters c;
        c.approximate_number_of_messages = static_cast<int64_t>(q->ready.size());
        c.approximate_number_of_messages_not_visible = q->in_flight;
        c.approximate_number_of_messages_delayed = q->delayed;
        if (!q->arrivals.empty()) {
          const Message& oldest = state_->messages[q->arrivals.begin()->second];
          c.approximate_age_of_oldest_message_seconds = (now - oldest.arrived_ms) / kSecond;
        }
        c.moved_to_dead_letter_queue = q->moved_to_dlq;
        c.expired = q->expired;
        return c;
      },
      [](Encoder*) {});
}

absl::StatusOr<std::string> Ledger::StartMoveTask(
    std::string_view source_arn, std::optional<std::string_view> destination_arn,
    std::optional<int> max_number_of_messages_per_second) {
  return state_->Call<absl::StatusOr<std::string>>(
      Op::kStartMoveTask,
      [&](int64_t now, bool* mutated) {
        return state_->StartMoveTask(now, source_arn, destination_arn,
                                     max_number_of_messages_per_second, mutated);
      },
      [&](Encoder* e) {
        e->Str(source_arn);
        e->U64(destination_arn.has_value());
        if (destination_arn) e->Str(*destination_arn);
        e->U64(max_number_of_messages_per_second.has_value());
        if (max_number_of_messages_per_second) e->I64(*max_number_of_messages_per_second);
      });
}

absl::StatusOr<int64_t> Ledger::CancelMoveTask(std::string_view task_handle) {
  return state_->Call<absl::StatusOr<int64_t>>(
      Op::kCancelMoveTask,
      [&](int64_t now, bool* mutated) { return state_->CancelMoveTask(now, task_handle, mutated); },
      [&](Encoder* e) { e->Str(task_handle); });
}

absl::StatusOr<std::vector<MoveTask>> Ledger::ListMoveTasks(std::string_view source_arn,
                                                            int max_results) {
  return state_->Call<absl::StatusOr<std::vector<MoveTask>>>(
      Op::kTick,
      [&](int64_t, bool*) -> absl::StatusOr<std::vector<MoveTask>> {
        if (max_results < 1 || max_results > 10) {
          return InvalidValue("MaxResults", max_results, "Must be between 1 and 10.");
        }
        const Queue* q = state_->Find(source_arn);
        if (q == nullptr) {
          return evmatch::internal::AwsError(absl::StatusCode::kNotFound,
                                             "ResourceNotFoundException",
                                             "The resource that you "
                                             "specified for the SourceArn parameter doesn't "
                                             "exist: ",
                                             source_arn);
        }
        const uint32_t si = state_->IndexOf(q);
        std::vector<MoveTask> out;
        for (auto it = state_->tasks.rbegin();
             it != state_->tasks.rend() && out.size() < static_cast<size_t>(max_results); ++it) {
          if (it->source == si) out.push_back(state_->Describe(*it));
        }
        return out;
      },
      [](Encoder*) {});
}

void Ledger::ForEachMessage(const std::function<void(const MessageInfo&)>& visit) const {
  std::lock_guard lock(state_->mu);
  const State& s = *state_;
  for (const Queue& q : s.queues) {
    for (const auto& [arrival, slot] : q.arrivals) {
      const Message& m = s.messages[slot];
      MessageInfo info;
      info.message_id = s.MessageId(m.seq);
      info.queue_arn = q.arn;
      info.receive_count = m.receive_count;
      info.sent_timestamp_ms = m.sent_ms;
      info.arrived_ms = m.arrived_ms;
      info.visible_at_ms = m.visible_at_ms;
      info.in_flight = (m.flags & (kPending | kReceived)) == (kPending | kReceived);
      if (m.source != kNoQueue) info.dead_letter_queue_source_arn = s.queues[m.source].arn;
      info.redriven_from_message_id = s.RedrivenFrom(slot);
      visit(info);
    }
  }
}

size_t Ledger::message_count() const {
  std::lock_guard lock(state_->mu);
  return state_->messages.size() - state_->free_slots.size();
}

absl::Status Ledger::Snapshot() {
  std::lock_guard lock(state_->mu);
  if (state_->storage == nullptr) {
    return absl::FailedPreconditionError("an in-memory ledger (no LedgerOptions::directory) "
                                         "has no snapshot");
  }
  EVMATCH_RETURN_IF_ERROR(state_->Usable());
  absl::Status s = state_->storage->Compact(state_->EncodeSnapshot());
  if (!s.ok()) state_->broken = s;
  return s;
}

}  // namespace evmatch::dlq
