// `evmatch match`: every rule of a rules file against a stream of events
// (NDJSON, plain or gzip), with Matcher::MatchBatch over chunks of whole lines
// (event_input.h).

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "event_input.h"
#include "evmatch/evmatch.h"
#include "evmatch/explain.h"
#include "evmatch/live.h"
#include "flags.h"
#include "rules_file.h"

namespace evmatch_cli {
namespace {

// Events are read and matched in chunks of about this many bytes of whole
// lines, one chunk per worker at a time.
constexpr size_t kChunkBytes = size_t{1} << 20;

// Events of one chunk, as MatchBatch reported them, with their lines.
struct ChunkResult {
  struct Event {
    size_t offset;  // in the chunk
    uint64_t line;  // line breaks before `offset` in the chunk
    evmatch::MatchStatus status;
    uint32_t rules_begin, rules_end;  // into `rules`
  };
  std::vector<Event> events;
  std::vector<evmatch::RuleId> rules;
  uint64_t lines = 0;  // line breaks in the chunk
};

// Line breaks in `text`: memchr from one to the next, which for lines of
// hundreds of bytes is several times faster than testing every byte.
uint64_t CountLines(std::string_view text) {
  uint64_t lines = 0;
  const char* p = text.data();
  const char* const end = p + text.size();
  while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<size_t>(end - p)))) !=
         nullptr) {
    ++lines;
    ++p;
  }
  return lines;
}

// M is evmatch::Matcher or evmatch::LiveMatcher.
template <typename M>
void MatchChunk(const M& matcher, const EventChunk& chunk, evmatch::MatchMode mode,
                evmatch::Scratch& scratch, ChunkResult& out) {
  out.events.clear();
  out.rules.clear();
  (void)matcher.MatchBatch(
      chunk.text, chunk.capacity, scratch,
      [&](const evmatch::BatchEvent& e) {
        const auto first = static_cast<uint32_t>(out.rules.size());
        out.rules.insert(out.rules.end(), e.matches.begin(), e.matches.end());
        out.events.push_back(
            {e.offset, 0, e.status, first, static_cast<uint32_t>(out.rules.size())});
      },
      mode);
  // Line numbers are counted here, where chunks are matched in parallel, not
  // where they are reported one at a time.
  size_t counted = 0;
  out.lines = 0;
  for (ChunkResult::Event& e : out.events) {
    out.lines += CountLines(chunk.text.substr(counted, e.offset - counted));
    counted = e.offset;
    e.line = out.lines;
  }
  out.lines += CountLines(chunk.text.substr(counted));
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

// For `match --watch`: polls the rules file (ten times a second) and applies
// each valid new version to the live rule set while matching goes on; an
// invalid version is reported and the rules in force stay.
class RulesWatcher {
 public:
  RulesWatcher(std::string path, evmatch::LiveMatcher* live)
      : path_(std::move(path)), live_(live), seen_(Signature()) {
    thread_ = std::thread([this] { Run(); });
  }
  RulesWatcher(const RulesWatcher&) = delete;
  RulesWatcher& operator=(const RulesWatcher&) = delete;
  ~RulesWatcher() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    stopped_.notify_all();
    thread_.join();
  }

 private:
  // What tells one version of the file from the next: a replacement by
  // rename changes the inode, an edit in place the time or the size.
  std::string Signature() const {
    struct stat info;
    if (stat(path_.c_str(), &info) != 0) return "";
    return std::to_string(info.st_ino) + "/" + std::to_string(info.st_size) + "/" +
           std::to_string(info.st_mtim.tv_sec) + "." + std::to_string(info.st_mtim.tv_nsec);
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stop_; })) {
      const std::string now = Signature();
      if (now.empty() || now == seen_) continue;
      seen_ = now;
      Reload();
    }
  }

  void Reload() const {
    evmatch::RuleSet next;
    if (LoadRules(path_, &next) != kExitOk) {
      std::cerr << "evmatch match: " << path_
                << " changed but is invalid; the previous rules stay in force\n";
      return;
    }
    const evmatch::LiveMatcher::Changes changes =
        evmatch::LiveMatcher::Changes::Between(live_->Rules(), next);
    if (absl::Status status = live_->Apply(changes); !status.ok()) {
      std::cerr << "evmatch match: " << path_ << ": " << status.message()
                << "; the previous rules stay in force\n";
      return;
    }
    std::cerr << "evmatch match: reloaded " << path_ << ": " << next.size()
              << (next.size() == 1 ? " rule, " : " rules, ") << changes.size() << " changed\n";
  }

  const std::string path_;
  evmatch::LiveMatcher* const live_;
  std::string seen_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stop_ = false;
  std::thread thread_;
};

