// evmatch/integrity.h: S3 object integrity. Digests and CRCs as S3 computes
// them, their header encodings, Content-MD5 checks, ETags (single-part and
// multipart) and the composite and full-object checksums of multipart
// uploads.
//
// Library: evmatch::integrity (links OpenSSL's libcrypto and ISA-L).
//
// Example: the ETag and full-object CRC32C of a two-part upload.
//
//   std::vector<evmatch::integrity::Digest> md5s, crcs;
//   std::vector<uint64_t> sizes;
//   for (std::string_view part : parts) {
//     md5s.push_back(evmatch::integrity::Compute(Algorithm::kMd5, part));
//     crcs.push_back(evmatch::integrity::Compute(Algorithm::kCrc32c, part));
//     sizes.push_back(part.size());
//   }
//   std::string etag = evmatch::integrity::MultipartETag(md5s);      // "...-2"
//   absl::StatusOr<std::string> full =
//       evmatch::integrity::FullObjectChecksum(crcs, sizes);         // base64
//
// Errors are absl::Status. Where S3 has an error code, the status carries it
// (evmatch::GetAwsError(status)->code == "InvalidDigest", see
// evmatch/aws_error.h) and the message starts with it: "InvalidDigest: The
// Content-MD5 you specified was invalid." File errors map errno to the
// canonical code (NotFound, PermissionDenied, ...).
// Everything is thread-compatible; nothing allocates except results.

#ifndef EVMATCH_INTEGRITY_H_
#define EVMATCH_INTEGRITY_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "evmatch/abi.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace integrity {

// The digest algorithms S3 uses: MD5 for Content-MD5 and ETags, the others
// for x-amz-checksum-* headers.
enum class Algorithm : uint8_t { kMd5, kSha1, kSha256, kCrc32, kCrc32c, kCrc64Nvme };

// "MD5", "SHA1", "SHA256", "CRC32", "CRC32C", "CRC64NVME" (S3's spelling).
EVMATCH_EXPORT std::string_view AlgorithmName(Algorithm algorithm);
// The algorithm named `name`, case-insensitively; InvalidArgument otherwise.
EVMATCH_EXPORT absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name);
// Digest size in bytes: 16, 20, 32, 4, 4, 8.
EVMATCH_EXPORT size_t DigestSize(Algorithm algorithm);
// True for the three CRCs.
EVMATCH_EXPORT bool IsCrc(Algorithm algorithm);

// A digest value: raw bytes, CRCs big-endian (as S3 encodes them).
struct EVMATCH_EXPORT Digest {
  Algorithm algorithm = Algorithm::kMd5;
  uint8_t size = 0;
  std::array<uint8_t, 32> bytes{};

  std::string_view view() const {
    return {reinterpret_cast<const char*>(bytes.data()), size};
  }
  // Lowercase hex, as in an ETag.
  std::string Hex() const;
  // Standard padded base64, as in Content-MD5 and x-amz-checksum-* headers.
  std::string Base64() const;
  // The CRC as a number (CRCs only; 0 otherwise).
  uint64_t crc() const;
  bool operator==(const Digest& other) const {
    return algorithm == other.algorithm && view() == other.view();
  }
};

// The digest of a CRC value.
EVMATCH_EXPORT Digest CrcDigest(Algorithm crc_algorithm, uint64_t value);

// Streaming digest: Update any number of times, then Finish (which resets it
// for reuse). Movable.
//
// MD5 and SHA come from OpenSSL's default library context. When its provider
// refuses the algorithm (MD5 under a FIPS provider, say) or a call fails,
// status() says so and stays failed; Finish then returns an empty digest
// (size 0). The library's own callers (HashFile, VerifyFile, the checksum
// helpers) check it and return that status.
class EVMATCH_EXPORT Hasher {
 public:
  explicit Hasher(Algorithm algorithm);
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  ~Hasher();

  Algorithm algorithm() const { return algorithm_; }
  void Update(std::string_view data);
  Digest Finish();
  // OK, or FailedPrecondition naming the algorithm and OpenSSL's reason.
  const absl::Status& status() const { return status_; }

 private:
  struct Evp;
  void Fail(const char* call);
  Algorithm algorithm_;
  absl::Status status_;
  uint64_t crc_ = 0;
  std::unique_ptr<Evp> evp_;  // MD5 and SHA: an OpenSSL EVP context
};

