// The ledger's durable storage: a binary encoding for records, an
// append-only journal of CRC32C-framed records and a snapshot file.
//
// Directory layout:
//   journal   "EVMDLQJ1", generation (u64 LE), then records:
//             payload length (u32 LE), CRC32C of the payload (u32 LE),
//             CRC32C of those 8 bytes (u32 LE), payload
//             A bad record (cut short, or failing a CRC) with no valid record
//             after it is a torn append: dropped and truncated away. A bad
//             record followed by valid ones is DataLoss.
//   snapshot  "EVMDLQS1", generation (u64 LE), payload, CRC32C of all that
//
// A snapshot of generation g holds the state after every record of the
// journals of generations < g. Compaction writes snapshot g+1 aside,
// renames it into place, then replaces the journal by an empty one of
// generation g+1 (also written aside and renamed). A crash between the two
// renames leaves a journal older than the snapshot: Open ignores it.

#ifndef EVMATCH_SRC_DLQ_STORAGE_H_
#define EVMATCH_SRC_DLQ_STORAGE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "evmatch/dlq.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq::internal {

// Varints (LEB128), zigzag for signed values, length-prefixed strings.
class Encoder {
 public:
  void U64(uint64_t v);
  void I64(int64_t v) { U64((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
  void Str(std::string_view s);
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads what an Encoder wrote. Every read fails (returns false) past the
// end or on a malformed varint, and the failure sticks: check ok() once.
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  uint64_t U64();
  int64_t I64() {
    uint64_t v = U64();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }
  std::string Str();
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

// The file formats, for Storage and for tests and fuzzers that forge files.
std::string JournalHeader(uint64_t generation);
std::string JournalRecord(std::string_view payload);  // its frame and payload
std::string SnapshotFile(uint64_t generation, std::string_view payload);

// What Open found in the directory.
struct Recovered {
  std::string snapshot;              // payload; empty when there is none
  std::vector<std::string> records;  // journal payloads to replay, in order
};

class Storage {
 public:
  // Creates the directory and an empty journal when missing.
  static absl::StatusOr<std::unique_ptr<Storage>> Open(const std::string& directory,
                                                       FsyncPolicy fsync, Recovered* recovered);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  absl::Status Append(std::string_view payload);
  // Makes `payload` the snapshot and empties the journal.
  absl::Status Compact(std::string_view payload);

 private:
  Storage(std::string directory, FsyncPolicy fsync) : dir_(std::move(directory)), fsync_(fsync) {}
  absl::Status OpenJournalForAppend(uint64_t truncate_to);
  absl::Status WriteFileAside(const std::string& name, std::string_view contents);

  std::string dir_;
  FsyncPolicy fsync_;
  int fd_ = -1;
  uint64_t generation_ = 0;
};

}  // namespace dlq::internal
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_SRC_DLQ_STORAGE_H_
