// Limits of SPEC D1, D3, D8 and D9: configurable, enforced with a clear
// error, never a crash or an unbounded expansion.

#include <catch2/catch.hpp>

#include <string>

#include "evmatch/evmatch.h"

namespace {

std::string OrArray(int branches, const std::string& field) {
  std::string s = "[";
  for (int i = 0; i < branches; ++i) {
    if (i > 0) s += ",";
    s += "{\"" + field + "\":[" + std::to_string(i) + "]}";
  }
  return s + "]";
}

evmatch::PatternError ErrorOf(const absl::Status& status) {
  std::optional<evmatch::PatternError> error = evmatch::GetPatternError(status);
  REQUIRE(error.has_value());
  return *error;
}

}  // namespace

TEST_CASE("$or combinations: 1000 accepted, 1100 rejected (A.9-15)", "[limits]") {
  // Three $or arrays in three different objects.
  auto pattern = [](int a, int b, int c) {
    return "{\"$or\":" + OrArray(a, "x") + ",\"detail\":{\"$or\":" + OrArray(b, "y") +
           ",\"sub\":{\"$or\":" + OrArray(c, "z") + "}}}";
  };
  absl::StatusOr<evmatch::Pattern> ok = evmatch::Pattern::Parse(pattern(10, 10, 10));
  REQUIRE(ok.ok());
  CHECK(ok->combinations() == 1000);

  absl::StatusOr<evmatch::Pattern> bad = evmatch::Pattern::Parse(pattern(10, 10, 11));
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrorOf(bad.status()).reason ==
        "Event pattern expands to 1100 $or combinations, more than the limit of 1000 "
        "(PatternOptions::max_or_combinations)");
  CHECK(ErrorOf(bad.status()).json_pointer == "/detail/sub/$or");
}

TEST_CASE("two $or keys in one object multiply (D10)", "[limits]") {
  std::string pattern =
      "{\"$or\":" + OrArray(3, "a") + ",\"$or\":" + OrArray(2, "b") + "}";
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  REQUIRE(parsed.ok());
  CHECK(parsed->combinations() == 6);
}

TEST_CASE("nested $or counts branch combinations", "[limits]") {
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(
      R"({"$or":[{"a":[1]},{"$or":[{"b":[1]},{"c":[1]},{"d":[1]}],"e":[1]}]})");
  REQUIRE(parsed.ok());
  CHECK(parsed->combinations() == 4);
}

TEST_CASE("an $or bomb is rejected before expansion", "[limits]") {
  // 64 sibling $or arrays of 2 branches: 2^64 combinations.
  std::string pattern = "{";
  for (int i = 0; i < 64; ++i) {
    if (i > 0) pattern += ",";
    pattern += "\"$or\":[{\"a" + std::to_string(i) + "\":[1]},{\"b\":[1]}]";
  }
  pattern += "}";
  evmatch::PatternOptions options;
  options.max_pattern_bytes = 1 << 20;
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern, options);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrorOf(parsed.status()).reason ==
        "Event pattern expands to more than 2^64 $or combinations, more than the "
        "limit of 1000 (PatternOptions::max_or_combinations)");
}

TEST_CASE("the $or limit is configurable", "[limits]") {
  std::string pattern = "{\"$or\":" + OrArray(5, "x") + "}";
  evmatch::PatternOptions options;
  options.max_or_combinations = 4;
  CHECK(evmatch::Pattern::Parse(pattern, options).status().code() ==
        absl::StatusCode::kResourceExhausted);
  options.max_or_combinations = 5;
  CHECK(evmatch::Pattern::Parse(pattern, options).ok());
}

TEST_CASE("pattern size limit (D9)", "[limits]") {
  std::string value(5000, 'x');
  std::string pattern = "{\"a\":[\"" + value + "\"]}";
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrorOf(parsed.status()).reason ==
        "Event pattern is 5010 bytes, more than the limit of 4096 bytes "
        "(PatternOptions::max_pattern_bytes)");
  evmatch::PatternOptions options;
  options.max_pattern_bytes = 8192;
  CHECK(evmatch::Pattern::Parse(pattern, options).ok());
}

