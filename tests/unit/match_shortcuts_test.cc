// The matcher's fast paths, each on the inputs that would expose it if it
// were wrong: guards (conditions that must have a hit before a woken
// sub-rule is checked), one-condition sub-rules decided on being woken,
// repeated keys that kill the value that woke a rule, the two ways matches
// are put in order, and the two layouts of the numeric interval index. Where
// a case is small, its result is also checked against the reference
// evaluator.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <tuple>
#include <vector>

#include "evmatch/evmatch.h"
#include "support/compile_rules.h"

namespace {

using evmatch_test::CompileRules;

std::vector<evmatch::RuleId> MatchAll(const evmatch::Matcher& matcher, evmatch::Scratch& scratch,
                                      std::string event) {
  event.reserve(event.size() + evmatch::kPadding);
  REQUIRE(matcher.Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kOk);
  return {scratch.matches().begin(), scratch.matches().end()};
}

// Checks `event` against every (pattern, expected) pair, compiled as rules
// 0, 1, ... of one matcher, and each pattern against the reference.
void Check(const std::vector<std::pair<std::string, bool>>& rules, const std::string& event) {
  std::string json = "{";
  std::vector<evmatch::RuleId> want;
  for (size_t i = 0; i < rules.size(); ++i) {
    json += (i ? ",\"r" : "\"r") + std::to_string(i) + "\":" + rules[i].first;
    absl::StatusOr<bool> reference = evmatch::TestEventPattern(rules[i].first, event);
    REQUIRE(reference.ok());
    INFO(rules[i].first << " against " << event);
    CHECK(*reference == rules[i].second);
    if (rules[i].second) want.push_back(static_cast<evmatch::RuleId>(i));
  }
  evmatch::Matcher matcher = CompileRules(json + "}");
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  INFO(event);
  CHECK(MatchAll(matcher, scratch, event) == want);
}

}  // namespace

TEST_CASE("every guard of a woken rule must have a hit", "[matcher][shortcuts]") {
  // Four single-value conditions: one triggers, the others are guards (the
  // two most selective) or left to the full check. A rule sharing values
  // with it makes the selectivities differ.
  const std::string rule = R"({"a":["1"],"b":["2"],"c":["3"],"d":["4"]})";
  const std::string other = R"({"b":["2"],"c":["3"],"d":["4"]})";
  Check({{rule, true}, {other, true}}, R"({"a":"1","b":"2","c":"3","d":"4"})");
  Check({{rule, false}, {other, true}}, R"({"a":"0","b":"2","c":"3","d":"4"})");
  Check({{rule, false}, {other, false}}, R"({"a":"1","b":"0","c":"3","d":"4"})");
  Check({{rule, false}, {other, false}}, R"({"a":"1","b":"2","c":"0","d":"4"})");
  Check({{rule, false}, {other, false}}, R"({"a":"1","b":"2","c":"3","d":"0"})");
  Check({{rule, false}, {other, false}}, R"({"a":"1","b":"2","c":"3"})");
}

TEST_CASE("a guard's hit may lie in the wrong array element", "[matcher][shortcuts]") {
  // Every guard has a hit, but no single element holds both values: the
  // full check still decides.
  const std::string rule = R"({"o":{"p":["x"],"q":["y"]},"a":["1"]})";
  Check({{rule, false}}, R"({"a":"1","o":[{"p":"x","q":"n"},{"p":"n","q":"y"}]})");
  Check({{rule, true}}, R"({"a":"1","o":[{"p":"x","q":"n"},{"p":"x","q":"y"}]})");
}

