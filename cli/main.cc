// evmatch: command-line front end.
//
//   evmatch test-event-pattern --event-pattern <JSON|file://PATH> --event <JSON|file://PATH>
//   evmatch validate --rules FILE
//   evmatch match --rules FILE [--events FILE[.gz]|-] [--output ndjson|none]
//                 [--stats] [--threads N] [--lazy]
//   evmatch checksum --algorithm ALG [--part-size SIZE] [--type T] FILE
//   evmatch verify FILE --etag ETAG [--checksum-ALG VALUE] [--part-size SIZE]
//   evmatch s3 validate-notification FILE
//   evmatch s3 route --config FILE [--events FILE|-]
//   evmatch dlq simulate --policy FILE --script FILE
//
// Exit codes: 0 success (including {"Result": false}), 1 usage or I/O error,
// 2 invalid pattern, rules or event (the AWS exception text on stderr);
// verify: 0 match, 1 mismatch, 2 cannot tell.

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
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

#include "commands.h"
#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "util/strings.h"

namespace {

using evmatch::internal::Cat;

using evmatch_cli::kExitInvalid;
using evmatch_cli::kExitOk;
using evmatch_cli::kExitUsage;
using evmatch_cli::ReadFile;
using evmatch_cli::Usage;

constexpr std::string_view kUsage =
    "usage:\n"
    "  evmatch test-event-pattern --event-pattern <JSON|file://PATH> "
    "--event <JSON|file://PATH>\n"
    "  evmatch validate --rules FILE\n"
    "  evmatch match --rules FILE [--events FILE[.gz]|-] [--output ndjson|none]\n"
    "                [--stats] [--threads N] [--lazy]\n"
    "  evmatch checksum --algorithm md5|sha1|sha256|crc32|crc32c|crc64nvme\n"
    "                   [--part-size SIZE] [--type composite|full-object]\n"
    "                   [--threads N] FILE\n"
    "  evmatch verify FILE --etag ETAG [--checksum-ALG VALUE] [--part-size SIZE]\n"
    "                 [--sse none|s3|kms|c] [--threads N]\n"
    "  evmatch s3 validate-notification FILE\n"
    "  evmatch s3 route --config FILE [--events FILE|-]\n"
    "  evmatch dlq simulate --policy FILE --script FILE\n"
    "\n"
    "A rules FILE is a JSON object {\"rule-name\": pattern, ...}; a value may\n"
    "also be an array of patterns (the rule matches when any of them does).\n"
    "Events for `match` are JSON objects, one per line (NDJSON); output is one\n"
    "line per event: {\"event\": <line>, \"rules\": [names...]}. An invalid\n"
    "line is reported on stderr and counted, and matching goes on. --stats\n"
    "prints counts and throughput as one JSON object on stderr. --lazy reads\n"
    "only what the rules need (malformed JSON past that point goes unseen).\n"
    "\n"
    "`checksum` prints what S3 reports for FILE uploaded whole (PutObject) or,\n"
    "with --part-size (bytes, or 8MiB, 5GiB...), as a multipart upload: the\n"
    "ETag, the checksum (--type, default as S3) and the part count, as JSON.\n"
    "`verify` checks FILE against an ETag and optionally a checksum S3\n"
    "reported; without --part-size it tries the common part sizes. Exit 0\n"
    "match, 1 mismatch, 2 cannot tell.\n"
    "\n"
    "`s3 validate-notification` checks a PutBucketNotificationConfiguration\n"
    "body (JSON) as S3 does (exit 2 with S3's error). `s3 route` reads S3\n"
    "notification messages, one per line, and prints for each record the\n"
    "configuration it fires.\n"
    "\n"
    "`dlq simulate` replays a scenario (sends, receives that fail or succeed,\n"
    "time passing, redrives) on queues with SQS's dead-letter rules and prints\n"
    "what SQS would do; see examples/dlq-redrive for the file formats.\n";

}  // namespace

bool evmatch_cli::ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

int evmatch_cli::Usage(std::string_view error) {
  if (!error.empty()) std::cerr << "evmatch: " << error << "\n";
  std::cerr << kUsage;
  return kExitUsage;
}

namespace {


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

// Reads an events file (gzip-compressed when it is) or stdin in chunks of
// whole lines.
class ChunkReader {
 public:
  bool Open(const std::string& path) {
    const bool is_stdin = path.empty() || path == "-";
    file_ = is_stdin ? gzdopen(dup(0), "rb") : gzopen(path.c_str(), "rb");
    if (file_ == nullptr) return false;
    gzbuffer(file_, 1 << 20);
    struct stat info;
    if (!is_stdin && stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) {
      file_bytes_ = static_cast<uint64_t>(info.st_size);
    }
    return true;
  }
  ~ChunkReader() {
    if (file_ != nullptr) gzclose(file_);
  }

