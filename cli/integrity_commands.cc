// `evmatch checksum` and `evmatch verify`: what S3 would report for a local
// file, and whether a file matches what S3 reported.

#include <iostream>
#include <map>
#include <string>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "commands.h"
#include "evmatch/integrity.h"
#include "util/strings.h"

namespace evmatch_cli {
namespace {

namespace ei = evmatch::integrity;

// "--name value" pairs and one positional FILE.
bool ParseArgs(int argc, char** argv, std::map<std::string, std::string>* flags,
               std::string* file, std::string* error) {
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.substr(0, 2) == "--") {
      if (i + 1 >= argc) {
        *error = "missing value after " + std::string(arg);
        return false;
      }
      (*flags)[std::string(arg.substr(2))] = argv[++i];
    } else if (file->empty()) {
      *file = std::string(arg);
    } else {
      *error = "more than one FILE given";
      return false;
    }
  }
  if (file->empty()) *error = "no FILE given";
  return !file->empty();
}

// Bytes, optionally with a binary suffix: 8388608, 8MiB, 8M, 5GiB, 64KiB.
bool ParseSize(std::string_view text, uint64_t* out) {
  uint64_t unit = 1;
  const std::string lower = absl::AsciiStrToLower(absl::string_view(text.data(), text.size()));
  std::string_view digits = lower;
  for (const auto& [suffix, scale] : {std::pair<std::string_view, uint64_t>{"kib", 1ull << 10},
                                      {"mib", 1ull << 20}, {"gib", 1ull << 30},
                                      {"k", 1ull << 10}, {"m", 1ull << 20}, {"g", 1ull << 30}}) {
    if (digits.size() > suffix.size() && digits.substr(digits.size() - suffix.size()) == suffix) {
      digits.remove_suffix(suffix.size());
      unit = scale;
      break;
    }
  }
  uint64_t value = 0;
  if (!absl::SimpleAtoi(absl::string_view(digits.data(), digits.size()), &value) ||
      value > ~uint64_t{0} / unit) {
    return false;
  }
  *out = value * unit;
  return true;
}

bool ParseThreads(const std::map<std::string, std::string>& flags, unsigned* threads,
                  std::string* error) {
  auto it = flags.find("threads");
  if (it == flags.end()) return true;
  if (!absl::SimpleAtoi(it->second, threads) || *threads > 1024) {
    *error = "--threads takes a number from 0 (one per core) to 1024";
    return false;
  }
  return true;
}

std::string JsonString(std::string_view s) {
  std::string out;
  evmatch::internal::AppendJsonString(&out, s);
  return out;
}

}  // namespace

int ChecksumCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string file, error;
  if (!ParseArgs(argc, argv, &flags, &file, &error)) return Usage(error);
  ei::HashOptions options;
  ei::Algorithm algorithm = ei::Algorithm::kMd5;
  if (auto it = flags.find("algorithm"); it != flags.end()) {
    absl::StatusOr<ei::Algorithm> parsed = ei::ParseAlgorithm(it->second);
    if (!parsed.ok()) return Usage(std::string(parsed.status().message()));
    algorithm = *parsed;
    flags.erase(it);
  } else {
    return Usage("checksum needs --algorithm md5|sha1|sha256|crc32|crc32c|crc64nvme");
  }
  if (auto it = flags.find("part-size"); it != flags.end()) {
    if (!ParseSize(it->second, &options.part_size) || options.part_size == 0) {
      return Usage("--part-size takes a positive size: bytes, or with KiB/MiB/GiB");
    }
    flags.erase(it);
  }
  ei::ChecksumType type = ei::DefaultChecksumType(algorithm);
  if (options.part_size == 0) type = ei::ChecksumType::kFullObject;  // PutObject
  if (auto it = flags.find("type"); it != flags.end()) {
    if (it->second == "composite") {
      type = ei::ChecksumType::kComposite;
    } else if (it->second == "full-object") {
      type = ei::ChecksumType::kFullObject;
    } else {
      return Usage("--type takes composite or full-object");
    }
    if (options.part_size == 0 && type == ei::ChecksumType::kComposite) {
      return Usage("a single-part upload's checksum is full-object; give --part-size");
    }
    flags.erase(it);
  }
  if (!ParseThreads(flags, &options.threads, &error)) return Usage(error);
  flags.erase("threads");
  if (!flags.empty()) return Usage("unknown option --" + flags.begin()->first);
  if (algorithm != ei::Algorithm::kMd5) {
    if (absl::Status s = ei::CheckChecksumType(algorithm, type);
        options.part_size != 0 && !s.ok()) {
      std::cerr << "evmatch: " << s.message() << "\n";
      return kExitInvalid;
    }
    options.checksum = algorithm;
  }

  absl::StatusOr<ei::ObjectDigests> digests = ei::HashFile(file, options);
  if (!digests.ok()) {
    std::cerr << "evmatch: " << digests.status().message() << "\n";
    return kExitUsage;
  }
  std::string out = "{\"ETag\":" + JsonString("\"" + digests->ETag() + "\"");
  if (!digests->multipart) out += ",\"ContentMD5\":" + JsonString(digests->md5.Base64());
  if (options.checksum) {
    out += ",\"Checksum" + std::string(ei::AlgorithmName(algorithm)) + "\":" +
           JsonString(*digests->Checksum(type));
    out += std::string(",\"ChecksumType\":") +
           (type == ei::ChecksumType::kComposite ? "\"COMPOSITE\"" : "\"FULL_OBJECT\"");
  }
  if (digests->multipart) out += ",\"PartsCount\":" + std::to_string(digests->part_sizes.size());
  out += ",\"ContentLength\":" + std::to_string(digests->size) + "}";
  std::cout << out << "\n";
  return kExitOk;
}

int VerifyCommand(int argc, char** argv) {
  constexpr int kMatch = 0, kMismatch = 1, kCannotTell = 2;
  std::map<std::string, std::string> flags;
  std::string file, error;
  auto usage = [](const std::string& message) {
    Usage(message);
    return kCannotTell;
  };
  if (!ParseArgs(argc, argv, &flags, &file, &error)) return usage(error);
  ei::VerifyOptions options;
  std::string etag;
  for (const auto& [name, value] : flags) {
    if (name == "etag") {
      etag = value;
    } else if (name == "part-size") {
      if (!ParseSize(value, &options.part_size) || options.part_size == 0) {
        return usage("--part-size takes a positive size: bytes, or with KiB/MiB/GiB");
      }
    } else if (name == "sse") {
      static const std::map<std::string, ei::Encryption> kSse = {
          {"none", ei::Encryption::kNone}, {"s3", ei::Encryption::kSseS3},
          {"kms", ei::Encryption::kSseKms}, {"c", ei::Encryption::kSseC}};
      auto it = kSse.find(value);
      if (it == kSse.end()) return usage("--sse takes none, s3, kms or c");
      options.encryption = it->second;
    } else if (name.rfind("checksum-", 0) == 0) {
      absl::StatusOr<ei::Algorithm> algorithm = ei::ParseAlgorithm(name.substr(9));
      if (!algorithm.ok() || *algorithm == ei::Algorithm::kMd5 || options.checksum) {
        return usage("give at most one --checksum-crc32|crc32c|crc64nvme|sha1|sha256 VALUE");
      }
      options.checksum = std::make_pair(*algorithm, value);
    } else if (name != "threads") {
      return usage("unknown option --" + name);
    }
  }
  if (!ParseThreads(flags, &options.threads, &error)) return usage(error);
  if (etag.empty()) return usage("verify needs --etag ETAG");

  absl::StatusOr<ei::Verification> v = ei::VerifyFile(file, etag, options);
  if (!v.ok()) {
    std::cerr << "evmatch: cannot tell: " << v.status().message() << "\n";
    return kCannotTell;
  }
  switch (v->verdict) {
    case ei::Verdict::kMatch: std::cout << "match: " << v->reason << "\n"; return kMatch;
    case ei::Verdict::kMismatch: std::cout << "mismatch: " << v->reason << "\n"; return kMismatch;
    case ei::Verdict::kCannotTell: break;
  }
  std::cout << "cannot tell: " << v->reason << "\n";
  return kCannotTell;
}

}  // namespace evmatch_cli
