// S3's rules over digests: header encodings, Content-MD5, ETags, multipart
// limits, composite and full-object checksums (SPEC D.1-D.4).

#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "evmatch/integrity.h"
#include "util/aws_error.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace integrity {
namespace {

absl::string_view Absl(std::string_view s) { return {s.data(), s.size()}; }

std::string Lower(std::string_view s) { return absl::AsciiStrToLower(Absl(s)); }

// Decodes canonical padded base64 of exactly `size` bytes: the re-encoding
// must give `text` back, which rules out missing or extra padding, stray
// characters and non-zero trailing bits.
bool DecodeCanonicalBase64(std::string_view text, size_t size, std::string* raw) {
  if (text.size() != (size + 2) / 3 * 4) return false;
  if (!absl::Base64Unescape(Absl(text), raw) || raw->size() != size) return false;
  return absl::Base64Escape(*raw) == Absl(text);
}

Digest DigestOf(Algorithm algorithm, std::string_view raw) {
  Digest d;
  d.algorithm = algorithm;
  d.size = static_cast<uint8_t>(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) d.bytes[i] = static_cast<uint8_t>(raw[i]);
  return d;
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// The algorithm all `parts` share, or an error.
absl::StatusOr<Algorithm> CommonAlgorithm(absl::Span<const Digest> parts) {
  if (parts.empty()) return absl::InvalidArgumentError("No parts given");
  for (const Digest& d : parts) {
    if (d.algorithm != parts.front().algorithm) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Checksum Type mismatch occurred, expected checksum Type: ",
          Lower(AlgorithmName(parts.front().algorithm)),
          ", actual checksum Type: ", Lower(AlgorithmName(d.algorithm))));
    }
  }
  return parts.front().algorithm;
}

}  // namespace

absl::StatusOr<Digest> ParseChecksumHeader(Algorithm algorithm, std::string_view value) {
  std::string raw;
  if (algorithm == Algorithm::kMd5 ||
      !DecodeCanonicalBase64(value, DigestSize(algorithm), &raw)) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                              "Value for x-amz-checksum-", Lower(AlgorithmName(algorithm)),
                              " header is invalid.");
  }
  return DigestOf(algorithm, raw);
}

absl::Status CheckContentMd5(std::string_view header, const Digest& body_md5) {
  std::string raw;
  if (!DecodeCanonicalBase64(header, 16, &raw)) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidDigest",
                              "The Content-MD5 you specified was invalid.");
  }
  if (body_md5.algorithm != Algorithm::kMd5 || raw != body_md5.view()) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "BadDigest",
                              "The Content-MD5 you specified did not match what we received.");
  }
  return absl::OkStatus();
}

std::string ETag::ToString() const {
  return parts > 0 ? absl::StrCat(hex, "-", parts) : hex;
}

absl::StatusOr<ETag> ParseETag(std::string_view text) {
  std::string_view s = text;
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  ETag etag;
  const size_t dash = s.find('-');
  const std::string_view hex = s.substr(0, dash);
  bool ok = hex.size() == 32 && IsHex(hex);
  if (ok && dash != std::string_view::npos) {
    const std::string_view count = s.substr(dash + 1);
    ok = !count.empty() && count.size() <= 5 && count.front() != '0' &&
         absl::SimpleAtoi(Absl(count), &etag.parts) && etag.parts >= 1 &&
         etag.parts <= kMaxParts;
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Not an S3 ETag: '", Absl(text),
        "' (expected 32 hex digits, optionally followed by -N with N in 1..10000)"));
  }
  etag.hex = Lower(hex);
  return etag;
}

bool ETagIsMd5(const ETag& etag, Encryption encryption) {
  return etag.parts == 0 && (encryption == Encryption::kNone || encryption == Encryption::kSseS3);
}

std::string MultipartETag(absl::Span<const Digest> part_md5s) {
  Hasher md5(Algorithm::kMd5);
  for (const Digest& d : part_md5s) md5.Update(d.view());
  return absl::StrCat(md5.Finish().Hex(), "-", part_md5s.size());
}

absl::Status CheckPartNumber(int64_t part_number) {
  if (part_number < 1 || part_number > kMaxParts) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                              "Part number must be an integer between 1 and 10000, inclusive");
  }
  return absl::OkStatus();
}