// One-shot digest of `data`.
EVMATCH_EXPORT Digest Compute(Algorithm algorithm, std::string_view data);

// CRCs (reflected, init and xorout all ones). Resumable:
// Crc32(b, Crc32(a)) == Crc32(a + b); the empty input gives 0.
EVMATCH_EXPORT uint32_t Crc32(std::string_view data, uint32_t crc = 0);
EVMATCH_EXPORT uint32_t Crc32c(std::string_view data, uint32_t crc = 0);
EVMATCH_EXPORT uint64_t Crc64Nvme(std::string_view data, uint64_t crc = 0);
// The CRC of A + B from crc(A), crc(B) and B's length, in O(log length).
EVMATCH_EXPORT uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);
EVMATCH_EXPORT uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b);
EVMATCH_EXPORT uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b);

// Parses an x-amz-checksum-<algorithm> header value: canonical padded base64
// of exactly DigestSize bytes. Otherwise InvalidArgument "InvalidRequest:
// Value for x-amz-checksum-crc32 header is invalid."
EVMATCH_EXPORT absl::StatusOr<Digest> ParseChecksumHeader(Algorithm algorithm,
                                                          std::string_view value);

// Checks a Content-MD5 header against the MD5 of the body received. OK when
// they agree; InvalidArgument "InvalidDigest: The Content-MD5 you specified
// was invalid." when the header is not canonical base64 of 16 bytes;
// InvalidArgument "BadDigest: The Content-MD5 you specified did not match
// what we received." when it is well formed but different.
EVMATCH_EXPORT absl::Status CheckContentMd5(std::string_view header, const Digest& body_md5);

// An ETag: quoted or not, hex in either case, with an optional "-N" part
// count.
struct EVMATCH_EXPORT ETag {
  std::string hex;  // lowercase
  uint32_t parts = 0;  // 0: no "-N" suffix
  bool operator==(const ETag&) const = default;
  // Formats as S3 sends it, unquoted: hex, then "-N" when parts > 0.
  std::string ToString() const;
};
// InvalidArgument when `text` is not an ETag S3 could send: 32 hex digits
// optionally followed by "-N", 1 <= N <= 10,000.
EVMATCH_EXPORT absl::StatusOr<ETag> ParseETag(std::string_view text);
// Whether an object's ETag is the MD5 of its bytes: 32 hex
// digits with no part count, for an object uploaded in one request without
// SSE-C or SSE-KMS.
enum class Encryption : uint8_t { kNone, kSseS3, kSseKms, kSseC };
EVMATCH_EXPORT bool ETagIsMd5(const ETag& etag, Encryption encryption);
// hex(MD5(md5(part 1) + ... + md5(part N))) + "-N". Each digest must be an
// MD5; parts are in part-number order.
EVMATCH_EXPORT std::string MultipartETag(absl::Span<const Digest> part_md5s);

// Multipart rules.
inline constexpr uint32_t kMaxParts = 10000;
inline constexpr uint64_t kMinPartSize = uint64_t{5} << 20;  // except the last
inline constexpr uint64_t kMaxPartSize = uint64_t{5} << 30;
inline constexpr uint64_t kMaxObjectSize = uint64_t{5} << 40;
// InvalidArgument "InvalidArgument: Part number must be an integer between 1
// and 10000, inclusive" outside 1..10,000.
EVMATCH_EXPORT absl::Status CheckPartNumber(int64_t part_number);
// Checks the sizes of an upload's parts in order: every part but the last at
// least kMinPartSize ("EntityTooSmall: Your proposed upload is smaller than
// the minimum allowed size", naming the part), none above kMaxPartSize, the
// total at most kMaxObjectSize, at most kMaxParts parts.
EVMATCH_EXPORT absl::Status CheckPartSizes(absl::Span<const uint64_t> sizes);

// Multipart checksum types (x-amz-checksum-type).
enum class ChecksumType : uint8_t { kComposite, kFullObject };
// Whether S3 accepts `type` with `algorithm` for a multipart upload:
// CRC64NVME is full-object only, SHA1/SHA256 composite only, CRC32/CRC32C
// either. The error carries S3's text, e.g. "InvalidRequest: The COMPOSITE
// checksum type cannot be used with the crc64nvme checksum algorithm."
EVMATCH_EXPORT absl::Status CheckChecksumType(Algorithm algorithm, ChecksumType type);
// The type S3 uses when an upload names only the algorithm: full-object for
// CRC64NVME, composite otherwise.
EVMATCH_EXPORT ChecksumType DefaultChecksumType(Algorithm algorithm);

