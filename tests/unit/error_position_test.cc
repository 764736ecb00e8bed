// Every rejection carries the AWS reason, a JSON Pointer and a byte offset.

#include <catch2/catch.hpp>

#include <string>

#include "evmatch/evmatch.h"

namespace {

struct Expected {
  const char* pattern;
  const char* reason;
  const char* pointer;
  size_t offset;
};

evmatch::PatternError ErrorOf(std::string_view pattern) {
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  REQUIRE_FALSE(parsed.ok());
  std::optional<evmatch::PatternError> error = evmatch::GetPatternError(parsed.status());
  REQUIRE(error.has_value());
  return *error;
}

}  // namespace

TEST_CASE("errors name reason, pointer and offset", "[errors]") {
  const Expected cases[] = {
      {R"({"a":[{"prefix":1}]})", "prefix match pattern must be a string", "/a/0/prefix", 16},
      {R"({"a": 42})", "\"a\" must be an object or an array", "/a", 6},
      {R"({"detail":{"x":[]}})", "Empty arrays are not allowed", "/detail/x", 15},
      {R"({"a":[{"prefix":"x","suffix":"y"}]})", "Only one key allowed in match expression",
       "/a/0/suffix", 20},
      {R"({"$or":[{"a":[1]},{"numeric":[1]}]})",
       "numeric is Ruler reserved fieldName which cannot be used inside $or.",
       "/$or/1/numeric", 19},
      {R"({"a":[{"wildcard":"a**"}]})", "Consecutive wildcard characters at pos 2",
       "/a/0/wildcard", 18},
      {R"({"n":[{"numeric":[">=",5,"<=",5]}]})", "Bottom must be less than top",
       "/n/0/numeric/3", 30},
      {R"({"a/b~c":5})", "\"a/b~c\" must be an object or an array", "/a~1b~0c", 9},
      {R"({"a":[1,]})",
       "The JSON document has an improper structure: missing or superfluous commas, "
       "braces, missing keys, etc.",
       "", 8},
      {R"(  [1])", "Filter is not an object", "", 2},
      {R"({"a":[{"anything-but":{"prefix":["x",""]}}]})", "Null prefix/suffix not allowed",
       "/a/0/anything-but/prefix/1", 37},
  };
  for (const Expected& c : cases) {
    INFO(c.pattern);
    evmatch::PatternError error = ErrorOf(c.pattern);
    CHECK(error.reason == c.reason);
    CHECK(error.json_pointer == c.pointer);
    CHECK(error.offset == c.offset);
    CHECK(error.rule_name.empty());
  }
}

TEST_CASE("the status message repeats the location", "[errors]") {
  absl::StatusOr<evmatch::Pattern> parsed =
      evmatch::Pattern::Parse(R"({"a":[{"prefix":1}]})");
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(parsed.status().message()) ==
        "/a/0/prefix: prefix match pattern must be a string (offset 16)");
}

TEST_CASE("RuleSet::Add names the rule", "[errors]") {
  evmatch::RuleSet rules;
  absl::Status status = rules.Add("orders", R"({"amount":[{"numeric":[">"]}]})");
  REQUIRE_FALSE(status.ok());
  std::optional<evmatch::PatternError> error = evmatch::GetPatternError(status);
  REQUIRE(error.has_value());
  CHECK(error->rule_name == "orders");
  CHECK(error->json_pointer == "/amount/0/numeric");
  CHECK(error->reason == "Value of > must be numeric");
  CHECK(std::string(status.message()).rfind("rule \"orders\": /amount/0/numeric: ", 0) == 0);
  CHECK(rules.size() == 0);
}

TEST_CASE("statuses without payloads are not pattern errors", "[errors]") {
  CHECK_FALSE(evmatch::GetPatternError(absl::OkStatus()).has_value());
  CHECK_FALSE(evmatch::GetPatternError(absl::InternalError("x")).has_value());
  CHECK_FALSE(evmatch::GetEventError(absl::InternalError("x")).has_value());
}

TEST_CASE("errors keep NUL bytes in rule names and pointers", "[errors]") {
  evmatch::RuleSet rules;
  const std::string name("a\0b", 3);
  absl::Status status = rules.Add(name, R"({"k\u0000":[{"prefix":1}]})");
  std::optional<evmatch::PatternError> error = evmatch::GetPatternError(status);
  REQUIRE(error.has_value());
  CHECK(error->rule_name == name);
  CHECK(error->json_pointer == std::string("/k\0/0/prefix", 12));
  CHECK(error->reason == "prefix match pattern must be a string");
  CHECK(error->offset == 22);

  // A pattern key with NUL, rejected as an array of objects (pattern fuzzer
  // finding: the error lost its payload).
  absl::StatusOr<evmatch::Pattern> parsed =
      evmatch::Pattern::Parse(R"({"s\u0000":[{"b":[1]}]})");
  REQUIRE_FALSE(parsed.ok());
  REQUIRE(evmatch::GetPatternError(parsed.status()).has_value());
  CHECK(evmatch::GetPatternError(parsed.status())->json_pointer == std::string("/s\0/0/b", 7));
}
