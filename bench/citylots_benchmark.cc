// citylots2: the 16 rule categories over the 213,068 events, against simdjson
// On Demand baselines measured in the same run.
//
//   build/bench/bench/citylots_benchmark [DATA_DIR] [--benchmark_repetitions=5 ...]
//
// DATA_DIR defaults to ../shared/data/citylots2 (the team workspace). Before a
// category is timed, one pass over every event checks each rule's match count
// against expected_counts.json; a mismatch fails that benchmark.
//
// Cases (one iteration = one event, cycling through the data set):
//   Match_<CATEGORY>_Evmatch    Matcher::Match, MatchMode::kComplete
//   Walk_<CATEGORY>_Fields      On Demand, reading only the fields the
//                               category's rules use and skipping the rest of
//                               the event to its end (the default-mode target)
//   Match_<CATEGORY>_Lazy       Matcher::Match, MatchMode::kLazy
//   Walk_<CATEGORY>_Stop        the same field walk, stopping once every
//                               field has been seen (the lazy-mode target)
//   Walk_Document               On Demand, reading every value
//   Iterate_Only                simdjson's first stage and nothing else
// The table printed at the end gives events/s (median of repetitions when
// repeated) and the ratio of the matcher's time per event to each baseline's.
//
//   citylots_benchmark [DATA_DIR] --paired[=ROUNDS]
//
// measures the same cases alternately over blocks of 1,000 events instead
// (see RunPaired): the figures to quote on a noisy machine.
//
//   valgrind --tool=callgrind --toggle-collect='*ProfileLoop*'
//       citylots_benchmark [DATA_DIR] --profile=CATEGORY:CASE     (one line)
//
// runs one case (default, fields, lazy, stop or doc) once over the first
// 10,000 events, without the count check: callgrind's instruction count,
// divided by 10,000, is a per-event cost that does not drift with the
// machine.

#include <benchmark/benchmark.h>
#include <simdjson.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"

namespace {

namespace od = simdjson::ondemand;

struct Data {
  std::vector<std::string> events;  // each with kPadding spare capacity
  uint64_t bytes = 0;
};

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Loads at most `limit` events.
bool LoadEvents(const std::filesystem::path& path, size_t limit, Data* data) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  std::vector<char> chunk(1 << 20);
  std::string line;
  int n;
  while (data->events.size() < limit &&
         (n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) {
    for (int i = 0; i < n; ++i) {
      if (chunk[i] != '\n') {
        line.push_back(chunk[i]);
        continue;
      }
      if (data->events.size() == limit) break;
      data->bytes += line.size();
      data->events.push_back(line);
      data->events.back().reserve(line.size() + evmatch::kPadding);
      line.clear();
    }
  }
  gzclose(file);
  return !data->events.empty();
}

// ---------------------------------------------------------------- baselines

// Reads a scalar as a typed value, as anything that looks at it must: strings
// unescaped, numbers converted to double.
void ReadScalar(od::value v, size_t* sink) {
  switch (v.type()) {
    case od::json_type::string:
      *sink += v.get_string().value().size();
      break;
    case od::json_type::number:
      *sink += v.get_double().value() < 0;
      break;
    default:
      *sink += v.raw_json_token().size();
  }
}

// Reads every scalar below `v`.
void WalkAll(od::value v, size_t* sink) {
  switch (v.type()) {
    case od::json_type::object:
      for (auto field : v.get_object()) {
        *sink += field.unescaped_key().value().size();
        WalkAll(field.value(), sink);
      }
      break;
    case od::json_type::array:
      for (auto element : v.get_array()) WalkAll(element.value(), sink);
      break;
    default:
      ReadScalar(v, sink);
  }
}

// Reads only the values at `paths` (dot-joined), descending only into their
// prefixes; keys are looked up in a small trie of plain strings (linear scan
// of a node's few children). When `stop` is set, an object is left as soon
// as every child key of its trie node has been seen (walk and stop);
// otherwise On Demand skips the rest of the event to its end.
class FieldWalker {
 public:
  FieldWalker(const std::set<std::string>& leaf_paths, bool stop) : stop_(stop) {
    nodes_.emplace_back();
    for (const std::string& p : leaf_paths) {
      size_t node = 0;
      for (size_t begin = 0;;) {
        const size_t dot = p.find('.', begin);
        const std::string key = p.substr(begin, dot - begin);
        size_t child = 0;
        for (const auto& [k, c] : nodes_[node].children) {
          if (k == key) child = c;
        }
        if (child == 0) {
          child = nodes_.size();
          nodes_[node].children.emplace_back(key, child);
          nodes_.emplace_back();
        }
        node = child;
        if (dot == std::string::npos) break;
        begin = dot + 1;
      }
      nodes_[node].leaf = true;
    }
  }