TEST_CASE("one-condition rules are decided on being woken", "[matcher][shortcuts]") {
  const std::vector<std::string> rules = {
      R"({"a":["x"]})", R"({"a":[{"prefix":"x"}]})", R"({"a":[{"exists":true}]})",
      R"({"a":[{"anything-but":"x"}]})", R"({"a":[{"anything-but":["x","y"]}]})"};
  auto with = [&](std::vector<bool> want) {
    std::vector<std::pair<std::string, bool>> out;
    for (size_t i = 0; i < rules.size(); ++i) out.emplace_back(rules[i], want[i]);
    return out;
  };
  Check(with({true, true, true, false, false}), R"({"a":"x"})");
  Check(with({false, false, true, true, false}), R"({"a":"y"})");
  Check(with({false, false, true, true, true}), R"({"a":"z"})");
  // An excluded value beside one that is not: anything-but holds.
  Check(with({true, true, true, true, false}), R"({"a":["x","y"]})");
  Check(with({true, true, true, true, true}), R"({"a":["x","z"]})");
  Check(with({false, false, false, false, false}), R"({"a":[]})");
  Check(with({false, false, false, false, false}), R"({"b":"x"})");
}

TEST_CASE("a repeated key kills the value that woke a rule", "[matcher][shortcuts]") {
  // The last occurrence of a key wins: a rule woken by the first is not a
  // match when the second no longer holds (or holds no value at all).
  const std::vector<std::string> rules = {R"({"a":["x"]})", R"({"a":[{"exists":true}]})",
                                          R"({"a":[{"anything-but":"x"}]})"};
  auto with = [&](std::vector<bool> want) {
    std::vector<std::pair<std::string, bool>> out;
    for (size_t i = 0; i < rules.size(); ++i) out.emplace_back(rules[i], want[i]);
    return out;
  };
  Check(with({false, true, true}), R"({"a":"x","a":"y"})");
  Check(with({true, true, false}), R"({"a":"y","a":"x"})");
  Check(with({false, false, false}), R"({"a":"x","a":{"b":1}})");
  Check(with({false, false, false}), R"({"a":"x","a":[]})");
}

