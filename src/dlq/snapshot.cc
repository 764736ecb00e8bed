// The ledger's snapshot: the whole state as one payload, and back. A
// snapshot holds what replaying every record before it would rebuild.

#include <optional>
#include <string>

#include "dlq/state.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq {

using namespace internal;  // NOLINT(build/namespaces): the model's names, in this file only

namespace {

// Writes or reads stored fields: unsigned values as varints, signed ones
// zigzagged, an optional index or rate as -1 when absent.
class FieldWriter {
 public:
  explicit FieldWriter(Encoder* e) : e_(e) {}
  void U(uint64_t v) { e_->U64(v); }
  void I(int64_t v) { e_->I64(v); }
  void S(const std::string& s) { e_->Str(s); }
  void Status(MoveTaskStatus s) { e_->U64(static_cast<uint64_t>(s)); }
  template <typename T>
  void Optional(const std::optional<T>& v) {
    e_->I64(v ? static_cast<int64_t>(*v) : -1);
  }

 private:
  Encoder* e_;
};

class FieldReader {
 public:
  explicit FieldReader(Decoder* d) : d_(d) {}
  void U(uint64_t& v) { v = d_->U64(); }
  void U(uint32_t& v) { v = static_cast<uint32_t>(d_->U64()); }
  void I(int64_t& v) { v = d_->I64(); }
  void S(std::string& s) { s = d_->Str(); }
  void Status(MoveTaskStatus& s) { s = static_cast<MoveTaskStatus>(d_->U64()); }
  template <typename T>
  void Optional(std::optional<T>& v) {
    const int64_t x = d_->I64();
    if (x >= 0) {
      v = static_cast<T>(x);
    } else {
      v.reset();
    }
  }

 private:
  Decoder* d_;
};

// A message's stored fields, listed once for both directions.
template <typename Io, typename M>
void MessageFields(Io& io, M& m) {
  io.U(m.seq);
  io.U(m.arrival);
  io.U(m.nonce);
  io.I(m.sent_ms);
  io.I(m.retention_base_ms);
  io.I(m.arrived_ms);
  io.I(m.visible_at_ms);
  io.I(m.received_ms);
  io.I(m.first_receive_ms);
  io.U(m.queue);
  io.U(m.source);
  io.U(m.receive_count);
  io.U(m.flags);
}

// A move task's stored fields, listed once for both directions.
template <typename Io, typename T>
void TaskFields(Io& io, T& t) {
  io.U(t.id);
  io.U(t.source);
  io.Optional(t.destination);
  io.Optional(t.rate);
  io.Status(t.status);
  io.I(t.moved);
  io.I(t.to_move);
  io.U(t.cutoff);
  io.I(t.started_ms);
  io.I(t.cancel_ms);
  io.S(t.failure);
}

}  // namespace

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
    RecordWriter attributes(&e);
    attributes(q.attributes);
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
    FieldWriter fields(&e);
    MessageFields(fields, m);
    const auto it = dedup_ids.find(slot);
    e.Str(it == dedup_ids.end() ? std::string() : it->second);
    const auto from = redriven_from.find(slot);
    e.U64(from == redriven_from.end() ? 0 : from->second);
  }
  e.U64(tasks.size());
  FieldWriter fields(&e);
  for (const Task& t : tasks) TaskFields(fields, t);
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
    RecordReader attributes(&d);
    attributes(q.attributes);
    if (!attributes.ok() || !CheckRanges(q.attributes).ok()) return corrupt;
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
    FieldReader fields(&d);
    MessageFields(fields, m);
    std::string dedup = d.Str();
    const uint64_t from = d.U64();
    const bool times_ok = StoredTimeInRange(m.sent_ms) && StoredTimeInRange(m.retention_base_ms) &&
                          StoredTimeInRange(m.arrived_ms) && StoredTimeInRange(m.visible_at_ms) &&
                          StoredTimeInRange(m.received_ms) && StoredTimeInRange(m.first_receive_ms);
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
    FieldReader fields(&d);
    TaskFields(fields, t);
    if (Active(t.status)) ++active_tasks;
    if (!d.ok() || t.source >= queues.size() ||
        (t.destination && *t.destination >= queues.size()) || t.status > MoveTaskStatus::kFailed ||
        (t.rate && (*t.rate < 1 || *t.rate > 500)) || t.id == 0 || t.id >= next_task ||
        !CountInRange(t.moved) || !CountInRange(t.to_move) || !StoredTimeInRange(t.started_ms) ||
        !StoredTimeInRange(t.cancel_ms)) {
      return corrupt;
    }
  }
  return d.done() ? absl::OkStatus() : corrupt;
}

}  // namespace dlq
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
