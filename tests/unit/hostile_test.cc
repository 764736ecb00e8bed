// Hostile events: each malformed, oversized or odd event gets an exact status
// from Matcher::Match (both modes where they agree) and an exact error from
// the reference evaluator (TestEventPattern).

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "support/compile_rules.h"

namespace {

using evmatch::MatchMode;
using evmatch::MatchStatus;

constexpr const char* kRules = R"({
  "exact": {"a": ["x"]},
  "positive": {"a": [{"numeric": [">", 0]}]},
  "zero": {"a": [0]},
  "b": {"b": [{"exists": true}]}
})";

struct Outcome {
  MatchStatus status;
  std::vector<std::string> rules;  // matching rule names on kOk
  bool operator==(const Outcome&) const = default;
};

class Harness {
 public:
  explicit Harness(const char* rules_json = kRules, const evmatch::CompileOptions& options = {})
      : matcher_(evmatch_test::CompileRules(rules_json, options)) {
    REQUIRE(matcher_.PrepareScratch(scratch_).ok());
  }

  Outcome Match(std::string event, MatchMode mode = MatchMode::kComplete,
                size_t padding = evmatch::kPadding) {
    event.reserve(event.size() + evmatch::kPadding);
    Outcome out{matcher_.Match(event, event.size() + padding, scratch_, mode), {}};
    if (out.status == MatchStatus::kOk) {
      for (evmatch::RuleId id : scratch_.matches()) {
        out.rules.emplace_back(matcher_.rule_name(id));
      }
    }
    return out;
  }

  // The same outcome in both modes.
  Outcome Both(const std::string& event) {
    const Outcome complete = Match(event, MatchMode::kComplete);
    CHECK(Match(event, MatchMode::kLazy) == complete);
    return complete;
  }

 private:
  evmatch::Matcher matcher_;
  evmatch::Scratch scratch_;
};

Outcome Ok(std::vector<std::string> rules) { return {MatchStatus::kOk, std::move(rules)}; }
Outcome Fails(MatchStatus status) { return {status, {}}; }

// The reference evaluator's verdict on `event` for one pattern: the status
// code and message on error.
absl::Status ReferenceError(const std::string& pattern, const std::string& event,
                            evmatch::EventOptions options = {}) {
  absl::StatusOr<bool> result = evmatch::TestEventPattern(pattern, event, {}, options);
  if (result.ok()) return absl::OkStatus();
  REQUIRE(evmatch::GetEventError(result.status()).has_value());
  return result.status();
}

std::string Nested(size_t depth, const std::string& inner) {
  return std::string(depth, '[') + inner + std::string(depth, ']');
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<Outcome> {
  static std::string convert(const Outcome& o) {
    std::string out = evmatch::MatchStatusName(o.status);
    for (const std::string& r : o.rules) out += " " + r;
    return out;
  }
};
}  // namespace Catch

