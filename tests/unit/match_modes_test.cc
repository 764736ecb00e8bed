// MatchMode::kLazy against kComplete, and MatchBatch against Match line by
// line, on the inputs where they are documented to differ or to agree.

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "support/compile_rules.h"

namespace {

using evmatch::MatchMode;
using evmatch::MatchStatus;

using evmatch_test::CompileRules;

struct Result {
  MatchStatus status;
  std::vector<evmatch::RuleId> matches;
  bool operator==(const Result&) const = default;
};

Result MatchOne(const evmatch::Matcher& matcher, evmatch::Scratch& scratch, std::string event,
                MatchMode mode) {
  event.reserve(event.size() + evmatch::kPadding);
  Result r{matcher.Match(event, event.capacity(), scratch, mode), {}};
  if (r.status == MatchStatus::kOk) r.matches.assign(scratch.matches().begin(), scratch.matches().end());
  return r;
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Result> {
  static std::string convert(const Result& r) {
    std::string out = evmatch::MatchStatusName(r.status);
    for (evmatch::RuleId id : r.matches) out += " " + std::to_string(id);
    return out;
  }
};
}  // namespace Catch

TEST_CASE("lazy mode stops once every rule path has been read", "[matcher][lazy]") {
  evmatch::Matcher matcher = CompileRules(R"({"r": {"a": ["x"], "o": {"p": [1]}}})");
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  const Result hit{MatchStatus::kOk, {0}};

  // Well-formed events: both modes agree.
  for (const char* event : {R"({"a":"x","o":{"p":1},"z":[1,{"q":2}]})",
                            R"({"z":0,"o":{"q":0,"p":1},"a":"x"})"}) {
    INFO(event);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kComplete) == hit);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kLazy) == hit);
  }
  // Bytes after the point where lazy mode stops are not read by it.
  for (const char* event : {R"({"a":"x","o":{"p":1},"z":1}})",
                            R"({"a":"x","o":{"p":1}}{"a":"y"})"}) {
    INFO(event);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kComplete).status ==
          MatchStatus::kInvalidJson);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kLazy) == hit);
  }
  // simdjson's first stage still covers the whole event in lazy mode, and
  // the event must end with the brace of an object.
  for (const char* event : {"{\"a\":\"x\",\"o\":{\"p\":1},\"z\":\"\xff\"}",
                            R"({"a":"x","o":{"p":1},"z":"unterminated})",
                            R"({"a":"x","o":{"p":1}} trailing)",
                            R"({"a":"x","o":{"p":1},"z":1)"}) {
    INFO(event);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kLazy).status ==
          MatchStatus::kInvalidJson);
  }
  // Of a repeated key, complete mode reads the last occurrence; lazy mode
  // stops at the first once every path is seen.
  const char* repeated = R"({"a":"x","o":{"p":1},"a":"y"})";
  CHECK(MatchOne(matcher, scratch, repeated, MatchMode::kComplete).matches.empty());
  CHECK(MatchOne(matcher, scratch, repeated, MatchMode::kLazy) == hit);
}

TEST_CASE("lazy mode reads nothing when no rule names a field", "[matcher][lazy]") {
  evmatch::RuleSet rules;  // no rules: no path to follow
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());
  const char* event = R"({"a":"x" "z":1})";  // missing comma: found only by reading
  CHECK(MatchOne(*matcher, scratch, event, MatchMode::kLazy) == Result{MatchStatus::kOk, {}});
  CHECK(MatchOne(*matcher, scratch, event, MatchMode::kComplete).status ==
        MatchStatus::kInvalidJson);
}

TEST_CASE("lazy mode reads a whole object when a rule needs absence", "[matcher][lazy]") {
  evmatch::Matcher matcher = CompileRules(R"({"r": {"a": ["x"], "b": [{"exists": false}]}})");
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  for (MatchMode mode : {MatchMode::kComplete, MatchMode::kLazy}) {
    CHECK(MatchOne(matcher, scratch, R"({"a":"x","c":1,"b":2})", mode).matches.empty());
    CHECK(MatchOne(matcher, scratch, R"({"a":"x","c":1})", mode).matches.size() == 1);
  }
}

TEST_CASE("lazy mode reads every element of an array", "[matcher][lazy]") {
  evmatch::Matcher matcher = CompileRules(R"({"r": {"o": {"p": [2], "q": ["b"]}}})");
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  const char* consistent = R"({"o":[{"p":1,"q":"a","z":0},{"q":"b","p":2}]})";
  const char* inconsistent = R"({"o":[{"p":2,"q":"a"},{"q":"b","p":1}]})";
  for (MatchMode mode : {MatchMode::kComplete, MatchMode::kLazy}) {
    CHECK(MatchOne(matcher, scratch, consistent, mode).matches.size() == 1);
    CHECK(MatchOne(matcher, scratch, inconsistent, mode).matches.empty());
  }
}