  // Replaces `chunk` with the next whole lines (at least `size` bytes unless
  // the input ends; the last line may lack its '\n'), with kPadding bytes of
  // capacity to spare. False at the end of input or on a read error.
  bool Next(size_t size, std::string* chunk) {
    chunk->swap(carry_);
    carry_.clear();
    while (!eof_ && chunk->size() < size) Fill(chunk, size);
    if (!eof_) {
      // Keep the partial last line for the next chunk; read on when the
      // chunk holds no line break at all.
      size_t cut;
      while ((cut = chunk->rfind('\n')) == std::string::npos && !eof_) {
        Fill(chunk, chunk->size() * 2);
      }
      if (cut != std::string::npos) {
        carry_.assign(*chunk, cut + 1);
        chunk->resize(cut + 1);
      }
    }
    chunk->reserve(chunk->size() + evmatch::kPadding);
    return !chunk->empty();
  }
  bool failed() const { return failed_; }
  // Fraction of the input read so far, when the input is a regular file.
  double Progress() const {
    if (file_bytes_ == 0) return -1;
    const z_off_t offset = gzoffset(file_);
    return offset < 0 ? -1 : static_cast<double>(offset) / static_cast<double>(file_bytes_);
  }

 private:
  void Fill(std::string* chunk, size_t size) {
    const size_t old = chunk->size();
    const size_t want = std::max<size_t>(size - std::min(size, old), 1 << 16);
    chunk->resize(old + want);
    const int n = gzread(file_, chunk->data() + old, static_cast<unsigned>(want));
    if (n <= 0) {
      failed_ = n < 0;
      eof_ = true;
      chunk->resize(old);
      return;
    }
    chunk->resize(old + static_cast<size_t>(n));
  }

  gzFile file_ = nullptr;
  std::string carry_;
  bool eof_ = false, failed_ = false;
  uint64_t file_bytes_ = 0;
};

// Events of one slice of a chunk, as MatchBatch reported them.
struct SliceResult {
  struct Event {
    size_t offset;  // in the chunk
    evmatch::MatchStatus status;
    uint32_t rules_begin, rules_end;  // into `rules`
  };
  std::vector<Event> events;
  std::vector<evmatch::RuleId> rules;
};

void MatchSlice(const evmatch::Matcher& matcher, const std::string& chunk, size_t begin,
                size_t end, evmatch::MatchMode mode, evmatch::Scratch& scratch,
                SliceResult& out) {
  out.events.clear();
  out.rules.clear();
  const std::string_view slice(chunk.data() + begin, end - begin);
  // The chunk's spare capacity pads every slice: bytes past a slice are the
  // next slice's, and only the last slice reaches the chunk's padding.
  (void)matcher.MatchBatch(
      slice, chunk.capacity() - begin, scratch,
      [&](const evmatch::BatchEvent& e) {
        const auto first = static_cast<uint32_t>(out.rules.size());
        out.rules.insert(out.rules.end(), e.matches.begin(), e.matches.end());
        out.events.push_back({begin + e.offset, e.status, first,
                              static_cast<uint32_t>(out.rules.size())});
      },
      mode);
}

// A one-line progress report on stderr, drawn only when stderr is a terminal
// and the run has lasted a second; cleared at the end.
class Progress {
 public:
  explicit Progress(std::chrono::steady_clock::time_point start)
      : start_(start), enabled_(isatty(2) != 0) {}
  void Update(uint64_t events, double fraction) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    if (elapsed < 1.0 || now - last_ < std::chrono::milliseconds(200)) return;
    last_ = now;
    std::string bar;
    if (fraction >= 0) {
      const int filled = static_cast<int>(std::min(fraction, 1.0) * 30);
      bar = Cat("[", std::string(filled, '#'), std::string(30 - filled, ' '), "] ",
                static_cast<int>(fraction * 100), "% ");
    }
    std::fprintf(stderr, "\r%s%llu events, %.0f events/s ", bar.c_str(),
                 static_cast<unsigned long long>(events), events / elapsed);
    drawn_ = true;
  }
  ~Progress() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
  }

 private:
  std::chrono::steady_clock::time_point start_, last_;
  bool enabled_, drawn_ = false;
};

