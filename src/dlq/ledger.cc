// The public Ledger: a thin layer over Ledger::State (state.h). Every call
// that reads or changes the books goes through State::Call: the lock, the
// journal's health, the clock's range, Advance, then the operation and, for
// those that change the books, their journal record.

#include <chrono>
#include <random>

#include "dlq/state.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {

using internal::Encoder;
using internal::kNoQueue;
using internal::kSecond;

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
  return state_->Call(internal::CreateQueueRecord{std::string(arn), attributes});
}

absl::Status Ledger::SetQueueAttributes(std::string_view arn, const QueueAttributes& attributes) {
  return state_->Call(internal::SetQueueAttributesRecord{std::string(arn), attributes});
}

absl::StatusOr<QueueAttributes> Ledger::GetQueueAttributes(std::string_view arn) {
  return state_->Call<absl::StatusOr<QueueAttributes>>(
      Op::kTick,
      [&](int64_t, bool*) -> absl::StatusOr<QueueAttributes> {
        const Queue* q = state_->Find(arn);
        if (q == nullptr) return internal::NoSuchQueue();
        return q->attributes;
      },
      [](Encoder*) {});
}

absl::Status Ledger::DeleteQueue(std::string_view arn) {
  return state_->Call(internal::DeleteQueueRecord{std::string(arn)});
}

absl::StatusOr<SendResult> Ledger::Send(std::string_view queue_arn, const SendRequest& request) {
  return state_->Call(internal::SendRecord{std::string(queue_arn), request});
}

absl::StatusOr<std::vector<ReceivedMessage>> Ledger::Receive(std::string_view queue_arn,
                                                             const ReceiveRequest& request) {
  return state_->Call(internal::ReceiveRecord{std::string(queue_arn), request});
}

absl::Status Ledger::Delete(std::string_view queue_arn, std::string_view receipt_handle) {
  return state_->Call(internal::DeleteRecord{std::string(queue_arn), std::string(receipt_handle)});
}

absl::Status Ledger::ChangeVisibility(std::string_view queue_arn, std::string_view receipt_handle,
                                      int64_t seconds) {
  return state_->Call(internal::ChangeVisibilityRecord{std::string(queue_arn),
                                                       std::string(receipt_handle), seconds});
}

absl::StatusOr<QueueCounters> Ledger::Counters(std::string_view queue_arn) {
  return state_->Call<absl::StatusOr<QueueCounters>>(
      Op::kTick,
      [&](int64_t now, bool*) -> absl::StatusOr<QueueCounters> {
        const Queue* q = state_->Find(queue_arn);
        if (q == nullptr) return internal::NoSuchQueue();
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
  internal::StartMoveTaskRecord record{std::string(source_arn), std::nullopt,
                                       max_number_of_messages_per_second};
  if (destination_arn) record.destination = std::string(*destination_arn);
  return state_->Call(record);
}

absl::StatusOr<int64_t> Ledger::CancelMoveTask(std::string_view task_handle) {
  return state_->Call(internal::CancelMoveTaskRecord{std::string(task_handle)});
}

absl::StatusOr<std::vector<MoveTask>> Ledger::ListMoveTasks(std::string_view source_arn,
                                                            int max_results) {
  return state_->Call<absl::StatusOr<std::vector<MoveTask>>>(
      Op::kTick,
      [&](int64_t, bool*) -> absl::StatusOr<std::vector<MoveTask>> {
        if (max_results < 1 || max_results > 10) {
          return internal::InvalidValue("MaxResults", max_results, "Must be between 1 and 10.");
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

absl::Status Ledger::ForEachMessage(const std::function<void(const MessageInfo&)>& visit) const {
  std::lock_guard lock(state_->mu);
  EVMATCH_RETURN_IF_ERROR(state_->Usable());
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
      info.in_flight = (m.flags & (internal::kPending | internal::kReceived)) ==
                       (internal::kPending | internal::kReceived);
      if (m.source != kNoQueue) info.dead_letter_queue_source_arn = s.queues[m.source].arn;
      info.redriven_from_message_id = s.RedrivenFrom(slot);
      visit(info);
    }
  }
  return absl::OkStatus();
}

size_t Ledger::message_count() const {
  std::lock_guard lock(state_->mu);
  return state_->messages.size() - state_->free_slots.size();
}

absl::Status Ledger::Snapshot() {
  std::lock_guard lock(state_->mu);
  if (state_->storage == nullptr) {
    return absl::FailedPreconditionError(
        "an in-memory ledger (no LedgerOptions::directory) "
        "has no snapshot");
  }
  EVMATCH_RETURN_IF_ERROR(state_->Usable());
  absl::Status s = state_->storage->Compact(state_->EncodeSnapshot());
  if (!s.ok()) state_->broken = s;
  return s;
}

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
