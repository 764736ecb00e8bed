// Hashing for StringTable (see flat.h).

#include "compile/flat.h"

#include <random>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace evmatch::internal {

uint64_t HashKey(std::string_view key, uint64_t seed) {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed);
}

uint64_t NewHashSeed() {
  static const uint64_t process_seed = [] {
    std::random_device device;
    return (uint64_t{device()} << 32) | device();
  }();
  return process_seed;
}

}  // namespace evmatch::internal
