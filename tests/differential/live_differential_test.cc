// LiveMatcher against a fresh compile (built into unit_tests, so that the
// TSan build runs the threaded case): random Put, Remove, Apply and Merge
// steps on random rules (tests/support/random_cases.h), and after each step
// every event matched by the live set and by Matcher::Compile over the same
// rules. Then the same while reader threads match and a writer changes the
// rules: each result must be that of a version published during the call.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "evmatch/live.h"
#include "json/json_tree.h"
#include "support/random_cases.h"
#include "support/temp_dir.h"

namespace {

using evmatch::LiveMatcher;
using evmatch::MatchMode;
using evmatch::MatchStatus;

using Model = std::map<std::string, std::vector<std::string>>;  // name -> patterns
using Result = std::vector<std::string>;                        // matching names, sorted

struct Event {
  std::string text;  // padded
  size_t size;
  bool repeated_key;  // lazy mode may differ (documented): complete mode only
};

evmatch::RuleSet ToRuleSet(const Model& model) {
  evmatch::RuleSet rules;
  for (const auto& [name, patterns] : model) {
    for (const std::string& pattern : patterns) REQUIRE(rules.Add(name, pattern).ok());
  }
  return rules;
}

// Every event's result with a fresh Matcher over `model`.
std::vector<Result> FreshResults(const Model& model, const std::vector<Event>& events,
                                 MatchMode mode) {
  const evmatch::RuleSet rules = ToRuleSet(model);
  auto matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());
  std::vector<Result> results;
  for (const Event& e : events) {
    REQUIRE(matcher->Match(std::string_view(e.text.data(), e.size), e.text.size(), scratch, mode) ==
            MatchStatus::kOk);
    Result names;
    for (evmatch::RuleId id : scratch.matches()) names.emplace_back(matcher->rule_name(id));
    std::sort(names.begin(), names.end());
    results.push_back(std::move(names));
  }
  return results;
}

Result LiveResult(const LiveMatcher& live, const Event& e, evmatch::Scratch& scratch,
                  MatchMode mode) {
  const MatchStatus status =
      live.Match(std::string_view(e.text.data(), e.size), e.text.size(), scratch, mode);
  if (status != MatchStatus::kOk) return {"<status " + std::to_string(int(status)) + ">"};
  Result names;
  for (evmatch::RuleId id : scratch.matches()) names.emplace_back(live.rule_name(id));
  std::sort(names.begin(), names.end());
  return names;
}

class Steps {
 public:
  // exact: rules of exact strings only (RandomCases::ExactPattern).
  Steps(uint32_t seed, bool exact) : gen_(seed), rng_(seed), exact_(exact) {}

  std::vector<Event> Events(int n) {
    std::vector<Event> events;
    for (int i = 0; i < n; ++i) {
      Event e{gen_.Event(), 0, false};
      e.size = e.text.size();
      evmatch::internal::JsonValue tree;
      evmatch::internal::JsonParseError error;
      REQUIRE(evmatch::internal::ParseJsonTree(e.text, 256, &tree, &error));
      e.repeated_key = evmatch::internal::HasRepeatedKey(tree);
      e.text.resize(e.size + evmatch::kPadding);
      events.push_back(std::move(e));
    }
    return events;
  }

  // One to three valid random patterns.
  std::vector<std::string> Patterns() {
    std::vector<std::string> patterns;
    const int n = 1 + Pick(3);
    while (static_cast<int>(patterns.size()) < n) {
      std::string p = exact_ ? gen_.ExactPattern() : gen_.Pattern();
      if (evmatch::Pattern::Parse(p).ok()) patterns.push_back(std::move(p));
    }
    return patterns;
  }

  std::string Name() { return "rule-" + std::to_string(Pick(kNames)); }
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }

  // A batch that changes `model` and always changes something: Puts and
  // Removes of present names, at least one Put.
  LiveMatcher::Changes Batch(Model* model, std::string* what = nullptr) {
    LiveMatcher::Changes changes;
    const int n = 1 + Pick(4);
    for (int i = 0; i < n; ++i) {
      const std::string name = Name();
      if (i > 0 && Pick(3) == 0 && model->contains(name)) {
        changes.Remove(name);
        model->erase(name);
        if (what) *what += " remove " + name;
        continue;
      }
      std::vector<std::string> patterns = Patterns();
      std::vector<std::string_view> views(patterns.begin(), patterns.end());
      REQUIRE(changes.Put(name, views).ok());
      (*model)[name] = std::move(patterns);
      if (what) *what += " put " + name;
    }
    return changes;
  }

  static constexpr int kNames = 24;

 private:
  evmatch_test::RandomCases gen_;
  std::mt19937 rng_;
  const bool exact_;
};