TEST_CASE("hostile events: truncated and trailing bytes", "[hostile][events]") {
  Harness h;
  CHECK(h.Both(R"({"a":"x")") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both(R"({"a":"x)") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both(R"({"a":)") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("{") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("   ") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Match(R"({"a":"x"} x)") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Match(R"({"a":"x"}})") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Match(R"({"a":"x"}{})") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("{\"a\":\"x\"}  \n") == Ok({"exact"}));

  CHECK(ReferenceError(R"({"a":["x"]})", R"({"a":"x")").code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ReferenceError(R"({"a":["x"]})", R"({"a":"x"} x)").code() ==
        absl::StatusCode::kInvalidArgument);
}

TEST_CASE("hostile events: invalid UTF-8, surrogates, NUL", "[hostile][events]") {
  Harness h;
  // Invalid UTF-8 anywhere is an invalid event (D10), read by a rule or not.
  CHECK(h.Both("{\"a\":\"\xff\"}") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("{\"z\":\"\xc3\x28\",\"a\":\"x\"}") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("{\"\xed\xa0\x80\":1,\"a\":\"x\"}") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("{\"a\":\"x\xf4\x90\x80\x80\"}") == Fails(MatchStatus::kInvalidJson));

  // A lone surrogate escape is invalid where a rule reads the string.
  CHECK(h.Both(R"({"a":"\ud800"})") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both(R"({"a":"\udc00x"})") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both(R"({"a":"\ud83d\ude00"})") == Ok({}));  // a valid pair

  // NUL: escaped it is an ordinary character; raw it is invalid JSON.
  Harness nul(R"({"nul": {"a": ["x\u0000y"]}})");
  CHECK(nul.Both(R"({"a":"x\u0000y"})") == Ok({"nul"}));
  CHECK(nul.Both(R"({"a":"x\u0000"})") == Ok({}));
  CHECK(nul.Both(std::string("{\"a\":\"x\0y\"}", 11)) == Fails(MatchStatus::kInvalidJson));
  CHECK(nul.Both(std::string("{\"a\":\"x\"}\0", 10)) == Fails(MatchStatus::kInvalidJson));

  const std::string pattern = R"({"a":[{"exists":true}]})";
  for (const std::string& event :
       {std::string("{\"a\":\"\xff\"}"), std::string(R"({"a":"\ud800"})"),
        std::string("{\"a\":\"x\0y\"}", 11)}) {
    INFO(event);
    CHECK(ReferenceError(pattern, event).code() == absl::StatusCode::kInvalidArgument);
  }
}

TEST_CASE("hostile events: nesting and size limits", "[hostile][events]") {
  Harness h;
  // 100,000 levels where a rule looks: over the depth limit.
  CHECK(h.Both("{\"a\":" + Nested(100000, "1") + "}") ==
        Fails(MatchStatus::kDepthExceeded));
  CHECK(h.Both("{\"a\":" + std::string(100000, '[')) == Fails(MatchStatus::kInvalidJson));
  // The limit itself: 64 levels pass, 65 do not.
  CHECK(h.Both("{\"a\":" + Nested(63, "\"x\"") + "}") == Ok({"exact"}));
  CHECK(h.Both("{\"a\":" + Nested(64, "\"x\"") + "}") == Fails(MatchStatus::kDepthExceeded));
  // Where no rule looks, values are skipped without recursion and their depth
  // is not checked (documented); the reference evaluator rejects them.
  CHECK(h.Both("{\"z\":" + Nested(100000, "1") + ",\"a\":\"x\"}") == Ok({"exact"}));

  // Above the size limit, by one byte.
  evmatch::CompileOptions small;
  small.max_event_bytes = 64;
  Harness limited(kRules, small);
  const std::string fits = R"({"a":"x","pad":")" + std::string(64 - 18, 'p') + "\"}";
  REQUIRE(fits.size() == 64);
  CHECK(limited.Both(fits) == Ok({"exact"}));
  CHECK(limited.Both(R"({"a":"x","pad":"p)" + std::string(64 - 18, 'p') + "\"}") ==
        Fails(MatchStatus::kEventTooLarge));

  // A 1 MiB key: too large under the default 1 MiB limit, fine under 4 MiB.
  const std::string key_event = "{\"" + std::string(size_t{1} << 20, 'k') + "\":1,\"a\":\"x\"}";
  CHECK(h.Both(key_event) == Fails(MatchStatus::kEventTooLarge));
  evmatch::CompileOptions large;
  large.max_event_bytes = size_t{4} << 20;
  Harness roomy(kRules, large);
  CHECK(roomy.Both(key_event) == Ok({"exact"}));
  CHECK(roomy.Both("{\"a\":\"" + std::string(size_t{1} << 20, 'x') + "\"}") == Ok({}));

  // Less padding than required, by one byte.
  CHECK(h.Match(R"({"a":"x"})", MatchMode::kComplete, evmatch::kPadding - 1) ==
        Fails(MatchStatus::kInsufficientPadding));
  CHECK(h.Match(R"({"a":"x"})", MatchMode::kLazy, 0) ==
        Fails(MatchStatus::kInsufficientPadding));

  const std::string pattern = R"({"a":[{"exists":true}]})";
  absl::Status deep = ReferenceError(pattern, "{\"a\":" + Nested(100000, "1") + "}");
  CHECK(deep.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(deep.message()).find("EventOptions::max_event_depth") != std::string::npos);
  evmatch::EventOptions event_options;
  event_options.max_event_bytes = 64;
  absl::Status big = ReferenceError(pattern, key_event, event_options);
  CHECK(big.code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(big.message()).find("EventOptions::max_event_bytes") != std::string::npos);
}

