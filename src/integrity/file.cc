// Hashing objects as S3 would (single-part or in parts, parts in parallel) and
// verifying them against the ETag and checksum S3 reports. An object is a
// file read with pread or bytes already in memory; both go through one
// `Source`, so the two entry points give the same answers.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "evmatch/integrity.h"
#include "util/errno_status.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace integrity {
namespace {

constexpr size_t kReadChunk = size_t{64} << 10;  // stays in L2 between read and hash

absl::Status IoError(const std::string& path, const char* what, int error) {
  return internal::ErrnoStatus(error, what, path);
}

// The bytes of an object: `Hash` feeds [offset, offset + length) to every
// hasher. Called from several threads at once for different parts.
class Source {
 public:
  virtual ~Source() = default;
  virtual uint64_t size() const = 0;
  virtual absl::Status Hash(uint64_t offset, uint64_t length, std::string& buffer,
                            std::initializer_list<Hasher*> hashers) const = 0;
};

// Bytes in memory, hashed in place.
class MemorySource final : public Source {
 public:
  explicit MemorySource(std::string_view data) : data_(data) {}
  uint64_t size() const override { return data_.size(); }
  absl::Status Hash(uint64_t offset, uint64_t length, std::string& /*buffer*/,
                    std::initializer_list<Hasher*> hashers) const override {
    const std::string_view range = data_.substr(offset, length);
    for (Hasher* h : hashers) {
      if (h != nullptr) h->Update(range);
    }
    return absl::OkStatus();
  }

 private:
  std::string_view data_;
};

// An open file, closed on destruction.
class File final : public Source {
 public:
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  absl::Status Open(const std::string& path) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) return IoError(path, "cannot open", errno);
    struct stat st;
    if (::fstat(fd_, &st) != 0) return IoError(path, "cannot stat", errno);
    if (!S_ISREG(st.st_mode)) {
      return absl::InvalidArgumentError(absl::StrCat("not a regular file: ", path));
    }
    size_ = static_cast<uint64_t>(st.st_size);
    return absl::OkStatus();
  }
  uint64_t size() const override { return size_; }

  absl::Status Hash(uint64_t offset, uint64_t length, std::string& buffer,
                    std::initializer_list<Hasher*> hashers) const override {
    buffer.resize(kReadChunk);
    while (length > 0) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(length, kReadChunk));
      const ssize_t got = ::pread(fd_, buffer.data(), want, static_cast<off_t>(offset));
      if (got < 0) {
        if (errno == EINTR) continue;
        return IoError(path_, "cannot read", errno);
      }
      if (got == 0) return absl::DataLossError(absl::StrCat(path_, " shrank while being read"));
      const std::string_view chunk(buffer.data(), static_cast<size_t>(got));
      for (Hasher* h : hashers) {
        if (h != nullptr) h->Update(chunk);
      }
      offset += static_cast<uint64_t>(got);
      length -= static_cast<uint64_t>(got);
    }
    return absl::OkStatus();
  }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
};

// Parts of an upload of `size` bytes in parts of `part_size` (an empty
// object is one empty part).
uint64_t PartCount(uint64_t size, uint64_t part_size) {
  return std::max<uint64_t>(1, (size + part_size - 1) / part_size);
}