// `steps` random changes on one LiveMatcher, each followed by a comparison
// of every event in both modes (and, every fourth step, through MatchBatch).
// Returns the (event, step) cases compared.
size_t RunSteps(uint32_t seed, int steps, int events_per_run, bool exact = false) {
  Steps gen(seed, exact);
  const std::vector<Event> events = gen.Events(events_per_run);
  // A base of few rules leaves paths to the delta alone (the delta's own
  // walk); a larger one names them all (the delta matched on the base's
  // walk).
  Model model;
  const int initial = seed % 2 == 0 ? 10 : gen.Pick(3);
  for (int i = 0; i < initial; ++i) model[gen.Name()] = gen.Patterns();
  evmatch::LiveOptions options;
  options.merge_threshold = 2 + static_cast<size_t>(gen.Pick(initial == 10 ? 8 : 40));
  options.background_merge = gen.Pick(2) == 0;
  auto created = LiveMatcher::Create(ToRuleSet(model), options);
  REQUIRE(created.ok());
  std::unique_ptr<LiveMatcher> owned = *std::move(created);
  auto scratch_owned = std::make_unique<evmatch::Scratch>();
  REQUIRE(owned->PrepareScratch(*scratch_owned).ok());
  evmatch_test::TempDir dir;
  std::string ndjson;
  for (const Event& e : events) ndjson += std::string(e.text.data(), e.size) + "\n";
  const size_t ndjson_size = ndjson.size();
  ndjson.resize(ndjson_size + evmatch::kPadding);

  size_t cases = 0;
  for (int step = 0; step < steps; ++step) {
    std::string what;
    {  // the set before this step's change (a restart replaces it)
      LiveMatcher& live = *owned;
      switch (gen.Pick(6)) {
        case 0:
        case 1: {
          const std::string name = gen.Name();
          std::vector<std::string> patterns = gen.Patterns();
          std::vector<std::string_view> views(patterns.begin(), patterns.end());
          REQUIRE(live.Put(name, views).ok());
          model[name] = std::move(patterns);
          what = "Put " + name;
          break;
        }
        case 2: {
          const std::string name = gen.Name();
          REQUIRE(live.Remove(name).ok());
          model.erase(name);
          what = "Remove " + name;
          break;
        }
        case 3:
        case 4:
          REQUIRE(live.Apply(gen.Batch(&model, &what)).ok());
          what = "Apply" + what;
          break;
        default:
          if (const int pick = gen.Pick(3); pick == 0) {
            REQUIRE(live.Merge().ok());
            what = "Merge";
          } else if (pick == 1) {
            // A restart: the rules as a checkpoint, read back as a new set.
            const std::string path = dir.path + "/live.evm";
            REQUIRE(live.Checkpoint(path).ok());
            auto restored = LiveMatcher::Restore(path, options);
            REQUIRE(restored.ok());
            scratch_owned = std::make_unique<evmatch::Scratch>();
            owned = *std::move(restored);
            REQUIRE(owned->PrepareScratch(*scratch_owned).ok());
            what = "Checkpoint and Restore";
          } else {
            Model next = model;
            for (int i = 0; i < 3; ++i) {
              const std::string name = gen.Name();
              if (gen.Pick(2) == 0) {
                next.erase(name);
              } else {
                next[name] = gen.Patterns();
              }
            }
            REQUIRE(live.Replace(ToRuleSet(next)).ok());
            model = std::move(next);
            what = "Replace";
          }
      }
    }
    INFO("seed " << seed << ", step " << step << " (" << what << ")");
    LiveMatcher& live = *owned;
    evmatch::Scratch& scratch = *scratch_owned;
    for (MatchMode mode : {MatchMode::kComplete, MatchMode::kLazy}) {
      const std::vector<Result> expected = FreshResults(model, events, mode);
      for (size_t i = 0; i < events.size(); ++i) {
        if (mode == MatchMode::kLazy && events[i].repeated_key) continue;
        INFO("event " << std::string(events[i].text.data(), events[i].size));
        REQUIRE(LiveResult(live, events[i], scratch, mode) == expected[i]);
        ++cases;
      }
      if (step % 4 == 0) {
        size_t index = 0;
        REQUIRE(live.MatchBatch(
                    std::string_view(ndjson.data(), ndjson_size), ndjson.size(), scratch,
                    [&](const evmatch::BatchEvent& e) {
                      Result names;
                      for (evmatch::RuleId id : e.matches) {
                        names.emplace_back(live.rule_name(id));
                      }
                      std::sort(names.begin(), names.end());
                      if (mode == MatchMode::kComplete || !events[index].repeated_key) {
                        CHECK(names == expected[index]);
                      }
                      ++index;
                    },
                    mode) == MatchStatus::kOk);
        CHECK(index == events.size());
      }
    }
    REQUIRE(live.stats().rules == model.size());
  }
  return cases;
}