// Every rule's count, in id order, for --stats. A LiveMatcher's rules are
// those present at the end, then any removed one that matched.
std::vector<std::pair<std::string, uint64_t>> RuleCounts(const evmatch::Matcher& matcher,
                                                         const std::vector<uint64_t>& counts) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (evmatch::RuleId id = 0; id < matcher.rule_count(); ++id) {
    out.emplace_back(matcher.rule_name(id), id < counts.size() ? counts[id] : 0);
  }
  return out;
}

std::vector<std::pair<std::string, uint64_t>> RuleCounts(const evmatch::LiveMatcher& live,
                                                         const std::vector<uint64_t>& counts) {
  std::vector<std::pair<std::string, uint64_t>> out;
  std::map<std::string, size_t, std::less<>> where;
  auto add = [&](std::string_view name, uint64_t count) {
    auto [it, fresh] = where.try_emplace(std::string(name), out.size());
    if (fresh) out.emplace_back(name, 0);
    out[it->second].second += count;
  };
  const evmatch::RuleSet present = live.Rules();
  std::vector<bool> listed(counts.size(), false);
  for (size_t i = 0; i < present.size(); ++i) {
    const std::optional<evmatch::RuleId> id = live.FindRule(present.name(i));
    const bool counted = id && *id < counts.size();
    add(present.name(i), counted ? counts[*id] : 0);
    if (counted) listed[*id] = true;
  }
  for (evmatch::RuleId id = 0; id < counts.size(); ++id) {
    if (!listed[id] && counts[id] > 0) add(live.rule_name(id), counts[id]);
  }
  return out;
}

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

template <typename M>
int MatchEvents(const Args& args, const evmatch::RuleSet& rules, const M& matcher,
                std::vector<evmatch::Scratch>& scratches,
                std::chrono::steady_clock::time_point setup_start);

int Match(const Args& args) {
  const bool watch = args.has("watch");
  if (watch && args.has("explain")) {
    return Fail("--explain and --watch cannot be used together");
  }
  if (args.has("rules") == args.has("matcher")) {
    return Fail("give either --rules or --matcher");
  }
  if (args.has("matcher") && (watch || args.has("explain"))) {
    return Fail("--watch and --explain need --rules: a compiled matcher holds no patterns");
  }
  int64_t threads_flag = args.integer("threads", 1);
  if (threads_flag == 0) threads_flag = std::max(1u, std::thread::hardware_concurrency());
  const auto threads = static_cast<size_t>(threads_flag);
  const auto setup_start = std::chrono::steady_clock::now();
  std::vector<evmatch::Scratch> scratches(threads);
  auto prepare = [&](const auto& matcher) -> absl::Status {
    for (auto& scratch : scratches) {
      if (absl::Status s = matcher.PrepareScratch(scratch); !s.ok()) return s;
    }
    return absl::OkStatus();
  };
  evmatch::RuleSet rules;
  if (args.has("matcher")) {
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::LoadFile(args.get("matcher"));
    if (!matcher.ok()) return Fail(matcher.status());
    if (absl::Status s = prepare(*matcher); !s.ok()) return Fail(s);
    return MatchEvents(args, rules, *matcher, scratches, setup_start);
  }
  if (int code = LoadRules(args.get("rules"), &rules); code != kExitOk) return code;
  const std::string explain = args.get("explain");
  if (args.has("explain") && !HasRule(rules, explain)) {
    return Fail("--explain: no rule is named \"" + explain + "\"");
  }
  if (watch) {
    absl::StatusOr<std::unique_ptr<evmatch::LiveMatcher>> live =
        evmatch::LiveMatcher::Create(rules);
    if (!live.ok()) return Fail(live.status());
    if (absl::Status s = prepare(**live); !s.ok()) return Fail(s);
    const RulesWatcher watcher(args.get("rules"), live->get());
    return MatchEvents(args, rules, **live, scratches, setup_start);
  }
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) return Fail(matcher.status());
  if (absl::Status s = prepare(*matcher); !s.ok()) return Fail(s);
  return MatchEvents(args, rules, *matcher, scratches, setup_start);
}