TEST_CASE("matches come in rule order, each once", "[matcher][shortcuts]") {
  // Few matches among many rules are sorted; many are read off a bitmap in
  // order. Events repeat, so bits left set by one event would show in the
  // next.
  for (const int n : {300, 3000}) {
    std::string json = "{";
    for (int i = 0; i < n; ++i) {
      // Rule i holds for events with id = i, v = i % 7 or w = i % 11.
      json += (i ? ",\"r" : "\"r") + std::to_string(i) + R"(":{"$or":[{"id":[)" +
              std::to_string(i) + R"(]},{"v":[)" + std::to_string(i % 7) + R"(]},{"w":[)" +
              std::to_string(i % 11) + "]}]}";
    }
    evmatch::Matcher matcher = CompileRules(json + "}");
    evmatch::Scratch scratch;
    REQUIRE(matcher.PrepareScratch(scratch).ok());
    for (const auto& [id, v, w] : std::vector<std::tuple<int, int, int>>{
             {5, 99, 99}, {5, 99, 99}, {7, 3, 5}, {7, 3, 5}, {7, 99, 99}, {-1, 99, 99},
             {12, 3, 99}, {12, 3, 99}}) {
      std::vector<evmatch::RuleId> want;
      for (int i = 0; i < n; ++i) {
        if (i == id || i % 7 == v || i % 11 == w) want.push_back(static_cast<evmatch::RuleId>(i));
      }
      const std::string event = R"({"id":)" + std::to_string(id) + R"(,"v":)" +
                                std::to_string(v) + R"(,"w":)" + std::to_string(w) + "}";
      INFO(n << " rules, " << event);
      CHECK(MatchAll(matcher, scratch, event) == want);
    }
  }
}

TEST_CASE("numeric intervals: per-slot lists and the segment tree agree", "[matcher][shortcuts]") {
  // Disjoint ranges are indexed as one list per slot; heavily overlapping
  // ones keep the segment tree (the lists would grow quadratically).
  for (const int overlap : {1, 200}) {
    const int n = 300;
    std::string json = "{";
    for (int i = 0; i < n; ++i) {
      // Rule i: [2i, 2i + 2 * overlap), closed below, open above.
      json += (i ? ",\"r" : "\"r") + std::to_string(i) + R"(":{"n":[{"numeric":[">=",)" +
              std::to_string(2 * i) + R"(,"<",)" + std::to_string(2 * i + 2 * overlap) + "]}]}";
    }
    evmatch::Matcher matcher = CompileRules(json + "}");
    evmatch::Scratch scratch;
    REQUIRE(matcher.PrepareScratch(scratch).ok());
    for (int tenths = -20; tenths <= 10 * (2 * n + 2 * overlap) + 20; tenths += 5) {
      const double x = tenths / 10.0;
      std::vector<evmatch::RuleId> want;
      for (int i = 0; i < n; ++i) {
        if (x >= 2 * i && x < 2 * i + 2 * overlap) want.push_back(static_cast<evmatch::RuleId>(i));
      }
      const std::string event = R"({"n":)" + std::to_string(tenths / 10) + "." +
                                std::to_string(std::abs(tenths % 10)) + "}";
      const std::string signed_event =
          tenths < 0 && tenths > -10 ? R"({"n":-0.)" + std::to_string(-tenths) + "}" : event;
      INFO(overlap << " overlapping, " << signed_event);
      CHECK(MatchAll(matcher, scratch, signed_event) == want);
    }
  }
}

TEST_CASE("exact values: short lists and hash tables agree", "[matcher][shortcuts]") {
  // A field's exact strings, equals-ignore-case keys and exact numbers are
  // scanned as a list when there are at most eight, hashed when more. The
  // values collide on length, first and last byte ("abc", "axc", "a\u00e9c")
  // and include the empty string.
  const std::vector<std::string> values = {"",   "a",   "abc", "axc", "a\\u00e9c", "abcc", "zbc",
                                           "ab", "acc", "AbC", "b",   "abcd",      "xyz"};
  const std::vector<std::string> events = {"",    "a",   "abc", "axc", "a\\u00e9c", "aXc", "ABC",
                                           "abd", "bbc", "A",   "zzz", "abcc",      "AbCD"};
  for (const size_t n : {size_t{3}, size_t{5}, values.size()}) {
    std::vector<std::pair<std::string, bool>> exact, ignoring_case, numbers;
    for (const std::string& event : events) {
      exact.clear();
      ignoring_case.clear();
      for (size_t i = 0; i < n; ++i) {
        // The escapes decode alike in the pattern and the event; the test
        // compares undecoded spellings, which are equal exactly when the
        // strings are.
        const bool same = values[i] == event;
        exact.emplace_back(R"({"s":[")" + values[i] + R"("]})", same);
        std::string lower_value = values[i], lower_event = event;
        for (std::string* s : {&lower_value, &lower_event}) {
          for (char& c : *s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        // "\u00e9" is spelled in lowercase hex; lowering the whole escape is
        // harmless for these values.
        ignoring_case.emplace_back(R"({"s":[{"equals-ignore-case":")" + values[i] + R"("}]})",
                                   lower_value == lower_event);
      }
      INFO(n << " values, event \"" << event << "\"");
      Check(exact, R"({"s":")" + event + R"("})");
      Check(ignoring_case, R"({"s":")" + event + R"("})");
    }
    // Exact numbers, keyed by their decimal form: 1, 1.0 and 1e0 are equal.
    for (const char* event : {"1", "1.0", "1e0", "10", "100", "2", "-1", "0.5", "1.5"}) {
      numbers.clear();
      const std::vector<std::string> keys = {"1",  "10", "100", "2",  "0.5", "-1",  "11",
                                             "12", "13", "14",  "15", "16",  "1.5"};
      for (size_t i = 0; i < n; ++i) {
        numbers.emplace_back(R"({"n":[)" + keys[i] + "]}", std::stod(keys[i]) == std::stod(event));
      }
      INFO(n << " numbers, event " << event);
      Check(numbers, R"({"n":)" + std::string(event) + "}");
    }
  }
}