namespace {

struct BatchResult {
  size_t index, offset;
  Result result;
  bool operator==(const BatchResult&) const = default;
};

std::vector<BatchResult> RunBatch(const evmatch::Matcher& matcher, evmatch::Scratch& scratch,
                                  std::string input, MatchMode mode) {
  input.reserve(input.size() + evmatch::kPadding);
  std::vector<BatchResult> out;
  MatchStatus status = matcher.MatchBatch(
      input, input.capacity(), scratch,
      [&](const evmatch::BatchEvent& e) {
        out.push_back({e.index, e.offset,
                       {e.status, std::vector<evmatch::RuleId>(e.matches.begin(), e.matches.end())}});
      },
      mode);
  REQUIRE(status == MatchStatus::kOk);
  return out;
}

// What MatchBatch reports for NDJSON: Match on every non-blank line, at the
// line's first non-blank byte.
std::vector<BatchResult> LineByLine(const evmatch::Matcher& matcher, evmatch::Scratch& scratch,
                                    const std::string& input, MatchMode mode) {
  std::vector<BatchResult> out;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t eol = input.find('\n', pos);
    if (eol == std::string::npos) eol = input.size();
    std::string line = input.substr(pos, eol - pos);
    const size_t first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      out.push_back({out.size(), pos + first, MatchOne(matcher, scratch, line, mode)});
    }
    pos = eol + 1;
  }
  return out;
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<BatchResult> {
  static std::string convert(const BatchResult& r) {
    return "#" + std::to_string(r.index) + "@" + std::to_string(r.offset) + ": " +
           StringMaker<Result>::convert(r.result);
  }
};
}  // namespace Catch

TEST_CASE("MatchBatch reports every line as Match would, malformed ones included",
          "[matcher][batch]") {
  evmatch::CompileOptions options;
  options.max_event_bytes = 256;  // small windows: many of them, and a too-large event
  evmatch::Matcher matcher = CompileRules(R"({
    "x": {"a": ["x"]},
    "n": {"b": [{"numeric": [">", 1]}]},
    "nested": {"o": {"p": [{"prefix": "v"}]}}
  })", options);
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());

  const std::vector<std::string> valid = {
      R"({"a":"x"})", R"({"a":"y","b":2})", R"({"b":1.5,"o":{"p":"value"}})",
      R"({"o":[{"p":"w"},{"p":"v1"}],"z":null})", R"(  {"a" : "x" , "b" : 0}  )",
      "{\"a\":\"x\"}\r", "{}"};
  const std::vector<std::string> invalid = {
      "{\"a\":\"\xc3\x28\"}",            // invalid UTF-8 (fails the window's stage 1)
      R"([1,2])", R"(5)", R"("text")",   // not objects
      R"({"b":01})", R"({"a":tru})",     // bad scalars where rules read
      R"({"a":"x")",                     // missing brace (runs into the next line)
      R"({"a":"x"}})",                   // extra brace
      "{\"a\":\"" + std::string(300, 'x') + "\"}",  // above max_event_bytes
      R"({"o":{"p":"v"})"};
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    std::string input;
    const int lines = 5 + static_cast<int>(rng() % 60);
    for (int i = 0; i < lines; ++i) {
      const uint32_t pick = rng() % 10;
      if (pick == 0) {
        input += "\n";  // blank line
      } else if (pick <= 2) {
        input += invalid[rng() % invalid.size()] + "\n";
      } else {
        input += valid[rng() % valid.size()] + "\n";
      }
    }
    if (rng() % 3 == 0) input += R"({"a":)";  // truncated last event, no newline
    if (rng() % 3 == 0) input.pop_back();     // ... or no final newline
    for (MatchMode mode : {MatchMode::kComplete, MatchMode::kLazy}) {
      INFO("seed " << seed << (mode == MatchMode::kLazy ? " lazy" : " complete") << "\n"
                   << input);
      std::vector<BatchResult> batch = RunBatch(matcher, scratch, input, mode);
      std::vector<BatchResult> lines_result = LineByLine(matcher, scratch, input, mode);
      size_t same = 0;
      while (same < batch.size() && same < lines_result.size() &&
             batch[same] == lines_result[same]) {
        ++same;
      }
      INFO("first difference at event " << same);
      CHECK(batch == lines_result);
    }
  }
}

TEST_CASE("MatchBatch reads one event per line", "[matcher][batch]") {
  evmatch::Matcher matcher = CompileRules(R"({"x": {"a": ["x"]}})");
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  // Two texts on one line, or one text over several lines, are not NDJSON:
  // each such line is an invalid event, as it is for Match.
  std::vector<BatchResult> got =
      RunBatch(matcher, scratch, "{\"a\":\"x\"} {\"a\":\"y\"}\n{\n\"a\":\n\"x\"\n}\n{\"a\":\"x\"}",
               MatchMode::kComplete);
  const std::vector<size_t> offsets = {0, 20, 22, 27, 31, 33};
  REQUIRE(got.size() == offsets.size());
  for (size_t i = 0; i + 1 < got.size(); ++i) {
    CHECK(got[i] == BatchResult{i, offsets[i], {MatchStatus::kInvalidJson, {}}});
  }
  CHECK(got.back() == BatchResult{5, 33, {MatchStatus::kOk, {0}}});
  CHECK(RunBatch(matcher, scratch, "", MatchMode::kComplete).empty());
  CHECK(RunBatch(matcher, scratch, "\n \r\n", MatchMode::kComplete).empty());
}

