#include "config.h"

#include <initializer_list>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "flags.h"
#include "simdjson.h"
#include "text.h"

namespace evmatch_router {

using evmatch_cli::Cat;
namespace {

using simdjson::dom::element;

std::string PointerToken(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

// Reads one configuration document. Every error names the JSON Pointer of
// the value at fault and its line and column.
class ConfigReader {
 public:
  ConfigReader(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  absl::StatusOr<RouterConfig> Read();

 private:
  // The members of the object at `pointer`, refusing keys outside `known`
  // and keys given twice.
  using Members = absl::flat_hash_map<std::string_view, element>;
  absl::StatusOr<Members> Object(element value, const std::string& pointer,
                                 std::initializer_list<std::string_view> known);
  absl::StatusOr<std::string> String(element value, const std::string& pointer,
                                     size_t max_bytes = 1024);
  absl::StatusOr<int64_t> Integer(element value, const std::string& pointer, int64_t min,
                                  int64_t max);
  absl::StatusOr<std::vector<std::string>> Strings(element value, const std::string& pointer);

  absl::Status ReadRedis(element value, RedisEndpoint* out);
  absl::Status ReadBus(element value, BusConfig* out);
  absl::Status ReadPolicy(element value, BusPolicy* out);
  absl::Status ReadArchive(element value, ArchiveConfig* out);
  absl::Status ReadRule(element value, const std::string& pointer, RuleConfig* out);
  absl::Status ReadTarget(element value, const std::string& pointer, TargetConfig* out);
  absl::StatusOr<std::string> Pattern(element value, const std::string& pointer);

  // "<source>:<line>:<column>: <pointer>: <reason>"; the position is that of
  // the value at `pointer` (found again with On Demand, only on error).
  absl::Status Error(const std::string& pointer, std::string_view reason) const;
  std::string Position(size_t offset) const;

  std::string_view text_;
  std::string_view source_;
};

std::string ConfigReader::Position(size_t offset) const {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text_.size(); ++i) {
    if (text_[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return Cat(source_, ":", line, ":", column);
}

absl::Status ConfigReader::Error(const std::string& pointer, std::string_view reason) const {
  size_t offset = 0;
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text_);
  simdjson::ondemand::document doc;
  simdjson::ondemand::value value;
  std::string_view token;
  if (parser.iterate(padded).get(doc) == simdjson::SUCCESS) {
    if (pointer.empty()) {
      offset = text_.find_first_not_of(" \t\r\n");
    } else if (doc.at_pointer(pointer).get(value) == simdjson::SUCCESS) {
      token = value.raw_json_token();
      offset = static_cast<size_t>(token.data() - padded.data());
    }
  }
  return absl::InvalidArgumentError(
      Cat(Position(offset), ": ", pointer.empty() ? "(document)" : pointer, ": ", reason));
}

absl::StatusOr<ConfigReader::Members> ConfigReader::Object(
    element value, const std::string& pointer, std::initializer_list<std::string_view> known) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return Error(pointer, "must be an object");
  }
  Members members;
  for (auto [key, member] : object) {
    bool is_known = false;
    for (std::string_view k : known) is_known |= k == key;
    std::string at = Cat(pointer, "/", PointerToken(key));
    if (!is_known) {
      std::string list;
      for (std::string_view k : known) list += Cat(list.empty() ? "" : ", ", k);
      return Error(at, Cat("unknown field \"", key, "\"; the fields here are ", list));
    }
    if (!members.emplace(key, member).second) return Error(at, "given twice");
  }
  return members;
}

absl::StatusOr<std::string> ConfigReader::String(element value, const std::string& pointer,
                                                 size_t max_bytes) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) return Error(pointer, "must be a string");
  if (s.empty()) return Error(pointer, "must not be empty");
  if (s.size() > max_bytes) {
    return Error(pointer, Cat("is longer than ", max_bytes, " bytes"));
  }
  return std::string(s);
}

absl::StatusOr<int64_t> ConfigReader::Integer(element value, const std::string& pointer,
                                              int64_t min, int64_t max) {
  int64_t n = 0;
  if (value.get_int64().get(n) != simdjson::SUCCESS || n < min || n > max) {
    return Error(pointer, Cat("must be an integer from ", min, " to ", max, ", not ",
                              simdjson::minify(value)));
  }
  return n;
}

absl::StatusOr<std::vector<std::string>> ConfigReader::Strings(element value,
                                                               const std::string& pointer) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS || array.size() == 0) {
    return Error(pointer, "must be a non-empty array of strings");
  }
  std::vector<std::string> out;
  size_t i = 0;
  for (element item : array) {
    absl::StatusOr<std::string> s = String(item, Cat(pointer, "/", i++));
    if (!s.ok()) return s.status();
    out.push_back(*std::move(s));
  }
  return out;
}

