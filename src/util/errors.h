// Builders for the statuses evmatch returns, with their machine-readable
// payloads (PatternError, EventError).

#ifndef EVMATCH_SRC_UTIL_ERRORS_H_
#define EVMATCH_SRC_UTIL_ERRORS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "evmatch/evmatch.h"

namespace evmatch::internal {

// A pattern error with code `code` (InvalidArgument or ResourceExhausted).
// The message reads `[rule "<name>": ]<pointer>: <reason> (offset N)`.
absl::Status MakePatternError(absl::StatusCode code, const PatternError& error);

// Returns `status` with the rule name set (and the pointer/offset shifted by
// `pointer_prefix` / `offset_base`) when it carries a PatternError; other
// statuses are returned unchanged.
absl::Status RelocatePatternError(const absl::Status& status,
                                  std::string_view rule_name,
                                  std::string_view pointer_prefix,
                                  size_t offset_base);

// An event error: "Parameter Event is not valid." plus the detail.
absl::Status MakeEventError(absl::StatusCode code, const EventError& error);

// A payload of an offset and three texts of any bytes (NUL included): the
// lengths of the first two come first. DecodePayload is false on anything
// EncodePayload did not write.
std::string EncodePayload(size_t offset, std::string_view first, std::string_view second,
                          std::string_view rest);
bool DecodePayload(const absl::Cord& payload, size_t* offset, std::string* first,
                   std::string* second, std::string* rest);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_UTIL_ERRORS_H_