absl::Status CheckUploadShape(uint64_t size, uint64_t part_size) {
  const uint64_t parts = PartCount(size, part_size);
  if (part_size > kMaxPartSize || parts > kMaxParts ||
      (parts > 1 && part_size < kMinPartSize)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 refuses a part size of ", part_size, " bytes for ", size, " bytes (", parts,
        " parts): parts must be 5 MiB to 5 GiB, at most 10000, the last may be smaller"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ObjectDigests> HashSource(const Source& file, const HashOptions& options);
absl::StatusOr<UploadReport> ReportSource(const Source& file, const UploadOptions& options);
absl::StatusOr<Verification> VerifySource(const Source& file, std::string_view etag_text,
                                          const VerifyOptions& options);

}  // namespace

std::string ObjectDigests::ETag() const {
  return multipart ? MultipartETag(part_md5s) : md5.Hex();
}

absl::StatusOr<std::string> ObjectDigests::Checksum(ChecksumType type) const {
  if (!multipart) {
    if (!checksum) return absl::FailedPreconditionError("no checksum was computed");
    return checksum->Base64();
  }
  if (part_checksums.empty()) return absl::FailedPreconditionError("no checksum was computed");
  return type == ChecksumType::kComposite ? CompositeChecksum(part_checksums)
                                          : FullObjectChecksum(part_checksums, part_sizes);
}

absl::StatusOr<ObjectDigests> HashFile(const std::string& path, const HashOptions& options) {
  File file;
  if (absl::Status s = file.Open(path); !s.ok()) return s;
  return HashSource(file, options);
}

absl::StatusOr<ObjectDigests> HashBytes(std::string_view data, const HashOptions& options) {
  return HashSource(MemorySource(data), options);
}

absl::StatusOr<UploadReport> ReportFile(const std::string& path, const UploadOptions& options) {
  File file;
  if (absl::Status s = file.Open(path); !s.ok()) return s;
  return ReportSource(file, options);
}

absl::StatusOr<UploadReport> ReportBytes(std::string_view data, const UploadOptions& options) {
  return ReportSource(MemorySource(data), options);
}

absl::StatusOr<Verification> VerifyFile(const std::string& path, std::string_view etag,
                                        const VerifyOptions& options) {
  File file;
  if (absl::Status s = file.Open(path); !s.ok()) return s;
  return VerifySource(file, etag, options);
}

absl::StatusOr<Verification> VerifyBytes(std::string_view data, std::string_view etag,
                                         const VerifyOptions& options) {
  return VerifySource(MemorySource(data), etag, options);
}

namespace {

absl::StatusOr<ObjectDigests> HashSource(const Source& file, const HashOptions& options) {
  ObjectDigests out;
  out.size = file.size();
  if (options.part_size == 0) {
    Hasher md5(Algorithm::kMd5);
    std::optional<Hasher> checksum;
    if (options.checksum) checksum.emplace(*options.checksum);
    std::string buffer;
    if (absl::Status s = file.Hash(0, out.size, buffer, {&md5, checksum ? &*checksum : nullptr});
        !s.ok()) {
      return s;
    }
    out.md5 = md5.Finish();
    if (checksum) out.checksum = checksum->Finish();
    if (!md5.status().ok()) return md5.status();
    if (checksum && !checksum->status().ok()) return checksum->status();
    return out;
  }

  if (absl::Status s = CheckUploadShape(out.size, options.part_size); !s.ok()) return s;
  out.multipart = true;
  const uint64_t parts = PartCount(out.size, options.part_size);
  out.part_sizes.resize(parts);
  out.part_md5s.resize(parts);
  if (options.checksum) out.part_checksums.resize(parts);
  std::atomic<uint64_t> next{0};
  std::mutex error_mutex;
  absl::Status error;
  auto worker = [&] {
    std::string buffer;
    Hasher md5(Algorithm::kMd5);
    std::optional<Hasher> checksum;
    if (options.checksum) checksum.emplace(*options.checksum);
    for (uint64_t part = next++; part < parts; part = next++) {
      const uint64_t offset = part * options.part_size;
      const uint64_t length = std::min(options.part_size, out.size - offset);
      absl::Status s = file.Hash(offset, length, buffer, {&md5, checksum ? &*checksum : nullptr});
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error.ok()) error = s;
        next = parts;  // stop the others
        return;
      }
      out.part_sizes[part] = length;
      out.part_md5s[part] = md5.Finish();
      if (checksum) out.part_checksums[part] = checksum->Finish();
      for (const Hasher* h : {&md5, checksum ? &*checksum : nullptr}) {
        if (h != nullptr && !h->status().ok()) s = h->status();
      }
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error.ok()) error = s;
        next = parts;
        return;
      }
    }
  };
  unsigned threads = options.threads == 0 ? std::max(1u, std::thread::hardware_concurrency())
                                          : options.threads;
  threads = static_cast<unsigned>(std::min<uint64_t>(threads, parts));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool) t.join();
  if (!error.ok()) return error;
  return out;
}

}  // namespace

