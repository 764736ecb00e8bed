// Arbitrary bytes as an S3 notification configuration and as a notification
// message. A configuration that validates must route every record the way a
// brute-force scan does (at most one configuration each), and its
// EventBridge translations must parse; messages must be read or rejected
// with a status, never crash.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "evmatch/evmatch.h"
#include "evmatch/s3.h"

namespace {

namespace s3 = evmatch::s3;

void Check(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string message(input);
  message.reserve(message.size() + evmatch::kPadding);
  s3::RecordReader reader;
  s3::Router empty_router(s3::NotificationConfiguration{});
  (void)reader.Read(message, message.capacity(), [&](const s3::Record& r) {
    Check(!empty_router.Route(r.type, r.key).has_value());
    if (absl::StatusOr<std::string> key = s3::DecodeKey(r.key); key.ok()) {
      Check(s3::DecodeKey(s3::EncodeKey(*key)).value() == *key);
    }
  });

  absl::StatusOr<s3::NotificationConfiguration> config =
      s3::ParseNotificationConfiguration(input);
  if (!config.ok()) return 0;
  const s3::Router router(*config);
  for (const s3::Configuration& c : config->configurations) {
    if (absl::StatusOr<std::string> p = s3::EventBridgePattern(c, "bucket"); p.ok()) {
      evmatch::PatternOptions options;
      options.max_wildcard_complexity = 0;
      options.max_pattern_bytes = size_t{1} << 20;
      Check(evmatch::Pattern::Parse(*p, options).ok());
    }
    // Keys built from this configuration's own filters, for every type.
    for (const std::string& key : {c.prefix + c.suffix, c.prefix, c.suffix, c.prefix + "x"}) {
      for (s3::EventSet type = 1; type < (s3::EventSet{1} << 21); type <<= 1) {
        std::optional<size_t> expected;
        for (size_t i = 0; i < config->configurations.size(); ++i) {
          if (config->configurations[i].Matches(type, key)) {
            Check(!expected.has_value());
            expected = i;
          }
        }
        Check(router.Route(type, key) == expected);
      }
    }
  }
  return 0;
}
