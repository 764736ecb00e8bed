// CRC32 and CRC32C through ISA-L; CRC64/NVME by carry-less multiplication
// folding where the CPU has PCLMULQDQ, else slicing-by-8 tables; combine for
// all three by polynomial arithmetic modulo the CRC polynomial.
//
// Notation: a reflected w-bit value holds a polynomial with bit i the
// coefficient of x^(w-1-i), so the first byte of a message is its highest
// part. Loading 16 message bytes little-endian gives such a 128-bit value.

#include <isa-l/crc.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <array>
#include <climits>

#include "evmatch/integrity.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace integrity {
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

// Raw CRC-64/NVME table loop: no inversions.
uint64_t Crc64Tables(uint64_t state, const unsigned char* p, size_t n) {
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
  return state;
}

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

// (x^step)^k modulo the polynomial, by repeated squaring.
uint64_t PowerModP(uint64_t k, int step, uint64_t poly, int width) {
  uint64_t power = uint64_t{1} << (width - 1);          // x^0
  uint64_t square = uint64_t{1} << (width - 1 - step);  // x^step
  while (k != 0) {
    if (k & 1) power = MultiplyModP(square, power, poly, width);
    square = MultiplyModP(square, square, poly, width);
    k >>= 1;
  }
  return power;
}

// With equal init and xorout, crc(A + B) = crc(A) * x^(8 |B|) + crc(B).
uint64_t Combine(uint64_t crc_a, uint64_t crc_b, uint64_t length_b, uint64_t poly, int width) {
  if (length_b == 0) return crc_a;
  return MultiplyModP(PowerModP(length_b, 8, poly, width), crc_a, poly, width) ^ crc_b;
}

#if defined(__x86_64__)
// Folding: a 128-bit accumulator X = X_lo * x^64 + X_hi moved d bits further
// is X_lo * x^(d+64) + X_hi * x^d mod P. A carry-less product of two
// reflected 64-bit values is the reflected 128-bit product times x, hence
// the constants x^(d+63) and x^(d-1).
struct FoldConstants {
  __m128i by64, by48, by32, by16;  // d = 512, 384, 256, 128 bits
};

__attribute__((target("pclmul,sse2"))) __m128i Constant(uint64_t d) {
  return _mm_set_epi64x(static_cast<long long>(PowerModP(d - 1, 1, kCrc64NvmePoly, 64)),
                        static_cast<long long>(PowerModP(d + 63, 1, kCrc64NvmePoly, 64)));
}

__attribute__((target("pclmul,sse2"))) __m128i Fold(__m128i x, __m128i k) {
  return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

__attribute__((target("pclmul,sse2"))) __m128i Load(const unsigned char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// Raw CRC-64/NVME of at least 64 bytes: four accumulators over 64-byte
// strides, merged, then 16-byte steps; the final 128 bits and the tail go
// through the tables.
__attribute__((target("pclmul,sse2"))) uint64_t Crc64Folding(uint64_t state,
                                                              const unsigned char* p, size_t n) {
  static const FoldConstants k{Constant(512), Constant(384), Constant(256), Constant(128)};
  __m128i x0 = _mm_xor_si128(Load(p), _mm_cvtsi64_si128(static_cast<long long>(state)));
  __m128i x1 = Load(p + 16), x2 = Load(p + 32), x3 = Load(p + 48);
  p += 64;
  n -= 64;
  while (n >= 64) {
    x0 = _mm_xor_si128(Fold(x0, k.by64), Load(p));
    x1 = _mm_xor_si128(Fold(x1, k.by64), Load(p + 16));
    x2 = _mm_xor_si128(Fold(x2, k.by64), Load(p + 32));
    x3 = _mm_xor_si128(Fold(x3, k.by64), Load(p + 48));
    p += 64;
    n -= 64;
  }
  __m128i x = _mm_xor_si128(_mm_xor_si128(Fold(x0, k.by48), Fold(x1, k.by32)),
                            _mm_xor_si128(Fold(x2, k.by16), x3));
  while (n >= 16) {
    x = _mm_xor_si128(Fold(x, k.by16), Load(p));
    p += 16;
    n -= 16;
  }
  alignas(16) unsigned char folded[16];
  _mm_store_si128(reinterpret_cast<__m128i*>(folded), x);
  return Crc64Tables(Crc64Tables(0, folded, 16), p, n);
}

bool HasPclmul() {
  static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse2");
  return has;
}
#endif

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
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
#if defined(__x86_64__)
  if (data.size() >= 64 && HasPclmul()) return ~Crc64Folding(~crc, p, data.size());
#endif
  return ~Crc64Tables(~crc, p, data.size());
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

}  // namespace integrity
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