TEST_CASE("pattern nesting limit (D9)", "[limits]") {
  auto nested = [](int objects) {
    std::string s;
    for (int i = 0; i < objects; ++i) s += "{\"a\":";
    s += "[1]";
    for (int i = 0; i < objects; ++i) s += "}";
    return s;
  };
  CHECK(evmatch::Pattern::Parse(nested(63)).ok());  // 64 levels with the array
  absl::StatusOr<evmatch::Pattern> deep = evmatch::Pattern::Parse(nested(64));
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrorOf(deep.status()).reason ==
        "Event pattern nesting depth exceeds the limit of 64 (PatternOptions::max_depth)");

  evmatch::PatternOptions options;
  options.max_pattern_bytes = 1 << 22;
  absl::StatusOr<evmatch::Pattern> hostile =
      evmatch::Pattern::Parse(std::string(100000, '[') + std::string(100000, ']'), options);
  CHECK(hostile.status().code() == absl::StatusCode::kResourceExhausted);
}

TEST_CASE("leaf field limit (D9)", "[limits]") {
  auto fields = [](int n) {
    std::string s = "{";
    for (int i = 0; i < n; ++i) {
      if (i > 0) s += ",";
      s += "\"f" + std::to_string(i) + "\":[1]";
    }
    return s + "}";
  };
  evmatch::PatternOptions options;
  options.max_pattern_bytes = 1 << 20;
  CHECK(evmatch::Pattern::Parse(fields(256), options).ok());
  absl::StatusOr<evmatch::Pattern> bad = evmatch::Pattern::Parse(fields(257), options);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK(ErrorOf(bad.status()).reason == "Event pattern has more than 256 fields (PatternOptions::max_leaf_fields)");
  CHECK(ErrorOf(bad.status()).json_pointer == "/f256");
}

TEST_CASE("wildcard complexity limit is configurable (D3)", "[limits]") {
  const std::string pattern = R"({"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]})";
  evmatch::PatternOptions options;
  CHECK_FALSE(evmatch::Pattern::Parse(pattern, options).ok());
  options.max_wildcard_complexity = 12;
  CHECK(evmatch::Pattern::Parse(pattern, options).ok());
  options.max_wildcard_complexity = 11;
  CHECK_FALSE(evmatch::Pattern::Parse(pattern, options).ok());
  options.max_wildcard_complexity = 0;  // unlimited
  CHECK(evmatch::Pattern::Parse(R"({"a":[{"wildcard":"*a*a*a*a*a*a*a*a*a*a*a*a"}]})",
                                options)
            .ok());
}

TEST_CASE("aws_numeric_limits applies the documented contract (D1)", "[limits]") {
  evmatch::PatternOptions options;
  options.aws_numeric_limits = true;
  CHECK(evmatch::Pattern::Parse(R"({"a":[{"numeric":[">",-5e9,"<=",5000000000]}]})",
                                options)
            .ok());
  CHECK(evmatch::Pattern::Parse(R"({"a":[{"numeric":["=",1.123456]}]})", options).ok());
  absl::StatusOr<evmatch::Pattern> big =
      evmatch::Pattern::Parse(R"({"a":[{"numeric":[">",5000000001]}]})", options);
  REQUIRE_FALSE(big.ok());
  CHECK(ErrorOf(big.status()).reason ==
        "Value must be between -5.0E9 and 5.0E9 with at most 6 decimal places: "
        "5000000001");
  CHECK_FALSE(
      evmatch::Pattern::Parse(R"({"a":[{"numeric":["<",1.1234567]}]})", options).ok());
  CHECK_FALSE(evmatch::Pattern::Parse(R"({"a":[{"anything-but":[1e10]}]})", options).ok());
  // Exact values compare by D1 in either mode.
  CHECK(evmatch::Pattern::Parse(R"({"a":[1e300]})", options).ok());
  // Default mode: the binary64 bound only.
  CHECK(evmatch::Pattern::Parse(R"({"a":[{"numeric":[">",5000000001.1234567]}]})").ok());
}

