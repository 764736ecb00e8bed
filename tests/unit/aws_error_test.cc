// The modules' one error model: AWS answers carry their code as a payload
// (evmatch::GetAwsError), other failures carry none, and OpenSSL refusals
// surface as a status instead of a wrong digest.

#include "evmatch/aws_error.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "evmatch/dlq.h"
#include "evmatch/integrity.h"
#include "evmatch/s3.h"
#include "support/temp_dir.h"

namespace {

namespace ei = evmatch::integrity;

// The code GetAwsError reads, checked against the message's own prefix.
std::string CodeOf(const absl::Status& status) {
  std::optional<evmatch::AwsError> aws = evmatch::GetAwsError(status);
  if (!aws) return "(none)";
  CHECK(std::string(status.message()).rfind(aws->code + ": ", 0) == 0);
  return aws->code;
}

TEST_CASE("integrity errors carry S3's code", "[errors][integrity]") {
  const ei::Digest md5 = ei::Compute(ei::Algorithm::kMd5, "body");
  CHECK(CodeOf(ei::CheckContentMd5("not base64!", md5)) == "InvalidDigest");
  CHECK(CodeOf(ei::CheckContentMd5(ei::Compute(ei::Algorithm::kMd5, "other").Base64(), md5)) ==
        "BadDigest");
  CHECK(CodeOf(ei::CheckPartNumber(0)) == "InvalidArgument");
  CHECK(CodeOf(ei::CheckChecksumType(ei::Algorithm::kSha256, ei::ChecksumType::kFullObject)) ==
        "InvalidRequest");
  CHECK(ei::CheckContentMd5(md5.Base64(), md5).ok());
  CHECK_FALSE(evmatch::GetAwsError(absl::OkStatus()).has_value());
}

TEST_CASE("file errors map errno the same way and carry no AWS code", "[errors][integrity]") {
  absl::StatusOr<ei::ObjectDigests> missing = ei::HashFile("/nonexistent/evmatch/file", {});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK(CodeOf(missing.status()) == "(none)");
  CHECK(std::string(missing.status().message()).find("/nonexistent/evmatch/file") !=
        std::string::npos);
}

TEST_CASE("S3 configuration errors carry S3's code", "[errors][s3]") {
  absl::StatusOr<evmatch::s3::NotificationConfiguration> config =
      evmatch::s3::ParseNotificationConfiguration("{");
  REQUIRE_FALSE(config.ok());
  CHECK(CodeOf(config.status()) == "MalformedXML");
  config = evmatch::s3::ParseNotificationConfiguration(
      R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:1:q","Events":["s3:Nope"]}]})");
  REQUIRE_FALSE(config.ok());
  CHECK(CodeOf(config.status()) == "InvalidArgument");
}

TEST_CASE("DLQ errors carry SQS's code", "[errors][dlq]") {
  CHECK(CodeOf(evmatch::dlq::ParseRedrivePolicy("{").status()) == "InvalidParameterValue");
  evmatch::dlq::ManualClock clock(0);
  auto ledger = evmatch::dlq::Ledger::Open({.clock = &clock});
  REQUIRE(ledger.ok());
  CHECK(CodeOf((*ledger)->Send("arn:aws:sqs:us-east-1:1:nowhere").status()) ==
        "AWS.SimpleQueueService.NonExistentQueue");
  REQUIRE((*ledger)->CreateQueue("arn:aws:sqs:us-east-1:1:q").ok());
  CHECK(CodeOf((*ledger)->CreateQueue("arn:aws:sqs:us-east-1:1:q", {.delay_seconds = 5})) ==
        "QueueAlreadyExists");
}

TEST_CASE("queue attributes are read by SQS's rules", "[errors][dlq]") {
  using Attributes = std::vector<std::pair<std::string, std::string>>;
  namespace dlq = evmatch::dlq;
  const std::string standard = "arn:aws:sqs:us-east-1:1:q", fifo = "arn:aws:sqs:us-east-1:1:q.fifo";
  absl::StatusOr<dlq::QueueSettings> s =
      dlq::ParseQueueAttributes(fifo, Attributes{{"FifoQueue", "true"},
                                                 {"ContentBasedDeduplication", "true"},
                                                 {"VisibilityTimeout", "45"},
                                                 {"QueueArn", fifo},
                                                 {"ApproximateNumberOfMessages", "3"}});
  REQUIRE(s.ok());
  CHECK(s->fifo_queue);
  CHECK(s->content_based_deduplication);
  CHECK(s->attributes.visibility_timeout_seconds == 45);
  for (const char* bad : {"+5", " 5", "5s", "", "1e3", "99999999999999999999"}) {
    INFO("VisibilityTimeout " << bad);
    CHECK(CodeOf(dlq::ParseQueueAttributes(standard, Attributes{{"VisibilityTimeout", bad}})
                     .status()) == "InvalidAttributeValue");
  }
  CHECK(CodeOf(dlq::ParseQueueAttributes(standard, Attributes{{"FifoQueue", "false"}}).status()) ==
        "InvalidAttributeName");
  CHECK(CodeOf(dlq::ParseQueueAttributes(standard, Attributes{{"FifoQueue", "true"}}).status()) ==
        "InvalidParameterValue");
  CHECK(CodeOf(dlq::ParseQueueAttributes(fifo, Attributes{}).status()) == "InvalidParameterValue");
  CHECK(CodeOf(dlq::ParseQueueAttributes(fifo, Attributes{{"FifoQueue", "yes"}}).status()) ==
        "InvalidAttributeValue");
  CHECK(CodeOf(dlq::ParseQueueAttributes(standard, Attributes{{"Colour", "blue"}}).status()) ==
        "InvalidAttributeName");
}

// OpenSSL's default properties restricted to FIPS-approved implementations:
// Debian's default provider offers none, as a FIPS-only setup refuses MD5.
class FipsOnly {
 public:
  FipsOnly() { REQUIRE(EVP_set_default_properties(nullptr, "fips=yes") == 1); }
  ~FipsOnly() { EVP_set_default_properties(nullptr, ""); }
};

TEST_CASE("an algorithm the OpenSSL provider refuses is reported", "[errors][integrity]") {
  {
    FipsOnly fips;
    ei::Hasher md5(ei::Algorithm::kMd5);
    md5.Update("data");
    const ei::Digest d = md5.Finish();
    CHECK(md5.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(md5.status().message()).find("MD5") != std::string::npos);
    CHECK(d.size == 0);
    // HashFile reports it, in one part and in many.
    evmatch_test::TempDir dir;
    REQUIRE_FALSE(dir.path.empty());
    const std::string file = dir.path + "/object";
    std::ofstream(file, std::ios::binary) << std::string(11 << 20, 'x');
    absl::StatusOr<ei::ObjectDigests> whole = ei::HashFile(file, {});
    CHECK(whole.status().code() == absl::StatusCode::kFailedPrecondition);
    absl::StatusOr<ei::ObjectDigests> parts =
        ei::HashFile(file, {.part_size = 5 << 20, .threads = 2});
    CHECK(parts.status().code() == absl::StatusCode::kFailedPrecondition);
    // SHA-256 composite checksums go through the provider too.
    absl::StatusOr<std::string> composite =
        ei::CompositeChecksum(std::vector<ei::Digest>{ei::Compute(ei::Algorithm::kSha256, "a")});
    CHECK_FALSE(composite.ok());
    // A CRC hasher needs no provider.
    ei::Hasher crc(ei::Algorithm::kCrc32c);
    crc.Update("data");
    CHECK(crc.Finish().size == 4);
    CHECK(crc.status().ok());
  }
  ei::Hasher md5(ei::Algorithm::kMd5);
  md5.Update("data");
  CHECK(md5.Finish().Hex() == "8d777f385d3dfec8815d20f7496026dc");
  CHECK(md5.status().ok());
}

}  // namespace
