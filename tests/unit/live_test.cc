// LiveMatcher: what Put, Remove, Apply, Replace and Merge do to ids, names
// and matches; refused changes; readers' contract. The randomized
// comparison with a fresh compile is in differential/live_differential_test.cc.

#include "evmatch/live.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.h"

namespace {

using evmatch::LiveMatcher;
using evmatch::LiveOptions;
using evmatch::MatchStatus;
using evmatch::RuleId;

constexpr const char* kRed = R"({"color":["red"]})";
constexpr const char* kBlue = R"({"color":["blue"]})";
constexpr const char* kBig = R"({"size":[{"numeric":[">",10]}]})";

std::unique_ptr<LiveMatcher> MakeLive(const std::vector<std::pair<std::string, std::string>>& rules,
                                      LiveOptions options = {}) {
  evmatch::RuleSet set;
  for (const auto& [name, pattern] : rules) REQUIRE(set.Add(name, pattern).ok());
  auto live = LiveMatcher::Create(set, options);
  REQUIRE(live.ok());
  return *std::move(live);
}

// Names of the rules `event` matches, in id order.
std::vector<std::string> Names(const LiveMatcher& live, evmatch::Scratch& scratch,
                               std::string event) {
  const size_t size = event.size();
  event.resize(size + evmatch::kPadding);
  REQUIRE(live.Match(std::string_view(event.data(), size), event.size(), scratch) ==
          MatchStatus::kOk);
  std::vector<std::string> names;
  for (RuleId id : scratch.matches()) names.emplace_back(live.rule_name(id));
  return names;
}

using Names_ = std::vector<std::string>;

}  // namespace

TEST_CASE("LiveMatcher: Put adds and replaces, Remove deletes, each visible at once", "[live]") {
  auto live = MakeLive({{"red", kRed}, {"big", kBig}});
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  const std::string event = R"({"color":"blue","size":12})";
  CHECK(Names(*live, scratch, event) == Names_{"big"});

  REQUIRE(live->Put("blue", kBlue).ok());
  CHECK(Names(*live, scratch, event) == Names_{"big", "blue"});

  // Replacing keeps the id; the base's old patterns stop matching.
  const RuleId red = *live->FindRule("red");
  REQUIRE(live->Put("red", R"({"size":[12]})").ok());
  CHECK(*live->FindRule("red") == red);
  CHECK(Names(*live, scratch, event) == Names_{"red", "big", "blue"});
  CHECK(Names(*live, scratch, R"({"color":"red"})").empty());

  REQUIRE(live->Remove("big").ok());
  CHECK(Names(*live, scratch, event) == Names_{"red", "blue"});
  CHECK_FALSE(live->FindRule("big").has_value());
  REQUIRE(live->Remove("big").ok());  // as DeleteRule: removing twice succeeds
  REQUIRE(live->Remove("never-there").ok());

  CHECK(live->stats().rules == 2);
  CHECK(live->stats().version == 3);  // two Puts and one Remove that changed something
}

TEST_CASE("LiveMatcher: ids are never reused and always name their rule", "[live]") {
  auto live = MakeLive({{"a", kRed}});
  const RuleId a = *live->FindRule("a");
  REQUIRE(live->Remove("a").ok());
  REQUIRE(live->Put("b", kRed).ok());
  REQUIRE(live->Put("a", kRed).ok());
  const RuleId b = *live->FindRule("b");
  const RuleId a2 = *live->FindRule("a");
  CHECK(a != a2);
  CHECK(b != a);
  CHECK(live->rule_name(a) == "a");  // a removed id still names its rule
  CHECK(live->rule_name(a2) == "a");
  CHECK(live->rule_name(b) == "b");
  CHECK(live->rule_name(1000).empty());  // never issued

  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  std::string event = R"({"color":"red"})";
  const size_t size = event.size();
  event.resize(size + evmatch::kPadding);
  REQUIRE(live->Match(std::string_view(event.data(), size), event.size(), scratch) ==
          MatchStatus::kOk);
  CHECK(std::vector<RuleId>(scratch.matches().begin(), scratch.matches().end()) ==
        std::vector<RuleId>{std::min(a2, b), std::max(a2, b)});
}

