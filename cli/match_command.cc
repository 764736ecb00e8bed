// `evmatch match`: every rule of a rules file against a stream of events
// (NDJSON, plain or gzip), with Matcher::MatchBatch over chunks of whole lines.

#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "evmatch/evmatch.h"
#include "evmatch/explain.h"
#include "flags.h"
#include "rules_file.h"

namespace evmatch_cli {
namespace {

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

void MatchSlice(const evmatch::Matcher& matcher, const std::string& chunk, size_t begin, size_t end,
                evmatch::MatchMode mode, evmatch::Scratch& scratch, SliceResult& out) {
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
        out.events.push_back(
            {begin + e.offset, e.status, first, static_cast<uint32_t>(out.rules.size())});
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
      bar = "[" + std::string(filled, '#') + std::string(30 - filled, ' ') + "] " +
            std::to_string(static_cast<int>(fraction * 100)) + "% ";
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

bool HasRule(const evmatch::RuleSet& rules, std::string_view name) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules.name(i) == name) return true;
  }
  return false;
}

// For `match --explain NAME`: in how many events each condition of the rule
// failed (or held only in the wrong array elements).
class FailureTally {
 public:
  void Add(const evmatch::Explanation& explanation) {
    ++events_;
    if (explanation.matched) {
      ++matched_;
      return;
    }
    std::set<std::string> failed;  // each condition once per event
    for (size_t p = 0; p < explanation.patterns.size(); ++p) {
      Collect(explanation.patterns.size() > 1 ? "pattern " + std::to_string(p + 1) + " " : "",
              explanation.patterns[p].root, &failed);
    }
    for (const std::string& condition : failed) ++counts_[condition];
  }

  // The summary printed at the end, most frequent failure first.
  std::string Summary(std::string_view rule) const {
    std::vector<std::pair<uint64_t, std::string>> order;
    for (const auto& [condition, count] : counts_) order.emplace_back(count, condition);
    std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::string out = "explain " + JsonString(rule) + ": matched " + std::to_string(matched_) +
                      " of " + std::to_string(events_) + " events";
    out += order.empty() ? "\n" : "; conditions that failed, most often first:\n";
    for (size_t i = 0; i < order.size() && i < kListed; ++i) {
      out += "  " + std::to_string(order[i].first) +
             (order[i].first == 1 ? " event: " : " events: ") + order[i].second + "\n";
    }
    if (order.size() > kListed) {
      out += "  (" + std::to_string(order.size() - kListed) + " more conditions)\n";
    }
    return out;
  }

 private:
  static constexpr size_t kListed = 10;

  static void Collect(const std::string& prefix, const evmatch::GroupExplanation& group,
                      std::set<std::string>* failed) {
    for (const evmatch::ConditionExplanation& c : group.conditions) {
      if (c.status != evmatch::ConditionStatus::kFailed &&
          c.status != evmatch::ConditionStatus::kInconsistent) {
        continue;
      }
      failed->insert(prefix + c.pattern_pointer + " (" + c.path + " " + c.expected + ") " +
                     evmatch::ConditionStatusName(c.status));
    }
    for (const evmatch::OrExplanation& alternatives : group.ors) {
      for (const evmatch::GroupExplanation& branch : alternatives.branches) {
        Collect(prefix, branch, failed);
      }
    }
  }

  uint64_t events_ = 0, matched_ = 0;
  std::map<std::string, uint64_t> counts_;
};

