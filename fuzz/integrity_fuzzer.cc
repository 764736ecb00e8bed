// Arbitrary bytes through the integrity module's parsers (ETags, checksum
// headers, composite values, Content-MD5) and its CRC algebra: a parsed
// value must print back to its input, and for a fuzzer-chosen split of the
// data, resumed and combined CRCs must equal the CRC of the whole, which
// must equal a bit-at-a-time reference.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "evmatch/integrity.h"
#include "support/crc_reference.h"

namespace {

namespace ei = evmatch::integrity;

void Check(bool ok) {
  if (!ok) std::abort();
}

// Takes fields off the front of the input (a plain-C++ stand-in for
// libFuzzer's FuzzedDataProvider, which the gcc replay build lacks).
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  uint64_t Integer(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes && !rest_.empty(); ++i) {
      v = (v << 8) | static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
    }
    return v;
  }
  // Up to the next NUL byte (consumed), or everything.
  std::string_view Text() {
    const size_t nul = rest_.find('\0');
    const std::string_view text = rest_.substr(0, nul);
    rest_.remove_prefix(nul == std::string_view::npos ? rest_.size() : nul + 1);
    return text;
  }
  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in(data, size);
  constexpr ei::Algorithm kAll[] = {ei::Algorithm::kMd5,   ei::Algorithm::kSha1,
                                    ei::Algorithm::kSha256, ei::Algorithm::kCrc32,
                                    ei::Algorithm::kCrc32c, ei::Algorithm::kCrc64Nvme};
  const ei::Algorithm algorithm = kAll[in.Integer(1) % 6];
  const std::string text(in.Text());

  if (absl::StatusOr<ei::ETag> etag = ei::ParseETag(text); etag.ok()) {
    Check(ei::ParseETag(etag->ToString()).value() == *etag);
  }
  if (absl::StatusOr<ei::Digest> d = ei::ParseChecksumHeader(algorithm, text); d.ok()) {
    Check(d->Base64() == text && d->size == ei::DigestSize(algorithm));
  }
  if (absl::StatusOr<ei::CompositeValue> c = ei::ParseCompositeChecksum(algorithm, text);
      c.ok()) {
    Check(text.rfind(c->base64, 0) == 0);
  }
  const absl::Status md5 = ei::CheckContentMd5(text, ei::Compute(ei::Algorithm::kMd5, "x"));
  Check(md5.ok() || md5.code() == absl::StatusCode::kInvalidArgument);
  const uint64_t object = in.Integer(6) % (ei::kMaxObjectSize + 1);
  const auto parts = static_cast<uint32_t>(in.Integer(2) % 10002);
  for (uint64_t p : ei::CandidatePartSizes(object, parts)) {
    Check((object + p - 1) / p == parts || (parts == 1 && p >= object));
  }

  const std::string_view all = in.Rest();
  const size_t split = all.size() * 7 / 13;
  const std::string_view a = all.substr(0, split), b = all.substr(split);
  Check(ei::Crc32(all) == evmatch_fuzz::ReferenceCrc(all, 0xEDB88320, 32));
  Check(ei::Crc32c(all) == evmatch_fuzz::ReferenceCrc(all, 0x82F63B78, 32));
  Check(ei::Crc64Nvme(all) == evmatch_fuzz::ReferenceCrc(all, 0x9A6C9329AC4BC9B5ull, 64));
  Check(ei::Crc64Nvme(b, ei::Crc64Nvme(a)) == ei::Crc64Nvme(all));
  Check(ei::Crc32cCombine(ei::Crc32c(a), ei::Crc32c(b), b.size()) == ei::Crc32c(all));
  Check(ei::Crc64NvmeCombine(ei::Crc64Nvme(a), ei::Crc64Nvme(b), b.size()) ==
        ei::Crc64Nvme(all));
  ei::Hasher h(algorithm);
  h.Update(a);
  h.Update(b);
  Check(h.Finish() == ei::Compute(algorithm, all));
  return 0;
}
