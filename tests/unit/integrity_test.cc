// The integrity module against SPEC D.5-D.7 vectors (AWS-recorded ones
// included), RFC 1321 and RFC 3720, and its own algebra (combine, resume).

#include "evmatch/integrity.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "evmatch/aws_error.h"
#include "support/crc_reference.h"

namespace {

using evmatch::integrity::Algorithm;
namespace ei = evmatch::integrity;

std::string Bytes(int first, int last) {
  std::string s;
  for (int b = first; first <= last ? b <= last : b >= last; b += first <= last ? 1 : -1) {
    s.push_back(static_cast<char>(b));
  }
  return s;
}

std::string B64(Algorithm algorithm, std::string_view data) {
  return ei::Compute(algorithm, data).Base64();
}

std::string Hex(Algorithm algorithm, std::string_view data) {
  return ei::Compute(algorithm, data).Hex();
}

}  // namespace

TEST_CASE("CRC vectors (SPEC D.6, RFC 3720 B.4)", "[integrity][crc]") {
  struct Row {
    std::string input;
    const char *crc32, *crc32_b64, *crc32c, *crc32c_b64, *crc64, *crc64_b64;
  };
  const std::vector<Row> rows = {
      {"", "00000000", "AAAAAA==", "00000000", "AAAAAA==", "0000000000000000", "AAAAAAAAAAA="},
      {"a", "e8b7be43", "6Le+Qw==", "c1d04330", "wdBDMA==", "8c2f8445b4cbfc3c", "jC+ERbTL/Dw="},
      {"abc", "352441c2", "NSRBwg==", "364b3fb7", "Nks/tw==", "05e5cabb3fc1faeb",
       "BeXKuz/B+us="},
      {"123456789", "cbf43926", "y/Q5Jg==", "e3069283", "4waSgw==", "ae8b14860a799888",
       "rosUhgp5mIg="},
      {"data", "adf3f363", "rfPzYw==", "aed87dd1", "rth90Q==", "edae61438efc2780",
       "7a5hQ478J4A="},
      {"hello world", "0d4a1185", "DUoRhQ==", "c99465aa", "yZRlqg==", "8d29d5c3f6ea8ebe",
       "jSnVw/bqjr4="},
      {"The quick brown fox jumps over the lazy dog", "414fa339", "QU+jOQ==", "22620404",
       "ImIEBA==", "d76c54054954c143", "12xUBUlUwUM="},
      {std::string(32, '\0'), "190a55ad", "GQpVrQ==", "8a9136aa", "ipE2qg==", "cf3473434d4ecf3b",
       "zzRzQ01Ozzs="},
      {std::string(32, '\xff'), "ff6cab0b", "/2yrCw==", "62a8ab43", "YqirQw==",
       "a0a06974c34d63c4", "oKBpdMNNY8Q="},
      {Bytes(0x00, 0x1f), "91267e8a", "kSZ+ig==", "46dd794e", "Rt15Tg==", "b9d9d4a8492cbd7f",
       "udnUqEksvX8="},
      {Bytes(0x1f, 0x00), "9ab0ef72", "mrDvcg==", "113fdb5c", "ET/bXA==", "17115a712025f5af",
       "FxFacSAl9a8="},
  };
  for (const Row& r : rows) {
    INFO(r.input);
    CHECK(Hex(Algorithm::kCrc32, r.input) == r.crc32);
    CHECK(B64(Algorithm::kCrc32, r.input) == r.crc32_b64);
    CHECK(Hex(Algorithm::kCrc32c, r.input) == r.crc32c);
    CHECK(B64(Algorithm::kCrc32c, r.input) == r.crc32c_b64);
    CHECK(Hex(Algorithm::kCrc64Nvme, r.input) == r.crc64);
    CHECK(B64(Algorithm::kCrc64Nvme, r.input) == r.crc64_b64);
  }
  CHECK(B64(Algorithm::kCrc32, "data-version2") == "DIwTWw==");
  // Big-endian: the little-endian mistake would give Y/PzrQ== (D.7 item 8).
  CHECK(ei::Crc32("data") == 0xADF3F363u);
  CHECK(B64(Algorithm::kCrc32, "data") != "Y/PzrQ==");
}

TEST_CASE("CRC residues and resumption (SPEC D.5)", "[integrity][crc]") {
  const std::string data = "residue check input";
  auto with_le = [&](uint64_t crc, int bytes) {
    std::string s = data;
    for (int i = 0; i < bytes; ++i) s.push_back(static_cast<char>(crc >> (8 * i)));
    return s;
  };
  // The CRC of data followed by its own CRC (little-endian) is a constant.
  CHECK(ei::Crc32(with_le(ei::Crc32(data), 4)) == 0x2144DF1Cu);
  CHECK(ei::Crc32c(with_le(ei::Crc32c(data), 4)) == 0x48674BC7u);
  CHECK(ei::Crc64Nvme(with_le(ei::Crc64Nvme(data), 8)) == 0x0CEFCFC4D49091BDull);

  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    std::string a(rng() % 100, '\0'), b(rng() % 300, '\0');
    for (char& c : a) c = static_cast<char>(rng());
    for (char& c : b) c = static_cast<char>(rng());
    const std::string ab = a + b;
    CHECK(ei::Crc32(b, ei::Crc32(a)) == ei::Crc32(ab));
    CHECK(ei::Crc32c(b, ei::Crc32c(a)) == ei::Crc32c(ab));
    CHECK(ei::Crc64Nvme(b, ei::Crc64Nvme(a)) == ei::Crc64Nvme(ab));
    CHECK(ei::Crc32Combine(ei::Crc32(a), ei::Crc32(b), b.size()) == ei::Crc32(ab));
    CHECK(ei::Crc32cCombine(ei::Crc32c(a), ei::Crc32c(b), b.size()) == ei::Crc32c(ab));
    CHECK(ei::Crc64NvmeCombine(ei::Crc64Nvme(a), ei::Crc64Nvme(b), b.size()) ==
          ei::Crc64Nvme(ab));
  }
  // A zero-length second part leaves the CRC alone (D.7 item 6).
  CHECK(ei::Crc32Combine(0x12345678, 0, 0) == 0x12345678u);
  CHECK(ei::Crc64NvmeCombine(42, 0, 0) == 42u);
}

