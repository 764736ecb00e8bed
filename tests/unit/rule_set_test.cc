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