namespace {

absl::StatusOr<UploadReport> ReportSource(const Source& file, const UploadOptions& options) {
  const bool multipart = options.part_size != 0;
  UploadReport report;
  report.checksum_type = options.type.value_or(multipart ? DefaultChecksumType(options.algorithm)
                                                         : ChecksumType::kFullObject);
  if (!multipart && report.checksum_type == ChecksumType::kComposite) {
    return absl::InvalidArgumentError(
        "a single-part upload's checksum is FULL_OBJECT; give a part size");
  }
  HashOptions hash{.part_size = options.part_size, .threads = options.threads};
  if (options.algorithm != Algorithm::kMd5) {
    if (multipart) {
      if (absl::Status s = CheckChecksumType(options.algorithm, report.checksum_type); !s.ok()) {
        return s;
      }
    }
    hash.checksum = options.algorithm;
  }
  absl::StatusOr<ObjectDigests> d = HashSource(file, hash);
  if (!d.ok()) return d.status();
  report.etag = d->ETag();
  if (!d->multipart) report.content_md5 = d->md5.Base64();
  if (hash.checksum) {
    absl::StatusOr<std::string> checksum = d->Checksum(report.checksum_type);
    if (!checksum.ok()) return checksum.status();
    report.checksum = *std::move(checksum);
  }
  if (d->multipart) report.parts = static_cast<uint32_t>(d->part_sizes.size());
  report.content_length = d->size;
  return report;
}

}  // namespace

std::vector<uint64_t> CandidatePartSizes(uint64_t size, uint32_t parts) {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  std::vector<uint64_t> candidates;
  if (parts == 0 || parts > kMaxParts) return candidates;
  if (parts == 1) {  // any part size of at least `size` gives the same ETag
    candidates.push_back(std::max(size, kMinPartSize));
    return candidates;
  }
  std::vector<uint64_t> tries;
  for (uint64_t mib : {5, 8, 15, 16, 50, 64, 100}) tries.push_back(mib * kMiB);
  for (uint64_t p = 8 * kMiB; p <= kMaxPartSize; p *= 2) tries.push_back(p);
  const uint64_t implied = (size + parts - 1) / parts;
  tries.push_back(implied);
  tries.push_back((implied + kMiB - 1) / kMiB * kMiB);
  for (uint64_t p : tries) {
    const bool consistent = p >= kMinPartSize && p <= kMaxPartSize &&
                            PartCount(size, p) == parts;
    if (consistent && std::find(candidates.begin(), candidates.end(), p) == candidates.end()) {
      candidates.push_back(p);
    }
  }
  return candidates;
}