TEST_CASE("MatchBatch reports misuse before any event", "[matcher][batch]") {
  evmatch::Matcher matcher = CompileRules(R"({"x": {"a": ["x"]}})");
  std::string input = "{\"a\":\"x\"}\n";
  input.reserve(input.size() + evmatch::kPadding);
  int events = 0;
  auto count = [&](const evmatch::BatchEvent&) { ++events; };
  evmatch::Scratch unprepared;
  CHECK(matcher.MatchBatch(input, input.capacity(), unprepared, count) ==
        MatchStatus::kScratchMismatch);
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  CHECK(matcher.MatchBatch(input, input.size(), scratch, count) ==
        MatchStatus::kInsufficientPadding);
  CHECK(events == 0);
  CHECK(matcher.MatchBatch(input, input.capacity(), scratch, count) == MatchStatus::kOk);
  CHECK(events == 1);
}

TEST_CASE("numbers: binary64 decides, exact decimals break ties, validity is exact",
          "[matcher][numbers]") {
  const std::string rules_json = R"({
    "gt": {"n": [{"numeric": [">", 0.1]}]},
    "eq": {"n": [{"numeric": ["=", 0.1]}]},
    "range": {"n": [{"numeric": [">=", -5e9, "<", 0]}]},
    "exact": {"n": [0.1, 300]}
  })";
  evmatch::Matcher matcher = CompileRules(rules_json);
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  evmatch::RuleSet rules;
  REQUIRE(rules.AddRules(rules_json).ok());
  // 0.1 and its neighbours share one binary64; zero, subnormals and the
  // binary64 extremes take the exact path.
  for (const char* n : {"0.1", "0.10000000000000000001", "0.09999999999999999999", "1e-1",
                        "300", "300.0", "3e2", "299.99999999999999999", "0", "-0", "-0.0",
                        "1e-400", "-1e-400", "5e-324", "-5e-324", "1.7976931348623157e308",
                        "-1.7976931348623157e308", "-5e9", "-5000000000.0000000001"}) {
    for (MatchMode mode : {MatchMode::kComplete, MatchMode::kLazy}) {
      const std::string event = std::string(R"({"n":)") + n + "}";
      INFO(event);
      Result got = MatchOne(matcher, scratch, event, mode);
      REQUIRE(got.status == MatchStatus::kOk);
      std::vector<evmatch::RuleId> want;
      for (size_t r = 0; r < rules.size(); ++r) {
        absl::StatusOr<bool> hit = evmatch::TestEventPattern(rules.patterns(r)[0], event);
        REQUIRE(hit.ok());
        if (*hit) want.push_back(static_cast<evmatch::RuleId>(r));
      }
      CHECK(got.matches == want);
    }
  }
  // Beyond binary64, or not JSON numbers, where a rule reads them: invalid.
  for (const char* n : {"1.7976931348623158e308", "1e400", "-1e400", "01", "-01", "1.", ".5",
                        "+1", "1e", "1e+", "-", "0x10", "1.5.2", "00"}) {
    const std::string event = std::string(R"({"n":)") + n + "}";
    INFO(event);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kComplete).status ==
          MatchStatus::kInvalidJson);
  }
}

TEST_CASE("an empty top-level key is a path step", "[matcher][paths]") {
  // {"": {"a": ...}} is the path ".a", distinct from "a" (found by the
  // event fuzzer: the reference once dropped the empty first step).
  const char* pattern = R"({"": {"a": ["x"]}})";
  evmatch::Matcher matcher = CompileRules(std::string(R"({"r": )") + pattern + "}");
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  for (const auto& [event, want] : std::vector<std::pair<const char*, bool>>{
           {R"({"":{"a":"x"}})", true}, {R"({"a":"x"})", false}, {R"({".a":"x"})", true},
           {R"({"":{"":{"a":"x"}}})", false}}) {
    INFO(event);
    absl::StatusOr<bool> reference = evmatch::TestEventPattern(pattern, event);
    REQUIRE(reference.ok());
    CHECK(*reference == want);
    CHECK(MatchOne(matcher, scratch, event, MatchMode::kComplete).matches.size() == (want ? 1u : 0u));
  }
}

TEST_CASE("PrepareScratch reports a scratch it cannot allocate", "[matcher]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("r", R"({"a": ["x"]})").ok());
  evmatch::CompileOptions options;
  options.max_event_bytes = size_t{1} << 60;  // no parser for events that large
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules, options);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  const absl::Status status = matcher->PrepareScratch(scratch);
  CHECK(status.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(status.message()).find("max_event_bytes") != std::string::npos);
  std::string event = R"({"a":"x"})";
  event.reserve(event.size() + evmatch::kPadding);
  CHECK(matcher->Match(event, event.capacity(), scratch) == MatchStatus::kScratchMismatch);
}
