#include "dlq/storage.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "evmatch/integrity.h"
#include "util/errno_status.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace dlq::internal {
namespace {

using evmatch::internal::Cat;

constexpr std::string_view kJournalMagic = "EVMDLQJ1";
constexpr std::string_view kSnapshotMagic = "EVMDLQS1";
constexpr size_t kHeaderSize = 16;  // magic + generation
constexpr size_t kFrameSize = 12;   // length, payload CRC32C, CRC32C of those 8 bytes

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}

uint64_t GetLe(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(in[i])} << (8 * i);
  return v;
}

absl::Status Errno(std::string_view what, const std::string& path) {
  return evmatch::internal::ErrnoStatus(errno, what, path);
}

// The whole file, or NotFound.
absl::StatusOr<std::string> ReadAll(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  std::string data;
  char buffer[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      absl::Status s = Errno("cannot read", path);
      ::close(fd);
      return s;
    }
    if (n == 0) break;
    data.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return data;
}

absl::Status WriteFully(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

absl::Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Errno("cannot sync", dir);
  return absl::OkStatus();
}

// The payload of the well-formed record at `offset`, if there is one.
std::optional<std::string_view> RecordAt(std::string_view j, size_t offset) {
  if (j.size() - offset < kFrameSize) return std::nullopt;
  if (integrity::Crc32c(j.substr(offset, 8)) != GetLe(j.substr(offset + 8), 4)) {
    return std::nullopt;
  }
  const uint64_t length = GetLe(j.substr(offset), 4);
  if (length > j.size() - offset - kFrameSize) return std::nullopt;
  const std::string_view payload = j.substr(offset + kFrameSize, length);
  if (integrity::Crc32c(payload) != GetLe(j.substr(offset + 4), 4)) return std::nullopt;
  return payload;
}

std::string Header(std::string_view magic, uint64_t generation) {
  std::string h(magic);
  PutLe(&h, generation, 8);
  return h;
}

}  // namespace

std::string JournalHeader(uint64_t generation) { return Header(kJournalMagic, generation); }

std::string JournalRecord(std::string_view payload) {
  std::string record;
  PutLe(&record, payload.size(), 4);
  PutLe(&record, integrity::Crc32c(payload), 4);
  PutLe(&record, integrity::Crc32c(record), 4);
  record.append(payload);
  return record;
}

std::string SnapshotFile(uint64_t generation, std::string_view payload) {
  std::string file = Header(kSnapshotMagic, generation);
  file.append(payload);
  PutLe(&file, integrity::Crc32c(file), 4);
  return file;
}

void Encoder::U64(uint64_t v) {
  while (v >= 0x80) {
    out_.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out_.push_back(static_cast<char>(v));
}

void Encoder::Str(std::string_view s) {
  U64(s.size());
  out_.append(s);
}

uint64_t Decoder::U64() {
  uint64_t v = 0;
  for (int shift = 0; ok_; shift += 7) {
    if (in_.empty() || shift > 63) {
      ok_ = false;
      break;
    }
    const auto byte = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    v |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) return v;
  }
  return 0;
}

std::string Decoder::Str() {
  uint64_t n = U64();
  if (!ok_ || n > in_.size()) {
    ok_ = false;
    return {};
  }
  std::string s(in_.substr(0, n));
  in_.remove_prefix(n);
  return s;
}