  bool Walk(od::document& doc, size_t* sink) {
    od::object root;
    if (doc.get_object().get(root)) return false;
    Object(root, 0, sink);
    if (stop_) return true;
    const char* end = nullptr;
    return doc.current_location().get(end) == simdjson::OUT_OF_BOUNDS;
  }

 private:
  struct Node {
    std::vector<std::pair<std::string, size_t>> children;
    bool leaf = false;
  };

  void Object(od::object object, size_t node, size_t* sink) {
    const auto& children = nodes_[node].children;
    size_t seen = 0;
    for (auto field : object) {
      std::string_view key = field.unescaped_key().value();
      for (const auto& [k, child] : children) {
        if (k != key) continue;
        Value(field.value(), child, sink);
        ++seen;
        break;
      }
      if (stop_ && seen == children.size()) return;
    }
  }

  void Value(od::value v, size_t node, size_t* sink) {
    switch (v.type()) {
      case od::json_type::object:
        if (!nodes_[node].children.empty()) Object(v.get_object(), node, sink);
        break;
      case od::json_type::array:
        for (auto element : v.get_array()) Value(element.value(), node, sink);
        break;
      default:
        if (nodes_[node].leaf) ReadScalar(v, sink);
    }
  }

  std::vector<Node> nodes_;
  bool stop_;
};

// Dot-joined leaf paths a rules document mentions.
void CollectPaths(simdjson::dom::object object, const std::string& path,
                  std::set<std::string>* out) {
  for (const auto field : object) {
    const std::string key(field.key);
    if (key == "$or") {
      for (const auto branch : simdjson::dom::array(field.value)) {
        CollectPaths(simdjson::dom::object(branch), path, out);
      }
      continue;
    }
    const std::string child = path.empty() ? key : path + "." + key;
    if (field.value.is_object()) {
      CollectPaths(simdjson::dom::object(field.value), child, out);
    } else {
      out->insert(child);
    }
  }
}

// ---------------------------------------------------------------- benchmarks

const Data* g_data = nullptr;

// Correctness first: every rule's count over the whole data set.
bool CountsMatch(const evmatch::Matcher& matcher, std::map<std::string, long>& expected,
                 evmatch::MatchMode mode, evmatch::Scratch& scratch) {
  std::vector<long> counts(matcher.rule_count(), 0);
  for (const std::string& e : g_data->events) {
    if (matcher.Match(e, e.capacity(), scratch, mode) != evmatch::MatchStatus::kOk) {
      return false;
    }
    for (evmatch::RuleId id : scratch.matches()) ++counts[id];
  }
  for (evmatch::RuleId id = 0; id < matcher.rule_count(); ++id) {
    if (expected[std::string(matcher.rule_name(id))] != counts[id]) return false;
  }
  return true;
}

void BM_Match(benchmark::State& state, std::string category, evmatch::Matcher* matcher,
              std::map<std::string, long> expected, evmatch::MatchMode mode) {
  const auto& events = g_data->events;
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  if (!CountsMatch(*matcher, expected, mode, scratch)) {
    state.SkipWithError(("count mismatch in " + category).c_str());
    return;
  }
  size_t i = 0, matched = 0;
  for (auto _ : state) {
    const std::string& e = events[i];
    if (++i == events.size()) i = 0;
    evmatch::MatchStatus status = matcher->Match(e, e.capacity(), scratch, mode);
    benchmark::DoNotOptimize(status);
    matched += scratch.matches().size();
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_WalkFields(benchmark::State& state, std::set<std::string> paths, bool stop) {
  const auto& events = g_data->events;
  od::parser parser;
  FieldWalker walker(paths, stop);
  size_t i = 0, sink = 0;
  for (auto _ : state) {
    const std::string& e = events[i];
    if (++i == events.size()) i = 0;
    od::document doc;
    if (parser.iterate(simdjson::padded_string_view(e.data(), e.size(), e.capacity()))
            .get(doc) ||
        !walker.Walk(doc, &sink)) {
      state.SkipWithError("walk failed");
      return;
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_WalkDocument(benchmark::State& state) {
  const auto& events = g_data->events;
  od::parser parser;
  size_t i = 0, sink = 0;
  for (auto _ : state) {
    const std::string& e = events[i];
    if (++i == events.size()) i = 0;
    od::document doc = parser.iterate(
        simdjson::padded_string_view(e.data(), e.size(), e.capacity()));
    for (auto field : doc.get_object()) {
      sink += field.unescaped_key().value().size();
      WalkAll(field.value(), &sink);
    }
  }
  benchmark::DoNotOptimize(sink);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// simdjson's first stage and the root object's start: the floor under every
// case above.
void BM_IterateOnly(benchmark::State& state) {
  const auto& events = g_data->events;
  od::parser parser;
  size_t i = 0;
  for (auto _ : state) {
    const std::string& e = events[i];
    if (++i == events.size()) i = 0;
    od::document doc;
    od::object root;
    if (parser.iterate(simdjson::padded_string_view(e.data(), e.size(), e.capacity())).get(doc) ||
        doc.get_object().get(root)) {
      state.SkipWithError("iterate failed");
      return;
    }
    benchmark::DoNotOptimize(root);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

// Collects results, then prints the ratio table.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      const std::string name = run.benchmark_name();
      // Keep plain runs when not repeated, medians when repeated.
      if (run.run_type == Run::RT_Aggregate && run.aggregate_name != "median") continue;
      if (run.run_type == Run::RT_Iteration && run.repetitions > 1) continue;
      std::string key = name.substr(0, name.find("_median"));
      key = key.substr(0, key.find("/repeats"));
      ns_per_event_[key] = run.GetAdjustedRealTime();
    }
  }

  void Finalize() override {
    ConsoleReporter::Finalize();
    auto rate = [&](const std::string& name) {
      auto it = ns_per_event_.find(name);
      return it == ns_per_event_.end() ? 0.0 : 1e9 / it->second;
    };
    auto ratio = [](double baseline_rate, double rate) {
      return rate > 0 && baseline_rate > 0 ? baseline_rate / rate : 0.0;
    };
    const double whole = rate("Walk_Document");
    std::printf("\nevents/s; ratios are time per event over the baseline's\n");
    std::printf("%-26s %10s %10s %6s | %10s %10s %6s | %6s\n", "category", "default",
                "fields", "ratio", "lazy", "stop", "ratio", "vs doc");
    for (const auto& [name, ns] : ns_per_event_) {
      if (name.rfind("Match_", 0) != 0 || name.find("_Evmatch") == std::string::npos) continue;
      const std::string category = name.substr(6, name.rfind("_Evmatch") - 6);
      const double match = rate(name), lazy = rate("Match_" + category + "_Lazy");
      const double fields = rate("Walk_" + category + "_Fields");
      const double stop = rate("Walk_" + category + "_Stop");
      std::printf("%-26s %10.0f %10.0f %6.2f | %10.0f %10.0f %6.2f | %6.2f\n",
                  category.c_str(), match, fields, ratio(fields, match), lazy, stop,
                  ratio(stop, lazy), ratio(whole, match));
    }
    std::printf("%-26s %10.0f\n%-26s %10.0f\n", "whole document walk", whole,
                "first stage only", rate("Iterate_Only"));
  }

 private:
  std::map<std::string, double> ns_per_event_;
};

// ------------------------------------------------------------ paired mode
//
// Google Benchmark times each case in its own stretch of seconds; on a
// shared machine the load drifts between stretches, enough to swap the order
// of two cases. Paired mode alternates the cases of a category over the same
// block of events, many times, and reports the median of the per-block ratios
// (and the median events/s of each case); within a round each case keeps the
// faster of two passes.

struct Category {
  std::string name;
  const evmatch::Matcher* matcher;
  std::map<std::string, long> expected;
  std::set<std::string> paths;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

// The five cases of a category, each a function of one event: the matcher in
// both modes and the three baselines.
class CaseRunner {
 public:
  static constexpr const char* kNames[] = {"default", "fields", "lazy", "stop", "doc"};

  explicit CaseRunner(const Category& c) : c_(c), fields_(c.paths, false), stop_(c.paths, true) {
    if (!c.matcher->PrepareScratch(scratch_).ok()) std::abort();
  }
  ~CaseRunner() { benchmark::DoNotOptimize(sink_); }

  evmatch::Scratch& scratch() { return scratch_; }

  // In the order of kNames.
  std::vector<std::function<void(const std::string&)>> Cases() {
    return {[this](const std::string& e) { Match(e, evmatch::MatchMode::kComplete); },
            [this](const std::string& e) { Walk(e, fields_); },
            [this](const std::string& e) { Match(e, evmatch::MatchMode::kLazy); },
            [this](const std::string& e) { Walk(e, stop_); },
            [this](const std::string& e) { Whole(e); }};
  }

 private:
  void Match(const std::string& e, evmatch::MatchMode mode) {
    if (c_.matcher->Match(e, e.capacity(), scratch_, mode) != evmatch::MatchStatus::kOk) {
      std::abort();
    }
    sink_ += scratch_.matches().size();
  }
  void Walk(const std::string& e, FieldWalker& w) {
    od::document doc;
    if (parser_.iterate(simdjson::padded_string_view(e.data(), e.size(), e.capacity())).get(doc) ||
        !w.Walk(doc, &sink_)) {
      std::abort();
    }
  }
  void Whole(const std::string& e) {
    od::document doc =
        parser_.iterate(simdjson::padded_string_view(e.data(), e.size(), e.capacity()));
    for (auto field : doc.get_object()) {
      sink_ += field.unescaped_key().value().size();
      WalkAll(field.value(), &sink_);
    }
  }

  const Category& c_;
  evmatch::Scratch scratch_;
  od::parser parser_;
  FieldWalker fields_, stop_;
  size_t sink_ = 0;
};

int RunPaired(const std::vector<Category>& categories, int rounds, size_t block) {
  const auto& events = g_data->events;
  std::printf("paired: %d rounds of %zu events; medians of per-round ratios\n", rounds, block);
  std::printf("%-26s %9s %9s %6s | %9s %9s %6s | %6s\n", "category", "default", "fields",
              "ratio", "lazy", "stop", "ratio", "vs doc");
  bool ok = true;
  for (const Category& c : categories) {
    CaseRunner runner(c);
    std::map<std::string, long> expected = c.expected;
    if (!CountsMatch(*c.matcher, expected, evmatch::MatchMode::kComplete, runner.scratch()) ||
        !CountsMatch(*c.matcher, expected, evmatch::MatchMode::kLazy, runner.scratch())) {
      std::printf("%-26s count mismatch\n", c.name.c_str());
      ok = false;
      continue;
    }
    const std::vector<std::function<void(const std::string&)>> cases = runner.Cases();
    // Each round runs every case over the block twice, in a rotated order,
    // and keeps each case's faster pass: the second pass finds the events in
    // cache whichever case came first, and a pass hit by an interruption is
    // dropped.
    std::vector<std::vector<double>> ns(cases.size());
    for (int r = 0; r < rounds; ++r) {
      const size_t begin = (static_cast<size_t>(r) * 7919 * block) % (events.size() - block);
      std::vector<double> best(cases.size(), 1e300);
      for (int pass = 0; pass < 2; ++pass) {
        for (size_t k = 0; k < cases.size(); ++k) {
          const size_t which = (k + static_cast<size_t>(r)) % cases.size();  // rotate the order
          const auto t0 = std::chrono::steady_clock::now();
          for (size_t i = begin; i < begin + block; ++i) cases[which](events[i]);
          const auto t1 = std::chrono::steady_clock::now();
          const double ns_per_event = std::chrono::duration<double, std::nano>(t1 - t0).count() /
                                      static_cast<double>(block);
          best[which] = std::min(best[which], ns_per_event);
        }
      }
      for (size_t k = 0; k < cases.size(); ++k) ns[k].push_back(best[k]);
    }
    auto ratio = [&](size_t a, size_t b) {
      std::vector<double> r;
      for (size_t i = 0; i < ns[a].size(); ++i) r.push_back(ns[a][i] / ns[b][i]);
      return Median(r);
    };
    auto rate = [&](size_t a) { return 1e9 / Median(ns[a]); };
    std::printf("%-26s %9.0f %9.0f %6.2f | %9.0f %9.0f %6.2f | %6.2f\n", c.name.c_str(), rate(0),
                rate(1), ratio(0, 1), rate(2), rate(3), ratio(2, 3), ratio(0, 4));
    std::fflush(stdout);
  }
  return ok ? 0 : 1;
}

// Runs `run` over `events` once. Not inlined, so that callgrind can collect
// this call alone (--toggle-collect).
[[gnu::noinline]] void ProfileLoop(const std::vector<std::string>& events,
                                   const std::function<void(const std::string&)>& run) {
  for (const std::string& e : events) run(e);
}

// --profile=CATEGORY:CASE: one case over the loaded events, once.
int RunProfile(const std::vector<Category>& categories, const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string name = spec.substr(0, colon);
  const std::string which = colon == std::string::npos ? "default" : spec.substr(colon + 1);
  for (const Category& c : categories) {
    if (c.name != name) continue;
    for (size_t k = 0; k < std::size(CaseRunner::kNames); ++k) {
      if (which != CaseRunner::kNames[k]) continue;
      CaseRunner runner(c);
      ProfileLoop(g_data->events, runner.Cases()[k]);
      std::printf("%s %s: %zu events\n", name.c_str(), which.c_str(), g_data->events.size());
      return 0;
    }
  }
  std::fprintf(stderr, "no case %s (CATEGORY:default|fields|lazy|stop|doc)\n", spec.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = "../shared/data/citylots2";
  std::vector<char*> args = {argv[0]};
  int paired_rounds = 0;
  std::string profile;
  size_t limit = ~size_t{0};
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]).rfind("--profile=", 0) == 0) {
      profile = argv[i] + 10;
      limit = 10000;
    } else if (std::string(argv[i]).rfind("--paired=", 0) == 0) {
      paired_rounds = std::atoi(argv[i] + 9);
    } else if (std::string(argv[i]) == "--paired") {
      paired_rounds = 41;
    } else if (std::string(argv[i]).rfind("--", 0) == 0) {
      args.push_back(argv[i]);
    } else {
      dir = argv[i];
    }
  }
  static Data data;
  if (!LoadEvents(dir / "events.jsonl.gz", limit, &data)) {
    std::fprintf(stderr, "citylots2 data not found under %s\n", dir.c_str());
    return 77;
  }
  g_data = &data;
  std::fprintf(stderr, "loaded %zu events (%llu bytes)\n", data.events.size(),
               static_cast<unsigned long long>(data.bytes));

  simdjson::dom::parser expected_parser, rules_parser;
  simdjson::dom::object expected;
  if (expected_parser.load((dir / "expected_counts.json").string()).get(expected)) return 1;
  static std::vector<std::unique_ptr<evmatch::Matcher>> matchers;
  std::vector<Category> categories;
  for (const auto entry : expected) {
    const std::string key(entry.key);
    const std::string rules_text = ReadFile(dir / "rules" / (key + ".json"));
    evmatch::RuleSet rules;
    if (!rules.AddRules(rules_text).ok()) return 1;
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
    if (!matcher.ok()) return 1;
    matchers.push_back(std::make_unique<evmatch::Matcher>(*std::move(matcher)));
    std::map<std::string, long> counts;
    for (const auto rule : simdjson::dom::object(entry.value)) {
      counts[std::string(rule.key)] = static_cast<long>(int64_t(rule.value));
    }
    simdjson::dom::object rules_tree;
    if (rules_parser.parse(rules_text).get(rules_tree)) return 1;
    std::set<std::string> paths;
    for (const auto rule : rules_tree) {
      if (rule.value.is_array()) {
        for (const auto p : simdjson::dom::array(rule.value)) {
          CollectPaths(simdjson::dom::object(p), "", &paths);
        }
      } else {
        CollectPaths(simdjson::dom::object(rule.value), "", &paths);
      }
    }
    categories.push_back({key, matchers.back().get(), counts, paths});
    benchmark::RegisterBenchmark(("Match_" + key + "_Evmatch").c_str(), BM_Match, key,
                                 matchers.back().get(), counts, evmatch::MatchMode::kComplete);
    benchmark::RegisterBenchmark(("Walk_" + key + "_Fields").c_str(), BM_WalkFields, paths, false);
    benchmark::RegisterBenchmark(("Match_" + key + "_Lazy").c_str(), BM_Match, key,
                                 matchers.back().get(), counts, evmatch::MatchMode::kLazy);
    benchmark::RegisterBenchmark(("Walk_" + key + "_Stop").c_str(), BM_WalkFields, paths, true);
  }
  benchmark::RegisterBenchmark("Walk_Document", BM_WalkDocument);
  benchmark::RegisterBenchmark("Iterate_Only", BM_IterateOnly);

  if (!profile.empty()) return RunProfile(categories, profile);
  if (paired_rounds > 0) return RunPaired(categories, paired_rounds, 1000);

  int bench_argc = static_cast<int>(args.size());
  benchmark::Initialize(&bench_argc, args.data());
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
