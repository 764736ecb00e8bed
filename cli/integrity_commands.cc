// `evmatch checksum` and `evmatch verify`: what S3 would report for a local
// file, and whether a file matches what S3 reported.

#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "evmatch/integrity.h"
#include "flags.h"

namespace evmatch_cli {
namespace {

namespace ei = evmatch::integrity;

// The largest --part-size read; whether S3 accepts it is the library's call.
constexpr int64_t kMaxPartSize = int64_t{1} << 62;

// --threads, where 0 means one per core (the library's own reading of 0).
unsigned Threads(const Args& args) { return static_cast<unsigned>(args.integer("threads", 1)); }

int Checksum(const Args& args) {
  absl::StatusOr<ei::Algorithm> algorithm = ei::ParseAlgorithm(args.get("algorithm"));
  if (!algorithm.ok()) return Fail(algorithm.status());
  ei::UploadOptions options{.algorithm = *algorithm,
                            .part_size = static_cast<uint64_t>(args.integer("part-size", 0)),
                            .threads = Threads(args)};
  if (args.has("type")) {
    options.type = args.get("type") == "composite" ? ei::ChecksumType::kComposite
                                                   : ei::ChecksumType::kFullObject;
  }
  absl::StatusOr<ei::UploadReport> report = ei::ReportFile(args.positional(), options);
  if (!report.ok()) return Fail(report.status());
  std::string out = "{\"ETag\":" + JsonString("\"" + report->etag + "\"");
  if (report->content_md5) out += ",\"ContentMD5\":" + JsonString(*report->content_md5);
  if (report->checksum) {
    out += ",\"Checksum" + std::string(ei::AlgorithmName(*algorithm)) +
           "\":" + JsonString(*report->checksum);
    out += std::string(",\"ChecksumType\":") +
           (report->checksum_type == ei::ChecksumType::kComposite ? "\"COMPOSITE\""
                                                                  : "\"FULL_OBJECT\"");
  }
  if (report->parts > 0) out += ",\"PartsCount\":" + std::to_string(report->parts);
  out += ",\"ContentLength\":" + std::to_string(report->content_length) + "}";
  std::cout << out << "\n";
  return kExitOk;
}

int Verify(const Args& args) {
  ei::VerifyOptions options;
  options.part_size = static_cast<uint64_t>(args.integer("part-size", 0));
  options.threads = Threads(args);
  static const std::map<std::string, ei::Encryption> kSse = {{"none", ei::Encryption::kNone},
                                                             {"s3", ei::Encryption::kSseS3},
                                                             {"kms", ei::Encryption::kSseKms},
                                                             {"c", ei::Encryption::kSseC}};
  options.encryption = kSse.at(args.get("sse", "none"));
  for (const auto& [name, value] : args.prefixed()) {
    absl::StatusOr<ei::Algorithm> algorithm = ei::ParseAlgorithm(name.substr(9));
    if (!algorithm.ok() || *algorithm == ei::Algorithm::kMd5 || options.checksum) {
      return Fail("give at most one --checksum-crc32|crc32c|crc64nvme|sha1|sha256 VALUE");
    }
    options.checksum = std::make_pair(*algorithm, value);
  }
  const std::string etag = args.get("etag");
  const std::string& file = args.positional();
  absl::StatusOr<ei::Verification> v = ei::VerifyFile(file, etag, options);
  if (!v.ok()) {
    return Fail("cannot tell: " + std::string(v.status().message()));
  }
  switch (v->verdict) {
    case ei::Verdict::kMatch:
      std::cout << "match: " << v->reason << "\n";
      return kExitOk;
    case ei::Verdict::kMismatch:
      std::cout << "mismatch: " << v->reason << "\n";
      return kExitNo;
    case ei::Verdict::kCannotTell:
      break;
  }
  std::cout << "cannot tell: " << v->reason << "\n";
  return kExitError;
}

Flag PartSizeFlag(std::string_view help) {
  return {.name = "part-size",
          .type = FlagType::kSize,
          .value_name = "SIZE",
          .help = help,
          .min = 1,
          .max = kMaxPartSize};
}

}  // namespace

std::vector<Command> IntegrityCommands() {
  return {
      {.name = "checksum",
       .summary = "Prints what S3 reports for FILE: ETag, Content-MD5, a checksum.",
       .positional = "FILE",
       .flags = {{.name = "algorithm",
                  .value_name = "md5|sha1|sha256|crc32|crc32c|crc64nvme",
                  .help = "the additional checksum (any case)",
                  .required = true},
                 PartSizeFlag("upload in parts of SIZE (multipart ETag and checksum)"),
                 {.name = "type",
                  .type = FlagType::kChoice,
                  .help = "checksum type (default: S3's for the algorithm)",
                  .choices = {"composite", "full-object"}},
                 ThreadsFlag()},
       .details = "Prints one JSON object with S3's field names: ETag, ContentMD5 (single\n"
                  "part), Checksum<ALG>, ChecksumType, PartsCount (multipart),\n"
                  "ContentLength. A type S3 refuses for the algorithm is S3's error.\n",
       .run = Checksum},
      {.name = "verify",
       .summary = "Checks FILE against the ETag and optionally one checksum S3 reported.",
       .positional = "FILE",
       .flags = {{.name = "etag",
                  .value_name = "ETAG",
                  .help = "the ETag, quoted or not",
                  .required = true},
                 PartSizeFlag("the upload's part size (default: try the common ones)"),
                 {.name = "sse",
                  .type = FlagType::kChoice,
                  .help = "the object's encryption (default none)",
                  .choices = {"none", "s3", "kms", "c"}},
                 ThreadsFlag()},
       .details = "--checksum-ALG VALUE (ALG one of crc32, crc32c, crc64nvme, sha1, sha256)\n"
                  "also checks that checksum, composite or full-object. Exit 0 on a match,\n"
                  "1 on a mismatch, 2 when it cannot tell: an SSE-KMS or SSE-C single-part\n"
                  "ETag, or a multipart ETag no part size tried reproduces.\n",
       .run = Verify,
       .flag_prefix = "checksum-"},
  };
}

}  // namespace evmatch_cli