template <typename M>
int MatchEvents(const Args& args, const evmatch::RuleSet& rules, const M& matcher,
                std::vector<evmatch::Scratch>& scratches,
                std::chrono::steady_clock::time_point setup_start) {
  const bool print = args.get("output", "ndjson") == "ndjson";
  const size_t threads = scratches.size();
  const evmatch::MatchMode mode =
      args.has("lazy") ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete;
  const std::string explain = args.get("explain");
  FailureTally tally;
  const auto start = std::chrono::steady_clock::now();
  const double setup_seconds = std::chrono::duration<double>(start - setup_start).count();
  EventInput reader;
  const std::string events_path = args.get("events", "-");
  if (!reader.Open(events_path, /*prompt=*/args.has("watch"))) {
    return Fail("cannot read " + events_path);
  }
  Progress progress(start);
  std::vector<uint64_t> rule_counts;
  uint64_t events = 0, matched_events = 0, invalid_events = 0, bytes = 0;
  uint64_t line_base = 1;  // line number of the next chunk's first byte
  // Reports one chunk's events, in input order (one chunk at a time).
  auto report = [&](const EventChunk& chunk, const ChunkResult& result, std::string& out) {
    const std::string_view text = chunk.text;
    bytes += text.size();
    out.clear();
    for (const ChunkResult::Event& e : result.events) {
      const uint64_t line = line_base + e.line;
      ++events;
      if (e.status != evmatch::MatchStatus::kOk) {
        ++invalid_events;
        std::cerr << "line " << line << ": invalid event: " << evmatch::MatchStatusName(e.status)
                  << "\n";
        continue;
      }
      if (e.rules_end > e.rules_begin) ++matched_events;
      for (uint32_t k = e.rules_begin; k < e.rules_end; ++k) {
        const evmatch::RuleId id = result.rules[k];
        if (id >= rule_counts.size()) rule_counts.resize(id + 1);
        ++rule_counts[id];
      }
      std::string why;
      if (args.has("explain")) {
        const size_t line_end = std::min(text.find('\n', e.offset), text.size());
        absl::StatusOr<evmatch::Explanation> explanation =
            evmatch::ExplainRule(rules, explain, text.substr(e.offset, line_end - e.offset));
        if (explanation.ok()) {
          tally.Add(*explanation);
          if (print) why = ", \"explain\": " + evmatch::ExplanationJson(*explanation);
        }
      }
      if (!print) continue;
      out += "{\"event\": " + std::to_string(line) + ", \"rules\": [";
      for (uint32_t k = e.rules_begin; k < e.rules_end; ++k) {
        if (k > e.rules_begin) out += ", ";
        out += JsonString(matcher.rule_name(result.rules[k]));
      }
      out += "]" + why + "}\n";
    }
    line_base += result.lines;
    std::cout << out;
    if (args.has("watch")) std::cout.flush();  // a stream read as it arrives
    progress.Update(events, reader.Progress());
  };
  // Each worker takes the next chunk, matches it while the others match
  // theirs, then waits for the chunk's turn to report it: output and line
  // numbers stay in input order, and reporting overlaps matching.
  std::mutex input_mutex, report_mutex;
  std::condition_variable turn_changed;
  uint64_t next_ticket = 0, turn = 0;
  auto work = [&](evmatch::Scratch& scratch) {
    EventChunk chunk;
    std::string storage, out;
    ChunkResult result;
    while (true) {
      uint64_t ticket;
      {
        const std::lock_guard<std::mutex> lock(input_mutex);
        if (!reader.Next(kChunkBytes, &chunk, &storage)) return;
        ticket = next_ticket++;
      }
      MatchChunk(matcher, chunk, mode, scratch, result);
      std::unique_lock<std::mutex> lock(report_mutex);
      turn_changed.wait(lock, [&] { return turn == ticket; });
      report(chunk, result, out);
      ++turn;
      turn_changed.notify_all();
    }
  };
  std::vector<std::thread> workers;
  for (size_t t = 1; t < threads; ++t) workers.emplace_back(work, std::ref(scratches[t]));
  work(scratches[0]);
  for (std::thread& w : workers) w.join();
  std::cout.flush();
  if (reader.failed()) {
    return Fail("error reading " + events_path +
                (args.has("watch") ? " (events read as they arrive must be plain NDJSON)" : ""));
  }
  if (args.has("explain")) std::cerr << tally.Summary(explain);
  if (args.has("stats")) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::string stats = "{\"events\": " + std::to_string(events) +
                        ", \"matched_events\": " + std::to_string(matched_events) +
                        ", \"invalid_events\": " + std::to_string(invalid_events) +
                        ", \"rule_matches\": {";
    bool first = true;
    for (const auto& [name, count] : RuleCounts(matcher, rule_counts)) {
      if (!first) stats += ", ";
      first = false;
      stats += JsonString(name) + ": " + std::to_string(count);
    }
    char tail[200];
    std::snprintf(tail, sizeof(tail),
                  "}, \"setup_seconds\": %.6f, \"seconds\": %.6f, \"events_per_second\": %.1f, "
                  "\"bytes_per_second\": %.1f}",
                  setup_seconds, seconds, seconds > 0 ? static_cast<double>(events) / seconds : 0.0,
                  seconds > 0 ? static_cast<double>(bytes) / seconds : 0.0);
    stats += tail;
    std::cerr << stats << "\n";
  }
  return kExitOk;
}

