// The ledger's transitions (messages indexed, moved, redriven, expired;
// move tasks advanced) and its operations, each as SQS performs it.

#include <algorithm>
#include <cstdio>

#include "absl/strings/numbers.h"
#include "dlq/state.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {

using namespace internal;  // NOLINT(build/namespaces): the model's names, in this file only

std::string Ledger::State::MessageId(uint64_t seq) const {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%04x-%012llx",
                static_cast<unsigned>(salt >> 32), static_cast<unsigned>(salt >> 16 & 0xffff),
                static_cast<unsigned>(salt & 0xffff), static_cast<unsigned>(seq >> 48),
                static_cast<unsigned long long>(seq & 0xffffffffffffULL));
  return buffer;
}

std::string Ledger::State::DedupId(uint32_t slot) const {
  const Message& m = messages[slot];
  if (m.flags & kDedupIsMessageId) return MessageId(m.seq);
  auto it = dedup_ids.find(slot);
  return it == dedup_ids.end() ? std::string() : it->second;
}

void Ledger::State::Index(uint32_t slot) {
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

void Ledger::State::Unindex(uint32_t slot) {
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

void Ledger::State::Free(uint32_t slot) {
  Unindex(slot);
  dedup_ids.erase(slot);
  redriven_from.erase(slot);
  messages[slot] = Message();
  free_slots.push_back(slot);
}

uint32_t Ledger::State::CreateMessage(uint32_t queue, int64_t now, int64_t delay_ms) {
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

void Ledger::State::MoveToDeadLetter(uint32_t slot, uint32_t dlq, int64_t now) {
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

void Ledger::State::Redrive(uint32_t slot, uint32_t destination, int64_t now) {
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

void Ledger::State::Notify(Transition::Kind kind, uint64_t seq, uint32_t from, uint32_t to,
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

bool Ledger::State::AdvanceTask(Task* task, int64_t now) {
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
        return Fail(task, Cat("The destination queue ", queues[destination].arn, " was deleted."));
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

bool Ledger::State::Advance(int64_t now) {
  bool changed = false;
  while (!expiry.empty() && expiry.begin()->first <= now) {
    const uint32_t slot = expiry.begin()->second;
    ++queues[messages[slot].queue].expired;
    Notify(Transition::Kind::kExpired, messages[slot].seq, messages[slot].queue, kNoQueue, 0, now);
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

absl::Status Ledger::State::ValidateAttributes(std::string_view arn, const QueueAttributes& a,
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
  if (current != nullptr && current->redrive_policy && current->redrive_policy->ToJson() == json) {
    return absl::OkStatus();
  }
  auto invalid = [&](std::string_view reason) {
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
                                       "Value ", json,
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

absl::StatusOr<uint32_t> Ledger::State::CheckHandle(const Queue& q, std::string_view handle) {
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

absl::Status Ledger::State::CreateQueue(int64_t, std::string_view arn, const QueueAttributes& a,
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
    return evmatch::internal::AwsError(absl::StatusCode::kAlreadyExists, "QueueAlreadyExists",
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

absl::Status Ledger::State::SetQueueAttributes(int64_t, std::string_view arn,
                                               const QueueAttributes& a, bool* mutated) {
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

absl::Status Ledger::State::DeleteQueue(int64_t, std::string_view arn, bool* mutated) {
  Queue* q = Find(arn);
  if (q == nullptr) return NoSuchQueue();
  while (!q->arrivals.empty()) Free(q->arrivals.begin()->second);
  const std::string name = q->arn;
  *q = Queue();
  q->arn = name;
  *mutated = true;
  return absl::OkStatus();
}

absl::StatusOr<SendResult> Ledger::State::Send(int64_t now, std::string_view arn,
                                               const SendRequest& r, bool* mutated) {
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
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
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
  const int64_t delay = r.delay_seconds.value_or(q->attributes.delay_seconds) * kSecond;
  const uint32_t slot = CreateMessage(qi, now, delay);
  if (q->fifo) {
    dedup_ids.emplace(slot, r.deduplication_id);
    q->dedup[r.deduplication_id] = {now + kDedupWindowMs, messages[slot].seq};
    q->dedup_order.emplace_back(now + kDedupWindowMs, r.deduplication_id);
  }
  *mutated = true;
  return SendResult{MessageId(messages[slot].seq), false};
}

absl::StatusOr<std::vector<ReceivedMessage>> Ledger::State::Receive(int64_t now,
                                                                    std::string_view arn,
                                                                    const ReceiveRequest& r,
                                                                    bool* mutated) {
  Queue* q = Find(arn);
  if (q == nullptr) return NoSuchQueue();
  if (r.max_number_of_messages < 1 || r.max_number_of_messages > 10) {
    return InvalidValue("MaxNumberOfMessages", r.max_number_of_messages,
                        "Must be between 1 and 10, if provided.");
  }
  if (r.visibility_timeout_seconds && (*r.visibility_timeout_seconds < 0 ||
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

absl::Status Ledger::State::Delete(int64_t, std::string_view arn, std::string_view handle,
                                   bool* mutated) {
  Queue* q = Find(arn);
  if (q == nullptr) return NoSuchQueue();
  absl::StatusOr<uint32_t> slot = CheckHandle(*q, handle);
  if (!slot.ok()) return slot.status();
  Free(*slot);
  *mutated = true;
  return absl::OkStatus();
}

absl::Status Ledger::State::ChangeVisibility(int64_t now, std::string_view arn,
                                             std::string_view handle, int64_t seconds,
                                             bool* mutated) {
  Queue* q = Find(arn);
  if (q == nullptr) return NoSuchQueue();
  if (seconds < 0 || seconds > kMaxVisibilitySeconds) {
    return InvalidValue("VisibilityTimeout", seconds, "Must be between 0 and 43200.");
  }
  absl::StatusOr<uint32_t> slot = CheckHandle(*q, handle);
  if (!slot.ok()) return slot.status();
  Message& m = messages[*slot];
  if ((m.flags & (kPending | kReceived)) != (kPending | kReceived)) {
    return evmatch::internal::AwsError(absl::StatusCode::kFailedPrecondition, "MessageNotInflight",
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

absl::StatusOr<std::string> Ledger::State::StartMoveTask(
    int64_t now, std::string_view source_arn, std::optional<std::string_view> destination_arn,
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
    return evmatch::internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidParameterValue",
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
      return evmatch::internal::AwsError(absl::StatusCode::kFailedPrecondition,
                                         "UnsupportedOperation",
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

absl::StatusOr<int64_t> Ledger::State::CancelMoveTask(int64_t now, std::string_view handle,
                                                      bool* mutated) {
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

MoveTask Ledger::State::Describe(const Task& t) const {
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

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