TEST_CASE("event limits and invalid events", "[limits]") {
  const std::string pattern = R"({"a":[{"exists":true}]})";
  auto event_error = [&](const std::string& event, const evmatch::EventOptions& options) {
    absl::StatusOr<bool> result = evmatch::TestEventPattern(pattern, event, {}, options);
    REQUIRE_FALSE(result.ok());
    REQUIRE(evmatch::GetEventError(result.status()).has_value());
    CHECK_FALSE(evmatch::GetPatternError(result.status()).has_value());
    CHECK(std::string(result.status().message()).rfind("Parameter Event is not valid.", 0) ==
          0);
    return result.status().code();
  };
  evmatch::EventOptions small;
  small.max_event_bytes = 16;
  CHECK(event_error(R"({"a":"0123456789abcdef"})", small) ==
        absl::StatusCode::kResourceExhausted);

  std::string deep;
  for (int i = 0; i < 70; ++i) deep += "{\"a\":";
  deep += "1";
  for (int i = 0; i < 70; ++i) deep += "}";
  CHECK(event_error(deep, {}) == absl::StatusCode::kResourceExhausted);
  CHECK(event_error(std::string(100000, '[') + std::string(100000, ']'), {}) ==
        absl::StatusCode::kResourceExhausted);
  // Unclosed as well, but read left to right the depth limit comes first.
  CHECK(event_error(std::string(100000, '['), {}) == absl::StatusCode::kResourceExhausted);
  CHECK(event_error("[[]", {}) == absl::StatusCode::kInvalidArgument);

  CHECK(event_error(R"({"a":1e400})", {}) == absl::StatusCode::kInvalidArgument);
  CHECK(event_error(R"([{"a":1}])", {}) == absl::StatusCode::kInvalidArgument);
  CHECK(event_error(R"({"a":1} x)", {}) == absl::StatusCode::kInvalidArgument);
  CHECK(event_error("{\"a\":\"\xff\"}", {}) == absl::StatusCode::kInvalidArgument);
  CHECK(event_error(R"({"a":"\ud800"})", {}) == absl::StatusCode::kInvalidArgument);
  CHECK(event_error(std::string("{\"a\":\"x\0y\"}", 11), {}) ==
        absl::StatusCode::kInvalidArgument);
  CHECK(event_error(R"({"a":)", {}) == absl::StatusCode::kInvalidArgument);

  // Large but valid numbers are fine.
  absl::StatusOr<bool> ok = evmatch::TestEventPattern(
      R"({"a":[{"numeric":[">",0]}]})", R"({"a":)" + std::string(300, '9') + "}");
  REQUIRE(ok.ok());
  CHECK(*ok);
}

TEST_CASE("max_event_depth bounds the walk along rule paths, down to 0", "[limits]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("deep", R"({"a":{"b":{"c":["x"]}}})").ok());
  std::string event = R"({"a":{"b":{"c":"x"}}})";
  event.reserve(event.size() + evmatch::kPadding);
  for (int depth : {-1, 0, 1, 2, 3}) {
    INFO("max_event_depth " << depth);
    evmatch::CompileOptions options;
    options.max_event_depth = depth;
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules, options);
    REQUIRE(matcher.ok());
    evmatch::Scratch scratch;
    REQUIRE(matcher->PrepareScratch(scratch).ok());
    for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
      const evmatch::MatchStatus status = matcher->Match(event, event.capacity(), scratch, mode);
      // The event's objects nest three deep along the rule's path.
      if (depth < 3) {
        CHECK(status == evmatch::MatchStatus::kDepthExceeded);
      } else {
        REQUIRE(status == evmatch::MatchStatus::kOk);
        CHECK(scratch.matches().size() == 1);
      }
    }
  }
}
