// The matcher's wildcard engine against RE2::Set, in one binary: 1,000 and
// 10,000 wildcard rules of one field, in four shapes, compiled and matched
// both ways.
//
//   build/bench/bench/wildcard_benchmark [--benchmark_filter=...]
//
// Shapes (k the rule's number, w* words from a 2,000-word vocabulary):
//   Path      */<k>/*.log                       a middle literal and a tail
//   Infix     *<w1>*<w2>*                       the `*a*b*` shape
//   LongRun   arn:aws:s3:::bucket-<k>/logs/2026/region/eu-west-1/*.gz
//                                               a long literal head, a tail
//   Stars     <w1>*<w2>*<w3>*<w4>               four literals, three stars
// Each rule is {"v":[{"wildcard": W}]}; RE2 gets the same wildcard as an
// anchored regex, (?s) with every literal quoted and every star `.*`, in one
// RE2::Set (ANCHOR_BOTH, max_mem 2 GiB so that its DFA never gives up).
//
// Compile_<Engine>_<Shape>/N: seconds to build the Matcher (RuleSet and
// Compile) or the Set (Add and Compile). Match_<Engine>_<Shape>/N: time per
// event over 256 values that each hit a few rules and miss the rest; the
// matcher parses the event {"v": value} as well, RE2 only scans the value:
// Match_Floor_<Shape> is the matcher's time for those events with one exact
// rule that never matches.
// Before timing, both engines' matches are compared on every value; any
// difference aborts the run.

#include <benchmark/benchmark.h>
#include <re2/re2.h>
#include <re2/set.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"

