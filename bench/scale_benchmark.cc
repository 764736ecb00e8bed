// How compile time, memory and match time scale with the number of rules.
//
//   build/bench/bench/scale_benchmark [--benchmark_filter=...]
//
// Rule families (N = 10 ... 1,000,000; wildcards 1k and 10k), generated from
// a fixed seed:
//   Exact      {"detail":{"id":["id-<k>"]}}
//   Realistic  source + detail-type + 2-4 of ~20 detail fields with mixed
//              operators (exact, prefix, suffix, numeric, anything-but,
//              exists, equals-ignore-case)
//   Prefix     {"detail":{"key":[{"prefix":"p<k>/"}]}}
//   Numeric    {"detail":{"n":[{"numeric":[">=",k,"<",k+10]}]}}
//   Wildcard   {"detail":{"path":[{"wildcard":"*/<k>/*.log"}]}}
// Compile_<Family>/N reports seconds per compile and bytes_per_rule (the
// Matcher's own estimate); Load_<Family>/N the seconds RuleSet::AddRules
// takes over the same rules written as one rules document, and
// Setup_<Family>/N AddRules then Compile (evmatch match --rules); Match_<Family>/N reports time per
// event over a fixed set of events that hit a few rules and miss the rest, and the counter
// matches_per_event. Match_Realistic_Threads shares one Matcher of 10k rules between 1 and 2
// threads, one Scratch each (items/s is the total).

#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "evmatch/live.h"

