// EVMATCH_RETURN_IF_ERROR: abseil 20220623 ships no status macros.

#ifndef EVMATCH_SRC_UTIL_STATUS_MACROS_H_
#define EVMATCH_SRC_UTIL_STATUS_MACROS_H_

#include "absl/status/status.h"

#define EVMATCH_RETURN_IF_ERROR(expr)             \
  do {                                            \
    ::absl::Status evmatch_status_ = (expr);      \
    if (!evmatch_status_.ok()) return evmatch_status_; \
  } while (0)

#endif  // EVMATCH_SRC_UTIL_STATUS_MACROS_H_
