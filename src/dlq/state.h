// The ledger's state and operations, behind the public Ledger (ledger.cc).
//
// Advance(now) walks the fronts of `expiry` and `pending` and the running
// move tasks; every other change touches a bounded number of messages.
// Every public call goes through Call: one lock, the journal's health, the
// clock's range, Advance, the operation, and its journal record.
//
// Files: model.h (records of queues, messages, tasks; shared checks),
// operations.cc (the model's transitions and the operations), journal.h and
// journal.cc (records, Apply, Replay), snapshot.cc, ledger.cc (the public
// layer).

#ifndef EVMATCH_SRC_DLQ_STATE_H_
#define EVMATCH_SRC_DLQ_STATE_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "dlq/journal.h"
#include "dlq/model.h"
#include "dlq/storage.h"
#include "evmatch/dlq.h"
#include "util/status_macros.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {

// The model's names used by the State's inline members.
using internal::Cat;
using internal::ClockInRange;
using internal::Decoder;
using internal::Encoder;
using internal::kDedupIsMessageId;
using internal::kSecond;
using internal::Message;
using internal::Op;
using internal::Queue;
using internal::Task;

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
  absl::flat_hash_map<uint32_t, std::string> dedup_ids;   // FIFO messages
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

  std::string MessageId(uint64_t seq) const;
  std::string TaskHandle(uint64_t id) const {
    return Cat(absl::Hex(salt, absl::kZeroPad16), "-", id);
  }
  std::string DedupId(uint32_t slot) const;
  std::string RedrivenFrom(uint32_t slot) const {
    auto it = redriven_from.find(slot);
    return it == redriven_from.end() ? std::string() : MessageId(it->second);
  }
  int64_t ExpiresAt(const Message& m) const {
    return m.retention_base_ms +
           queues[m.queue].attributes.message_retention_period_seconds * kSecond;
  }

  // Puts a message whose fields are set into the indexes.
  void Index(uint32_t slot);
  void Unindex(uint32_t slot);
  void Free(uint32_t slot);

  uint32_t CreateMessage(uint32_t queue, int64_t now, int64_t delay_ms);

  void MoveToDeadLetter(uint32_t slot, uint32_t dlq, int64_t now);

  // A move task's step: the message becomes a new message at `destination`.
  void Redrive(uint32_t slot, uint32_t destination, int64_t now);

  // Tells LedgerOptions::on_transition (never while replaying the journal).
  void Notify(Transition::Kind kind, uint64_t seq, uint32_t from, uint32_t to, uint64_t new_seq,
              int64_t now);

  bool Fail(Task* task, std::string reason) {
    task->status = MoveTaskStatus::kFailed;
    task->failure = std::move(reason);
    return true;
  }

  bool AdvanceTask(Task* task, int64_t now);

  // Brings the books up to `now`; whether anything changed.
  bool Advance(int64_t now);

  // ---- validation

  // `current`: the queue's attributes when it exists. Like SQS, which sets
  // attributes one by one, an unchanged RedrivePolicy is not checked
  // against its target again (which may have turned denyAll since).
  absl::Status ValidateAttributes(std::string_view arn, const QueueAttributes& a,
                                  const QueueAttributes* current);

  absl::StatusOr<uint32_t> CheckHandle(const Queue& q, std::string_view handle);

  // ---- operations; `mutated` tells whether the call must be journaled

  absl::Status CreateQueue(int64_t, std::string_view arn, const QueueAttributes& a, bool* mutated);

  absl::Status SetQueueAttributes(int64_t, std::string_view arn, const QueueAttributes& a,
                                  bool* mutated);

  absl::Status DeleteQueue(int64_t, std::string_view arn, bool* mutated);

  absl::StatusOr<SendResult> Send(int64_t now, std::string_view arn, const SendRequest& r,
                                  bool* mutated);

  absl::StatusOr<std::vector<ReceivedMessage>> Receive(int64_t now, std::string_view arn,
                                                       const ReceiveRequest& r, bool* mutated);

  absl::Status Delete(int64_t, std::string_view arn, std::string_view handle, bool* mutated);

  absl::Status ChangeVisibility(int64_t now, std::string_view arn, std::string_view handle,
                                int64_t seconds, bool* mutated);

  absl::StatusOr<std::string> StartMoveTask(int64_t now, std::string_view source_arn,
                                            std::optional<std::string_view> destination_arn,
                                            std::optional<int> rate, bool* mutated);

  absl::StatusOr<int64_t> CancelMoveTask(int64_t now, std::string_view handle, bool* mutated);

  MoveTask Describe(const Task& t) const;

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

  // A journaled operation: runs it through Call and writes its record.
  template <typename Record>
  auto Call(const Record& r) {
    using Result = decltype(Apply(0, r, nullptr));
    return Call<Result>(
        Record::kOp, [&](int64_t now, bool* mutated) { return Apply(now, r, mutated); },
        [&](internal::Encoder* e) {
          internal::RecordWriter writer(e);
          Record::Fields(writer, r);
        });
  }

  // Each record's operation (journal.cc).
  absl::Status Apply(int64_t now, const internal::CreateQueueRecord& r, bool* mutated);
  absl::Status Apply(int64_t now, const internal::SetQueueAttributesRecord& r, bool* mutated);
  absl::Status Apply(int64_t now, const internal::DeleteQueueRecord& r, bool* mutated);
  absl::StatusOr<SendResult> Apply(int64_t now, const internal::SendRecord& r, bool* mutated);
  absl::StatusOr<std::vector<ReceivedMessage>> Apply(int64_t now, const internal::ReceiveRecord& r,
                                                     bool* mutated);
  absl::Status Apply(int64_t now, const internal::DeleteRecord& r, bool* mutated);
  absl::Status Apply(int64_t now, const internal::ChangeVisibilityRecord& r, bool* mutated);
  absl::StatusOr<std::string> Apply(int64_t now, const internal::StartMoveTaskRecord& r,
                                    bool* mutated);
  absl::StatusOr<int64_t> Apply(int64_t now, const internal::CancelMoveTaskRecord& r,
                                bool* mutated);

  // Replays one journal record (journal.cc).
  absl::Status Replay(std::string_view payload);
  template <typename Record>
  absl::Status ReplayRecord(int64_t now, internal::Decoder* d);

  // The whole state as one payload, and back (snapshot.cc).
  std::string EncodeSnapshot() const;
  absl::Status RestoreSnapshot(std::string_view payload);
};

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_SRC_DLQ_STATE_H_