namespace {

std::string Word(uint32_t i) { return "w" + std::to_string(i % 2000) + "x"; }

// The literal segments of rule k, in order, and whether it starts or ends
// with a star.
struct Shape {
  std::vector<std::string> segments;  // segments.size() - 1 stars between
};

Shape RuleShape(const std::string& shape, uint32_t k, std::mt19937& rng) {
  if (shape == "Path") return {{"", "/" + std::to_string(k) + "/", ".log"}};
  if (shape == "Infix") return {{"", Word(rng()), Word(rng()), ""}};
  if (shape == "LongRun") {
    return {{"arn:aws:s3:::bucket-" + std::to_string(k) + "/logs/2026/region/eu-west-1/", ".gz"}};
  }
  return {{Word(rng()), Word(rng()), Word(rng()), Word(rng())}};  // Stars
}

// The value of a wildcard: literals joined by stars, `*` and `\` escaped.
std::string WildcardOf(const Shape& s) {
  std::string out;
  for (size_t i = 0; i < s.segments.size(); ++i) {
    if (i > 0) out += '*';
    for (char c : s.segments[i]) {
      if (c == '*' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

std::string RegexOf(const Shape& s) {
  std::string out = "(?s)";
  for (size_t i = 0; i < s.segments.size(); ++i) {
    if (i > 0) out += ".*";
    out += RE2::QuoteMeta(s.segments[i]);
  }
  return out;
}

std::vector<Shape> Rules(const std::string& shape, uint32_t n) {
  std::mt19937 rng(42);
  std::vector<Shape> rules;
  for (uint32_t k = 0; k < n; ++k) rules.push_back(RuleShape(shape, k, rng));
  return rules;
}

// Values that contain a few rules' literals and miss the rest.
std::vector<std::string> Values(const std::string& shape, const std::vector<Shape>& rules) {
  std::mt19937 rng(7);
  std::vector<std::string> values;
  for (int i = 0; i < 256; ++i) {
    const Shape& hit = rules[rng() % rules.size()];
    std::string v;
    if (shape == "Path") {
      v = "/var" + hit.segments[1] + "app.log";
    } else if (shape == "LongRun") {
      v = hit.segments[0] + "object-" + std::to_string(i) + (i % 2 ? ".gz" : ".txt");
    } else if (shape == "Infix") {
      v = "pre " + hit.segments[1] + " mid " + Word(rng()) + " " + hit.segments[2] + " post";
    } else {
      v = hit.segments[0] + "-" + hit.segments[1] + "-" + Word(rng()) + "-" + hit.segments[2] +
          "-" + hit.segments[3];
    }
    values.push_back(v);
  }
  return values;
}

std::string EventOf(const std::string& value) {
  std::string e = "{\"v\":\"" + value + "\"}";
  e.reserve(e.size() + evmatch::kPadding);
  return e;
}

absl::StatusOr<evmatch::Matcher> CompileMatcher(const std::vector<Shape>& rules) {
  evmatch::PatternOptions options;
  options.max_wildcard_complexity = 0;  // no limit: every shape is allowed
  evmatch::RuleSet set(options);
  for (size_t k = 0; k < rules.size(); ++k) {
    std::string pattern = "{\"v\":[{\"wildcard\":\"";
    for (char c : WildcardOf(rules[k])) {
      if (c == '\\' || c == '"') pattern += '\\';
      pattern += c;
    }
    pattern += "\"}]}";
    if (absl::Status s = set.Add("r" + std::to_string(k), pattern); !s.ok()) return s;
  }
  return evmatch::Matcher::Compile(set);
}

std::unique_ptr<RE2::Set> CompileSet(const std::vector<Shape>& rules) {
  RE2::Options options;
  options.set_max_mem(int64_t{2} << 30);
  auto set = std::make_unique<RE2::Set>(options, RE2::ANCHOR_BOTH);
  for (const Shape& r : rules) {
    if (set->Add(RegexOf(r), nullptr) < 0) std::abort();
  }
  if (!set->Compile()) std::abort();
  return set;
}

// Aborts unless both engines report the same rules for every value.
void CheckAgree(const std::string& shape, uint32_t n) {
  static std::map<std::pair<std::string, uint32_t>, bool> checked;
  if (checked[{shape, n}]) return;
  checked[{shape, n}] = true;
  const std::vector<Shape> rules = Rules(shape, n);
  absl::StatusOr<evmatch::Matcher> matcher = CompileMatcher(rules);
  if (!matcher.ok()) std::abort();
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  std::unique_ptr<RE2::Set> set = CompileSet(rules);
  for (const std::string& v : Values(shape, rules)) {
    const std::string e = EventOf(v);
    if (matcher->Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) std::abort();
    std::vector<int> re2;
    RE2::Set::ErrorInfo info;
    set->Match(v, &re2, &info);
    if (info.kind != RE2::Set::kNoError) std::abort();
    std::sort(re2.begin(), re2.end());
    const auto ours = scratch.matches();
    if (!std::equal(ours.begin(), ours.end(), re2.begin(), re2.end())) {
      std::fprintf(stderr, "%s/%u: engines disagree on %s\n", shape.c_str(), n, v.c_str());
      std::abort();
    }
  }
}

void BM_CompileMatcher(benchmark::State& state, std::string shape) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const std::vector<Shape> rules = Rules(shape, n);
  size_t bytes = 0;
  for (auto _ : state) {
    absl::StatusOr<evmatch::Matcher> matcher = CompileMatcher(rules);
    if (!matcher.ok()) std::abort();
    bytes = matcher->memory_bytes();
  }
  state.counters["bytes_per_rule"] = static_cast<double>(bytes) / n;
}

void BM_CompileRe2(benchmark::State& state, std::string shape) {
  const std::vector<Shape> rules = Rules(shape, static_cast<uint32_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(CompileSet(rules));
}

void BM_MatchMatcher(benchmark::State& state, std::string shape) {
  const auto n = static_cast<uint32_t>(state.range(0));
  CheckAgree(shape, n);
  const std::vector<Shape> rules = Rules(shape, n);
  absl::StatusOr<evmatch::Matcher> matcher = CompileMatcher(rules);
  if (!matcher.ok()) std::abort();
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  std::vector<std::string> events;
  for (const std::string& v : Values(shape, rules)) events.push_back(EventOf(v));
  size_t i = 0, matches = 0;
  for (auto _ : state) {
    const std::string& e = events[i++ % events.size()];
    if (matcher->Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) std::abort();
    matches += scratch.matches().size();
  }
  state.counters["matches_per_event"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

// The matcher's floor on the same events: one exact rule that never
// matches, so the time is reading {"v": value} and looking the value up.
void BM_MatchFloor(benchmark::State& state, std::string shape) {
  const std::vector<Shape> rules = Rules(shape, static_cast<uint32_t>(state.range(0)));
  evmatch::RuleSet set;
  if (!set.Add("none", R"({"v":["-"]})").ok()) std::abort();
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(set);
  if (!matcher.ok()) std::abort();
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  std::vector<std::string> events;
  for (const std::string& v : Values(shape, rules)) events.push_back(EventOf(v));
  size_t i = 0;
  for (auto _ : state) {
    const std::string& e = events[i++ % events.size()];
    if (matcher->Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) std::abort();
  }
}

void BM_MatchRe2(benchmark::State& state, std::string shape) {
  const auto n = static_cast<uint32_t>(state.range(0));
  CheckAgree(shape, n);
  const std::vector<Shape> rules = Rules(shape, n);
  std::unique_ptr<RE2::Set> set = CompileSet(rules);
  const std::vector<std::string> values = Values(shape, rules);
  std::vector<int> hits;
  size_t i = 0, matches = 0;
  for (auto _ : state) {
    hits.clear();
    set->Match(values[i++ % values.size()], &hits);
    matches += hits.size();
  }
  state.counters["matches_per_event"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

void Register() {
  for (const char* shape : {"Path", "Infix", "LongRun", "Stars"}) {
    const std::string s = shape;
    for (const auto& [name, fn] :
         std::vector<std::pair<std::string, void (*)(benchmark::State&, std::string)>>{
             {"Compile_Matcher_", BM_CompileMatcher}, {"Compile_Re2_", BM_CompileRe2}}) {
      benchmark::RegisterBenchmark((name + s).c_str(), fn, s)
          ->Arg(1000)
          ->Arg(10000)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(3);
    }
    benchmark::RegisterBenchmark(("Match_Matcher_" + s).c_str(), BM_MatchMatcher, s)
        ->Arg(1000)
        ->Arg(10000);
    benchmark::RegisterBenchmark(("Match_Re2_" + s).c_str(), BM_MatchRe2, s)->Arg(1000)->Arg(10000);
    benchmark::RegisterBenchmark(("Match_Floor_" + s).c_str(), BM_MatchFloor, s)->Arg(1000);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
