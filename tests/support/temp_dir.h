// A scratch directory under /tmp, removed with everything in it.

#ifndef EVMATCH_TESTS_SUPPORT_TEMP_DIR_H_
#define EVMATCH_TESTS_SUPPORT_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace evmatch_test {

struct TempDir {
  TempDir() {
    char pattern[] = "/tmp/evmatch-test-XXXXXX";
    if (mkdtemp(pattern) != nullptr) path = pattern;
  }
  ~TempDir() {
    if (!path.empty()) std::filesystem::remove_all(path);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string path;
};

}  // namespace evmatch_test

#endif  // EVMATCH_TESTS_SUPPORT_TEMP_DIR_H_
