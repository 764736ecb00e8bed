// The ledger's journal records: one type per operation that changes the
// books, holding its arguments. Each type's Fields lists those arguments
// once, and the same list writes a record (RecordWriter) and reads it back
// (RecordReader), so encoding and decoding cannot drift apart.
//
// A record is: the Op (u64), the clock reading the call ran at (i64), then
// the fields. Op::kTick records carry no fields: only the clock moved.
// Replay runs the same operation on the same reading, so it rebuilds the same
// state, slots and nonces included.

#ifndef EVMATCH_SRC_DLQ_JOURNAL_H_
#define EVMATCH_SRC_DLQ_JOURNAL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "dlq/model.h"
#include "dlq/storage.h"
#include "evmatch/dlq.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq::internal {

// Writes fields to a record.
class RecordWriter {
 public:
  explicit RecordWriter(Encoder* e) : e_(e) {}
  void operator()(const std::string& s) { e_->Str(s); }
  void operator()(int64_t v) { e_->I64(v); }
  void operator()(int v) { e_->I64(v); }
  void operator()(const std::optional<int64_t>& v) {
    e_->U64(v.has_value());
    if (v) e_->I64(*v);
  }
  void operator()(const std::optional<int>& v) {
    e_->U64(v.has_value());
    if (v) e_->I64(*v);
  }
  void operator()(const std::optional<std::string>& v) {
    e_->U64(v.has_value());
    if (v) e_->Str(*v);
  }
  void operator()(const QueueAttributes& a) {
    e_->I64(a.visibility_timeout_seconds);
    e_->I64(a.message_retention_period_seconds);
    e_->I64(a.delay_seconds);
    e_->I64(a.maximum_message_size);
    e_->Str(a.redrive_policy ? a.redrive_policy->ToJson() : "");
    e_->Str(a.redrive_allow_policy ? a.redrive_allow_policy->ToJson() : "");
  }

 private:
  Encoder* e_;
};

// Reads fields back; a malformed field makes ok() false for good.
class RecordReader {
 public:
  explicit RecordReader(Decoder* d) : d_(d) {}
  void operator()(std::string& s) { s = d_->Str(); }
  void operator()(int64_t& v) { v = d_->I64(); }
  void operator()(int& v) { v = static_cast<int>(d_->I64()); }
  void operator()(std::optional<int64_t>& v) {
    v.reset();
    if (d_->U64() != 0) v = d_->I64();
  }
  void operator()(std::optional<int>& v) {
    v.reset();
    if (d_->U64() != 0) v = static_cast<int>(d_->I64());
  }
  void operator()(std::optional<std::string>& v) {
    v.reset();
    if (d_->U64() != 0) v = d_->Str();
  }
  void operator()(QueueAttributes& a);  // policies re-parsed by their rules
  bool ok() const { return ok_ && d_->ok(); }

 private:
  Decoder* d_;
  bool ok_ = true;
};

// The operations' records. `Fields(io, record)` visits the fields in record
// order, for a writer (const record) or a reader.

// CreateQueue and SetQueueAttributes: a queue and its attributes.
template <Op kRecordOp>
struct QueueAttributesRecord {
  static constexpr Op kOp = kRecordOp;
  std::string arn;
  QueueAttributes attributes;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.arn);
    io(r.attributes);
  }
};
using CreateQueueRecord = QueueAttributesRecord<Op::kCreateQueue>;
using SetQueueAttributesRecord = QueueAttributesRecord<Op::kSetQueueAttributes>;

struct DeleteQueueRecord {
  static constexpr Op kOp = Op::kDeleteQueue;
  std::string arn;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.arn);
  }
};

struct SendRecord {
  static constexpr Op kOp = Op::kSend;
  std::string arn;
  SendRequest request;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.arn);
    io(r.request.delay_seconds);
    io(r.request.deduplication_id);
    io(r.request.size_bytes);
  }
};

struct ReceiveRecord {
  static constexpr Op kOp = Op::kReceive;
  std::string arn;
  ReceiveRequest request;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.arn);
    io(r.request.max_number_of_messages);
    io(r.request.visibility_timeout_seconds);
  }
};

struct DeleteRecord {
  static constexpr Op kOp = Op::kDelete;
  std::string arn, handle;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.arn);
    io(r.handle);
  }
};

struct ChangeVisibilityRecord {
  static constexpr Op kOp = Op::kChangeVisibility;
  std::string arn, handle;
  int64_t seconds = 0;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.arn);
    io(r.handle);
    io(r.seconds);
  }
};

struct StartMoveTaskRecord {
  static constexpr Op kOp = Op::kStartMoveTask;
  std::string source;
  std::optional<std::string> destination;
  std::optional<int> rate;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.source);
    io(r.destination);
    io(r.rate);
  }
};

struct CancelMoveTaskRecord {
  static constexpr Op kOp = Op::kCancelMoveTask;
  std::string handle;
  template <typename Io, typename Self>
  static void Fields(Io& io, Self& r) {
    io(r.handle);
  }
};

}  // namespace dlq::internal
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_SRC_DLQ_JOURNAL_H_
