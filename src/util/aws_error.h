// Statuses that answer as an AWS service would: code and message as AWS
// returns them, the code also as the payload evmatch::GetAwsError reads.

#ifndef EVMATCH_SRC_UTIL_AWS_ERROR_H_
#define EVMATCH_SRC_UTIL_AWS_ERROR_H_

#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/cord.h"
#include "evmatch/aws_error.h"
#include "util/strings.h"

namespace evmatch::internal {

// A status with canonical code `code` whose message reads
// "<aws_code>: <text>" and whose payload is `aws_code`.
template <typename... Text>
absl::Status AwsError(absl::StatusCode code, std::string_view aws_code, const Text&... text) {
  absl::Status status(code, Cat(aws_code, ": ", text...));
  status.SetPayload(kAwsErrorUrl, absl::Cord(ToAbsl(aws_code)));
  return status;
}

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_UTIL_AWS_ERROR_H_
