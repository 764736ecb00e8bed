// A downstream program built against an installed evmatch.
#include <cstdio>

#include "evmatch/aws_error.h"
#include "evmatch/dlq.h"
#include "evmatch/evmatch.h"
#include "evmatch/integrity.h"
#include "evmatch/s3.h"

int main() {
  absl::StatusOr<bool> hit = evmatch::TestEventPattern(
      R"({"source":["aws.s3"],"detail":{"object":{"key":[{"suffix":".jpg"}]}}})",
      R"({"source":"aws.s3","detail":{"object":{"key":"cat.jpg"}}})");
  absl::StatusOr<bool> miss = evmatch::TestEventPattern(
      R"({"source":["aws.s3"]})", R"({"source":"aws.ec2"})");
  absl::StatusOr<bool> bad = evmatch::TestEventPattern(R"({"a":[]})", "{}");
  evmatch::dlq::ManualClock clock(0);
  auto ledger = evmatch::dlq::Ledger::Open({.clock = &clock});
  const bool dlq_ok = ledger.ok() &&
                      (*ledger)->CreateQueue("arn:aws:sqs:us-east-1:1:q").ok() &&
                      (*ledger)->Send("arn:aws:sqs:us-east-1:1:q").ok() &&
                      (*ledger)->message_count() == 1 &&
                      evmatch::dlq::RetrySchedule::AwsManaged().retries() == 100'015;
  // Module errors carry AWS's code as a payload.
  const absl::Status bad_md5 = evmatch::integrity::CheckContentMd5(
      "not base64", evmatch::integrity::Compute(evmatch::integrity::Algorithm::kMd5, "x"));
  const std::optional<evmatch::AwsError> aws = evmatch::GetAwsError(bad_md5);
  const bool codes_ok =
      aws.has_value() && aws->code == "InvalidDigest" && evmatch::s3::EncodeKey("a b") == "a+b";
  const bool ok =
      codes_ok && dlq_ok && hit.ok() && *hit && miss.ok() && !*miss && !bad.ok() &&
      evmatch::GetPatternError(bad.status()).has_value() &&
      evmatch::integrity::Compute(evmatch::integrity::Algorithm::kCrc32, "data").Base64() ==
          "rfPzYw==";
  std::printf("consumer: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