// Request checks with S3's error texts. The checksum headers of
// one request: `headers` lists the algorithm of every x-amz-checksum-<alg>
// header present, `declared` the x-amz-checksum-algorithm (or SDK) header,
// `type` the x-amz-checksum-type header. Errors: more than one checksum
// header, a type without an algorithm, a header of another algorithm than
// the declared one, a type the algorithm does not allow.
EVMATCH_EXPORT absl::Status CheckChecksumHeaders(absl::Span<const Algorithm> headers,
                                                 std::optional<Algorithm> declared,
                                                 std::optional<ChecksumType> type);
// A checksum header against the digest S3 computed over the body:
// "InvalidRequest: Value for x-amz-checksum-<alg> header is invalid." or
// "BadDigest: The <ALG> you specified did not match the calculated
// checksum." For an UploadPart (`part_number` > 0) the mismatch reads "The
// <alg> you specified for part N did not match what we received."
EVMATCH_EXPORT absl::Status CheckChecksumValue(std::string_view header, const Digest& computed,
                                               uint32_t part_number = 0);
// One part listed in CompleteMultipartUpload.
struct CompletedPart {
  uint32_t part_number = 0;
  std::optional<Digest> checksum;  // the part's x-amz-checksum value, if given
};
// The parts of a CompleteMultipartUpload for an upload created with
// `algorithm` (nullopt: none) and `type`: ascending part numbers (starting
// at 1 and consecutive when the upload has a checksum), every part's
// checksum present and of the upload's algorithm, and the request's type
// (if given) equal to the upload's. S3's texts, e.g. "InvalidPartOrder: The
// list of parts was not in ascending order. Parts must be ordered by part
// number."
EVMATCH_EXPORT absl::Status CheckCompletedParts(std::optional<Algorithm> algorithm,
                                                ChecksumType type,
                                                absl::Span<const CompletedPart> parts,
                                                std::optional<ChecksumType> request_type);

// Composite checksum: base64(H(raw(part 1) + ... + raw(part N))) + "-N",
// H the parts' algorithm. `with_part_count` false gives the
// GetObjectAttributes form without "-N". InvalidArgument when the parts are
// empty, mixed or of an algorithm S3 refuses as composite.
EVMATCH_EXPORT absl::StatusOr<std::string> CompositeChecksum(absl::Span<const Digest> parts,
                                              bool with_part_count = true);
// Full-object checksum: the CRC of the whole object from the part CRCs and
// part sizes (combined, not rehashed), base64. InvalidArgument when sizes and
// parts differ in number, the parts are mixed, or not CRCs.
EVMATCH_EXPORT absl::StatusOr<std::string> FullObjectChecksum(absl::Span<const Digest> parts,
                                               absl::Span<const uint64_t> sizes);
// Splits a composite value into its base64 part and part count (0 when the
// value has no "-N", as GetObjectAttributes returns it).
struct CompositeValue {
  std::string base64;
  uint32_t parts = 0;
};
EVMATCH_EXPORT absl::StatusOr<CompositeValue> ParseCompositeChecksum(Algorithm algorithm,
                                                      std::string_view value);

// What S3 computes for an object uploaded from a file.
struct HashOptions {
  // 0: one PutObject. Otherwise a multipart upload in parts of this size
  // (the last part holds the rest; an empty file is one empty part).
  uint64_t part_size = 0;
  // An additional checksum (x-amz-checksum-*), if any.
  std::optional<Algorithm> checksum;
  // Parts hashed at once; 0 = one per hardware thread. Single-part uploads
  // are hashed by one thread.
  unsigned threads = 1;
};

struct EVMATCH_EXPORT ObjectDigests {
  uint64_t size = 0;
  bool multipart = false;
  std::vector<uint64_t> part_sizes;      // multipart: one per part
  std::vector<Digest> part_md5s;         // multipart: one per part
  std::vector<Digest> part_checksums;    // multipart with a checksum
  Digest md5;                            // single-part: of the whole object
  std::optional<Digest> checksum;        // single-part with a checksum