TEST_CASE("hostile events: numbers", "[hostile][events]") {
  Harness h;
  // Out of binary64 range where a rule reads the number numerically.
  CHECK(h.Both(R"({"a":1e400})") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both(R"({"a":-1e400})") == Fails(MatchStatus::kInvalidJson));
  CHECK(ReferenceError(R"({"a":[{"numeric":[">",0]}]})", R"({"a":1e400})").code() ==
        absl::StatusCode::kInvalidArgument);
  // Tiny magnitudes are valid (D1): positive, not zero.
  CHECK(h.Both(R"({"a":1e-400})") == Ok({"positive"}));
  // -0 equals 0 (D1).
  CHECK(h.Both(R"({"a":-0})") == Ok({"zero"}));
  CHECK(h.Both(R"({"a":-0.0e5})") == Ok({"zero"}));
  // A 1,000-digit integer is beyond the largest binary64 value: invalid where
  // a rule reads it (D1), here and in the reference.
  const std::string big(1000, '9');
  CHECK(h.Both("{\"a\":" + big + "}") == Fails(MatchStatus::kInvalidJson));
  CHECK(h.Both("{\"a\":-" + big + "}") == Fails(MatchStatus::kInvalidJson));
  CHECK(ReferenceError(R"({"a":[{"numeric":[">",0]}]})", "{\"a\":" + big + "}").code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(h.Both("{\"z\":" + big + ",\"a\":\"x\"}") == Ok({"exact"}));  // not read
  // The largest binary64 value written out in 309 digits is valid; one more
  // unit in the last digit is not.
  const std::string max = "17976931348623157" + std::string(292, '0');
  CHECK(h.Both("{\"a\":" + max + "}") == Ok({"positive"}));
  CHECK(h.Both("{\"a\":" + max.substr(0, 308) + "1}") == Fails(MatchStatus::kInvalidJson));
  // 1,000 fractional digits compare by exact value: 0.4999... is below 0.5
  // although binary64 rounds it to 0.5.
  Harness half(R"({"over": {"a": [{"numeric": [">=", 0.5]}]}, "half": {"a": [0.5]}})");
  const std::string below = "0." + std::string(999, '9').replace(0, 1, "4");
  CHECK(half.Both("{\"a\":" + below + "}") == Ok({}));
  CHECK(half.Both("{\"a\":0.5" + std::string(998, '0') + "}") == Ok({"over", "half"}));
  CHECK(half.Both("{\"a\":0.5" + std::string(997, '0') + "1}") == Ok({"over"}));
  // Malformed numbers are invalid where read.
  for (const char* bad : {R"({"a":01})", R"({"a":1.})", R"({"a":-})", R"({"a":1e})",
                          R"({"a":+1})", R"({"a":.5})", R"({"a":NaN})", R"({"a":Infinity})"}) {
    INFO(bad);
    CHECK(h.Both(bad) == Fails(MatchStatus::kInvalidJson));
  }
}

TEST_CASE("hostile events: duplicate keys", "[hostile][events]") {
  Harness h;
  // Complete mode: the last occurrence decides, as in the reference.
  CHECK(h.Match(R"({"a":"y","a":"x"})") == Ok({"exact"}));
  CHECK(h.Match(R"({"a":"x","a":"y"})") == Ok({}));
  CHECK(h.Match(R"({"a":"x","a":1})") == Ok({"positive"}));
  absl::StatusOr<bool> last =
      evmatch::TestEventPattern(R"({"a":["x"]})", R"({"a":"y","a":"x"})");
  REQUIRE(last.ok());
  CHECK(*last);
  // 10,000 repeats of one key stay linear and the last one still decides.
  std::string many = "{";
  for (int i = 0; i < 10000; ++i) many += "\"a\":\"y\",";
  many += "\"a\":\"x\"}";
  CHECK(h.Match(many) == Ok({"exact"}));
}

namespace {

// The pattern error for `pattern`, which must be rejected.
evmatch::PatternError Rejected(const std::string& pattern, absl::StatusCode code,
                               const evmatch::PatternOptions& options = {}) {
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern, options);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == code);
  std::optional<evmatch::PatternError> error = evmatch::GetPatternError(parsed.status());
  REQUIRE(error.has_value());
  return *error;
}

