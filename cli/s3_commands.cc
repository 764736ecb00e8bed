// `evmatch s3 validate-notification FILE` and `evmatch s3 route --config FILE
// [--events FILE|-]`.

#include <fstream>
#include <iostream>
#include <string>

#include "evmatch/evmatch.h"
#include "evmatch/s3.h"
#include "flags.h"

namespace evmatch_cli {
namespace {

namespace s3 = evmatch::s3;

// Reads and validates a configuration, printing why it cannot be used.
std::optional<s3::NotificationConfiguration> LoadConfiguration(const std::string& path) {
  std::optional<std::string> text = ReadFile(path);
  if (!text) {
    Fail("cannot read " + path);
    return std::nullopt;
  }
  absl::StatusOr<s3::NotificationConfiguration> config = s3::ParseNotificationConfiguration(*text);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return std::nullopt;
  }
  return *std::move(config);
}

const auto Json = JsonString;

int ValidateNotification(const Args& args) {
  std::optional<s3::NotificationConfiguration> config = LoadConfiguration(args.positional());
  if (!config) return kExitError;
  std::cout << config->configurations.size() << " configurations are valid"
            << (config->eventbridge ? "; EventBridge delivery on" : "") << "\n";
  return kExitOk;
}

int Route(const Args& args) {
  const std::string events_path = args.get("events", "-");
  std::optional<s3::NotificationConfiguration> config = LoadConfiguration(args.get("config"));
  if (!config) return kExitError;
  const s3::Router router(*config);
  std::ifstream file;
  if (events_path != "-") {
    file.open(events_path, std::ios::binary);
    if (!file) return Fail("cannot read " + events_path);
  }
  std::istream& in = events_path == "-" ? std::cin : file;
  s3::RecordReader reader;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    line.reserve(line.size() + evmatch::kPadding);
    size_t index = 0;
    absl::Status status = reader.Read(line, line.capacity(), [&](const s3::Record& r) {
      std::string out =
          "{\"line\":" + std::to_string(number) + ",\"record\":" + std::to_string(index++);
      if (r.shape == s3::Record::Shape::kTestEvent) {
        out += ",\"test_event\":true,\"bucket\":" + Json(r.bucket) + ",\"configurations\":[]}";
      } else {
        out += ",\"eventName\":" + Json(r.event_name) + ",\"bucket\":" + Json(r.bucket) +
               ",\"key\":" + Json(r.key) + ",\"configurations\":[";
        // EventBridge events are not routed by notification configurations.
        if (r.shape == s3::Record::Shape::kNotification) {
          if (std::optional<size_t> hit = router.Route(r.type, r.key)) {
            out += Json(config->configurations[*hit].id);
          }
        }
        out += "]}";
      }
      std::cout << out << "\n";
    });
    if (!status.ok()) std::cerr << "line " << number << ": " << status.message() << "\n";
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> S3Commands() {
  return {
      {.name = "s3 validate-notification",
       .summary = "Checks a PutBucketNotificationConfiguration body as S3 does.",
       .positional = "FILE",
       .details = "FILE is the JSON body, as the AWS CLI writes it. Exit 0 when S3 would\n"
                  "accept it; 2 with S3's error (code and message) otherwise.\n",
       .run = ValidateNotification},
      {.name = "s3 route",
       .summary = "Tells which notification configuration each S3 record fires.",
       .flags = {{.name = "config",
                  .value_name = "FILE",
                  .help = "the bucket's notification configuration",
                  .required = true},
                 {.name = "events",
                  .value_name = "FILE|-",
                  .help = "messages, one JSON per line: Records, test events, EventBridge "
                          "events (default: stdin)"}},
       .details = "Prints one line per record: line, record, eventName, bucket, key and the\n"
                  "configurations it fires. Malformed lines are reported on stderr.\n",
       .run = Route},
  };
}

}  // namespace evmatch_cli
