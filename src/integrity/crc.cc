// CRC32 and CRC32C through ISA-L; CRC64/NVME by slicing-by-8 tables; combine
// for all three by polynomial arithmetic modulo the CRC polynomial.

#include <isa-l/crc.h>

#include <algorithm>
#include <array>
#include <climits>

#include "evmatch/integrity.h"

namespace evmatch::integrity {
namespace {

// Reflected polynomials (SPEC D.5).
constexpr uint64_t kCrc32Poly = 0xEDB88320;
constexpr uint64_t kCrc32cPoly = 0x82F63B78;
constexpr uint64_t kCrc64NvmePoly = 0x9A6C9329AC4BC9B5;

using Crc64Table = std::array<std::array<uint64_t, 256>, 8>;

constexpr Crc64Table MakeCrc64Table() {
  Crc64Table t{};
  for (uint64_t b = 0; b < 256; ++b) {
    uint64_t crc = b;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? kCrc64NvmePoly : 0);
    t[0][b] = crc;
  }
  for (size_t j = 1; j < 8; ++j) {
    for (size_t b = 0; b < 256; ++b) t[j][b] = (t[j - 1][b] >> 8) ^ t[0][t[j - 1][b] & 0xff];
  }
  return t;
}

constexpr Crc64Table kCrc64Table = MakeCrc64Table();

// a * b modulo the reflected polynomial `poly` of `width` bits (x^0 is the
// top bit).
uint64_t MultiplyModP(uint64_t a, uint64_t b, uint64_t poly, int width) {
  uint64_t m = uint64_t{1} << (width - 1);
  uint64_t product = 0;
  while (m != 0) {
    if (a & m) product ^= b;
    m >>= 1;
    b = (b & 1) ? (b >> 1) ^ poly : b >> 1;
  }
  return product;
}

// x^(8 * bytes) modulo the polynomial, by repeated squaring.
uint64_t ShiftPower(uint64_t bytes, uint64_t poly, int width) {
  uint64_t power = uint64_t{1} << (width - 1);          // x^0
  uint64_t square = uint64_t{1} << (width - 1 - 8);     // x^8
  while (bytes != 0) {
    if (bytes & 1) power = MultiplyModP(square, power, poly, width);
    square = MultiplyModP(square, square, poly, width);
    bytes >>= 1;
  }
  return power;
}

// With equal init and xorout, crc(A + B) = crc(A) * x^(8 |B|) + crc(B).
uint64_t Combine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b, uint64_t poly, int width) {
  if (length_b == 0) return crc_a;
  return MultiplyModP(ShiftPower(length_b, poly, width), crc_a, poly, width) ^ crc_b;
}

}  // namespace

uint32_t Crc32(std::string_view data, uint32_t crc) {
  return crc32_gzip_refl(crc, reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

uint32_t Crc32c(std::string_view data, uint32_t crc) {
  // ISA-L's iSCSI CRC neither inverts on entry nor on exit, and takes an int
  // length.
  uint32_t state = ~crc;
  auto* bytes = reinterpret_cast<unsigned char*>(const_cast<char*>(data.data()));
  size_t left = data.size();
  while (left > 0) {
    const size_t chunk = std::min<size_t>(left, size_t{1} << 30);
    state = crc32_iscsi(bytes, static_cast<int>(chunk), state);
    bytes += chunk;
    left -= chunk;
  }
  return ~state;
}

uint64_t Crc64Nvme(std::string_view data, uint64_t crc) {
  uint64_t state = ~crc;
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  const auto& t = kCrc64Table;
  while (n >= 8) {
    uint64_t word = 0;
    for (int k = 7; k >= 0; --k) word = (word << 8) | p[k];  // little-endian load
    state ^= word;
    state = t[7][state & 0xff] ^ t[6][(state >> 8) & 0xff] ^ t[5][(state >> 16) & 0xff] ^
            t[4][(state >> 24) & 0xff] ^ t[3][(state >> 32) & 0xff] ^
            t[2][(state >> 40) & 0xff] ^ t[1][(state >> 48) & 0xff] ^ t[0][state >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) state = (state >> 8) ^ t[0][(state ^ *p++) & 0xff];
  return ~state;
}

uint32_t Crc32Combine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return static_cast<uint32_t>(Combine(crc_a, crc_b, length_b, kCrc32Poly, 32));
}

uint32_t Crc32cCombine(uint32_t crc_a, uint32_t crc_b, uint64_t length_b) {
  return static_cast<uint32_t>(Combine(crc_a, crc_b, length_b, kCrc32cPoly, 32));
}

uint64_t Crc64NvmeCombine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b) {
  return Combine(crc_a, crc_b, length_b, kCrc64NvmePoly, 64);
}

}  // namespace evmatch::integrity