int Match(const Args& args) {
  const bool print = args.get("output", "ndjson") == "ndjson";
  int64_t threads_flag = args.integer("threads", 1);
  if (threads_flag == 0) threads_flag = std::max(1u, std::thread::hardware_concurrency());
  const auto threads = static_cast<size_t>(threads_flag);
  const evmatch::MatchMode mode =
      args.has("lazy") ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete;
  evmatch::RuleSet rules;
  if (int code = LoadRules(args.get("rules"), &rules); code != kExitOk) return code;
  const std::string explain = args.get("explain");
  if (args.has("explain") && !HasRule(rules, explain)) {
    return Fail("--explain: no rule is named \"" + explain + "\"");
  }
  FailureTally tally;
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) return Fail(matcher.status());
  ChunkReader reader;
  const std::string events_path = args.get("events", "-");
  if (!reader.Open(events_path)) return Fail("cannot read " + events_path);
  std::vector<evmatch::Scratch> scratches(threads);
  for (auto& scratch : scratches) {
    if (absl::Status s = matcher->PrepareScratch(scratch); !s.ok()) return Fail(s);
  }
  std::vector<SliceResult> slices(threads);

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
    for (size_t t = 1; t < threads; ++t) {
      size_t cut = std::max(bounds.back(), chunk.size() * t / threads);
      cut = chunk.find('\n', cut);
      bounds.push_back(cut == std::string::npos ? chunk.size() : cut + 1);
    }
    bounds.push_back(chunk.size());
    if (threads == 1) {
      MatchSlice(*matcher, chunk, 0, chunk.size(), mode, scratches[0], slices[0]);
    } else {
      std::vector<std::thread> workers;
      for (size_t t = 0; t < threads; ++t) {
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
        std::string why;
        if (args.has("explain")) {
          const size_t line_end = std::min(chunk.find('\n', e.offset), chunk.size());
          absl::StatusOr<evmatch::Explanation> explanation = evmatch::ExplainRule(
              rules, explain, std::string_view(chunk).substr(e.offset, line_end - e.offset));
          if (explanation.ok()) {
            tally.Add(*explanation);
            if (print) why = ", \"explain\": " + evmatch::ExplanationJson(*explanation);
          }
        }
        if (!print) continue;
        out += "{\"event\": " + std::to_string(line_base) + ", \"rules\": [";
        for (uint32_t k = e.rules_begin; k < e.rules_end; ++k) {
          if (k > e.rules_begin) out += ", ";
          out += JsonString(matcher->rule_name(slice.rules[k]));
        }
        out += "]" + why + "}\n";
      }
    }
    line_base += static_cast<uint64_t>(
        std::count(chunk.begin() + static_cast<std::ptrdiff_t>(counted), chunk.end(), '\n'));
    std::cout << out;
    progress.Update(events, reader.Progress());
  }
  std::cout.flush();
  if (reader.failed()) return Fail("error reading " + events_path);
  if (args.has("explain")) std::cerr << tally.Summary(explain);
  if (args.has("stats")) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string stats = "{\"events\": " + std::to_string(events) +
                        ", \"matched_events\": " + std::to_string(matched_events) +
                        ", \"invalid_events\": " + std::to_string(invalid_events) +
                        ", \"rule_matches\": {";
    for (size_t r = 0; r < rule_counts.size(); ++r) {
      if (r > 0) stats += ", ";
      stats += JsonString(matcher->rule_name(static_cast<evmatch::RuleId>(r))) + ": " +
               std::to_string(rule_counts[r]);
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

std::vector<Command> MatchCommands() {
  return {
      {.name = "match",
       .summary = "Matches every rule of a rules file against a stream of events.",
       .flags =
           {{.name = "rules", .value_name = "FILE", .help = "the rules file", .required = true},
            {.name = "events",
             .value_name = "FILE|-",
             .help = "NDJSON events, plain or gzip (default: stdin)"},
            {.name = "output",
             .type = FlagType::kChoice,
             .help = "one line per event, or nothing (default ndjson)",
             .choices = {"ndjson", "none"}},
            {.name = "stats",
             .type = FlagType::kBool,
             .help = "print counts and throughput as JSON on stderr at the end"},
            {.name = "lazy",
             .type = FlagType::kBool,
             .help = "read only what the rules need (MatchMode::kLazy)"},
            {.name = "explain",
             .value_name = "NAME",
             .help = "explain rule NAME for every event (adds \"explain\" to each line)"},
            ThreadsFlag()},
       .details =
           std::string("Prints {\"event\": <line>, \"rules\": [names...]} per event, in input\n"
                       "order. An invalid line is reported on stderr with its number and\n"
                       "skipped. --stats prints events, matched_events, invalid_events,\n"
                       "rule_matches, seconds, events_per_second and bytes_per_second. --lazy\n"
                       "leaves malformed JSON past what the rules read unreported. --explain\n"
                       "NAME adds {\"explain\": ...} (docs/explain.md) to every line and prints,\n"
                       "on stderr at the end, how often each condition of NAME failed.\n\n") +
           kRulesFileHelp,
       .run = Match},
  };
}

}  // namespace evmatch_cli
