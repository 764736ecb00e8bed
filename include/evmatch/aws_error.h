// File: evmatch/aws_error.h
// -----------------------------------------------------------------------------
// The AWS error code carried by statuses of the S3 (`evmatch/s3.h`), integrity
// (`evmatch/integrity.h`) and dead-letter (`evmatch/dlq.h`) modules.
//
// Where AWS would answer a request with a named error, the module's status
// carries that name as a payload, besides a message that reads
// "<code>: <AWS's text>":
//
//   absl::Status status = evmatch::integrity::CheckContentMd5(body, header);
//   if (std::optional<evmatch::AwsError> aws = evmatch::GetAwsError(status)) {
//     if (aws->code == "BadDigest") ...  // never parse status.message()
//   }
//
// Statuses that are not AWS answers (a file that cannot be read, a clock out
// of range) carry no code. Header-only: usable with any of the modules.

#ifndef EVMATCH_AWS_ERROR_H_
#define EVMATCH_AWS_ERROR_H_

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "evmatch/abi.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

// The type URL under which the code is attached to an absl::Status.
inline constexpr char kAwsErrorUrl[] = "type.googleapis.com/evmatch.AwsError";

struct AwsError {
  // AWS's error code, as the service returns it: "InvalidDigest",
  // "BadDigest", "InvalidArgument", "MalformedXML", "InvalidParameterValue",
  // "AWS.SimpleQueueService.NonExistentQueue", ...
  std::string code;
};

// Returns the AWS error code carried by `status`, or nullopt when `status` is
// OK or is not an AWS answer.
inline std::optional<AwsError> GetAwsError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kAwsErrorUrl);  // absl::optional<absl::Cord>
  if (!payload.has_value()) return std::nullopt;
  return AwsError{std::string(*payload)};
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_AWS_ERROR_H_
