// Journal records applied and replayed (see journal.h).

#include "dlq/state.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {
namespace internal {

void RecordReader::operator()(QueueAttributes& a) {
  a.visibility_timeout_seconds = d_->I64();
  a.message_retention_period_seconds = d_->I64();
  a.delay_seconds = d_->I64();
  a.maximum_message_size = d_->I64();
  const std::string redrive = d_->Str();
  const std::string allow = d_->Str();
  if (!d_->ok()) return;
  absl::StatusOr<std::optional<RedrivePolicy>> r = ParseRedrivePolicy(redrive);
  ok_ &= r.ok();
  if (r.ok()) a.redrive_policy = *r;
  a.redrive_allow_policy.reset();
  if (!allow.empty()) {
    absl::StatusOr<RedriveAllowPolicy> p = ParseRedriveAllowPolicy(allow);
    ok_ &= p.ok();
    if (p.ok()) a.redrive_allow_policy = *p;
  }
}

}  // namespace internal

using internal::Decoder;

absl::Status Ledger::State::Apply(int64_t now, const internal::CreateQueueRecord& r,
                                  bool* mutated) {
  return CreateQueue(now, r.arn, r.attributes, mutated);
}
absl::Status Ledger::State::Apply(int64_t now, const internal::SetQueueAttributesRecord& r,
                                  bool* mutated) {
  return SetQueueAttributes(now, r.arn, r.attributes, mutated);
}
absl::Status Ledger::State::Apply(int64_t now, const internal::DeleteQueueRecord& r,
                                  bool* mutated) {
  return DeleteQueue(now, r.arn, mutated);
}
absl::StatusOr<SendResult> Ledger::State::Apply(int64_t now, const internal::SendRecord& r,
                                                bool* mutated) {
  return Send(now, r.arn, r.request, mutated);
}
absl::StatusOr<std::vector<ReceivedMessage>> Ledger::State::Apply(int64_t now,
                                                                  const internal::ReceiveRecord& r,
                                                                  bool* mutated) {
  return Receive(now, r.arn, r.request, mutated);
}
absl::Status Ledger::State::Apply(int64_t now, const internal::DeleteRecord& r, bool* mutated) {
  return Delete(now, r.arn, r.handle, mutated);
}
absl::Status Ledger::State::Apply(int64_t now, const internal::ChangeVisibilityRecord& r,
                                  bool* mutated) {
  return ChangeVisibility(now, r.arn, r.handle, r.seconds, mutated);
}
absl::StatusOr<std::string> Ledger::State::Apply(int64_t now,
                                                 const internal::StartMoveTaskRecord& r,
                                                 bool* mutated) {
  return StartMoveTask(now, r.source, r.destination, r.rate, mutated);
}
absl::StatusOr<int64_t> Ledger::State::Apply(int64_t now, const internal::CancelMoveTaskRecord& r,
                                             bool* mutated) {
  return CancelMoveTask(now, r.handle, mutated);
}

namespace {

absl::Status StatusOf(const absl::Status& s) { return s; }
template <typename T>
absl::Status StatusOf(const absl::StatusOr<T>& s) {
  return s.status();
}

}  // namespace

template <typename Record>
absl::Status Ledger::State::ReplayRecord(int64_t now, Decoder* d) {
  Record record;
  internal::RecordReader reader(d);
  Record::Fields(reader, record);
  if (!reader.ok()) return absl::DataLossError("malformed record");
  bool mutated = false;
  return StatusOf(Apply(now, record, &mutated));
}

absl::Status Ledger::State::Replay(std::string_view payload) {
  Decoder d(payload);
  const auto op = static_cast<Op>(d.U64());
  if (op == Op::kInit) {
    salt = d.U64();
    return d.done() ? absl::OkStatus() : absl::DataLossError("malformed init record");
  }
  const int64_t now = d.I64();
  if (!d.ok() || !internal::ClockInRange(now)) return absl::DataLossError("malformed record");
  Advance(std::max(now, now_ms));
  absl::Status s;
  switch (op) {
    case Op::kTick:
      break;
    case Op::kCreateQueue:
      s = ReplayRecord<internal::CreateQueueRecord>(now, &d);
      break;
    case Op::kSetQueueAttributes:
      s = ReplayRecord<internal::SetQueueAttributesRecord>(now, &d);
      break;
    case Op::kDeleteQueue:
      s = ReplayRecord<internal::DeleteQueueRecord>(now, &d);
      break;
    case Op::kSend:
      s = ReplayRecord<internal::SendRecord>(now, &d);
      break;
    case Op::kReceive:
      s = ReplayRecord<internal::ReceiveRecord>(now, &d);
      break;
    case Op::kDelete:
      s = ReplayRecord<internal::DeleteRecord>(now, &d);
      break;
    case Op::kChangeVisibility:
      s = ReplayRecord<internal::ChangeVisibilityRecord>(now, &d);
      break;
    case Op::kStartMoveTask:
      s = ReplayRecord<internal::StartMoveTaskRecord>(now, &d);
      break;
    case Op::kCancelMoveTask:
      s = ReplayRecord<internal::CancelMoveTaskRecord>(now, &d);
      break;
    default:
      return absl::DataLossError(Cat("unknown record type ", static_cast<int>(op)));
  }
  if (s.code() == absl::StatusCode::kDataLoss) return s;
  if (!d.done()) return absl::DataLossError("malformed record");
  if (!s.ok()) return absl::DataLossError(Cat("a journal record does not apply: ", s.message()));
  return absl::OkStatus();
}

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
