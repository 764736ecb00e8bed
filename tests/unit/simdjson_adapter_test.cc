// The opt-in simdjson adapter gives the same results as Matcher::Match.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "evmatch/simdjson.h"

TEST_CASE("padded_string_view and document entry points agree with Match", "[matcher]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.AddRules(R"({
    "jpg": {"detail": {"key": [{"suffix": ".jpg"}]}},
    "big": {"detail": {"size": [{"numeric": [">", 1000]}]}},
    "pair": {"items": {"a": [1], "b": [2]}}
  })").ok());
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());

  const std::vector<std::string> events = {
      R"({"detail":{"key":"a.jpg","size":2000}})",
      R"({"detail":{"key":"a.png","size":10}})",
      R"({"items":[{"a":1,"b":3},{"a":4,"b":2}]})",
      R"({"items":[{"a":1,"b":2}]})",
      R"([1])",
  };
  simdjson::ondemand::parser parser;
  for (const std::string& text : events) {
    INFO(text);
    simdjson::padded_string padded(text);
    evmatch::MatchStatus direct = matcher->Match(padded, padded.size() + evmatch::kPadding,
                                                 scratch);
    std::vector<evmatch::RuleId> expected(scratch.matches().begin(), scratch.matches().end());

    evmatch::MatchStatus viewed = evmatch::Match(*matcher, padded, scratch);
    CHECK(viewed == direct);
    CHECK(std::vector<evmatch::RuleId>(scratch.matches().begin(), scratch.matches().end()) ==
          expected);

    simdjson::ondemand::document doc;
    REQUIRE(parser.iterate(padded).get(doc) == simdjson::SUCCESS);
    evmatch::MatchStatus from_document = evmatch::MatchDocument(*matcher, doc, scratch);
    CHECK(from_document == direct);
    if (direct == evmatch::MatchStatus::kOk) {
      CHECK(std::vector<evmatch::RuleId>(scratch.matches().begin(),
                                         scratch.matches().end()) == expected);
    }
  }
  // Sanity: the first event matches both "jpg" and "big", the fourth "pair".
  simdjson::padded_string first(events[0]);
  REQUIRE(evmatch::Match(*matcher, first, scratch) == evmatch::MatchStatus::kOk);
  CHECK(scratch.matches().size() == 2);
}