evmatch::PatternOptions Roomy() {
  evmatch::PatternOptions options;
  options.max_pattern_bytes = size_t{8} << 20;
  return options;
}

}  // namespace

TEST_CASE("hostile patterns: malformed JSON", "[hostile][patterns]") {
  using Code = absl::StatusCode;
  CHECK(Rejected(R"({"a":[1)", Code::kInvalidArgument).offset == 7);
  CHECK(Rejected(R"({"a":["x)", Code::kInvalidArgument).offset == 6);
  CHECK(Rejected(R"({"a":[1]} x)", Code::kInvalidArgument).offset == 10);
  CHECK(Rejected(R"({"a":[1]}})", Code::kInvalidArgument).offset == 9);
  CHECK(Rejected("", Code::kInvalidArgument).offset == 0);
  CHECK(Rejected("{\"a\":[\"\xff\"]}", Code::kInvalidArgument).offset == 7);
  CHECK(Rejected("{\"\xc0\xaf\":[1]}", Code::kInvalidArgument).offset == 2);
  CHECK(Rejected(R"({"a":["\ud800"]})", Code::kInvalidArgument).offset == 6);
  CHECK(Rejected(R"({"a":["\udc00\ud800"]})", Code::kInvalidArgument).offset == 6);
  CHECK(Rejected(std::string("{\"a\":[\"x\0\"]}", 12), Code::kInvalidArgument).offset == 8);
  // An escaped NUL is an ordinary character, in values and in keys.
  absl::StatusOr<bool> nul =
      evmatch::TestEventPattern(R"({"k\u0000":["x\u0000"]})", R"({"k\u0000":"x\u0000"})");
  REQUIRE(nul.ok());
  CHECK(*nul);
}

TEST_CASE("hostile patterns: numbers", "[hostile][patterns]") {
  using Code = absl::StatusCode;
  CHECK(Rejected(R"({"a":[{"numeric":[">",1e400]}]})", Code::kInvalidArgument).reason ==
        "Cannot compare number : 1e400");
  CHECK(Rejected(R"({"a":[1e400]})", Code::kInvalidArgument).reason ==
        "Cannot compare number : 1e400");
  const std::string big(1000, '9');
  CHECK(Rejected("{\"a\":[" + big + "]}", Code::kInvalidArgument).reason ==
        "Cannot compare number : " + big);
  // -0 is 0 (D1), and 1,000 fractional digits keep their exact value.
  absl::StatusOr<bool> zero = evmatch::TestEventPattern(R"({"a":[-0]})", R"({"a":0})");
  REQUIRE(zero.ok());
  CHECK(*zero);
  const std::string tiny = "0." + std::string(998, '0') + "1";
  absl::StatusOr<bool> above = evmatch::TestEventPattern(
      "{\"a\":[{\"numeric\":[\">\"," + tiny + "]}]}", "{\"a\":" + tiny + "1}");
  REQUIRE(above.ok());
  CHECK(*above);
  absl::StatusOr<bool> equal = evmatch::TestEventPattern(
      "{\"a\":[{\"numeric\":[\">\"," + tiny + "]}]}", "{\"a\":" + tiny + "}");
  REQUIRE(equal.ok());
  CHECK_FALSE(*equal);
}

TEST_CASE("hostile patterns: sizes, nesting and bombs", "[hostile][patterns]") {
  using Code = absl::StatusCode;
  // A 1 MiB key: over the 4096-byte default, accepted when the limit allows.
  const std::string key(size_t{1} << 20, 'k');
  const std::string long_key = "{\"" + key + "\":[1]}";
  CHECK(Rejected(long_key, Code::kResourceExhausted).reason ==
        "Event pattern is 1048584 bytes, more than the limit of 4096 bytes "
        "(PatternOptions::max_pattern_bytes)");
  absl::StatusOr<evmatch::Pattern> roomy = evmatch::Pattern::Parse(long_key, Roomy());
  REQUIRE(roomy.ok());
  CHECK(roomy->ToJson() == long_key);

  // 100,000 nested objects stop at the depth limit, wherever the bytes end.
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "{\"a\":";
  deep += "[1]" + std::string(100000, '}');
  const evmatch::PatternError too_deep = Rejected(deep, Code::kResourceExhausted, Roomy());
  CHECK(too_deep.reason ==
        "Event pattern nesting depth exceeds the limit of 64 (PatternOptions::max_depth)");
  CHECK(too_deep.offset == 64 * 5);
  CHECK(Rejected(deep.substr(0, 500000), Code::kResourceExhausted, Roomy()).offset == 64 * 5);

  // An $or bomb: twenty nested objects with a ten-branch $or each are 10^20
  // combinations in 5 KB, refused without expanding them.
  std::string bomb = "{\"leaf\":[1]}";
  for (int level = 0; level < 20; ++level) {
    std::string branches;
    for (int b = 0; b < 10; ++b) {
      branches += std::string(b ? "," : "") + "{\"f" + std::to_string(b) + "\":[1]}";
    }
    bomb = "{\"$or\":[" + branches + "],\"n\":" + bomb + "}";
  }
  const evmatch::PatternError or_bomb = Rejected(bomb, Code::kResourceExhausted, Roomy());
  CHECK(or_bomb.reason ==
        "Event pattern expands to more than 2^64 $or combinations, more than the limit of "
        "1000 (PatternOptions::max_or_combinations)");

  // 10,000 fields: over the leaf limit; accepted when it is raised.
  std::string fields = "{";
  for (int i = 0; i < 10000; ++i) fields += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":[1]";
  fields += "}";
  CHECK(Rejected(fields, Code::kResourceExhausted, Roomy()).reason ==
        "Event pattern has more than 256 fields (PatternOptions::max_leaf_fields)");
  evmatch::PatternOptions many_fields = Roomy();
  many_fields.max_leaf_fields = 10000;
  absl::StatusOr<evmatch::Pattern> wide = evmatch::Pattern::Parse(fields, many_fields);
  REQUIRE(wide.ok());
  evmatch::RuleSet wide_rules(many_fields);
  REQUIRE(wide_rules.Add("wide", fields).ok());
  absl::StatusOr<evmatch::Matcher> wide_matcher = evmatch::Matcher::Compile(wide_rules);
  REQUIRE(wide_matcher.ok());
  std::string all = "{";
  for (int i = 0; i < 10000; ++i) all += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":1";
  all += "}";
  absl::StatusOr<bool> wide_hit = evmatch::TestEventPattern(*wide, all);
  REQUIRE(wide_hit.ok());
  CHECK(*wide_hit);
}

TEST_CASE("hostile patterns: 100,000-value lists compile linearly", "[hostile][patterns]") {
  auto list = [](int n, const char* op) {
    std::string s = std::string("{\"a\":[") + (*op ? "{\"" + std::string(op) + "\":[" : "");
    for (int i = 0; i < n; ++i) s += (i ? ",\"v" : "\"v") + std::to_string(i) + "\"";
    return s + (*op ? "]}" : "") + "]}";
  };
  for (const char* op : {"", "anything-but"}) {
    INFO(op);
    evmatch::RuleSet small_rules(Roomy()), large_rules(Roomy());
    REQUIRE(small_rules.Add("r", list(10000, op)).ok());
    REQUIRE(large_rules.Add("r", list(100000, op)).ok());
    absl::StatusOr<evmatch::Matcher> small = evmatch::Matcher::Compile(small_rules);
    absl::StatusOr<evmatch::Matcher> large = evmatch::Matcher::Compile(large_rules);
    REQUIRE(small.ok());
    REQUIRE(large.ok());
    // Ten times the values: at most about ten times the memory.
    CHECK(large->memory_bytes() < 12 * small->memory_bytes());
    evmatch::Scratch scratch;
    REQUIRE(large->PrepareScratch(scratch).ok());
    const bool negated = *op != '\0';
    for (const char* value : {"v0", "v99999", "v100000", "v5"}) {
      std::string event = std::string("{\"a\":\"") + value + "\"}";
      event.reserve(event.size() + evmatch::kPadding);
      REQUIRE(large->Match(event, event.capacity(), scratch) == MatchStatus::kOk);
      const bool listed = std::string(value) != "v100000";
      CHECK(scratch.matches().size() == (listed != negated ? 1u : 0u));
    }
  }
}

TEST_CASE("hostile patterns: wildcard bombs stay bounded", "[hostile][patterns]") {
  std::string star_a;
  for (int i = 0; i < 1000; ++i) star_a += "*a";
  const std::string bomb = "{\"a\":[{\"wildcard\":\"" + star_a + "\"}]}";
  // Refused by default with the AWS text (D3).
  CHECK(Rejected(bomb, absl::StatusCode::kInvalidArgument).reason ==
        "Rule is too complex - try using fewer wildcard characters or fewer repeating "
        "character sequences after a wildcard character");
  // Unlimited: compiles, and matching a 1 MiB value is linear (no
  // backtracking blow-up: this would not finish otherwise).
  evmatch::PatternOptions unlimited;
  unlimited.max_wildcard_complexity = 0;
  evmatch::RuleSet rules(unlimited);
  REQUIRE(rules.Add("bomb", bomb).ok());
  REQUIRE(rules.Add("anything-but", "{\"a\":[{\"anything-but\":{\"wildcard\":\"" + star_a +
                                        "b\"}}]}")
              .ok());
  evmatch::CompileOptions options;
  options.max_event_bytes = size_t{2} << 20;
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules, options);
  REQUIRE(matcher.ok());
  CHECK(matcher->memory_bytes() < (size_t{1} << 20));
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());
  for (const auto& [value, expected] :
       std::vector<std::pair<std::string, size_t>>{{std::string(size_t{1} << 20, 'a'), 2},
                                                    {std::string(999, 'a'), 1},
                                                    {std::string(size_t{1} << 20, 'b'), 1}}) {
    std::string event = "{\"a\":\"" + value + "\"}";
    event.reserve(event.size() + evmatch::kPadding);
    REQUIRE(matcher->Match(event, event.capacity(), scratch) == MatchStatus::kOk);
    CHECK(scratch.matches().size() == expected);
  }
}

TEST_CASE("hostile rule sets: compile limits name the option", "[hostile][patterns]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("a", R"({"a":["x"]})").ok());
  REQUIRE(rules.Add("b", R"({"b":[{"prefix":"y"}]})").ok());
  evmatch::CompileOptions options;
  options.max_rules = 1;
  absl::StatusOr<evmatch::Matcher> too_many = evmatch::Matcher::Compile(rules, options);
  REQUIRE_FALSE(too_many.ok());
  CHECK(too_many.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(too_many.status().message() ==
        "Rule set has 2 rules, more than the limit of 1 (CompileOptions::max_rules)");
  options.max_rules = 2;
  options.max_program_bytes = 64;
  absl::StatusOr<evmatch::Matcher> too_big = evmatch::Matcher::Compile(rules, options);
  REQUIRE_FALSE(too_big.ok());
  CHECK(too_big.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(std::string(too_big.status().message()).find("(CompileOptions::max_program_bytes)") !=
        std::string::npos);
  // A limit is per object: the same rules compile under default options.
  CHECK(evmatch::Matcher::Compile(rules).ok());
}