namespace {

std::string Rule(const std::string& family, uint32_t k, std::mt19937& rng) {
  const std::string n = std::to_string(k);
  if (family == "Exact") return R"({"detail":{"id":["id-)" + n + R"("]}})";
  if (family == "Prefix") return R"({"detail":{"key":[{"prefix":"p)" + n + R"(/"}]}})";
  if (family == "Numeric") {
    return R"({"detail":{"n":[{"numeric":[">=",)" + n + R"(,"<",)" + std::to_string(k + 10) +
           "]}]}}";
  }
  if (family == "Wildcard") return R"({"detail":{"path":[{"wildcard":"*/)" + n + R"(/*.log"}]}})";
  if (family == "ManyValues") {
    // 2-50 of 1,000,000 tags, and no "blocked" field.
    std::string r = R"({"detail":{"tags":[)";
    const uint32_t values = 2 + k % 49;
    for (uint32_t v = 0; v < values; ++v) {
      if (v > 0) r += ",";
      r += "\"tag-" + std::to_string(rng() % 1000000) + "\"";
    }
    return r + R"(],"blocked":[{"exists":false}]}})";
  }
  // Realistic: a source, a detail-type and a few detail fields.
  std::string r = R"({"source":["aws.service)" + std::to_string(k % 50) +
                  R"("],"detail-type":["Event )" + std::to_string(k % 20) + R"("],"detail":{)";
  const int fields = 2 + static_cast<int>(rng() % 3);
  for (int f = 0; f < fields; ++f) {
    const uint32_t field = (k + static_cast<uint32_t>(f) * 7) % 20;
    if (f > 0) r += ",";
    r += "\"f" + std::to_string(field) + "\":[";
    switch ((k + static_cast<uint32_t>(f)) % 7) {
      case 0: r += "\"v" + std::to_string(k % 1000) + "\""; break;
      case 1: r += R"({"prefix":"v)" + std::to_string(k % 100) + "\"}"; break;
      case 2: r += R"({"suffix":")" + std::to_string(k % 100) + "\"}"; break;
      case 3: r += R"({"numeric":[">",)" + std::to_string(k % 500) + "]}"; break;
      case 4: r += R"({"anything-but":"v)" + std::to_string(k % 10) + "\"}"; break;
      case 5: r += R"({"exists":true})"; break;
      default: r += R"({"equals-ignore-case":"V)" + std::to_string(k % 1000) + "\"}"; break;
    }
    r += "]";
  }
  return r + "}}";
}

std::vector<std::string> Events(const std::string& family, uint32_t rules) {
  std::vector<std::string> events;
  std::mt19937 rng(7);
  for (int i = 0; i < 64; ++i) {
    const uint32_t k = rng() % (rules * 2);  // about half hit a rule
    std::string detail;
    if (family == "Exact") detail = R"("id":"id-)" + std::to_string(k) + "\"";
    if (family == "Prefix") detail = R"("key":"p)" + std::to_string(k) + "/object.bin\"";
    if (family == "Numeric") detail = R"("n":)" + std::to_string(k) + ".5";
    if (family == "Wildcard") detail = R"("path":"/var/)" + std::to_string(k) + "/app.log\"";
    if (family == "ManyValues") {
      detail = R"("tags":[)";
      const uint32_t values = 50 + k % 51;
      for (uint32_t v = 0; v < values; ++v) {
        if (v > 0) detail += ",";
        detail += "\"tag-" + std::to_string(rng() % 1000000) + "\"";
      }
      detail += "]";
    }
    if (family == "Realistic") {
      for (int f = 0; f < 20; ++f) {
        if (f > 0) detail += ",";
        detail += "\"f" + std::to_string(f) + "\":\"v" + std::to_string((k + f) % 1000) + "\"";
      }
      detail += R"(,"f3":)" + std::to_string(k % 600);
    }
    std::string e = R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",)"
                    R"("source":"aws.service)" + std::to_string(k % 50) +
                    R"(","detail-type":"Event )" + std::to_string(k % 20) +
                    R"(","account":"111122223333","time":"2017-12-22T18:43:48Z",)"
                    R"("region":"us-west-1","resources":["arn:aws:ec2:us-west-1:123456789012:instance/i-1"],)"
                    R"("detail":{)" + detail + "}}";
    e.reserve(e.size() + evmatch::kPadding);
    events.push_back(std::move(e));
  }
  return events;
}

evmatch::RuleSet MakeRules(const std::string& family, uint32_t n) {
  evmatch::PatternOptions options;
  options.max_wildcard_complexity = 0;
  evmatch::RuleSet rules(options);
  std::mt19937 rng(42);
  for (uint32_t k = 0; k < n; ++k) {
    if (!rules.Add("r" + std::to_string(k), Rule(family, k, rng)).ok()) std::abort();
  }
  return rules;
}

// Resident bytes of this process (/proc/self/statm), 0 when unknown.
double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  double pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<double>(sysconf(_SC_PAGESIZE));
}

void BM_Compile(benchmark::State& state, std::string family) {
  const auto n = static_cast<uint32_t>(state.range(0));
  evmatch::RuleSet rules = MakeRules(family, n);
  size_t bytes = 0;
  malloc_trim(0);
  const double resident_before = ResidentBytes();
  std::vector<evmatch::Matcher> compiled;  // freed after the timing
  for (auto _ : state) {
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
    if (!matcher.ok()) {
      state.SkipWithError("compile failed");
      return;
    }
    bytes = matcher->memory_bytes();
    compiled.push_back(*std::move(matcher));
  }
  malloc_trim(0);
  // What the compiled matchers hold in resident memory, per matcher.
  const double resident =
      (ResidentBytes() - resident_before) / static_cast<double>(compiled.size());
  state.counters["rules"] = n;
  state.counters["bytes_per_rule"] = static_cast<double>(bytes) / n;
  state.counters["resident_per_rule"] = resident / n;
  if (family == "ManyValues") {
    double values = 0;
    for (uint32_t k = 0; k < n; ++k) values += 2 + k % 49;
    state.counters["values"] = values;
    state.counters["bytes_per_value"] = static_cast<double>(bytes) / values;
    state.counters["resident_per_value"] = resident / values;
    state.counters["ns_per_value"] =
        benchmark::Counter(values * static_cast<double>(state.iterations()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  }
}

// The rules of MakeRules as one rules document ({"r0": pattern, ...}).
std::string RulesDocument(const std::string& family, uint32_t n) {
  std::mt19937 rng(42);
  std::string doc = "{";
  for (uint32_t k = 0; k < n; ++k) {
    if (k > 0) doc += ",";
    doc += "\"r" + std::to_string(k) + "\":" + Rule(family, k, rng);
  }
  return doc + "}";
}

// Setting rules up from a document: RuleSet::AddRules alone (what `evmatch
// validate` does), and AddRules then Matcher::Compile (what `evmatch match
// --rules` does before its first event), to compare with Compile_<Family>.
void BM_Load(benchmark::State& state, std::string family, bool compile) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const std::string doc = RulesDocument(family, n);
  evmatch::PatternOptions options;
  options.max_wildcard_complexity = 0;
  // What is set up is freed after the timing: tearing down is not setting up.
  std::vector<evmatch::RuleSet> kept;
  std::vector<evmatch::Matcher> compiled;
  for (auto _ : state) {
    evmatch::RuleSet& rules = kept.emplace_back(options);
    if (!rules.AddRules(doc).ok()) {
      state.SkipWithError("invalid rules document");
      return;
    }
    if (compile) {
      absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
      if (!matcher.ok()) {
        state.SkipWithError("compile failed");
        return;
      }
      compiled.push_back(*std::move(matcher));
    }
  }
  state.counters["rules"] = n;
  state.counters["document_bytes"] = static_cast<double>(doc.size());
}

// A file named `name` in a new directory under /tmp, both removed with it.
struct TempFile {
  explicit TempFile(const char* name) {
    char dir[] = "/tmp/evmatch-bench-XXXXXX";
    if (mkdtemp(dir) == nullptr) std::abort();
    path = std::string(dir) + "/" + name;
  }
  ~TempFile() {
    std::remove(path.c_str());
    ::rmdir(path.substr(0, path.rfind('/')).c_str());
  }
  std::string path;
};

// Restarting from a compiled image (Matcher::Save, then Matcher::LoadFile
// of a file in the page cache, as after a checkpoint) against compiling the
// same rules, both in this run: load_per_compile is the median time of a
// load over the time of the compile, resident_ratio what a loaded matcher holds
// in resident memory (its mapped image included) over what the compiled one
// holds.
void BM_Image(benchmark::State& state, std::string family) {
  const auto n = static_cast<uint32_t>(state.range(0));
  evmatch::RuleSet rules = MakeRules(family, n);
  const TempFile file("rules.evm");
  const std::string& path = file.path;
  malloc_trim(0);
  double resident_before = ResidentBytes();
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  const double compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  malloc_trim(0);
  const double compiled_resident = ResidentBytes() - resident_before;
  if (!matcher.ok() || !matcher->Save(path).ok()) {
    state.SkipWithError("compile or save failed");
    return;
  }
  *matcher = evmatch::Matcher::Compile(evmatch::RuleSet()).value();  // frees it
  malloc_trim(0);
  resident_before = ResidentBytes();
  std::vector<evmatch::Matcher> loaded;  // unmapped after the timing
  std::vector<double> seconds;
  for (auto _ : state) {
    const auto load_start = std::chrono::steady_clock::now();
    absl::StatusOr<evmatch::Matcher> m = evmatch::Matcher::LoadFile(path);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count());
    if (!m.ok()) {
      state.SkipWithError(std::string(m.status().message()).c_str());
      return;
    }
    loaded.push_back(*std::move(m));
  }
  std::sort(seconds.begin(), seconds.end());
  const double loaded_resident =
      (ResidentBytes() - resident_before) / static_cast<double>(loaded.size());
  struct stat st {};
  ::stat(path.c_str(), &st);
  loaded.clear();
  state.counters["rules"] = n;
  state.counters["compile_ms"] = compile_seconds * 1e3;
  state.counters["image_bytes_per_rule"] = static_cast<double>(st.st_size) / n;
  state.counters["load_per_compile"] = seconds[seconds.size() / 2] / compile_seconds;
  state.counters["resident_ratio"] = loaded_resident / compiled_resident;
}

// Restarting a live rule set: LiveMatcher::Restore from a Checkpoint
// against LiveMatcher::Create over the same rules, in this run
// (restore_per_create: median restore over the create).
void BM_Restore(benchmark::State& state, std::string family) {
  const auto n = static_cast<uint32_t>(state.range(0));
  evmatch::RuleSet rules = MakeRules(family, n);
  const TempFile file("live.evm");
  const std::string& path = file.path;
  auto start = std::chrono::steady_clock::now();
  auto live = evmatch::LiveMatcher::Create(rules);
  const double create_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  start = std::chrono::steady_clock::now();
  if (!live.ok() || !(*live)->Checkpoint(path).ok()) {
    state.SkipWithError("create or checkpoint failed");
    return;
  }
  const double checkpoint_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  live->reset();
  std::vector<double> seconds;
  for (auto _ : state) {
    start = std::chrono::steady_clock::now();
    auto restored = evmatch::LiveMatcher::Restore(path);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    if (!restored.ok()) {
      state.SkipWithError(std::string(restored.status().message()).c_str());
      return;
    }
  }
  std::sort(seconds.begin(), seconds.end());
  state.counters["rules"] = n;
  state.counters["create_ms"] = create_seconds * 1e3;
  state.counters["checkpoint_ms"] = checkpoint_seconds * 1e3;
  state.counters["restore_per_create"] = seconds[seconds.size() / 2] / create_seconds;
}

void BM_Match(benchmark::State& state, std::string family) {
  const auto n = static_cast<uint32_t>(state.range(0));
  static std::string cached_family;
  static uint32_t cached_n = 0;
  static std::unique_ptr<evmatch::Matcher> matcher;
  if (cached_family != family || cached_n != n || matcher == nullptr) {
    absl::StatusOr<evmatch::Matcher> compiled = evmatch::Matcher::Compile(MakeRules(family, n));
    if (!compiled.ok()) {
      state.SkipWithError("compile failed");
      return;
    }
    matcher = std::make_unique<evmatch::Matcher>(*std::move(compiled));
    cached_family = family;
    cached_n = n;
  }
  const std::vector<std::string> events = Events(family, n);
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  size_t i = 0, matches = 0;
  for (auto _ : state) {
    const std::string& e = events[i];
    if (++i == events.size()) i = 0;
    if (matcher->Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) {
      state.SkipWithError("event rejected");
      return;
    }
    matches += scratch.matches().size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["rules"] = n;
  state.counters["matches_per_event"] =
      static_cast<double>(matches) / static_cast<double>(state.iterations());
}

// One Matcher shared by every thread, a Scratch per thread.
void BM_MatchShared(benchmark::State& state) {
  static const evmatch::Matcher* const matcher = [] {
    absl::StatusOr<evmatch::Matcher> compiled =
        evmatch::Matcher::Compile(MakeRules("Realistic", 10000));
    if (!compiled.ok()) std::abort();
    return new evmatch::Matcher(*std::move(compiled));
  }();
  const std::vector<std::string> events = Events("Realistic", 10000);
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  size_t i = static_cast<size_t>(state.thread_index()), matches = 0;
  for (auto _ : state) {
    const std::string& e = events[i % events.size()];
    ++i;
    if (matcher->Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) {
      state.SkipWithError("event rejected");
      return;
    }
    matches += scratch.matches().size();
  }
  benchmark::DoNotOptimize(matches);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void Register() {
  for (const char* family : {"Exact", "Realistic", "Prefix", "Numeric"}) {
    auto* compile = benchmark::RegisterBenchmark((std::string("Compile_") + family).c_str(),
                                                 BM_Compile, family);
    auto* match = benchmark::RegisterBenchmark((std::string("Match_") + family).c_str(),
                                               BM_Match, family);
    for (int64_t n : {10, 1000, 10000, 100000, 1000000}) {
      compile->Arg(n);
      match->Arg(n);
    }
    compile->Unit(benchmark::kMillisecond)->Iterations(1);
  }
  for (const char* family : {"Exact", "Realistic"}) {
    for (bool compile : {false, true}) {
      const std::string name = std::string(compile ? "Setup_" : "Load_") + family;
      benchmark::RegisterBenchmark(name.c_str(), BM_Load, family, compile)
          ->Arg(100000)
          ->Arg(1000000)
          ->Unit(benchmark::kMillisecond)
          ->Iterations(1);
    }
  }
  for (const char* family : {"Exact", "Realistic"}) {
    benchmark::RegisterBenchmark((std::string("Image_") + family).c_str(), BM_Image, family)
        ->Arg(100000)
        ->Arg(1000000)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(5);
    benchmark::RegisterBenchmark((std::string("Restore_") + family).c_str(), BM_Restore, family)
        ->Arg(100000)
        ->Arg(1000000)
        ->Unit(benchmark::kMillisecond)
        ->Iterations(3);
  }
  auto* many = benchmark::RegisterBenchmark("Compile_ManyValues", BM_Compile, "ManyValues");
  auto* many_match = benchmark::RegisterBenchmark("Match_ManyValues", BM_Match, "ManyValues");
  for (int64_t n : {1000, 10000, 100000}) {
    many->Arg(n);
    many_match->Arg(n);
  }
  many->Unit(benchmark::kMillisecond)->Iterations(1);
  benchmark::RegisterBenchmark("Compile_Wildcard", BM_Compile, "Wildcard")
      ->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1);
  benchmark::RegisterBenchmark("Match_Wildcard", BM_Match, "Wildcard")->Arg(1000)->Arg(10000);
  benchmark::RegisterBenchmark("Match_Realistic_Threads", BM_MatchShared)
      ->Threads(1)->Threads(2)->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  Register();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
