// The textbook reflected CRC, one bit at a time (SPEC D.5 parameters): the
// oracle for the integrity fuzzer and the CRC unit tests.

#ifndef EVMATCH_TESTS_SUPPORT_CRC_REFERENCE_H_
#define EVMATCH_TESTS_SUPPORT_CRC_REFERENCE_H_

#include <cstdint>
#include <string_view>

namespace evmatch_fuzz {

inline uint64_t ReferenceCrc(std::string_view data, uint64_t reflected_poly, int width) {
  const uint64_t mask = width == 64 ? ~uint64_t{0} : (uint64_t{1} << width) - 1;
  uint64_t crc = mask;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ ((crc & 1) ? reflected_poly : 0);
  }
  return crc ^ mask;
}

}  // namespace evmatch_fuzz

#endif  // EVMATCH_TESTS_SUPPORT_CRC_REFERENCE_H_