absl::Status CheckPartSizes(absl::Span<const uint64_t> sizes) {
  if (sizes.size() > kMaxParts) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                              "Part number must be an integer between 1 and 10000, "
                              "inclusive (the upload has ",
                              sizes.size(), " parts)");
  }
  uint64_t total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] > kMaxPartSize) {
      return internal::AwsError(absl::StatusCode::kInvalidArgument, "EntityTooLarge",
                                "Your proposed upload exceeds the maximum allowed size (part ",
                                i + 1, ": ", sizes[i], " bytes, maximum ", kMaxPartSize, ")");
    }
    if (i + 1 < sizes.size() && sizes[i] < kMinPartSize) {
      return internal::AwsError(
          absl::StatusCode::kInvalidArgument, "EntityTooSmall",
          "Your proposed upload is smaller than the minimum allowed size (part ", i + 1, ": ",
          sizes[i], " bytes, minimum ", kMinPartSize, ")");
    }
    total += sizes[i];
  }
  if (total > kMaxObjectSize) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "EntityTooLarge",
                              "Your proposed upload exceeds the maximum allowed size (", total,
                              " bytes, maximum ", kMaxObjectSize, ")");
  }
  return absl::OkStatus();
}

absl::Status CheckChecksumType(Algorithm algorithm, ChecksumType type) {
  const bool composite = type == ChecksumType::kComposite;
  const bool allowed = algorithm == Algorithm::kCrc32 || algorithm == Algorithm::kCrc32c ||
                       (algorithm == Algorithm::kCrc64Nvme && !composite) ||
                       ((algorithm == Algorithm::kSha1 || algorithm == Algorithm::kSha256) &&
                        composite);
  if (allowed) return absl::OkStatus();
  if (algorithm == Algorithm::kMd5) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                              "MD5 is not an x-amz-checksum algorithm; use CRC32, CRC32C, "
                              "CRC64NVME, SHA1 or SHA256");
  }
  return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest", "The ",
                            composite ? "COMPOSITE" : "FULL_OBJECT",
                            " checksum type cannot be used with the ",
                            Lower(AlgorithmName(algorithm)), " checksum algorithm.");
}

ChecksumType DefaultChecksumType(Algorithm algorithm) {
  return algorithm == Algorithm::kCrc64Nvme ? ChecksumType::kFullObject
                                            : ChecksumType::kComposite;
}

absl::Status CheckChecksumHeaders(absl::Span<const Algorithm> headers,
                                  std::optional<Algorithm> declared,
                                  std::optional<ChecksumType> type) {
  if (headers.size() > 1) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                              "Expecting a single x-amz-checksum- header. Multiple checksum Types "
                              "are not allowed.");
  }
  if (type && !declared) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                              "The x-amz-checksum-type header can only be used with the "
                              "x-amz-checksum-algorithm header.");
  }
  if (declared && !headers.empty() && headers.front() != *declared) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                              "Checksum Type mismatch occurred, expected checksum Type: ",
                              Lower(AlgorithmName(*declared)),
                              ", actual checksum Type: ", Lower(AlgorithmName(headers.front())));
  }
  if (declared && type) return CheckChecksumType(*declared, *type);
  return absl::OkStatus();
}

absl::Status CheckChecksumValue(std::string_view header, const Digest& computed,
                                uint32_t part_number) {
  absl::StatusOr<Digest> given = ParseChecksumHeader(computed.algorithm, header);
  if (!given.ok()) return given.status();
  if (*given == computed) return absl::OkStatus();
  if (part_number > 0) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "BadDigest", "The ",
                              Lower(AlgorithmName(computed.algorithm)), " you specified for part ",
                              part_number, " did not match what we received.");
  }
  return internal::AwsError(absl::StatusCode::kInvalidArgument, "BadDigest", "The ",
                            Absl(AlgorithmName(computed.algorithm)),
                            " you specified did not match the calculated "
                            "checksum.");
}

