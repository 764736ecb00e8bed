// Digest values and the streaming Hasher: MD5 and SHA through OpenSSL EVP,
// CRCs through crc.cc.

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "evmatch/integrity.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace integrity {
namespace {

const EVP_MD* EvpOf(Algorithm algorithm) {
  switch (algorithm) {
    case Algorithm::kMd5: return EVP_md5();
    case Algorithm::kSha1: return EVP_sha1();
    case Algorithm::kSha256: return EVP_sha256();
    default: return nullptr;
  }
}

uint64_t UpdateCrc(Algorithm algorithm, std::string_view data, uint64_t crc) {
  switch (algorithm) {
    case Algorithm::kCrc32: return Crc32(data, static_cast<uint32_t>(crc));
    case Algorithm::kCrc32c: return Crc32c(data, static_cast<uint32_t>(crc));
    case Algorithm::kCrc64Nvme: return Crc64Nvme(data, crc);
    default: return 0;
  }
}

constexpr struct {
  Algorithm algorithm;
  std::string_view name;
  uint8_t size;
} kAlgorithms[] = {
    {Algorithm::kMd5, "MD5", 16},      {Algorithm::kSha1, "SHA1", 20},
    {Algorithm::kSha256, "SHA256", 32}, {Algorithm::kCrc32, "CRC32", 4},
    {Algorithm::kCrc32c, "CRC32C", 4},  {Algorithm::kCrc64Nvme, "CRC64NVME", 8},
};

}  // namespace

std::string_view AlgorithmName(Algorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)].name;
}

size_t DigestSize(Algorithm algorithm) {
  return kAlgorithms[static_cast<size_t>(algorithm)].size;
}

bool IsCrc(Algorithm algorithm) {
  return algorithm == Algorithm::kCrc32 || algorithm == Algorithm::kCrc32c ||
         algorithm == Algorithm::kCrc64Nvme;
}

absl::StatusOr<Algorithm> ParseAlgorithm(std::string_view name) {
  for (const auto& a : kAlgorithms) {
    if (absl::EqualsIgnoreCase(absl::string_view(name.data(), name.size()),
                               absl::string_view(a.name.data(), a.name.size()))) {
      return a.algorithm;
    }
  }
  return absl::InvalidArgumentError(
      "Unknown checksum algorithm '" + std::string(name) +
      "': expected one of MD5, SHA1, SHA256, CRC32, CRC32C, CRC64NVME");
}

std::string Digest::Hex() const {
  return absl::BytesToHexString(absl::string_view(view().data(), size));
}

std::string Digest::Base64() const {
  return absl::Base64Escape(absl::string_view(view().data(), size));
}

uint64_t Digest::crc() const {
  if (!IsCrc(algorithm)) return 0;
  uint64_t value = 0;
  for (size_t i = 0; i < size; ++i) value = (value << 8) | bytes[i];
  return value;
}

Digest CrcDigest(Algorithm crc_algorithm, uint64_t value) {
  Digest d;
  d.algorithm = crc_algorithm;
  d.size = static_cast<uint8_t>(DigestSize(crc_algorithm));
  for (size_t i = 0; i < d.size; ++i) {
    d.bytes[i] = static_cast<uint8_t>(value >> (8 * (d.size - 1 - i)));  // big-endian
  }
  return d;
}

struct Hasher::Evp {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Evp() { EVP_MD_CTX_free(ctx); }
};

Hasher::Hasher(Algorithm algorithm) : algorithm_(algorithm) {
  if (const EVP_MD* md = EvpOf(algorithm)) {
    evp_ = std::make_unique<Evp>();
    if (evp_->ctx == nullptr || EVP_DigestInit_ex(evp_->ctx, md, nullptr) != 1) {
      Fail("EVP_DigestInit_ex");
    }
  }
}

void Hasher::Fail(const char* call) {
  if (!status_.ok()) return;
  const unsigned long error = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type
  char reason[256] = "no reason given";
  if (error != 0) ERR_error_string_n(error, reason, sizeof(reason));
  ERR_clear_error();
  status_ = absl::FailedPreconditionError(
      internal::Cat("OpenSSL refused ", AlgorithmName(algorithm_), " (", call,
                    "; a FIPS provider refuses MD5 and SHA-1 for some uses): ", reason));
}

Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;
Hasher::~Hasher() = default;

void Hasher::Update(std::string_view data) {
  if (evp_) {
    if (status_.ok() && EVP_DigestUpdate(evp_->ctx, data.data(), data.size()) != 1) {
      Fail("EVP_DigestUpdate");
    }
  } else {
    crc_ = UpdateCrc(algorithm_, data, crc_);
  }
}

Digest Hasher::Finish() {
  if (!evp_) {
    const Digest d = CrcDigest(algorithm_, crc_);
    crc_ = 0;
    return d;
  }
  Digest d;
  d.algorithm = algorithm_;
  unsigned int size = 0;
  if (status_.ok() && EVP_DigestFinal_ex(evp_->ctx, d.bytes.data(), &size) != 1) {
    Fail("EVP_DigestFinal_ex");
  }
  d.size = status_.ok() ? static_cast<uint8_t>(size) : 0;
  if (status_.ok() && EVP_DigestInit_ex(evp_->ctx, EvpOf(algorithm_), nullptr) != 1) {
    Fail("EVP_DigestInit_ex");
  }
  return d;
}

Digest Compute(Algorithm algorithm, std::string_view data) {
  Hasher hasher(algorithm);
  hasher.Update(data);
  return hasher.Finish();
}

}  // namespace integrity
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
