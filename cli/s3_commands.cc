// `evmatch s3 validate-notification FILE` and `evmatch s3 route --config FILE
// [--events FILE|-]`.

#include <fstream>
#include <iostream>
#include <string>

#include "commands.h"
#include "evmatch/evmatch.h"
#include "evmatch/s3.h"
#include "util/strings.h"

namespace evmatch_cli {
namespace {

namespace s3 = evmatch::s3;

absl::StatusOr<s3::NotificationConfiguration> LoadConfiguration(const std::string& path) {
  std::string text;
  if (!ReadFile(path, &text)) return absl::NotFoundError("cannot read " + path);
  return s3::ParseNotificationConfiguration(text);
}

std::string Json(std::string_view s) {
  std::string out;
  evmatch::internal::AppendJsonString(&out, s);
  return out;
}

int ValidateNotification(int argc, char** argv) {
  if (argc != 4) return Usage("s3 validate-notification needs exactly one FILE");
  absl::StatusOr<s3::NotificationConfiguration> config = LoadConfiguration(argv[3]);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return config.status().code() == absl::StatusCode::kNotFound ? kExitUsage : kExitInvalid;
  }
  std::cout << config->configurations.size() << " configurations are valid"
            << (config->eventbridge ? "; EventBridge delivery on" : "") << "\n";
  return kExitOk;
}

int Route(int argc, char** argv) {
  std::string config_path, events_path = "-";
  for (int i = 3; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return Usage("missing value after " + std::string(flag));
    if (flag == "--config") {
      config_path = argv[i + 1];
    } else if (flag == "--events") {
      events_path = argv[i + 1];
    } else {
      return Usage("unknown option " + std::string(flag));
    }
  }
  if (config_path.empty()) return Usage("s3 route needs --config FILE");
  absl::StatusOr<s3::NotificationConfiguration> config = LoadConfiguration(config_path);
  if (!config.ok()) {
    std::cerr << config.status().message() << "\n";
    return config.status().code() == absl::StatusCode::kNotFound ? kExitUsage : kExitInvalid;
  }
  const s3::Router router(*config);
  std::ifstream file;
  if (events_path != "-") {
    file.open(events_path, std::ios::binary);
    if (!file) {
      std::cerr << "evmatch: cannot read " << events_path << "\n";
      return kExitUsage;
    }
  }
  std::istream& in = events_path == "-" ? std::cin : file;
  s3::RecordReader reader;
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    line.reserve(line.size() + evmatch::kPadding);
    size_t index = 0;
    absl::Status status = reader.Read(line, line.capacity(), [&](const s3::Record& r) {
      std::string out = "{\"line\":" + std::to_string(number) + ",\"record\":" +
                        std::to_string(index++);
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

int S3Command(int argc, char** argv) {
  const std::string_view sub = argc > 2 ? argv[2] : "";
  if (sub == "validate-notification") return ValidateNotification(argc, argv);
  if (sub == "route") return Route(argc, argv);
  return Usage("s3 takes validate-notification FILE or route --config FILE [--events FILE]");
}

}  // namespace evmatch_cli