absl::Status CheckCompletedParts(std::optional<Algorithm> algorithm, ChecksumType type,
                                 absl::Span<const CompletedPart> parts,
                                 std::optional<ChecksumType> request_type) {
  const auto order_error = [] {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidPartOrder",
                              "The list of parts was not in ascending order. Parts must be "
                              "ordered by part number.");
  };
  for (size_t i = 0; i < parts.size(); ++i) {
    if (absl::Status s = CheckPartNumber(parts[i].part_number); !s.ok()) return s;
    if (i > 0 && parts[i].part_number <= parts[i - 1].part_number) {
      return order_error();
    }
  }
  if (!algorithm) return absl::OkStatus();
  if (request_type && *request_type != type) {
    return internal::AwsError(
        absl::StatusCode::kInvalidArgument, "InvalidRequest", "The upload was created using the ",
        type == ChecksumType::kComposite ? "COMPOSITE" : "FULL_OBJECT",
        " checksum mode. The complete request must use the same checksum mode.");
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].part_number != i + 1) return order_error();
    if (!parts[i].checksum) {
      return internal::AwsError(
          absl::StatusCode::kInvalidArgument, "InvalidRequest", "The upload was created using a ",
          Lower(AlgorithmName(*algorithm)),
          " checksum. The complete request must include the checksum for each part. It was "
          "missing for part ",
          parts[i].part_number, " in the request.");
    }
    if (parts[i].checksum->algorithm != *algorithm) {
      return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidRequest",
                                "Checksum Type mismatch occurred, expected checksum Type: ",
                                Lower(AlgorithmName(*algorithm)), ", actual checksum Type: ",
                                Lower(AlgorithmName(parts[i].checksum->algorithm)));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> CompositeChecksum(absl::Span<const Digest> parts,
                                              bool with_part_count) {
  absl::StatusOr<Algorithm> algorithm = CommonAlgorithm(parts);
  if (!algorithm.ok()) return algorithm.status();
  if (absl::Status s = CheckChecksumType(*algorithm, ChecksumType::kComposite); !s.ok()) {
    return s;
  }
  Hasher hasher(*algorithm);
  for (const Digest& d : parts) hasher.Update(d.view());
  std::string value = hasher.Finish().Base64();
  if (!hasher.status().ok()) return hasher.status();
  if (with_part_count) absl::StrAppend(&value, "-", parts.size());
  return value;
}

absl::StatusOr<std::string> FullObjectChecksum(absl::Span<const Digest> parts,
                                               absl::Span<const uint64_t> sizes) {
  absl::StatusOr<Algorithm> algorithm = CommonAlgorithm(parts);
  if (!algorithm.ok()) return algorithm.status();
  if (absl::Status s = CheckChecksumType(*algorithm, ChecksumType::kFullObject); !s.ok()) {
    return s;
  }
  if (sizes.size() != parts.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Full-object checksum needs one size per part: ", parts.size(), " parts, ",
        sizes.size(), " sizes"));
  }
  uint64_t crc = parts.front().crc();
  for (size_t i = 1; i < parts.size(); ++i) {
    const uint64_t next = parts[i].crc();
    switch (*algorithm) {
      case Algorithm::kCrc32:
        crc = Crc32Combine(static_cast<uint32_t>(crc), static_cast<uint32_t>(next), sizes[i]);
        break;
      case Algorithm::kCrc32c:
        crc = Crc32cCombine(static_cast<uint32_t>(crc), static_cast<uint32_t>(next), sizes[i]);
        break;
      default:
        crc = Crc64NvmeCombine(crc, next, sizes[i]);
        break;
    }
  }
  return CrcDigest(*algorithm, crc).Base64();
}

absl::StatusOr<CompositeValue> ParseCompositeChecksum(Algorithm algorithm,
                                                      std::string_view value) {
  CompositeValue out;
  const size_t dash = value.rfind('-');
  std::string_view base64 = value.substr(0, dash);
  if (dash != std::string_view::npos) {
    const std::string_view count = value.substr(dash + 1);
    if (count.empty() || count.front() == '0' || count.size() > 5 ||
        !absl::SimpleAtoi(Absl(count), &out.parts) || out.parts > kMaxParts) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Not a composite checksum: '", Absl(value), "' (bad part count)"));
    }
  }
  absl::StatusOr<Digest> digest = ParseChecksumHeader(algorithm, base64);
  if (!digest.ok()) return digest.status();
  out.base64 = std::string(base64);
  return out;
}

}  // namespace integrity
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