#define EVMATCH_ASSIGN(lhs, expr)               \
  do {                                          \
    auto _result = (expr);                      \
    if (!_result.ok()) return _result.status(); \
    lhs = *std::move(_result);                  \
  } while (0)

absl::Status ConfigReader::ReadRedis(element value, RedisEndpoint* out) {
  Members m;
  EVMATCH_ASSIGN(m, Object(value, "/Redis", {"Host", "Port", "UnixSocket"}));
  if (m.contains("Host")) EVMATCH_ASSIGN(out->host, String(m["Host"], "/Redis/Host"));
  if (m.contains("Port")) EVMATCH_ASSIGN(out->port, Integer(m["Port"], "/Redis/Port", 1, 65535));
  if (m.contains("UnixSocket")) {
    EVMATCH_ASSIGN(out->unix_socket, String(m["UnixSocket"], "/Redis/UnixSocket"));
  }
  return absl::OkStatus();
}

absl::Status ConfigReader::ReadBus(element value, BusConfig* out) {
  Members m;
  EVMATCH_ASSIGN(
      m, Object(value, "/Bus",
                {"Stream", "Group", "DeadLetterStream", "MaxReceiveCount", "ReclaimIdleSeconds",
                 "BatchSize", "RetryBaseMilliseconds", "RetryMaxMilliseconds", "MaxEventBytes"}));
  if (!m.contains("Stream")) return Error("/Bus", "needs \"Stream\", the bus's stream key");
  EVMATCH_ASSIGN(out->stream, String(m["Stream"], "/Bus/Stream"));
  if (m.contains("Group")) EVMATCH_ASSIGN(out->group, String(m["Group"], "/Bus/Group"));
  if (m.contains("DeadLetterStream")) {
    EVMATCH_ASSIGN(out->dead_letter_stream, String(m["DeadLetterStream"], "/Bus/DeadLetterStream"));
  }
  if (m.contains("MaxReceiveCount")) {
    EVMATCH_ASSIGN(out->max_receive_count,
                   Integer(m["MaxReceiveCount"], "/Bus/MaxReceiveCount", 1, 1000));
  }
  if (m.contains("ReclaimIdleSeconds")) {
    int64_t seconds = 0;
    EVMATCH_ASSIGN(seconds, Integer(m["ReclaimIdleSeconds"], "/Bus/ReclaimIdleSeconds", 1, 43'200));
    out->reclaim_idle_ms = seconds * 1000;
  }
  if (m.contains("BatchSize")) {
    EVMATCH_ASSIGN(out->batch_size, Integer(m["BatchSize"], "/Bus/BatchSize", 1, 10'000));
  }
  if (m.contains("RetryBaseMilliseconds")) {
    EVMATCH_ASSIGN(out->retry_base_ms,
                   Integer(m["RetryBaseMilliseconds"], "/Bus/RetryBaseMilliseconds", 1, 3'600'000));
  }
  if (m.contains("RetryMaxMilliseconds")) {
    EVMATCH_ASSIGN(out->retry_max_ms,
                   Integer(m["RetryMaxMilliseconds"], "/Bus/RetryMaxMilliseconds", 1, 3'600'000));
  }
  if (out->retry_max_ms < out->retry_base_ms) {
    return Error("/Bus", "RetryMaxMilliseconds must not be below RetryBaseMilliseconds");
  }
  if (m.contains("MaxEventBytes")) {
    EVMATCH_ASSIGN(out->max_event_bytes,
                   Integer(m["MaxEventBytes"], "/Bus/MaxEventBytes", 1024, 64 << 20));
  }
  return absl::OkStatus();
}

absl::Status ConfigReader::ReadPolicy(element value, BusPolicy* out) {
  Members m;
  EVMATCH_ASSIGN(m, Object(value, "/Policy", {"Accounts", "Regions", "Sources", "RejectedStream"}));
  if (m.contains("Accounts"))
    EVMATCH_ASSIGN(out->accounts, Strings(m["Accounts"], "/Policy/Accounts"));
  if (m.contains("Regions")) EVMATCH_ASSIGN(out->regions, Strings(m["Regions"], "/Policy/Regions"));
  if (m.contains("Sources")) EVMATCH_ASSIGN(out->sources, Strings(m["Sources"], "/Policy/Sources"));
  if (out->accounts.empty() && out->regions.empty() && out->sources.empty()) {
    return Error("/Policy", "allows nothing to be checked: give Accounts, Regions or Sources");
  }
  if (m.contains("RejectedStream")) {
    EVMATCH_ASSIGN(out->rejected_stream, String(m["RejectedStream"], "/Policy/RejectedStream"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ConfigReader::Pattern(element value, const std::string& pointer) {
  std::string_view text;
  if (value.get_string().get(text) != simdjson::SUCCESS) {
    if (!value.is_object()) return Error(pointer, "must be a pattern: a JSON object or its text");
    return simdjson::minify(value);
  }
  return std::string(text);
}

absl::Status ConfigReader::ReadArchive(element value, ArchiveConfig* out) {
  Members m;
  EVMATCH_ASSIGN(m, Object(value, "/Archive", {"Stream", "EventPattern", "RetentionDays"}));
  if (!m.contains("Stream")) return Error("/Archive", "needs \"Stream\", the archive's stream key");
  EVMATCH_ASSIGN(out->stream, String(m["Stream"], "/Archive/Stream"));
  if (m.contains("EventPattern")) {
    EVMATCH_ASSIGN(out->event_pattern, Pattern(m["EventPattern"], "/Archive/EventPattern"));
    absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(out->event_pattern);
    if (!parsed.ok()) return Error("/Archive/EventPattern", std::string(parsed.status().message()));
  }
  if (m.contains("RetentionDays")) {
    EVMATCH_ASSIGN(out->retention_days,
                   Integer(m["RetentionDays"], "/Archive/RetentionDays", 0, 36'500));
  }
  return absl::OkStatus();
}

absl::Status ConfigReader::ReadTarget(element value, const std::string& pointer,
                                      TargetConfig* out) {
  Members m;
  EVMATCH_ASSIGN(m, Object(value, pointer,
                           {"Id", "Stream", "Input", "InputPath", "InputTransformer", "RetryPolicy",
                            "DeadLetterConfig"}));
  if (!m.contains("Id")) return Error(pointer, "needs \"Id\"");
  EVMATCH_ASSIGN(out->id, String(m["Id"], pointer + "/Id"));
  if (!IsAwsName(out->id)) {
    return Error(pointer + "/Id", "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '-', '_'");
  }
  if (!m.contains("Stream")) return Error(pointer, "needs \"Stream\", the target's stream key");
  EVMATCH_ASSIGN(out->stream, String(m["Stream"], pointer + "/Stream"));

  evmatch::TargetInput input;
  if (m.contains("Input"))
    EVMATCH_ASSIGN(input.input, String(m["Input"], pointer + "/Input", 1 << 20));
  if (m.contains("InputPath")) {
    EVMATCH_ASSIGN(input.input_path, String(m["InputPath"], pointer + "/InputPath", 1 << 20));
  }
  if (m.contains("InputTransformer")) {
    std::string at = pointer + "/InputTransformer";
    Members t;
    EVMATCH_ASSIGN(t, Object(m["InputTransformer"], at, {"InputPathsMap", "InputTemplate"}));
    evmatch::TargetInput::Transformer transformer;
    if (!t.contains("InputTemplate")) return Error(at, "needs \"InputTemplate\"");
    EVMATCH_ASSIGN(transformer.input_template,
                   String(t["InputTemplate"], at + "/InputTemplate", 1 << 20));
    if (t.contains("InputPathsMap")) {
      simdjson::dom::object paths;
      if (t["InputPathsMap"].get_object().get(paths) != simdjson::SUCCESS) {
        return Error(at + "/InputPathsMap", "must be an object of placeholder names to paths");
      }
      for (auto [key, path] : paths) {
        std::string text;
        EVMATCH_ASSIGN(text, String(path, at + "/InputPathsMap/" + PointerToken(key), 1 << 20));
        transformer.input_paths_map.emplace_back(std::string(key), std::move(text));
      }
    }
    input.input_transformer = std::move(transformer);
  }
  absl::StatusOr<evmatch::InputTransform> compiled =
      evmatch::InputTransform::Compile(out->id, input);
  if (!compiled.ok()) {
    std::optional<evmatch::TargetInputError> where =
        evmatch::GetTargetInputError(compiled.status());
    std::string at = pointer;
    if (where && !where->field.empty()) {
      // "InputTransformer.InputPathsMap.name" -> /InputTransformer/InputPathsMap/name
      std::string_view field = where->field;
      for (int step = 0; step < 2 && field.find('.') != std::string_view::npos; ++step) {
        at += "/" + std::string(field.substr(0, field.find('.')));
        field.remove_prefix(field.find('.') + 1);
      }
      at += "/" + PointerToken(field);
    }
    return Error(at, std::string(compiled.status().message()));
  }
  out->input = *std::move(compiled);

  if (m.contains("RetryPolicy")) {
    std::string at = pointer + "/RetryPolicy";
    Members r;
    EVMATCH_ASSIGN(
        r, Object(m["RetryPolicy"], at, {"MaximumRetryAttempts", "MaximumEventAgeInSeconds"}));
    if (r.contains("MaximumRetryAttempts")) {
      EVMATCH_ASSIGN(out->max_retry_attempts,
                     Integer(r["MaximumRetryAttempts"], at + "/MaximumRetryAttempts", 0, 185));
    }
    if (r.contains("MaximumEventAgeInSeconds")) {
      EVMATCH_ASSIGN(
          out->max_event_age_seconds,
          Integer(r["MaximumEventAgeInSeconds"], at + "/MaximumEventAgeInSeconds", 60, 86'400));
    }
  }
  if (m.contains("DeadLetterConfig")) {
    std::string at = pointer + "/DeadLetterConfig";
    Members d;
    EVMATCH_ASSIGN(d, Object(m["DeadLetterConfig"], at, {"Stream"}));
    if (!d.contains("Stream")) return Error(at, "needs \"Stream\", the dead-letter stream key");
    EVMATCH_ASSIGN(out->dead_letter_stream, String(d["Stream"], at + "/Stream"));
  }
  return absl::OkStatus();
}

absl::Status ConfigReader::ReadRule(element value, const std::string& pointer, RuleConfig* out) {
  Members m;
  EVMATCH_ASSIGN(m, Object(value, pointer, {"Name", "EventPattern", "State", "Targets"}));
  if (!m.contains("Name")) return Error(pointer, "needs \"Name\"");
  EVMATCH_ASSIGN(out->name, String(m["Name"], pointer + "/Name"));
  if (!IsAwsName(out->name)) {
    return Error(pointer + "/Name", "must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '-', '_'");
  }
  if (!m.contains("EventPattern")) return Error(pointer, "needs \"EventPattern\"");
  EVMATCH_ASSIGN(out->event_pattern, Pattern(m["EventPattern"], pointer + "/EventPattern"));
  if (m.contains("State")) {
    std::string state;
    EVMATCH_ASSIGN(state, String(m["State"], pointer + "/State"));
    if (state != "ENABLED" && state != "DISABLED") {
      return Error(pointer + "/State", "must be ENABLED or DISABLED");
    }
    out->enabled = state == "ENABLED";
  }
  if (m.contains("Targets")) {
    simdjson::dom::array targets;
    if (m["Targets"].get_array().get(targets) != simdjson::SUCCESS) {
      return Error(pointer + "/Targets", "must be an array of targets");
    }
    // PutTargets: at most 5 targets per rule, ids unique within the rule.
    if (targets.size() > 5) return Error(pointer + "/Targets", "holds more than 5 targets");
    absl::flat_hash_set<std::string> ids;
    size_t i = 0;
    for (element target : targets) {
      std::string at = Cat(pointer, "/Targets/", i++);
      TargetConfig config;
      if (absl::Status s = ReadTarget(target, at, &config); !s.ok()) return s;
      if (!ids.insert(config.id).second) {
        return Error(at + "/Id", Cat("names target \"", config.id, "\" twice"));
      }
      out->targets.push_back(std::move(config));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RouterConfig> ConfigReader::Read() {
  simdjson::dom::parser parser;
  element root;
  if (simdjson::error_code e = parser.parse(text_).get(root); e != simdjson::SUCCESS) {
    // The DOM parser says what; On Demand says where (its position when the
    // walk over the whole document stops).
    size_t offset = 0;
    simdjson::ondemand::parser walker;
    simdjson::padded_string padded(text_);
    simdjson::ondemand::document doc;
    if (walker.iterate(padded).get(doc) == simdjson::SUCCESS) {
      std::string_view ignored;
      // The walk fails where the text does; its position is the answer.
      simdjson::error_code walked = doc.raw_json().get(ignored);
      (void)walked;
      const char* at = nullptr;
      if (doc.current_location().get(at) == simdjson::SUCCESS) {
        offset = static_cast<size_t>(at - padded.data());
      }
    }
    return absl::InvalidArgumentError(
        Cat(Position(offset), ": not valid JSON (", simdjson::error_message(e), ")"));
  }
  RouterConfig config;
  Members m;
  EVMATCH_ASSIGN(m, Object(root, "", {"Redis", "Bus", "Policy", "Archive", "Rules"}));
  if (m.contains("Redis")) {
    if (absl::Status s = ReadRedis(m["Redis"], &config.redis); !s.ok()) return s;
  }
  if (!m.contains("Bus")) return Error("", "needs \"Bus\" (at least its \"Stream\")");
  if (absl::Status s = ReadBus(m["Bus"], &config.bus); !s.ok()) return s;
  if (m.contains("Policy")) {
    config.policy.emplace();
    if (absl::Status s = ReadPolicy(m["Policy"], &*config.policy); !s.ok()) return s;
  }
  if (m.contains("Archive")) {
    config.archive.emplace();
    if (absl::Status s = ReadArchive(m["Archive"], &*config.archive); !s.ok()) return s;
  }
  if (m.contains("Rules")) {
    simdjson::dom::array rules;
    if (m["Rules"].get_array().get(rules) != simdjson::SUCCESS) {
      return Error("/Rules", "must be an array of rules");
    }
    absl::flat_hash_set<std::string> names;
    size_t i = 0;
    for (element value : rules) {
      std::string at = Cat("/Rules/", i++);
      RuleConfig rule;
      if (absl::Status s = ReadRule(value, at, &rule); !s.ok()) return s;
      if (!names.insert(rule.name).second) {
        return Error(at + "/Name", Cat("names rule \"", rule.name, "\" twice"));
      }
      if (rule.enabled) {
        if (absl::Status s = config.rule_set.Add(rule.name, rule.event_pattern); !s.ok()) {
          return Error(at + "/EventPattern", std::string(s.message()));
        }
      }
      config.rules.push_back(std::move(rule));
    }
  }
  return config;
}

#undef EVMATCH_ASSIGN

}  // namespace

bool IsAwsName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<RouterConfig> ParseConfig(std::string_view text, std::string_view source) {
  return ConfigReader(text, source).Read();
}

absl::StatusOr<RouterConfig> LoadConfig(const std::string& path) {
  std::optional<std::string> text = evmatch_cli::ReadFile(path);
  if (!text) return absl::NotFoundError(Cat("cannot read configuration file ", path));
  return ParseConfig(*text, path);
}

}  // namespace evmatch_router
