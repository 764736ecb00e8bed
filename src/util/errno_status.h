// The one mapping from errno to absl::Status for every file the library
// touches: the canonical code absl assigns to the errno value, and a message
// naming what failed, the path and the system's reason.

#ifndef EVMATCH_SRC_UTIL_ERRNO_STATUS_H_
#define EVMATCH_SRC_UTIL_ERRNO_STATUS_H_

#include <cstring>
#include <string_view>

#include "absl/status/status.h"
#include "util/strings.h"

namespace evmatch::internal {

// E.g. ErrnoStatus(ENOENT, "cannot open", "/x") is NotFound
// "cannot open /x: No such file or directory".
inline absl::Status ErrnoStatus(int error, std::string_view what, std::string_view path) {
  return absl::Status(absl::ErrnoToStatusCode(error),
                      Cat(what, " ", path, ": ", std::strerror(error)));
}

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_UTIL_ERRNO_STATUS_H_