TEST_CASE("LiveMatcher: a refused change changes nothing", "[live]") {
  LiveOptions options;
  options.compile.max_rules = 3;
  auto live = MakeLive({{"red", kRed}, {"big", kBig}}, options);
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  const std::string event = R"({"color":"red","size":12})";

  // An invalid pattern: RuleSet::Add's error, with the rule's name.
  absl::Status bad = live->Put("red", R"({"color":["red"], "size":[]})");
  REQUIRE(bad.code() == absl::StatusCode::kInvalidArgument);
  auto where = evmatch::GetPatternError(bad);
  REQUIRE(where.has_value());
  CHECK(where->rule_name == "red");
  CHECK(where->reason == "Empty arrays are not allowed");

  // A batch with one invalid Put is refused as a whole by Changes::Put;
  // what was recorded before stays recorded, and nothing reaches the set.
  LiveMatcher::Changes changes;
  REQUIRE(changes.Put("blue", kBlue).ok());
  CHECK_FALSE(changes.Put("x", "{").ok());
  CHECK(changes.size() == 1);

  // Too many rules: the whole batch is refused.
  changes.Remove("big");
  REQUIRE(changes.Put("green", R"({"color":["green"]})").ok());
  REQUIRE(changes.Put("pink", R"({"color":["pink"]})").ok());
  absl::Status full = live->Apply(changes);
  CHECK(full.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(full.message()).find("max_rules") != std::string::npos);

  CHECK(live->stats().version == 0);
  CHECK(live->stats().rules == 2);
  CHECK_FALSE(live->FindRule("blue").has_value());
  CHECK(Names(*live, scratch, event) == Names_{"red", "big"});

  // Without the last Put the batch fits, and applies as one version.
  LiveMatcher::Changes fits;
  REQUIRE(fits.Put("blue", kBlue).ok());
  fits.Remove("big");
  REQUIRE(fits.Put("green", R"({"color":["red"]})").ok());
  REQUIRE(live->Apply(fits).ok());
  CHECK(live->stats().version == 1);
  CHECK(Names(*live, scratch, event) == Names_{"red", "green"});

  CHECK_FALSE(live->Put("", kRed).ok());
  CHECK_FALSE(live->Put("none", absl::Span<const std::string_view>()).ok());
}

TEST_CASE("LiveMatcher: a later change of a name in a batch wins", "[live]") {
  auto live = MakeLive({{"red", kRed}});
  LiveMatcher::Changes changes;
  REQUIRE(changes.Put("blue", kBlue).ok());
  changes.Remove("blue");
  changes.Remove("red");
  REQUIRE(changes.Put("red", kBig).ok());
  REQUIRE(live->Apply(changes).ok());
  CHECK_FALSE(live->FindRule("blue").has_value());
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  CHECK(Names(*live, scratch, R"({"color":"red","size":11})") == Names_{"red"});
  CHECK(Names(*live, scratch, R"({"color":"red"})").empty());
}

TEST_CASE("LiveMatcher: Merge folds the delta into the base, matches unchanged", "[live]") {
  LiveOptions options;
  options.background_merge = false;
  auto live = MakeLive({{"red", kRed}, {"big", kBig}}, options);
  REQUIRE(live->Put("blue", kBlue).ok());
  REQUIRE(live->Remove("red").ok());
  REQUIRE(live->Put("big", R"({"size":[{"numeric":["<",10]}]})").ok());
  CHECK(live->stats().delta_rules == 3);
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  const std::string event = R"({"color":"blue","size":5})";
  const Names_ before = Names(*live, scratch, event);
  CHECK(before == Names_{"big", "blue"});

  REQUIRE(live->Merge().ok());
  LiveMatcher::Stats stats = live->stats();
  CHECK(stats.delta_rules == 0);
  CHECK(stats.base_rules == 2);
  CHECK(stats.merges == 1);
  CHECK(Names(*live, scratch, event) == before);
  REQUIRE(live->Merge().ok());  // nothing to merge
  CHECK(live->stats().merges == 1);
}

TEST_CASE("LiveMatcher: background merges start past the threshold (threads)", "[live]") {
  LiveOptions options;
  options.merge_threshold = 4;
  auto live = MakeLive({{"red", kRed}}, options);
  for (int i = 0; i < 40; ++i) {
    REQUIRE(live->Put("r" + std::to_string(i), R"({"n":[)" + std::to_string(i) + "]}").ok());
  }
  // The threshold was crossed: a merge runs (or ran) in the background.
  for (int wait = 0; wait < 10000 && live->stats().merges == 0; ++wait) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  CHECK(live->stats().merges >= 1);
  // Merge waits for a background merge in progress, then folds the rest.
  REQUIRE(live->Merge().ok());
  LiveMatcher::Stats stats = live->stats();
  CHECK(stats.delta_rules == 0);
  CHECK(stats.base_rules == 41);
  CHECK(stats.last_merge.ok());
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  CHECK(Names(*live, scratch, R"({"n":17,"color":"red"})") == Names_{"red", "r17"});
}

