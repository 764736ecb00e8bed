// evmatch: command-line front end.
//
//   evmatch test-event-pattern --event-pattern <JSON|file://PATH> --event <JSON|file://PATH>
//   evmatch validate --rules FILE
//   evmatch match --rules FILE [--events FILE|-]
//
// Exit codes: 0 success (including {"Result": false}), 1 usage or I/O error,
// 2 invalid pattern, rules or event (the AWS exception text on stderr).

#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "util/strings.h"

namespace {

using evmatch::internal::Cat;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitInvalid = 2;

constexpr std::string_view kUsage =
    "usage:\n"
    "  evmatch test-event-pattern --event-pattern <JSON|file://PATH> "
    "--event <JSON|file://PATH>\n"
    "  evmatch validate --rules FILE\n"
    "  evmatch match --rules FILE [--events FILE[.gz]|-] [--output ndjson|none]\n"
    "                [--stats] [--threads N]\n"
    "\n"
    "A rules FILE is a JSON object {\"rule-name\": pattern, ...}; a value may\n"
    "also be an array of patterns (the rule matches when any of them does).\n"
    "Events for `match` are JSON objects, one per line (NDJSON); output is one\n"
    "line per event: {\"event\": <line>, \"rules\": [names...]}. --stats prints\n"
    "counts and throughput as one JSON object on stderr.\n";

int Usage(std::string_view error) {
  if (!error.empty()) std::cerr << "evmatch: " << error << "\n";
  std::cerr << kUsage;
  return kExitUsage;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

// Parses "--name value" pairs into `flags`; returns false on a malformed list.
bool ParseFlags(int argc, char** argv, int first,
                std::map<std::string, std::string>* flags, std::string* error) {
  for (int i = first; i < argc; i += 2) {
    std::string_view name = argv[i];
    if (name.substr(0, 2) != "--" || i + 1 >= argc) {
      *error = Cat("expected --flag value, got '", name, "'");
      return false;
    }
    (*flags)[std::string(name.substr(2))] = argv[i + 1];
  }
  return true;
}

// "file://PATH" reads PATH; anything else is the literal text.
bool ResolveArgument(const std::string& value, std::string* out) {
  constexpr std::string_view kFile = "file://";
  if (std::string_view(value).substr(0, kFile.size()) == kFile) {
    return ReadFile(value.substr(kFile.size()), out);
  }
  *out = value;
  return true;
}

void PrintPatternError(const absl::Status& status) {
  std::optional<evmatch::PatternError> e = evmatch::GetPatternError(status);
  std::cerr << "InvalidEventPatternException: Event pattern is not valid. Reason: "
            << (e ? e->reason : std::string(status.message())) << "\n";
  if (e) {
    std::cerr << " at " << (e->json_pointer.empty() ? "/" : e->json_pointer)
              << " (offset " << e->offset << ")\n";
  }
}

int TestEventPatternCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  if (!ParseFlags(argc, argv, 2, &flags, &error)) return Usage(error);
  if (!flags.count("event-pattern") || !flags.count("event") || flags.size() != 2) {
    return Usage("test-event-pattern needs exactly --event-pattern and --event");
  }
  std::string pattern, event;
  if (!ResolveArgument(flags["event-pattern"], &pattern)) {
    return Usage(Cat("cannot read ", flags["event-pattern"]));
  }
  if (!ResolveArgument(flags["event"], &event)) {
    return Usage(Cat("cannot read ", flags["event"]));
  }
  absl::StatusOr<bool> result = evmatch::TestEventPattern(pattern, event);
  if (!result.ok()) {
    if (evmatch::GetPatternError(result.status())) {
      PrintPatternError(result.status());
    } else {
      std::optional<evmatch::EventError> e = evmatch::GetEventError(result.status());
      std::cerr << "ValidationException: Parameter Event is not valid.\n";
      if (e) std::cerr << " " << e->reason << " (offset " << e->offset << ")\n";
    }
    return kExitInvalid;
  }
  std::cout << "{\"Result\": " << (*result ? "true" : "false") << "}\n";
  return kExitOk;
}

void PrintRuleError(const absl::Status& status) {
  std::optional<evmatch::PatternError> e = evmatch::GetPatternError(status);
  if (!e) {
    std::cerr << status.message() << "\n";
    return;
  }
  std::cerr << "rule \"" << e->rule_name << "\" at "
            << (e->json_pointer.empty() ? "/" : e->json_pointer) << " (offset "
            << e->offset << "): " << e->reason << "\n";
}

// Loads --rules into `rules`, printing every error; false when any.
bool LoadRules(const std::string& path, evmatch::RuleSet* rules, int* exit_code) {
  std::string text;
  if (!ReadFile(path, &text)) {
    std::cerr << "evmatch: cannot read " << path << "\n";
    *exit_code = kExitUsage;
    return false;
  }
  std::vector<absl::Status> errors;
  absl::Status status = rules->AddRules(text, &errors);
  if (errors.empty() && !status.ok()) errors.push_back(status);
  for (const absl::Status& e : errors) PrintRuleError(e);
  *exit_code = errors.empty() ? kExitOk : kExitInvalid;
  return errors.empty();
}

int ValidateCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  if (!ParseFlags(argc, argv, 2, &flags, &error)) return Usage(error);
  if (!flags.count("rules") || flags.size() != 1) {
    return Usage("validate needs exactly --rules FILE");
  }
  evmatch::RuleSet rules;
  int exit_code = kExitOk;
  if (LoadRules(flags["rules"], &rules, &exit_code)) {
    size_t patterns = 0;
    for (size_t i = 0; i < rules.size(); ++i) patterns += rules.patterns(i).size();
    std::cout << rules.size() << " rules (" << patterns << " patterns) are valid\n";
  }
  return exit_code;
}

