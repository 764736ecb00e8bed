#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "evmatch/evmatch.h"

TEST_CASE("a name may carry several patterns", "[ruleset]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("r", R"({"a":[1]})").ok());
  REQUIRE(rules.Add("s", R"({"b":[1]})").ok());
  REQUIRE(rules.Add("r", R"({"c":[1]})").ok());
  REQUIRE(rules.size() == 2);
  CHECK(rules.name(0) == "r");
  CHECK(rules.patterns(0).size() == 2);
  CHECK(rules.name(1) == "s");
  CHECK_FALSE(rules.Add("", R"({"b":[1]})").ok());
  CHECK_FALSE(rules.Add("t", R"({"b":[]})").ok());
  CHECK(rules.size() == 2);
}

TEST_CASE("rules documents report errors relative to the document", "[ruleset]") {
  const std::string doc =
      R"({"ok":{"a":["x"]},"bad":{"b":[{"prefix":1}]},"alts":[{"c":[1]},{"d":[]}]})";
  // offsets:            0123456789...
  evmatch::RuleSet rules;
  std::vector<absl::Status> errors;
  absl::Status first = rules.AddRules(doc, &errors);
  REQUIRE_FALSE(first.ok());
  REQUIRE(errors.size() == 2);

  std::optional<evmatch::PatternError> bad = evmatch::GetPatternError(errors[0]);
  REQUIRE(bad.has_value());
  CHECK(bad->rule_name == "bad");
  CHECK(bad->json_pointer == "/bad/b/0/prefix");
  CHECK(bad->reason == "prefix match pattern must be a string");
  CHECK(doc.substr(bad->offset, 1) == "1");

  std::optional<evmatch::PatternError> alt = evmatch::GetPatternError(errors[1]);
  REQUIRE(alt.has_value());
  CHECK(alt->rule_name == "alts");
  CHECK(alt->json_pointer == "/alts/1/d");
  CHECK(alt->reason == "Empty arrays are not allowed");
  CHECK(doc.substr(alt->offset, 2) == "[]");

  // Valid rules were added, including the valid alternative of "alts".
  REQUIRE(rules.size() == 2);
  CHECK(rules.name(0) == "ok");
  CHECK(rules.name(1) == "alts");
  CHECK(rules.patterns(1).size() == 1);
}

TEST_CASE("without an error list nothing is added on failure", "[ruleset]") {
  evmatch::RuleSet rules;
  CHECK_FALSE(rules.AddRules(R"({"ok":{"a":["x"]},"bad":{"b":[]}})").ok());
  CHECK(rules.size() == 0);
  CHECK(rules.AddRules(R"({"ok":{"a":["x"]},"two":[{"b":[1]},{"c":[2]}]})").ok());
  CHECK(rules.size() == 2);
  CHECK(rules.patterns(1).size() == 2);
}

TEST_CASE("malformed rules documents", "[ruleset]") {
  evmatch::RuleSet rules;
  auto reason = [&](std::string_view doc) {
    absl::Status status = rules.AddRules(doc);
    REQUIRE_FALSE(status.ok());
    std::optional<evmatch::PatternError> e = evmatch::GetPatternError(status);
    REQUIRE(e.has_value());
    return e->reason;
  };
  CHECK(reason("[]") ==
        "A rules document must be a JSON object mapping rule names to patterns");
  CHECK(reason(R"({"r":5})") ==
        "A rule must be a pattern object or a non-empty array of pattern objects");
  CHECK(reason(R"({"r":[]})") ==
        "A rule must be a pattern object or a non-empty array of pattern objects");
  CHECK(reason(R"({"r":{"a":[1]},"r":{"b":[1]}})") == "Duplicate rule name in rules document");
  CHECK(reason(R"({"r":{"a":[1]},"s":{"a":[1]},"r":{"b":[1]}})") ==
        "Duplicate rule name in rules document");
  {
    // Every later repeat is reported, with its own pointer; the first stays.
    evmatch::RuleSet all;
    std::vector<absl::Status> errors;
    (void)all.AddRules(R"({"r":{"a":[1]},"s":{"a":[1]},"r":{"b":[1]},"r":{"c":[1]}})", &errors);
    REQUIRE(errors.size() == 2);
    CHECK(all.size() == 2);
    for (const absl::Status& error : errors) {
      CHECK(evmatch::GetPatternError(error)->reason == "Duplicate rule name in rules document");
    }
  }
  CHECK(reason(R"({"r":[{"a":[1]},5]})") == "Filter is not an object");
  CHECK(reason(R"({"r":)") != "");
  CHECK(rules.size() == 0);
}