  // The ETag S3 reports (unquoted): the MD5 hex, or the multipart form.
  std::string ETag() const;
  // The x-amz-checksum value S3 reports: single-part, the base64 digest;
  // multipart, the composite ("-N") or full-object form per `type`.
  // FailedPrecondition when no checksum was computed, InvalidArgument when
  // the type does not suit the algorithm.
  absl::StatusOr<std::string> Checksum(ChecksumType type) const;
};

// Reads `path` once (parts in parallel per `options.threads`) and computes
// its MD5s and checksums. NotFound / PermissionDenied / DataLoss for I/O
// errors, InvalidArgument for a part size S3 would refuse (over 5 GiB, over
// 10,000 parts, or under 5 MiB when there are several parts).
EVMATCH_EXPORT absl::StatusOr<ObjectDigests> HashFile(const std::string& path,
                                                      const HashOptions& options);
// The same for an object already in memory (`data` is read, not copied).
// Errors: InvalidArgument for a part size S3 would refuse.
EVMATCH_EXPORT absl::StatusOr<ObjectDigests> HashBytes(std::string_view data,
                                                       const HashOptions& options);

// What S3 reports for an object (HeadObject with checksums enabled), given
// how it was uploaded.
struct UploadOptions {
  // The additional checksum (x-amz-checksum-*); kMd5 for none.
  Algorithm algorithm = Algorithm::kMd5;
  // 0: one PutObject. Otherwise a multipart upload in parts of this size.
  uint64_t part_size = 0;
  // The checksum type; default: FULL_OBJECT for one PutObject, else
  // DefaultChecksumType(algorithm).
  std::optional<ChecksumType> type;
  unsigned threads = 1;  // as HashOptions::threads
};
struct UploadReport {
  std::string etag;                        // unquoted
  std::optional<std::string> content_md5;  // single part only
  std::optional<std::string> checksum;     // base64 as S3 reports it; none for kMd5
  ChecksumType checksum_type = ChecksumType::kFullObject;
  uint32_t parts = 0;  // 0 for a single part
  uint64_t content_length = 0;
};
// Hashes `path` as HashFile does and reports what S3 would. Errors: as
// HashFile; InvalidArgument for COMPOSITE without a part size; the type S3
// refuses for the algorithm with S3's error (CheckChecksumType).
EVMATCH_EXPORT absl::StatusOr<UploadReport> ReportFile(const std::string& path,
                                                       const UploadOptions& options);
// The same for an object already in memory.
EVMATCH_EXPORT absl::StatusOr<UploadReport> ReportBytes(std::string_view data,
                                                        const UploadOptions& options);

// Verifying a local file against what S3 reports.
enum class Verdict : uint8_t { kMatch, kMismatch, kCannotTell };
struct EVMATCH_EXPORT Verification {
  Verdict verdict = Verdict::kCannotTell;
  std::string reason;       // one line a user can act on
  uint64_t part_size = 0;   // the part size that reproduced a multipart value
};
struct VerifyOptions {
  // Part size of the upload if known; 0 = infer it from the ETag's part count
  // and the file size, trying 5, 8, 15, 16, 50, 64 and 100 MiB, powers of
  // two, and the size the part count implies.
  uint64_t part_size = 0;
  Encryption encryption = Encryption::kNone;
  // An additional checksum to verify as well: its algorithm and the value
  // S3 reported (composite with or without "-N", or full-object).
  std::optional<std::pair<Algorithm, std::string>> checksum;
  unsigned threads = 1;
};
// Match when every given value is reproduced; Mismatch when one is
// definitely different; CannotTell when the ETag is not an MD5 (encryption)
// or no candidate part size reproduces a multipart ETag. Errors: as
// HashFile, and InvalidArgument for a malformed ETag or checksum.
EVMATCH_EXPORT absl::StatusOr<Verification> VerifyFile(const std::string& path,
                                                       std::string_view etag,
                                                       const VerifyOptions& options);
// The same for an object already in memory.
EVMATCH_EXPORT absl::StatusOr<Verification> VerifyBytes(std::string_view data,
                                                        std::string_view etag,
                                                        const VerifyOptions& options);
// The part sizes VerifyFile tries for an object of `size` bytes uploaded in
// `parts` parts, in order, each consistent with both.
EVMATCH_EXPORT std::vector<uint64_t> CandidatePartSizes(uint64_t size, uint32_t parts);

}  // namespace integrity
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_INTEGRITY_H_