// Reads lines from a file (gzip-compressed when it is) or stdin.
class LineReader {
 public:
  bool Open(const std::string& path) {
    file_ = path.empty() || path == "-" ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
    return file_ != nullptr;
  }
  ~LineReader() {
    if (file_ != nullptr) gzclose(file_);
  }
  // Next line without its '\n'; false at the end of input.
  bool Next(std::string* line) {
    line->clear();
    while (true) {
      if (pos_ < end_) {
        const char* start = buffer_.data() + pos_;
        const char* newline =
            static_cast<const char*>(memchr(start, '\n', end_ - pos_));
        if (newline != nullptr) {
          line->append(start, newline);
          pos_ += static_cast<size_t>(newline - start) + 1;
          return true;
        }
        line->append(start, end_ - pos_);
        pos_ = end_;
      }
      int n = gzread(file_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
      if (n <= 0) return !line->empty();
      pos_ = 0;
      end_ = static_cast<size_t>(n);
    }
  }

 private:
  gzFile file_ = nullptr;
  std::vector<char> buffer_ = std::vector<char>(size_t{1} << 20);
  size_t pos_ = 0, end_ = 0;
};

struct EventResult {
  evmatch::MatchStatus status = evmatch::MatchStatus::kOk;
  std::vector<evmatch::RuleId> rules;
};

// Matches lines[i] into results[i] for i = first, first + stride, ...
void MatchLines(const evmatch::Matcher& matcher, const std::vector<std::string>& lines,
                size_t first, size_t stride, evmatch::Scratch& scratch,
                std::vector<EventResult>& results) {
  std::string buffer;
  for (size_t i = first; i < lines.size(); i += stride) {
    buffer.assign(lines[i]);
    buffer.reserve(lines[i].size() + evmatch::kPadding);
    EventResult& r = results[i];
    r.status = matcher.Match(buffer, buffer.capacity(), scratch);
    r.rules.assign(scratch.matches().begin(), scratch.matches().end());
  }
}

int MatchCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  // --stats takes no value: rewrite it as "--stats 1" for ParseFlags.
  std::vector<std::string> storage;
  storage.reserve(static_cast<size_t>(argc));
  std::vector<char*> rewritten;
  for (int i = 0; i < argc; ++i) {
    rewritten.push_back(argv[i]);
    if (i >= 2 && std::string_view(argv[i]) == "--stats") {
      storage.emplace_back("1");
      rewritten.push_back(storage.back().data());
    }
  }
  if (!ParseFlags(static_cast<int>(rewritten.size()), rewritten.data(), 2, &flags, &error)) {
    return Usage(error);
  }
  if (!flags.count("rules")) return Usage("match needs --rules FILE");
  for (const auto& [name, value] : flags) {
    if (name != "rules" && name != "events" && name != "output" && name != "stats" &&
        name != "threads") {
      return Usage(Cat("unknown flag --", name));
    }
  }
  const std::string output = flags.count("output") ? flags["output"] : "ndjson";
  if (output != "ndjson" && output != "none") return Usage("--output is ndjson or none");
  int threads = 1;
  if (flags.count("threads")) {
    threads = std::atoi(flags["threads"].c_str());
    if (threads < 1 || threads > 256) return Usage("--threads takes 1 to 256");
  }
  evmatch::RuleSet rules;
  int exit_code = kExitOk;
  if (!LoadRules(flags["rules"], &rules, &exit_code)) return exit_code;
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) {
    std::cerr << "evmatch: " << matcher.status().message() << "\n";
    return kExitInvalid;
  }
  LineReader reader;
  const std::string events_path = flags.count("events") ? flags["events"] : "-";
  if (!reader.Open(events_path)) {
    std::cerr << "evmatch: cannot read " << events_path << "\n";
    return kExitUsage;
  }
  std::vector<evmatch::Scratch> scratches(static_cast<size_t>(threads));
  for (auto& scratch : scratches) matcher->PrepareScratch(scratch);

  const auto start = std::chrono::steady_clock::now();
  std::vector<uint64_t> rule_counts(matcher->rule_count(), 0);
  uint64_t events = 0, matched_events = 0, invalid_events = 0, bytes = 0;
  size_t line_number = 0;
  std::vector<std::string> lines;
  std::vector<size_t> numbers;
  std::vector<EventResult> results;
  std::string line, out;
  bool more = true;
  while (more) {
    lines.clear();
    numbers.clear();
    while (lines.size() < 8192 && (more = reader.Next(&line))) {
      ++line_number;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      bytes += line.size();
      numbers.push_back(line_number);
      lines.push_back(line);
    }
    results.assign(lines.size(), EventResult());
    if (threads == 1 || lines.size() < 64) {
      MatchLines(*matcher, lines, 0, 1, scratches[0], results);
    } else {
      std::vector<std::thread> workers;
      for (int t = 0; t < threads; ++t) {
        workers.emplace_back(MatchLines, std::cref(*matcher), std::cref(lines),
                             static_cast<size_t>(t), static_cast<size_t>(threads),
                             std::ref(scratches[static_cast<size_t>(t)]), std::ref(results));
      }
      for (auto& w : workers) w.join();
    }
    out.clear();
    for (size_t i = 0; i < lines.size(); ++i) {
      ++events;
      const EventResult& r = results[i];
      if (r.status != evmatch::MatchStatus::kOk) {
        ++invalid_events;
        std::cerr << "line " << numbers[i] << ": invalid event: "
                  << evmatch::MatchStatusName(r.status) << "\n";
        continue;
      }
      if (!r.rules.empty()) ++matched_events;
      for (evmatch::RuleId id : r.rules) ++rule_counts[id];
      if (output == "none") continue;
      out += Cat("{\"event\": ", numbers[i], ", \"rules\": [");
      for (size_t k = 0; k < r.rules.size(); ++k) {
        if (k > 0) out += ", ";
        evmatch::internal::AppendJsonString(&out, matcher->rule_name(r.rules[k]));
      }
      out += "]}\n";
    }
    std::cout << out;
  }
  std::cout.flush();
  if (flags.count("stats")) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string stats = Cat("{\"events\": ", events, ", \"matched_events\": ", matched_events,
                            ", \"invalid_events\": ", invalid_events, ", \"rule_matches\": {");
    for (size_t r = 0; r < rule_counts.size(); ++r) {
      if (r > 0) stats += ", ";
      evmatch::internal::AppendJsonString(&stats, matcher->rule_name(static_cast<evmatch::RuleId>(r)));
      stats += Cat(": ", rule_counts[r]);
    }
    char tail[160];
    std::snprintf(tail, sizeof(tail),
                  "}, \"seconds\": %.6f, \"events_per_second\": %.1f, \"bytes_per_second\": %.1f}",
                  seconds, seconds > 0 ? static_cast<double>(events) / seconds : 0.0,
                  seconds > 0 ? static_cast<double>(bytes) / seconds : 0.0);
    stats += tail;
    std::cerr << stats << "\n";
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage("");
  std::string_view command = argv[1];
  if (command == "--help" || command == "-h" || command == "help") {
    std::cout << kUsage;
    return kExitOk;
  }
  if (command == "test-event-pattern") return TestEventPatternCommand(argc, argv);
  if (command == "validate") return ValidateCommand(argc, argv);
  if (command == "match") return MatchCommand(argc, argv);
  return Usage(Cat("unknown command '", command, "'"));
}