absl::StatusOr<std::unique_ptr<Storage>> Storage::Open(const std::string& directory,
                                                       FsyncPolicy fsync,
                                                       Recovered* recovered) {
  if (::mkdir(directory.c_str(), 0755) != 0 && errno != EEXIST) {
    return Errno("cannot create", directory);
  }
  std::unique_ptr<Storage> storage(new Storage(directory, fsync));
  *recovered = Recovered();

  uint64_t snapshot_generation = 0;
  const std::string snapshot_path = directory + "/snapshot";
  absl::StatusOr<std::string> snapshot = ReadAll(snapshot_path);
  if (snapshot.ok()) {
    const std::string& s = *snapshot;
    if (s.size() < kHeaderSize + 4 || std::string_view(s).substr(0, 8) != kSnapshotMagic ||
        integrity::Crc32c(std::string_view(s).substr(0, s.size() - 4)) !=
            GetLe(std::string_view(s).substr(s.size() - 4), 4)) {
      return absl::DataLossError(Cat("corrupt snapshot ", snapshot_path));
    }
    snapshot_generation = GetLe(std::string_view(s).substr(8), 8);
    recovered->snapshot = s.substr(kHeaderSize, s.size() - kHeaderSize - 4);
  } else if (!absl::IsNotFound(snapshot.status())) {
    return snapshot.status();
  }

  const std::string journal_path = directory + "/journal";
  absl::StatusOr<std::string> journal = ReadAll(journal_path);
  if (absl::IsNotFound(journal.status())) {  // a first start
    storage->generation_ = snapshot_generation;
    EVMATCH_RETURN_IF_ERROR(storage->WriteFileAside(
        "journal", JournalHeader(storage->generation_)));
    EVMATCH_RETURN_IF_ERROR(storage->OpenJournalForAppend(kHeaderSize));
    return storage;
  }
  if (!journal.ok()) return journal.status();
  const std::string_view j = *journal;
  if (j.size() < kHeaderSize || j.substr(0, 8) != kJournalMagic) {
    return absl::DataLossError(Cat("not an evmatch journal: ", journal_path));
  }
  const uint64_t journal_generation = GetLe(j.substr(8), 8);
  if (journal_generation > snapshot_generation ||
      (journal_generation < snapshot_generation && recovered->snapshot.empty())) {
    return absl::DataLossError(Cat("journal ", journal_path, " (generation ",
                                   journal_generation, ") does not follow the snapshot (",
                                   snapshot_generation, ")"));
  }
  if (journal_generation < snapshot_generation) {
    // Compaction stopped between its two renames: the snapshot holds all
    // of this journal.
    storage->generation_ = snapshot_generation;
    EVMATCH_RETURN_IF_ERROR(storage->WriteFileAside(
        "journal", JournalHeader(storage->generation_)));
    EVMATCH_RETURN_IF_ERROR(storage->OpenJournalForAppend(kHeaderSize));
    return storage;
  }
  storage->generation_ = journal_generation;
  size_t offset = kHeaderSize;
  while (offset < j.size()) {
    const std::optional<std::string_view> payload = RecordAt(j, offset);
    if (!payload) {
      // A torn append leaves a prefix of its record, or zeros or stale
      // bytes where the file system extended the file: nothing valid
      // follows it. A bad record with valid ones after it is damage.
      for (size_t next = offset + 1; next + kFrameSize <= j.size(); ++next) {
        if (RecordAt(j, next)) {
          return absl::DataLossError(Cat("corrupt record at offset ", offset, " of ",
                                         journal_path, " (valid records follow it at offset ",
                                         next, ")"));
        }
      }
      break;
    }
    recovered->records.emplace_back(*payload);
    offset += kFrameSize + payload->size();
  }
  EVMATCH_RETURN_IF_ERROR(storage->OpenJournalForAppend(offset));
  return storage;
}

Storage::~Storage() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status Storage::OpenJournalForAppend(uint64_t truncate_to) {
  const std::string path = dir_ + "/journal";
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return Errno("cannot open", path);
  struct stat st;
  if (::fstat(fd_, &st) != 0) return Errno("cannot stat", path);
  if (static_cast<uint64_t>(st.st_size) != truncate_to) {
    if (::ftruncate(fd_, static_cast<off_t>(truncate_to)) != 0) {
      return Errno("cannot truncate", path);
    }
    if (::fdatasync(fd_) != 0) return Errno("cannot sync", path);
  }
  return absl::OkStatus();
}

absl::Status Storage::WriteFileAside(const std::string& name, std::string_view contents) {
  const std::string path = dir_ + "/" + name;
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Errno("cannot create", tmp);
  const bool sync = fsync_ == FsyncPolicy::kEveryRecord;
  absl::Status s = WriteFully(fd, contents, tmp);
  if (s.ok() && sync && ::fsync(fd) != 0) s = Errno("cannot sync", tmp);
  ::close(fd);
  if (!s.ok()) return s;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno("cannot rename", tmp);
  return sync ? SyncDirectory(dir_) : absl::OkStatus();
}

absl::Status Storage::Append(std::string_view payload) {
  const std::string path = dir_ + "/journal";
  EVMATCH_RETURN_IF_ERROR(WriteFully(fd_, JournalRecord(payload), path));
  if (fsync_ == FsyncPolicy::kEveryRecord && ::fdatasync(fd_) != 0) {
    return Errno("cannot sync", path);
  }
  return absl::OkStatus();
}

absl::Status Storage::Compact(std::string_view payload) {
  const uint64_t next = generation_ + 1;
  EVMATCH_RETURN_IF_ERROR(WriteFileAside("snapshot", SnapshotFile(next, payload)));
  generation_ = next;
  EVMATCH_RETURN_IF_ERROR(WriteFileAside("journal", JournalHeader(next)));
  return OpenJournalForAppend(kHeaderSize);
}

}  // namespace dlq::internal
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