TEST_CASE("LiveMatcher: changes land in the recent delta, minor merges move them to the older",
          "[live]") {
  LiveOptions options;
  options.merge_threshold = 1000;  // no major merge; a minor merge every 7 changes
  auto live = MakeLive({{"red", kRed}, {"big", kBig}}, options);
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  auto wait_minor = [&](uint64_t at_least) {
    for (int wait = 0; wait < 10000; ++wait) {
      const LiveMatcher::Stats stats = live->stats();
      if (stats.minor_merges >= at_least && !stats.merging) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    FAIL("no minor merge");
  };
  for (int i = 0; i < 7; ++i) {
    REQUIRE(live->Put("n" + std::to_string(i), R"({"n":[)" + std::to_string(i) + "]}").ok());
  }
  wait_minor(1);
  // n0..n6 are in the older delta now; change some of them, and the base,
  // in the recent one.
  REQUIRE(live->Put("n3", R"({"n":[30]})").ok());   // older delta rule replaced
  REQUIRE(live->Remove("n4").ok());                 // older delta rule removed
  REQUIRE(live->Put("red", kBlue).ok());            // base rule replaced
  REQUIRE(live->Put("late", R"({"n":[5]})").ok());  // a new rule beside n5
  CHECK(Names(*live, scratch, R"({"n":3})").empty());
  CHECK(Names(*live, scratch, R"({"n":30})") == Names_{"n3"});
  CHECK(Names(*live, scratch, R"({"n":4})").empty());
  CHECK(Names(*live, scratch, R"({"n":5,"color":"blue","size":11})") ==
        Names_{"red", "big", "n5", "late"});
  CHECK(Names(*live, scratch, R"({"color":"red"})").empty());
  // Three more changes fill the recent delta: another minor merge takes in
  // everything, masks included.
  REQUIRE(live->Remove("big").ok());
  REQUIRE(live->Put("n5", R"({"color":["blue"]})").ok());
  REQUIRE(live->Put("n6", R"({"n":[6],"color":["blue"]})").ok());
  wait_minor(2);
  CHECK(live->stats().merges == 0);
  CHECK(Names(*live, scratch, R"({"n":5,"color":"blue","size":11})") ==
        Names_{"red", "n5", "late"});
  CHECK(Names(*live, scratch, R"({"n":6,"color":"blue"})") == Names_{"red", "n5", "n6"});
  CHECK(Names(*live, scratch, R"({"n":30})") == Names_{"n3"});
  // A major merge folds both deltas into the base.
  REQUIRE(live->Merge().ok());
  const LiveMatcher::Stats stats = live->stats();
  CHECK(stats.delta_rules == 0);
  CHECK(stats.base_rules == 8);  // red, n0..n3, n5, n6, late
  CHECK(Names(*live, scratch, R"({"n":6,"color":"blue"})") == Names_{"red", "n5", "n6"});
}

TEST_CASE("LiveMatcher: Replace applies only the difference", "[live]") {
  auto live = MakeLive({{"red", kRed}, {"big", kBig}, {"blue", kBlue}});
  const RuleId big = *live->FindRule("big");
  evmatch::RuleSet next;
  REQUIRE(next.Add("big", R"({ "size" : [ { "numeric" : [ ">" , 10 ] } ] })").ok());  // same
  REQUIRE(next.Add("blue", kRed).ok());                                               // changed
  REQUIRE(next.Add("green", R"({"color":["green"]})").ok());                          // new
  LiveMatcher::Changes diff = LiveMatcher::Changes::Between(live->Rules(), next);
  CHECK(diff.size() == 3);  // blue, green, and the removal of red
  REQUIRE(live->Replace(next).ok());
  CHECK(live->stats().version == 1);
  CHECK(*live->FindRule("big") == big);
  CHECK(live->stats().delta_rules == 3);
  evmatch::RuleSet now = live->Rules();
  REQUIRE(now.size() == 3);
  CHECK(now.name(0) == "big");
  CHECK(now.name(1) == "blue");
  CHECK(now.name(2) == "green");
  REQUIRE(live->Replace(next).ok());
  CHECK(live->stats().version == 1);  // nothing differs
}

TEST_CASE("LiveMatcher: readers' contract", "[live]") {
  auto live = MakeLive({{"red", kRed}});
  evmatch::Scratch unprepared;
  std::string event = R"({"color":"red"})"
                      "\n"
                      R"({"color":)"
                      "\n"
                      R"({"color":"red"})";
  const size_t size = event.size();
  event.resize(size + evmatch::kPadding);
  const std::string_view input(event.data(), size);
  CHECK(live->Match(input, event.size(), unprepared) == MatchStatus::kScratchMismatch);

  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  CHECK(live->Match(input, size, scratch) == MatchStatus::kInsufficientPadding);
  CHECK(live->Match(input, event.size(), scratch) == MatchStatus::kInvalidJson);

  // A batch: one status per line, the delta's matches included.
  REQUIRE(live->Put("any", R"({"color":[{"exists":true}]})").ok());
  std::vector<std::pair<MatchStatus, size_t>> seen;
  REQUIRE(live->MatchBatch(input, event.size(), scratch, [&](const evmatch::BatchEvent& e) {
    seen.emplace_back(e.status, e.matches.size());
  }) == MatchStatus::kOk);
  CHECK(seen == std::vector<std::pair<MatchStatus, size_t>>{
                    {MatchStatus::kOk, 2}, {MatchStatus::kInvalidJson, 0}, {MatchStatus::kOk, 2}});

  // The same Scratch serves a Matcher and another LiveMatcher too.
  auto other = MakeLive({{"blue", kBlue}});
  REQUIRE(other->PrepareScratch(scratch).ok());
  CHECK(Names(*other, scratch, R"({"color":"blue"})") == Names_{"blue"});
  CHECK(Names(*live, scratch, R"({"color":"blue"})") == Names_{"any"});
}

TEST_CASE("LiveMatcher: Checkpoint and Restore, then the changes made since", "[live][persist]") {
  evmatch_test::TempDir dir;
  const std::string path = dir.path + "/rules.evm";
  auto live = MakeLive({{"red", kRed}, {"blue", kBlue}, {"big", kBig}});
  REQUIRE(live->Put("red-or-big", std::vector<std::string_view>{kRed, kBig}).ok());
  REQUIRE(live->Remove("blue").ok());
  evmatch::Scratch scratch;
  REQUIRE(live->PrepareScratch(scratch).ok());
  const std::string event = R"({"color":"red","size":20})";
  const Names_ before = Names(*live, scratch, event);
  CHECK(before == Names_{"red", "big", "red-or-big"});

  // With changes since the base (compiled for the checkpoint), and with
  // none (the base written as it is).
  for (bool merged : {false, true}) {
    INFO((merged ? "after a merge" : "with a delta"));
    if (merged) REQUIRE(live->Merge().ok());
    REQUIRE(live->Checkpoint(path).ok());
    auto restored = LiveMatcher::Restore(path);
    REQUIRE(restored.ok());
    LiveMatcher& again = **restored;
    evmatch::Scratch s;
    REQUIRE(again.PrepareScratch(s).ok());
    CHECK(again.stats().rules == 3);
    CHECK(again.stats().delta_rules == 0);
    // Ids are 0..n-1 in the checkpoint's order; the names and patterns stay.
    CHECK(again.rule_name(0) == "red");
    CHECK(again.rule_name(2) == "red-or-big");
    CHECK(again.patterns("red-or-big").size() == 2);
    CHECK(again.patterns("red-or-big")[1].ToJson() == live->patterns("red-or-big")[1].ToJson());
    CHECK(again.patterns("blue").empty());
    std::vector<std::string> sorted = Names(again, s, event);
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == Names_{"big", "red", "red-or-big"});
    // The changes made since the checkpoint bring it up to date.
    REQUIRE(again.Put("blue", kBlue).ok());
    REQUIRE(again.Remove("big").ok());
    CHECK(Names(again, s, R"({"color":"blue","size":5})") == Names_{"blue"});
    CHECK(Names(again, s, event) == Names_{"red", "red-or-big"});
    REQUIRE(again.Merge().ok());
    CHECK(Names(again, s, event) == Names_{"red", "red-or-big"});
  }
}

TEST_CASE("LiveMatcher: Restore refuses what it cannot restart from", "[live][persist]") {
  evmatch_test::TempDir dir;
  const std::string path = dir.path + "/rules.evm";
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("long", R"({"detail":{"name":["a-rather-long-value"]}})").ok());
  // An image without patterns: Matcher::Save's.
  REQUIRE(evmatch::Matcher::Compile(rules)->Save(path).ok());
  absl::Status status = LiveMatcher::Restore(path).status();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message().find("holds no patterns") != std::string::npos);
  CHECK(status.message().find(path) == 0);
  // A pattern the new options refuse is named.
  auto live = LiveMatcher::Create(rules);
  REQUIRE(live.ok());
  REQUIRE((*live)->Checkpoint(path).ok());
  evmatch::LiveOptions strict;
  strict.patterns.max_pattern_bytes = 16;
  status = LiveMatcher::Restore(path, strict).status();
  CHECK(status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(status.message().find("rule \"long\"") != std::string::npos);
  strict = {};
  strict.compile.max_rules = 0;
  CHECK(LiveMatcher::Restore(path, strict).status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(LiveMatcher::Restore(dir.path + "/none.evm").status().code() ==
        absl::StatusCode::kNotFound);
}