namespace {

// Compares a reported checksum with the computed digests.
Verification CheckChecksum(const ObjectDigests& d, Algorithm algorithm, const std::string& value) {
  const std::string name(AlgorithmName(algorithm));
  if (!d.multipart) {
    if (d.checksum->Base64() == value) return {Verdict::kMatch, name + " matches", 0};
    return {Verdict::kMismatch,
            absl::StrCat(name, " of the object is ", d.checksum->Base64(), ", S3 reports ", value),
            0};
  }
  std::vector<std::string> forms;
  if (CheckChecksumType(algorithm, ChecksumType::kComposite).ok()) {
    const std::string composite = *CompositeChecksum(d.part_checksums);
    forms.push_back(composite);
    forms.push_back(*CompositeChecksum(d.part_checksums, false));
  }
  if (CheckChecksumType(algorithm, ChecksumType::kFullObject).ok()) {
    forms.push_back(*FullObjectChecksum(d.part_checksums, d.part_sizes));
  }
  if (std::find(forms.begin(), forms.end(), value) != forms.end()) {
    return {Verdict::kMatch, name + " matches", 0};
  }
  return {Verdict::kMismatch,
          absl::StrCat(name, " of the object in ", d.part_sizes.size(), " parts is ",
                       absl::StrJoin(forms, " or "), ", S3 reports ", value),
          0};
}

absl::StatusOr<Verification> VerifySource(const Source& file, std::string_view etag_text,
                                          const VerifyOptions& options) {
  absl::StatusOr<ETag> etag = ParseETag(etag_text);
  if (!etag.ok()) return etag.status();
  if (options.checksum) {
    const auto& [algorithm, value] = *options.checksum;
    absl::StatusOr<CompositeValue> parsed = ParseCompositeChecksum(algorithm, value);
    if (!parsed.ok()) return parsed.status();
  }
  HashOptions hash;
  hash.threads = options.threads;
  if (options.checksum) hash.checksum = options.checksum->first;

  auto finish = [&](const ObjectDigests& d, uint64_t part_size) -> Verification {
    Verification v{Verdict::kMatch, "ETag matches", part_size};
    if (part_size != 0) absl::StrAppend(&v.reason, " with parts of ", part_size, " bytes");
    if (options.checksum) {
      Verification c = CheckChecksum(d, options.checksum->first, options.checksum->second);
      if (c.verdict != Verdict::kMatch) {
        c.part_size = part_size;
        return c;
      }
      absl::StrAppend(&v.reason, "; ", c.reason);
    }
    return v;
  };

  if (etag->parts == 0) {
    if (!ETagIsMd5(*etag, options.encryption)) {
      return Verification{Verdict::kCannotTell,
                          "the ETag of an SSE-KMS or SSE-C object is not the MD5 of its bytes", 0};
    }
    absl::StatusOr<ObjectDigests> d = HashSource(file, hash);
    if (!d.ok()) return d.status();
    if (d->md5.Hex() != etag->hex) {
      return Verification{
          Verdict::kMismatch,
          absl::StrCat("MD5 of the object is ", d->md5.Hex(), ", the ETag is ", etag->hex), 0};
    }
    return finish(*d, 0);
  }

  const uint64_t size = file.size();
  std::vector<uint64_t> candidates;
  if (options.part_size != 0) {
    const uint64_t parts = PartCount(size, options.part_size);
    if (parts != etag->parts) {
      return Verification{Verdict::kMismatch,
                          absl::StrCat(size, " bytes in parts of ", options.part_size,
                                       " bytes make ", parts, " parts; the ETag says ",
                                       etag->parts),
                          options.part_size};
    }
    candidates.push_back(options.part_size);
  } else {
    candidates = CandidatePartSizes(size, etag->parts);
    if (candidates.empty()) {
      return Verification{Verdict::kCannotTell,
                          absl::StrCat("no part size S3 allows splits ", size, " bytes into ",
                                       etag->parts, " parts"),
                          0};
    }
  }
  for (uint64_t part_size : candidates) {
    hash.part_size = part_size;
    absl::StatusOr<ObjectDigests> d = HashSource(file, hash);
    if (!d.ok()) return d.status();
    if (d->ETag() == etag->ToString()) return finish(*d, part_size);
  }
  if (options.part_size != 0) {
    return Verification{Verdict::kMismatch,
                        absl::StrCat("the object in parts of ", options.part_size,
                                     " bytes does not reproduce the ETag ", etag->ToString()),
                        options.part_size};
  }
  return Verification{Verdict::kCannotTell,
                      absl::StrCat("none of the part sizes tried (",
                                   absl::StrJoin(candidates, ", "),
                                   " bytes) reproduces the ETag; give the upload's part size"),
                      0};
}

}  // namespace

}  // namespace integrity
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