int CompileRules(const Args& args) {
  const auto start = std::chrono::steady_clock::now();
  evmatch::RuleSet rules;
  if (int code = LoadRules(args.get("rules"), &rules); code != kExitOk) return code;
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) return Fail(matcher.status());
  const auto compiled = std::chrono::steady_clock::now();
  if (absl::Status s = matcher->Save(args.get("output")); !s.ok()) return Fail(s);
  if (args.has("stats")) {
    struct stat st {};
    ::stat(args.get("output").c_str(), &st);
    std::fprintf(
        stderr,
        "{\"rules\": %zu, \"bytes\": %lld, \"compile_seconds\": %.6f, "
        "\"save_seconds\": %.6f}\n",
        rules.size(), static_cast<long long>(st.st_size),
        std::chrono::duration<double>(compiled - start).count(),
        std::chrono::duration<double>(std::chrono::steady_clock::now() - compiled).count());
  }
  return kExitOk;
}

}  // namespace

std::vector<Command> MatchCommands() {
  return {
      {.name = "match",
       .summary = "Matches every rule of a rules file against a stream of events.",
       .flags = {{.name = "rules", .value_name = "FILE", .help = "the rules file"},
                 {.name = "matcher",
                  .value_name = "FILE",
                  .help = "a compiled matcher (evmatch compile) in place of --rules"},
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
                 {.name = "watch",
                  .type = FlagType::kBool,
                  .help = "apply changes of the rules file while matching (a LiveMatcher)"},
                 ThreadsFlag()},
       .details =
           std::string("Prints {\"event\": <line>, \"rules\": [names...]} per event, in input\n"
                       "order. An invalid line is reported on stderr with its number and\n"
                       "skipped. --stats prints events, matched_events, invalid_events,\n"
                       "rule_matches, setup_seconds (reading and compiling the rules, or\n"
                       "loading the compiled matcher),\n"
                       "seconds (reading and matching the events), events_per_second and\n"
                       "bytes_per_second. A plain events file is memory-mapped. --lazy\n"
                       "leaves malformed JSON past what the rules read unreported. --explain\n"
                       "NAME adds {\"explain\": ...} (docs/explain.md) to every line and prints,\n"
                       "on stderr at the end, how often each condition of NAME failed.\n"
                       "--watch checks the rules file ten times a second and applies each\n"
                       "valid new version to the rules in force, recompiling only the rules\n"
                       "that changed, while matching goes on; an invalid version is reported\n"
                       "on stderr and the previous rules stay. With --watch, events from a\n"
                       "pipe are matched as each line arrives (plain NDJSON only).\n"
                       "--matcher FILE loads rules compiled by `evmatch compile` (the same\n"
                       "output as --rules with the rules it was compiled from).\n\n") +
           kRulesFileHelp,
       .run = Match},
      {.name = "compile",
       .summary = "Compiles a rules file into a matcher file for `evmatch match --matcher`.",
       .flags =
           {{.name = "rules", .value_name = "FILE", .help = "the rules file", .required = true},
            {.name = "output",
             .short_name = 'o',
             .value_name = "FILE",
             .help = "the matcher file to write (replaced whole, never in part)",
             .required = true},
            {.name = "stats",
             .type = FlagType::kBool,
             .help = "print rules, bytes and seconds as JSON on stderr"}},
       .details =
           std::string("Loading the file (evmatch match --matcher) maps it and checks it instead\n"
                       "of compiling the rules again. It is refused by a build of another\n"
                       "format version or byte order (docs/persistence.md): compile again.\n\n") +
           kRulesFileHelp,
       .run = CompileRules},
  };
}

}  // namespace evmatch_cli