TEST_CASE("combine over 10,000 parts equals the straight CRC", "[integrity][crc]") {
  std::mt19937_64 rng(11);
  std::string object;
  std::vector<ei::Digest> crc32, crc32c, crc64;
  std::vector<uint64_t> sizes;
  for (int i = 0; i < 10000; ++i) {
    std::string part(rng() % 40, '\0');  // zero-length parts included
    for (char& c : part) c = static_cast<char>(rng());
    crc32.push_back(ei::Compute(Algorithm::kCrc32, part));
    crc32c.push_back(ei::Compute(Algorithm::kCrc32c, part));
    crc64.push_back(ei::Compute(Algorithm::kCrc64Nvme, part));
    sizes.push_back(part.size());
    object += part;
  }
  CHECK(*ei::FullObjectChecksum(crc32, sizes) == B64(Algorithm::kCrc32, object));
  CHECK(*ei::FullObjectChecksum(crc32c, sizes) == B64(Algorithm::kCrc32c, object));
  CHECK(*ei::FullObjectChecksum(crc64, sizes) == B64(Algorithm::kCrc64Nvme, object));
}

TEST_CASE("MD5 and SHA vectors (RFC 1321, SPEC D.6)", "[integrity][digest]") {
  CHECK(Hex(Algorithm::kMd5, "") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(B64(Algorithm::kMd5, "") == "1B2M2Y8AsgTpgAmY7PhCfg==");
  CHECK(Hex(Algorithm::kMd5, "a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(Hex(Algorithm::kMd5, "abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(B64(Algorithm::kMd5, "abc") == "kAFQmDzST7DWlj99KOF/cg==");
  CHECK(Hex(Algorithm::kMd5, "message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(Hex(Algorithm::kMd5, "abcdefghijklmnopqrstuvwxyz") ==
        "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(Hex(Algorithm::kMd5,
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  std::string digits;
  for (int i = 0; i < 8; ++i) digits += "1234567890";
  CHECK(Hex(Algorithm::kMd5, digits) == "57edf4a22be3c955ac49da2e2107b67a");
  CHECK(Hex(Algorithm::kMd5, "data") == "8d777f385d3dfec8815d20f7496026dc");
  CHECK(Hex(Algorithm::kMd5, "data-version2") == "6869c34ca384e0ed836d49214f881e87");
  CHECK(Hex(Algorithm::kMd5, "The quick brown fox jumps over the lazy dog") ==
        "9e107d9d372bb6826bd81d3542a419d6");
  CHECK(Hex(Algorithm::kSha1, "abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(B64(Algorithm::kSha1, "abc") == "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  CHECK(B64(Algorithm::kSha256, "abc") == "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  CHECK(B64(Algorithm::kSha256, "") == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");

  // Streaming in pieces equals one shot, and Finish resets the hasher.
  for (Algorithm a : {Algorithm::kMd5, Algorithm::kSha1, Algorithm::kSha256, Algorithm::kCrc32,
                      Algorithm::kCrc32c, Algorithm::kCrc64Nvme}) {
    INFO(ei::AlgorithmName(a));
    ei::Hasher h(a);
    h.Update("The quick brown ");
    h.Update("");
    h.Update("fox jumps over the lazy dog");
    CHECK(h.Finish() == ei::Compute(a, "The quick brown fox jumps over the lazy dog"));
    h.Update("abc");
    CHECK(h.Finish() == ei::Compute(a, "abc"));
    CHECK(ei::Compute(a, "").size == ei::DigestSize(a));
  }
}

TEST_CASE("algorithm names", "[integrity]") {
  CHECK(*ei::ParseAlgorithm("crc64nvme") == Algorithm::kCrc64Nvme);
  CHECK(*ei::ParseAlgorithm("Sha256") == Algorithm::kSha256);
  CHECK(ei::AlgorithmName(Algorithm::kCrc32c) == "CRC32C");
  CHECK(ei::ParseAlgorithm("crc16").status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("checksum headers: canonical base64 of the right length (D.7 item 7)",
          "[integrity][encoding]") {
  CHECK(ei::ParseChecksumHeader(Algorithm::kCrc32, "rfPzYw==")->crc() == 0xADF3F363u);
  CHECK(ei::ParseChecksumHeader(Algorithm::kCrc64Nvme, "7a5hQ478J4A=")->crc() ==
        0xedae61438efc2780ull);
  for (const char* bad : {"rfPzYw", "rfPzYw=", "rfPzYx==", "rfPz Yw==", "rfPzYw===", "",
                          "AAAAAAAAAAA=", "rfPzYw==\n", "rf+zYw==x"}) {
    INFO(bad);
    absl::StatusOr<ei::Digest> parsed = ei::ParseChecksumHeader(Algorithm::kCrc32, bad);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().message() ==
          "InvalidRequest: Value for x-amz-checksum-crc32 header is invalid.");
  }
  CHECK(ei::ParseChecksumHeader(Algorithm::kSha256, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=")
            .ok());
  CHECK(ei::ParseChecksumHeader(Algorithm::kSha1, "rfPzYw==").status().message() ==
        "InvalidRequest: Value for x-amz-checksum-sha1 header is invalid.");
}

TEST_CASE("Content-MD5 (SPEC D.1, D.7 item 1)", "[integrity][md5]") {
  const ei::Digest body = ei::Compute(Algorithm::kMd5, "abc");
  CHECK(ei::CheckContentMd5("kAFQmDzST7DWlj99KOF/cg==", body).ok());
  const std::string invalid = "InvalidDigest: The Content-MD5 you specified was invalid.";
  for (const std::string& header :
       {std::string("MTIz"), std::string("dGVzdC1zdHJpbmc="), std::string("000"),
        std::string("900150983cd24fb0d6963f7d28e17f72"),  // hex, not base64
        ei::Compute(Algorithm::kSha1, "abc").Base64().substr(0, 20) + "====",
        std::string("kAFQmDzST7DWlj99KOF/cg"), std::string("AAAAAAAAAAAAAAAAAAAAAA=="),
        std::string(20, 'A')}) {
    INFO(header);
    absl::Status status = ei::CheckContentMd5(header, body);
    if (header == "AAAAAAAAAAAAAAAAAAAAAA==") {
      CHECK(status.message() ==
            "BadDigest: The Content-MD5 you specified did not match what we received.");
    } else {
      CHECK(status.message() == invalid);
    }
  }
  // Base64 of 15 and 17 bytes.
  CHECK(ei::CheckContentMd5("AAAAAAAAAAAAAAAAAAAA", body).message() == invalid);
  CHECK(ei::CheckContentMd5("AAAAAAAAAAAAAAAAAAAAAAA=", body).message() == invalid);
}

TEST_CASE("ETags (SPEC D.2, D.7 items 2-4)", "[integrity][etag]") {
  absl::StatusOr<ei::ETag> quoted = ei::ParseETag("\"8D777F385D3DFEC8815D20F7496026DC\"");
  REQUIRE(quoted.ok());
  CHECK(quoted->hex == "8d777f385d3dfec8815d20f7496026dc");
  CHECK(quoted->parts == 0);
  CHECK(*quoted == *ei::ParseETag("8d777f385d3dfec8815d20f7496026dc"));
  CHECK(quoted->hex == ei::Compute(Algorithm::kMd5, "data").Hex());
  absl::StatusOr<ei::ETag> multi = ei::ParseETag("C9A5A6878D97B48CC965C1E41859F034-14");
  REQUIRE(multi.ok());
  CHECK(multi->parts == 14);
  CHECK(multi->ToString() == "c9a5a6878d97b48cc965c1e41859f034-14");
  CHECK(ei::ParseETag("8d777f385d3dfec8815d20f7496026dc-10000").ok());
  for (const char* bad : {"8d777f385d3dfec8815d20f7496026d", "8d777f385d3dfec8815d20f7496026dcx",
                          "8d777f385d3dfec8815d20f7496026dc-", "8d777f385d3dfec8815d20f7496026dc-0",
                          "8d777f385d3dfec8815d20f7496026dc-10001",
                          "8d777f385d3dfec8815d20f7496026dc-01", "\"8d777f385d3dfec8815d20f7496026dc",
                          "g8777f385d3dfec8815d20f7496026dc", ""}) {
    INFO(bad);
    CHECK(ei::ParseETag(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }

  // Is it an MD5? Only single-part, without SSE-KMS or SSE-C.
  CHECK(ei::ETagIsMd5(*quoted, ei::Encryption::kNone));
  CHECK(ei::ETagIsMd5(*quoted, ei::Encryption::kSseS3));
  CHECK_FALSE(ei::ETagIsMd5(*quoted, ei::Encryption::kSseKms));
  CHECK_FALSE(ei::ETagIsMd5(*quoted, ei::Encryption::kSseC));
  CHECK_FALSE(ei::ETagIsMd5(*multi, ei::Encryption::kNone));

  // Multipart ETags, AWS-recorded.
  CHECK(ei::MultipartETag({ei::Compute(Algorithm::kMd5, std::string(6144, '1'))}) ==
        "8eabe9d6b43316e840b079170916c079-1");
  const std::string big(5242881, 'a');
  const ei::Digest big_md5 = ei::Compute(Algorithm::kMd5, big);
  CHECK(ei::MultipartETag({big_md5, big_md5, ei::Compute(Algorithm::kMd5, "aaaaaaaaaa")}) ==
        "4d45984fc3feb2ac9b22683c49674b56-3");
  CHECK(ei::MultipartETag({ei::Compute(Algorithm::kMd5, "hello "),
                           ei::Compute(Algorithm::kMd5, "world")}) ==
        "e09e4fd6265b36115fe3db32df945d84-2");
  std::vector<ei::Digest> many(10000, ei::Compute(Algorithm::kMd5, "x"));
  CHECK(ei::MultipartETag(many).substr(32) == "-10000");
}

TEST_CASE("multipart limits (SPEC D.3, D.7 item 4)", "[integrity][multipart]") {
  CHECK(ei::CheckPartNumber(1).ok());
  CHECK(ei::CheckPartNumber(10000).ok());
  for (int64_t bad : {int64_t{0}, int64_t{-1}, int64_t{10001}}) {
    CHECK(ei::CheckPartNumber(bad).message() ==
          "InvalidArgument: Part number must be an integer between 1 and 10000, inclusive");
  }
  const uint64_t min = ei::kMinPartSize;
  CHECK(ei::CheckPartSizes({min, min, 0}).ok());   // last part may be empty
  CHECK(ei::CheckPartSizes({min, 1}).ok());
  CHECK(ei::CheckPartSizes({1}).ok());             // a lone part is the last part
  CHECK(ei::CheckPartSizes({min - 1, 1}).message() ==
        "EntityTooSmall: Your proposed upload is smaller than the minimum allowed size "
        "(part 1: 5242879 bytes, minimum 5242880)");
  CHECK(ei::CheckPartSizes({ei::kMaxPartSize + 1}).code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ei::CheckPartSizes(std::vector<uint64_t>(10000, min)).ok());
  CHECK_FALSE(ei::CheckPartSizes(std::vector<uint64_t>(10001, min)).ok());
  CHECK_FALSE(ei::CheckPartSizes(std::vector<uint64_t>(1025, ei::kMaxPartSize)).ok());
}

TEST_CASE("composite and full-object checksums (SPEC D.4, D.6, D.7 item 5)",
          "[integrity][multipart]") {
  // The AWS-recorded 3-part object: two parts of 5,242,881 'a', then 10 'a'.
  const std::string big(5242881, 'a');
  const std::string tail(10, 'a');
  const std::vector<uint64_t> sizes = {big.size(), big.size(), tail.size()};
  auto parts = [&](Algorithm a) {
    const ei::Digest d = ei::Compute(a, big);
    return std::vector<ei::Digest>{d, d, ei::Compute(a, tail)};
  };
  CHECK(B64(Algorithm::kCrc32, big) == "NRU+Sw==");
  CHECK(B64(Algorithm::kCrc32c, big) == "2/Ckiw==");
  CHECK(B64(Algorithm::kCrc64Nvme, big) == "Kg7TOs6algM=");
  CHECK(B64(Algorithm::kCrc32, tail) == "TBHN8A==");
  CHECK(B64(Algorithm::kCrc32c, tail) == "5yZkMA==");
  CHECK(B64(Algorithm::kCrc64Nvme, tail) == "DBqAA21lxVU=");

  CHECK(*ei::CompositeChecksum(parts(Algorithm::kCrc32)) == "5FRUiw==-3");
  CHECK(*ei::CompositeChecksum(parts(Algorithm::kCrc32), false) == "5FRUiw==");
  CHECK(*ei::CompositeChecksum(parts(Algorithm::kCrc32c)) == "XF5+4A==-3");
  CHECK(*ei::CompositeChecksum(parts(Algorithm::kSha1)) == "AyE60nyQoBgJcwsyPHWu7aJuxBs=-3");
  CHECK(*ei::CompositeChecksum(parts(Algorithm::kSha256)) ==
        "9o++y6AejqboiJ7MZCx0fahK2Vu5YC/qnNhhYsCLciI=-3");
  CHECK(*ei::FullObjectChecksum(parts(Algorithm::kCrc32), sizes) == "qSEQSA==");
  CHECK(*ei::FullObjectChecksum(parts(Algorithm::kCrc32c), sizes) == "eTdAQA==");
  CHECK(*ei::FullObjectChecksum(parts(Algorithm::kCrc64Nvme), sizes) == "ZMNX55lZurA=");

  // "hello " + "world".
  auto small = [](Algorithm a) {
    return std::vector<ei::Digest>{ei::Compute(a, "hello "), ei::Compute(a, "world")};
  };
  const std::vector<uint64_t> small_sizes = {6, 5};
  CHECK(small(Algorithm::kCrc32)[0].Base64() == "7YH59g==");
  CHECK(small(Algorithm::kCrc32)[1].Base64() == "OncRQw==");
  CHECK(*ei::CompositeChecksum(small(Algorithm::kCrc32)) == "1Fu2mQ==-2");
  CHECK(*ei::FullObjectChecksum(small(Algorithm::kCrc32), small_sizes) == "DUoRhQ==");
  CHECK(*ei::CompositeChecksum(small(Algorithm::kCrc32c)) == "vUZpoA==-2");
  CHECK(*ei::FullObjectChecksum(small(Algorithm::kCrc32c), small_sizes) == "yZRlqg==");
  CHECK(small(Algorithm::kCrc64Nvme)[0].Base64() == "w0MIGLRZZYI=");
  CHECK(*ei::FullObjectChecksum(small(Algorithm::kCrc64Nvme), small_sizes) == "jSnVw/bqjr4=");

  // Type rules and their S3 texts.
  CHECK(ei::CompositeChecksum(small(Algorithm::kCrc64Nvme)).status().message() ==
        "InvalidRequest: The COMPOSITE checksum type cannot be used with the crc64nvme "
        "checksum algorithm.");
  CHECK(ei::FullObjectChecksum(small(Algorithm::kSha1), small_sizes).status().message() ==
        "InvalidRequest: The FULL_OBJECT checksum type cannot be used with the sha1 checksum "
        "algorithm.");
  CHECK(ei::CheckChecksumType(Algorithm::kSha256, ei::ChecksumType::kFullObject).message() ==
        "InvalidRequest: The FULL_OBJECT checksum type cannot be used with the sha256 checksum "
        "algorithm.");
  CHECK(ei::CheckChecksumType(Algorithm::kCrc32, ei::ChecksumType::kFullObject).ok());
  CHECK(ei::CheckChecksumType(Algorithm::kCrc32c, ei::ChecksumType::kComposite).ok());
  CHECK(ei::DefaultChecksumType(Algorithm::kCrc64Nvme) == ei::ChecksumType::kFullObject);
  CHECK(ei::DefaultChecksumType(Algorithm::kCrc32) == ei::ChecksumType::kComposite);
  std::vector<ei::Digest> mixed = {ei::Compute(Algorithm::kCrc32c, "a"),
                                   ei::Compute(Algorithm::kCrc32, "b")};
  CHECK(ei::CompositeChecksum(mixed).status().message() ==
        "Checksum Type mismatch occurred, expected checksum Type: crc32c, actual checksum "
        "Type: crc32");
  CHECK_FALSE(ei::FullObjectChecksum(small(Algorithm::kCrc32), {6}).ok());
  CHECK_FALSE(ei::CompositeChecksum({}).ok());

  // Parsing both composite forms.
  absl::StatusOr<ei::CompositeValue> with = ei::ParseCompositeChecksum(Algorithm::kCrc32, "5FRUiw==-3");
  REQUIRE(with.ok());
  CHECK(with->base64 == "5FRUiw==");
  CHECK(with->parts == 3);
  absl::StatusOr<ei::CompositeValue> without =
      ei::ParseCompositeChecksum(Algorithm::kCrc32, "5FRUiw==");
  REQUIRE(without.ok());
  CHECK(without->parts == 0);
  CHECK_FALSE(ei::ParseCompositeChecksum(Algorithm::kCrc32, "5FRUiw==-0").ok());
  CHECK_FALSE(ei::ParseCompositeChecksum(Algorithm::kCrc32, "5FRUiw=-3").ok());
  CHECK_FALSE(ei::ParseCompositeChecksum(Algorithm::kCrc32, "5FRUiw==-10001").ok());
}

namespace {

// A file in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& contents) {
    static int serial = 0;
    path_ = (std::filesystem::temp_directory_path() /
             ("evmatch_integrity_" + std::to_string(::getpid()) + "_" + std::to_string(serial++)))
                .string();
    std::ofstream(path_, std::ios::binary) << contents;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

TEST_CASE("hashing files as S3 would", "[integrity][file]") {
  const std::string object = std::string(5242881, 'a') + std::string(5242881, 'a') + "aaaaaaaaaa";
  TempFile file(object);

  ei::HashOptions single;
  single.checksum = Algorithm::kCrc64Nvme;
  absl::StatusOr<ei::ObjectDigests> whole = ei::HashFile(file.path(), single);
  REQUIRE(whole.ok());
  CHECK_FALSE(whole->multipart);
  CHECK(whole->size == object.size());
  CHECK(whole->ETag() == Hex(Algorithm::kMd5, object));
  CHECK(*whole->Checksum(ei::ChecksumType::kFullObject) == "ZMNX55lZurA=");

  for (unsigned threads : {1u, 3u, 0u}) {
    INFO(threads);
    ei::HashOptions parts;
    parts.part_size = 5242881;
    parts.checksum = Algorithm::kCrc32;
    parts.threads = threads;
    absl::StatusOr<ei::ObjectDigests> d = ei::HashFile(file.path(), parts);
    REQUIRE(d.ok());
    CHECK(d->multipart);
    CHECK(d->part_sizes == std::vector<uint64_t>{5242881, 5242881, 10});
    CHECK(d->ETag() == "4d45984fc3feb2ac9b22683c49674b56-3");
    CHECK(*d->Checksum(ei::ChecksumType::kComposite) == "5FRUiw==-3");
    CHECK(*d->Checksum(ei::ChecksumType::kFullObject) == "qSEQSA==");
  }

  // A file smaller than the part size is one part; an empty one, one empty part.
  TempFile small("hello"), empty("");
  ei::HashOptions big_parts;
  big_parts.part_size = ei::kMinPartSize;
  CHECK(ei::HashFile(small.path(), big_parts)->ETag() ==
        ei::MultipartETag({ei::Compute(Algorithm::kMd5, "hello")}));
  absl::StatusOr<ei::ObjectDigests> none = ei::HashFile(empty.path(), big_parts);
  REQUIRE(none.ok());
  CHECK(none->part_sizes == std::vector<uint64_t>{0});
  CHECK(none->ETag() == ei::MultipartETag({ei::Compute(Algorithm::kMd5, "")}));
  CHECK(none->Checksum(ei::ChecksumType::kComposite).status().code() ==
        absl::StatusCode::kFailedPrecondition);

  // Shapes S3 refuses, and I/O errors.
  ei::HashOptions tiny_parts;
  tiny_parts.part_size = 1024;
  CHECK(ei::HashFile(file.path(), tiny_parts).status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ei::HashFile(file.path() + ".missing", single).status().code() ==
        absl::StatusCode::kNotFound);
  CHECK(ei::HashFile(std::filesystem::temp_directory_path().string(), single).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("candidate part sizes", "[integrity][file]") {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  // 20 MiB + 3 bytes in 3 parts: 8 MiB fits (and the implied 7 MiB), 5 MiB does not.
  const std::vector<uint64_t> c = ei::CandidatePartSizes(20 * kMiB + 3, 3);
  REQUIRE_FALSE(c.empty());
  CHECK(c.front() == 8 * kMiB);
  for (uint64_t p : c) CHECK((20 * kMiB + 3 + p - 1) / p == 3);
  CHECK(std::find(c.begin(), c.end(), 5 * kMiB) == c.end());
  CHECK(ei::CandidatePartSizes(100, 1) == std::vector<uint64_t>{ei::kMinPartSize});
  CHECK(ei::CandidatePartSizes(100, 2).empty());  // no legal split
  CHECK(ei::CandidatePartSizes(100, 0).empty());
}

TEST_CASE("verifying files against ETags and checksums", "[integrity][file]") {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  std::string object(20 * kMiB + 3, '\0');
  std::mt19937_64 rng(5);
  for (char& c : object) c = static_cast<char>(rng());
  TempFile file(object);
  ei::HashOptions eight;
  eight.part_size = 8 * kMiB;
  eight.checksum = Algorithm::kCrc32c;
  const ei::ObjectDigests d = *ei::HashFile(file.path(), eight);

  // Part size inferred from the part count.
  ei::VerifyOptions infer;
  absl::StatusOr<ei::Verification> v = ei::VerifyFile(file.path(), "\"" + d.ETag() + "\"", infer);
  REQUIRE(v.ok());
  CHECK(v->verdict == ei::Verdict::kMatch);
  CHECK(v->part_size == 8 * kMiB);
  // With checksums in every form S3 reports.
  for (ei::ChecksumType type : {ei::ChecksumType::kComposite, ei::ChecksumType::kFullObject}) {
    infer.checksum = std::make_pair(Algorithm::kCrc32c, *d.Checksum(type));
    CHECK(ei::VerifyFile(file.path(), d.ETag(), infer)->verdict == ei::Verdict::kMatch);
  }
  infer.checksum = std::make_pair(Algorithm::kCrc32c,
                                  *ei::CompositeChecksum(d.part_checksums, false));
  CHECK(ei::VerifyFile(file.path(), d.ETag(), infer)->verdict == ei::Verdict::kMatch);
  infer.checksum = std::make_pair(Algorithm::kCrc32c, std::string("AAAAAA=="));
  CHECK(ei::VerifyFile(file.path(), d.ETag(), infer)->verdict == ei::Verdict::kMismatch);
  infer.checksum = std::make_pair(Algorithm::kCrc32c, std::string("not base64"));
  CHECK(ei::VerifyFile(file.path(), d.ETag(), infer).status().code() ==
        absl::StatusCode::kInvalidArgument);

  // A changed byte: with the part size known it is a mismatch; inferred, no
  // candidate reproduces the ETag, so it cannot tell.
  object[12345] ^= 1;
  TempFile changed(object);
  ei::VerifyOptions known;
  known.part_size = 8 * kMiB;
  CHECK(ei::VerifyFile(changed.path(), d.ETag(), known)->verdict == ei::Verdict::kMismatch);
  CHECK(ei::VerifyFile(changed.path(), d.ETag(), {})->verdict == ei::Verdict::kCannotTell);
  known.part_size = 16 * kMiB;  // 2 parts, the ETag says 3
  CHECK(ei::VerifyFile(file.path(), d.ETag(), known)->verdict == ei::Verdict::kMismatch);

  // Single-part ETags: an MD5 unless SSE-KMS or SSE-C.
  TempFile data("data");
  CHECK(ei::VerifyFile(data.path(), "8d777f385d3dfec8815d20f7496026dc", {})->verdict ==
        ei::Verdict::kMatch);
  CHECK(ei::VerifyFile(data.path(), "8d777f385d3dfec8815d20f7496026dd", {})->verdict ==
        ei::Verdict::kMismatch);
  ei::VerifyOptions kms;
  kms.encryption = ei::Encryption::kSseKms;
  CHECK(ei::VerifyFile(data.path(), "8d777f385d3dfec8815d20f7496026dc", kms)->verdict ==
        ei::Verdict::kCannotTell);
  ei::VerifyOptions crc;
  crc.checksum = std::make_pair(Algorithm::kCrc32, std::string("rfPzYw=="));
  CHECK(ei::VerifyFile(data.path(), "8d777f385d3dfec8815d20f7496026dc", crc)->verdict ==
        ei::Verdict::kMatch);
  crc.checksum = std::make_pair(Algorithm::kCrc32, std::string("Y/PzrQ=="));
  CHECK(ei::VerifyFile(data.path(), "8d777f385d3dfec8815d20f7496026dc", crc)->verdict ==
        ei::Verdict::kMismatch);
  CHECK(ei::VerifyFile(data.path(), "nonsense", {}).status().code() ==
        absl::StatusCode::kInvalidArgument);

  // The AWS 3-part object: 5,242,881-byte parts are not a common size, so
  // only an explicit part size verifies it.
  TempFile aws(std::string(5242881 * 2 + 10, 'a'));
  CHECK(ei::VerifyFile(aws.path(), "4d45984fc3feb2ac9b22683c49674b56-3", {})->verdict ==
        ei::Verdict::kCannotTell);
  ei::VerifyOptions aws_parts;
  aws_parts.part_size = 5242881;
  CHECK(ei::VerifyFile(aws.path(), "4d45984fc3feb2ac9b22683c49674b56-3", aws_parts)->verdict ==
        ei::Verdict::kMatch);
}

TEST_CASE("objects in memory hash and verify as the same bytes in a file", "[integrity][file]") {
  constexpr uint64_t kMiB = uint64_t{1} << 20;
  std::string object(11 * kMiB + 7, '\0');
  std::mt19937_64 rng(11);
  for (char& c : object) c = static_cast<char>(rng());
  TempFile file(object);
  for (uint64_t part_size : {uint64_t{0}, 5 * kMiB, 8 * kMiB}) {
    for (Algorithm algorithm : {Algorithm::kCrc32c, Algorithm::kSha256, Algorithm::kCrc64Nvme}) {
      INFO(part_size << " " << ei::AlgorithmName(algorithm));
      const ei::HashOptions options{.part_size = part_size, .checksum = algorithm, .threads = 2};
      absl::StatusOr<ei::ObjectDigests> from_file = ei::HashFile(file.path(), options);
      absl::StatusOr<ei::ObjectDigests> from_memory = ei::HashBytes(object, options);
      REQUIRE(from_file.ok());
      REQUIRE(from_memory.ok());
      CHECK(from_memory->ETag() == from_file->ETag());
      CHECK(from_memory->part_sizes == from_file->part_sizes);
      const ei::ChecksumType type = ei::DefaultChecksumType(algorithm);
      CHECK(from_memory->Checksum(type).value_or("?") == from_file->Checksum(type).value_or("!"));

      ei::VerifyOptions verify;
      verify.checksum = std::make_pair(algorithm, *from_file->Checksum(type));
      absl::StatusOr<ei::Verification> v = ei::VerifyBytes(object, from_file->ETag(), verify);
      REQUIRE(v.ok());
      CHECK(v->verdict == ei::Verdict::kMatch);
      CHECK(v->part_size == part_size);
    }
  }
  // A changed byte is a mismatch in memory as in a file.
  std::string changed = object;
  changed[99] ^= 1;
  CHECK(ei::VerifyBytes(changed, ei::HashBytes(object, {})->ETag(), {})->verdict ==
        ei::Verdict::kMismatch);
  CHECK(ei::HashBytes(object, {.part_size = 1024}).status().code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("what S3 reports for an upload", "[integrity][file]") {
  const std::string object = std::string(5242881 * 2 + 10, 'a');
  TempFile file(object);
  // The AWS 3-part example: ETag and CRC32 in both types.
  ei::UploadOptions parts{.algorithm = Algorithm::kCrc32, .part_size = 5242881};
  absl::StatusOr<ei::UploadReport> report = ei::ReportFile(file.path(), parts);
  REQUIRE(report.ok());
  CHECK(report->etag == "4d45984fc3feb2ac9b22683c49674b56-3");
  CHECK_FALSE(report->content_md5.has_value());
  CHECK(report->checksum_type == ei::ChecksumType::kComposite);  // CRC32's default
  CHECK(report->checksum == "5FRUiw==-3");
  CHECK(report->parts == 3);
  CHECK(report->content_length == object.size());
  parts.type = ei::ChecksumType::kFullObject;
  CHECK(ei::ReportBytes(object, parts)->checksum == "qSEQSA==");

  // One PutObject: Content-MD5, a full-object checksum, no parts.
  absl::StatusOr<ei::UploadReport> single =
      ei::ReportBytes("data", {.algorithm = Algorithm::kCrc32});
  REQUIRE(single.ok());
  CHECK(single->etag == "8d777f385d3dfec8815d20f7496026dc");
  CHECK(single->content_md5 == "jXd/OF09/siBXSD3SWAm3A==");
  CHECK(single->checksum == "rfPzYw==");
  CHECK(single->checksum_type == ei::ChecksumType::kFullObject);
  CHECK(single->parts == 0);
  CHECK_FALSE(ei::ReportBytes("data", {})->checksum.has_value());  // MD5 alone

  // Types S3 refuses.
  CHECK(ei::ReportBytes("data",
                        {.algorithm = Algorithm::kCrc32, .type = ei::ChecksumType::kComposite})
            .status()
            .code() == absl::StatusCode::kInvalidArgument);
  absl::StatusOr<ei::UploadReport> refused =
      ei::ReportBytes(object, {.algorithm = Algorithm::kCrc64Nvme,
                               .part_size = 5242881,
                               .type = ei::ChecksumType::kComposite});
  REQUIRE_FALSE(refused.ok());
  CHECK(evmatch::GetAwsError(refused.status())->code == "InvalidRequest");
  CHECK(ei::ReportFile(file.path() + ".missing", {}).status().code() ==
        absl::StatusCode::kNotFound);
}

TEST_CASE("CRCs against a bit-at-a-time reference, every length and offset", "[integrity][crc]") {
  using evmatch_fuzz::ReferenceCrc;
  std::mt19937_64 rng(3);
  std::string buffer(1100, '\0');
  for (char& c : buffer) c = static_cast<char>(rng());
  for (size_t offset = 0; offset < 16; ++offset) {
    for (size_t length = 0; length + offset <= buffer.size(); length += (length < 300 ? 1 : 37)) {
      const std::string_view data(buffer.data() + offset, length);
      INFO("offset " << offset << " length " << length);
      REQUIRE(ei::Crc64Nvme(data) == ReferenceCrc(data, 0x9A6C9329AC4BC9B5ull, 64));
      REQUIRE(ei::Crc32c(data) == ReferenceCrc(data, 0x82F63B78, 32));
      REQUIRE(ei::Crc32(data) == ReferenceCrc(data, 0xEDB88320, 32));
    }
  }
}

TEST_CASE("request checks with S3's texts (SPEC D.3, D.4)", "[integrity][multipart]") {
  using A = Algorithm;
  using T = ei::ChecksumType;
  CHECK(ei::CheckChecksumHeaders({A::kCrc32}, A::kCrc32, T::kComposite).ok());
  CHECK(ei::CheckChecksumHeaders({}, std::nullopt, std::nullopt).ok());
  CHECK(ei::CheckChecksumHeaders({A::kCrc32, A::kSha1}, std::nullopt, std::nullopt).message() ==
        "InvalidRequest: Expecting a single x-amz-checksum- header. Multiple checksum Types are "
        "not allowed.");
  CHECK(ei::CheckChecksumHeaders({}, std::nullopt, T::kFullObject).message() ==
        "InvalidRequest: The x-amz-checksum-type header can only be used with the "
        "x-amz-checksum-algorithm header.");
  CHECK(ei::CheckChecksumHeaders({A::kCrc32}, A::kCrc32c, std::nullopt).message() ==
        "InvalidRequest: Checksum Type mismatch occurred, expected checksum Type: crc32c, actual "
        "checksum Type: crc32");
  CHECK(ei::CheckChecksumHeaders({}, A::kSha1, T::kFullObject).message() ==
        "InvalidRequest: The FULL_OBJECT checksum type cannot be used with the sha1 checksum "
        "algorithm.");

  const ei::Digest crc = ei::Compute(A::kCrc32, "data");
  CHECK(ei::CheckChecksumValue("rfPzYw==", crc).ok());
  CHECK(ei::CheckChecksumValue("Y/PzrQ==", crc).message() ==
        "BadDigest: The CRC32 you specified did not match the calculated checksum.");
  CHECK(ei::CheckChecksumValue("rfPzYw=", crc).message() ==
        "InvalidRequest: Value for x-amz-checksum-crc32 header is invalid.");
  const ei::Digest sha = ei::Compute(A::kSha256, "part");
  CHECK(ei::CheckChecksumValue(ei::Compute(A::kSha256, "other").Base64(), sha, 1).message() ==
        "BadDigest: The sha256 you specified for part 1 did not match what we received.");

  auto part = [](uint32_t n, std::optional<A> a) {
    ei::CompletedPart p;
    p.part_number = n;
    if (a) p.checksum = ei::Compute(*a, std::to_string(n));
    return p;
  };
  CHECK(ei::CheckCompletedParts(std::nullopt, T::kComposite,
                                {part(1, std::nullopt), part(3, std::nullopt)}, std::nullopt)
            .ok());  // no checksum: gaps are fine
  CHECK(ei::CheckCompletedParts(std::nullopt, T::kComposite,
                                {part(2, std::nullopt), part(1, std::nullopt)}, std::nullopt)
            .message() ==
        "InvalidPartOrder: The list of parts was not in ascending order. Parts must be ordered by "
        "part number.");
  CHECK(ei::CheckCompletedParts(std::nullopt, T::kComposite, {part(10001, std::nullopt)},
                                std::nullopt)
            .message() ==
        "InvalidArgument: Part number must be an integer between 1 and 10000, inclusive");
  CHECK(ei::CheckCompletedParts(A::kCrc32, T::kComposite, {part(1, A::kCrc32), part(2, A::kCrc32)},
                                T::kComposite)
            .ok());
  CHECK(ei::CheckCompletedParts(A::kCrc32, T::kComposite, {part(1, A::kCrc32), part(3, A::kCrc32)},
                                std::nullopt)
            .code() == absl::StatusCode::kInvalidArgument);  // not consecutive
  CHECK(ei::CheckCompletedParts(A::kCrc32, T::kComposite, {part(1, std::nullopt)}, std::nullopt)
            .message() ==
        "InvalidRequest: The upload was created using a crc32 checksum. The complete request "
        "must include the checksum for each part. It was missing for part 1 in the request.");
  CHECK(ei::CheckCompletedParts(A::kCrc32, T::kComposite, {part(1, A::kCrc32)}, T::kFullObject)
            .message() ==
        "InvalidRequest: The upload was created using the COMPOSITE checksum mode. The complete "
        "request must use the same checksum mode.");
  CHECK(ei::CheckCompletedParts(A::kCrc32c, T::kComposite, {part(1, A::kCrc32)}, std::nullopt)
            .message() ==
        "InvalidRequest: Checksum Type mismatch occurred, expected checksum Type: crc32c, actual "
        "checksum Type: crc32");
}