TEST_CASE("a rules document adds alternatives to rules already in the set", "[ruleset]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("r", R"({"a":[1]})").ok());
  REQUIRE(rules.AddRules(R"({"s":{"b":[1]},"r":[{"c":[1]},{"d":[1]}]})").ok());
  REQUIRE(rules.size() == 2);
  CHECK(rules.name(0) == "r");
  CHECK(rules.patterns(0).size() == 3);
  CHECK(rules.patterns(0)[2].ToJson() == R"({"d":[1]})");
  CHECK(rules.name(1) == "s");
  // Naming an existing rule twice in one document is still a duplicate.
  std::vector<absl::Status> errors;
  (void)rules.AddRules(R"({"r":{"e":[1]},"r":{"f":[1]}})", &errors);
  REQUIRE(errors.size() == 1);
  CHECK(evmatch::GetPatternError(errors[0])->reason == "Duplicate rule name in rules document");
  CHECK(rules.patterns(0).size() == 4);
}

TEST_CASE("a refused rules document leaves no trace of its names", "[ruleset]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("old", R"({"a":[1]})").ok());
  // Refused for a bad pattern (no error list) and for bad JSON at the end
  // (with one): the names seen before the refusal are not kept.
  CHECK_FALSE(rules.AddRules(R"({"new":{"a":[1]},"old":{"c":[1]},"bad":{"b":[]}})").ok());
  std::vector<absl::Status> errors;
  CHECK_FALSE(rules.AddRules(R"({"new":{"a":[1]},"old":{"c":[1]},"x":)", &errors).ok());
  CHECK(errors.empty());
  REQUIRE(rules.size() == 1);
  CHECK(rules.patterns(0).size() == 1);
  REQUIRE(rules.Add("new", R"({"z":[1]})").ok());
  REQUIRE(rules.size() == 2);
  CHECK(rules.name(1) == "new");
  CHECK(rules.patterns(1).size() == 1);
}

TEST_CASE("a rule name seen with no valid pattern still counts as seen", "[ruleset]") {
  evmatch::RuleSet rules;
  std::vector<absl::Status> errors;
  (void)rules.AddRules(R"({"r":{"a":[]},"r":{"b":[1]},"s":5,"s":{"c":[1]},"":{"d":[1]}})", &errors);
  REQUIRE(errors.size() == 5);
  CHECK(evmatch::GetPatternError(errors[1])->reason == "Duplicate rule name in rules document");
  CHECK(evmatch::GetPatternError(errors[3])->reason == "Duplicate rule name in rules document");
  CHECK(evmatch::GetPatternError(errors[4])->reason == "Rule name must not be empty");
  CHECK(rules.size() == 0);
}

TEST_CASE("rule names written with escapes are decoded", "[ruleset]") {
  evmatch::RuleSet rules;
  std::vector<absl::Status> errors;
  (void)rules.AddRules(R"({"r\u00e9gle":{"a":[1]},"tab\t":{"b":[1]},"régle":{"c":[1]}})", &errors);
  REQUIRE(rules.size() == 2);
  CHECK(rules.name(0) == "r\xc3\xa9gle");
  CHECK(rules.name(1) == "tab\t");
  REQUIRE(errors.size() == 1);  // "régle" as UTF-8 is the same name
  CHECK(evmatch::GetPatternError(errors[0])->rule_name == "r\xc3\xa9gle");
}

TEST_CASE("limits are applied to each pattern of a rules document", "[ruleset]") {
  evmatch::PatternOptions options;
  options.max_depth = 3;
  options.max_pattern_bytes = 40;
  evmatch::RuleSet rules(options);
  std::vector<absl::Status> errors;
  const std::string doc =
      R"({"deep":{"a":{"b":{"c":[1]}}},"ok":{"a":{"b":[1]}},"long":{"a":["0123456789012345678901234567890123456789"]}})";
  (void)rules.AddRules(doc, &errors);
  REQUIRE(errors.size() == 2);
  for (const absl::Status& error : errors) {
    CHECK(error.code() == absl::StatusCode::kResourceExhausted);
  }
  CHECK(evmatch::GetPatternError(errors[0])->rule_name == "deep");
  CHECK(doc.substr(evmatch::GetPatternError(errors[0])->offset, 4) == "[1]}");
  CHECK(evmatch::GetPatternError(errors[1])->rule_name == "long");
  REQUIRE(rules.size() == 1);
  CHECK(rules.name(0) == "ok");
}