int MatchCommand(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  std::string error;
  // --stats and --lazy take no value: rewrite them as "--flag 1" for
  // ParseFlags.
  std::vector<std::string> storage;
  storage.reserve(static_cast<size_t>(argc));
  std::vector<char*> rewritten;
  for (int i = 0; i < argc; ++i) {
    rewritten.push_back(argv[i]);
    if (i >= 2 && (std::string_view(argv[i]) == "--stats" ||
                   std::string_view(argv[i]) == "--lazy")) {
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
        name != "threads" && name != "lazy") {
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
  const evmatch::MatchMode mode =
      flags.count("lazy") ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete;
  evmatch::RuleSet rules;
  int exit_code = kExitOk;
  if (!LoadRules(flags["rules"], &rules, &exit_code)) return exit_code;
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) {
    std::cerr << "evmatch: " << matcher.status().message() << "\n";
    return kExitInvalid;
  }
  ChunkReader reader;
  const std::string events_path = flags.count("events") ? flags["events"] : "-";
  if (!reader.Open(events_path)) {
    std::cerr << "evmatch: cannot read " << events_path << "\n";
    return kExitUsage;
  }
  std::vector<evmatch::Scratch> scratches(static_cast<size_t>(threads));
  for (auto& scratch : scratches) matcher->PrepareScratch(scratch);
  std::vector<SliceResult> slices(static_cast<size_t>(threads));

  const auto start = std::chrono::steady_clock::now();
  Progress progress(start);
  std::vector<uint64_t> rule_counts(matcher->rule_count(), 0);
  uint64_t events = 0, matched_events = 0, invalid_events = 0, bytes = 0;
  uint64_t line_base = 1;  // line number of the chunk's first byte
  std::string chunk, out;
  std::vector<size_t> bounds;
  while (reader.Next(size_t{4} << 20, &chunk)) {
    bytes += chunk.size();
    // Slices of about equal size, cut after line breaks.
    bounds.assign(1, 0);
    for (int t = 1; t < threads; ++t) {
      size_t cut = std::max(bounds.back(), chunk.size() * static_cast<size_t>(t) /
                                               static_cast<size_t>(threads));
      cut = chunk.find('\n', cut);
      bounds.push_back(cut == std::string::npos ? chunk.size() : cut + 1);
    }
    bounds.push_back(chunk.size());
    if (threads == 1) {
      MatchSlice(*matcher, chunk, 0, chunk.size(), mode, scratches[0], slices[0]);
    } else {
      std::vector<std::thread> workers;
      for (size_t t = 0; t < static_cast<size_t>(threads); ++t) {
        workers.emplace_back(MatchSlice, std::cref(*matcher), std::cref(chunk), bounds[t],
                             bounds[t + 1], mode, std::ref(scratches[t]), std::ref(slices[t]));
      }
      for (auto& w : workers) w.join();
    }
    out.clear();
    size_t counted = 0;  // line breaks before `counted` are in line_base
    for (const SliceResult& slice : slices) {
      for (const SliceResult::Event& e : slice.events) {
        line_base += static_cast<uint64_t>(
            std::count(chunk.begin() + static_cast<std::ptrdiff_t>(counted),
                       chunk.begin() + static_cast<std::ptrdiff_t>(e.offset), '\n'));
        counted = e.offset;
        ++events;
        if (e.status != evmatch::MatchStatus::kOk) {
          ++invalid_events;
          std::cerr << "line " << line_base
                    << ": invalid event: " << evmatch::MatchStatusName(e.status) << "\n";
          continue;
        }
        if (e.rules_end > e.rules_begin) ++matched_events;
        for (uint32_t k = e.rules_begin; k < e.rules_end; ++k) ++rule_counts[slice.rules[k]];
        if (output == "none") continue;
        out += Cat("{\"event\": ", line_base, ", \"rules\": [");
        for (uint32_t k = e.rules_begin; k < e.rules_end; ++k) {
          if (k > e.rules_begin) out += ", ";
          evmatch::internal::AppendJsonString(&out, matcher->rule_name(slice.rules[k]));
        }
        out += "]}\n";
      }
    }
    line_base += static_cast<uint64_t>(std::count(
        chunk.begin() + static_cast<std::ptrdiff_t>(counted), chunk.end(), '\n'));
    std::cout << out;
    progress.Update(events, reader.Progress());
  }
  std::cout.flush();
  if (reader.failed()) {
    std::cerr << "evmatch: error reading " << events_path << "\n";
    return kExitUsage;
  }
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
  if (command == "checksum") return evmatch_cli::ChecksumCommand(argc, argv);
  if (command == "verify") return evmatch_cli::VerifyCommand(argc, argv);
  if (command == "s3") return evmatch_cli::S3Command(argc, argv);
  if (command == "dlq") return evmatch_cli::DlqCommand(argc, argv);
  return Usage(Cat("unknown command '", command, "'"));
}