// A writer applies `steps` batches while `readers` threads match; each result
// must equal that of a version published while its Match ran. Returns the
// matches checked.
size_t RunConcurrent(uint32_t seed, int steps, int readers) {
  Steps gen(seed, /*exact=*/false);
  const std::vector<Event> events = gen.Events(30);
  Model model;
  for (int i = 0; i < 10; ++i) model[gen.Name()] = gen.Patterns();
  evmatch::LiveOptions options;
  options.merge_threshold = 4;
  auto created = LiveMatcher::Create(ToRuleSet(model), options);
  REQUIRE(created.ok());
  LiveMatcher& live = **created;
  // Every batch changes something, so version v is the state after batch v.
  std::vector<LiveMatcher::Changes> batches;
  std::vector<std::vector<Result>> expected{FreshResults(model, events, MatchMode::kComplete)};
  for (int i = 0; i < steps; ++i) {
    batches.push_back(gen.Batch(&model));
    expected.push_back(FreshResults(model, events, MatchMode::kComplete));
  }

  std::atomic<bool> done{false};
  std::atomic<size_t> checked{0}, wrong{0};
  std::vector<std::string> first_wrong(readers);
  std::vector<std::thread> threads;
  for (int t = 0; t < readers; ++t) {
    threads.emplace_back([&, t] {
      evmatch::Scratch scratch;
      if (!live.PrepareScratch(scratch).ok()) {
        wrong.fetch_add(1);
        return;
      }
      for (size_t i = static_cast<size_t>(t); !done.load(); ++i) {
        const Event& e = events[i % events.size()];
        const uint64_t before = live.stats().version;
        const Result got = LiveResult(live, e, scratch, MatchMode::kComplete);
        const uint64_t after = live.stats().version;
        bool ok = false;
        for (uint64_t v = before; v <= after && !ok; ++v) {
          ok = got == expected[v][i % events.size()];
        }
        checked.fetch_add(1);
        if (!ok && wrong.fetch_add(1) == 0) {
          first_wrong[t] = std::string(e.text.data(), e.size) + " between versions " +
                           std::to_string(before) + " and " + std::to_string(after);
        }
      }
    });
  }
  for (const LiveMatcher::Changes& batch : batches) {
    REQUIRE(live.Apply(batch).ok());
    std::this_thread::yield();
  }
  REQUIRE(live.Merge().ok());
  // Let the readers see the last version a while.
  while (checked.load() < static_cast<size_t>(steps) * 4) std::this_thread::yield();
  done.store(true);
  for (std::thread& thread : threads) thread.join();
  for (const std::string& w : first_wrong) {
    if (!w.empty()) INFO("first disagreement: " << w);
  }
  CHECK(wrong.load() == 0);
  CHECK(live.stats().version == static_cast<uint64_t>(steps));
  return checked.load();
}

}  // namespace

TEST_CASE("LiveMatcher agrees with a fresh compile after every random change",
          "[differential][live]") {
  size_t cases = 0;
  for (uint32_t seed : {1u, 2u, 3u, 4u}) cases += RunSteps(seed, 60, 30);
  CHECK(cases >= 10000);
}

TEST_CASE("LiveMatcher of exact-string rules agrees with a fresh compile after every change",
          "[differential][live]") {
  size_t cases = 0;
  for (uint32_t seed : {5u, 6u, 7u, 8u}) cases += RunSteps(seed, 60, 30, /*exact=*/true);
  CHECK(cases >= 10000);
}

TEST_CASE("LiveMatcher agrees with a fresh compile, long runs", "[.][slow][differential][live]") {
  size_t cases = 0;
  for (uint32_t seed = 100; seed < 140; ++seed) cases += RunSteps(seed, 400, 60);
  CHECK(cases >= 1000000);
}

TEST_CASE("LiveMatcher readers on threads see whole versions while a writer changes rules",
          "[differential][live][threads]") {
  CHECK(RunConcurrent(7, 200, 3) >= 800);
}

TEST_CASE("LiveMatcher concurrent readers, long run", "[.][slow][differential][live]") {
  CHECK(RunConcurrent(8, 3000, 4) >= 12000);
}
