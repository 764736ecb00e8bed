// Explanations: statuses, values, pointers, hints, the JSON and text forms.
// (The invariants over every conformance case and random cases are in the
// conformance and differential suites.)

#include "evmatch/explain.h"

#include <catch2/catch.hpp>
#include <string>

#include "evmatch/evmatch.h"
#include "evmatch/live.h"
#include "json/json_tree.h"

namespace {

using evmatch::ConditionExplanation;
using evmatch::ConditionStatus;

evmatch::Explanation Explain(const std::string& pattern, const std::string& event,
                             const evmatch::ExplainOptions& options = {}) {
  INFO("pattern: " << pattern << "\nevent: " << event);
  absl::StatusOr<evmatch::Explanation> why = evmatch::ExplainPattern(pattern, event, options);
  REQUIRE(why.ok());
  REQUIRE(why->patterns.size() == 1);
  return *std::move(why);
}

// The condition of the whole pattern's group at `pointer`.
const ConditionExplanation& At(const evmatch::Explanation& e, const std::string& pointer) {
  for (const ConditionExplanation& c : e.patterns[0].root.conditions) {
    if (c.pattern_pointer == pointer) return c;
  }
  FAIL("no condition at " << pointer);
  throw 0;
}

bool HasHint(const ConditionExplanation& c, const std::string& part) {
  for (const std::string& hint : c.hints) {
    if (hint.find(part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("a matched pattern lists the values that satisfied each condition", "[explain]") {
  const evmatch::Explanation e = Explain(
      R"({"source":["aws.s3"],"detail":{"tags":[{"prefix":"env-"}],"gone":[{"exists":false}]}})",
      R"({"source":"aws.s3","detail":{"tags":["team-a","env-prod","env-dev"]}})");
  CHECK(e.matched);
  CHECK(e.rule.empty());
  CHECK(e.patterns[0].root.satisfied);
  const ConditionExplanation& tags = At(e, "/detail/tags");
  CHECK(tags.path == "detail.tags");
  CHECK(tags.status == ConditionStatus::kSatisfied);
  CHECK(tags.operators == std::vector<std::string>{"prefix"});
  CHECK(tags.expected == R"([{"prefix":"env-"}])");
  REQUIRE(tags.values.size() == 2);
  CHECK(tags.values[0].pointer == "/detail/tags/1");
  CHECK(tags.values[0].json == "\"env-prod\"");
  CHECK(tags.values[1].pointer == "/detail/tags/2");
  const ConditionExplanation& gone = At(e, "/detail/gone");
  CHECK(gone.status == ConditionStatus::kSatisfied);
  CHECK(gone.missing);
  CHECK(gone.values.empty());
}

TEST_CASE("a failed condition shows what the event had, or that it had nothing", "[explain]") {
  const evmatch::Explanation e = Explain(R"({"a":["x",{"numeric":[">",5]}],"b":[1],"c":[true]})",
                                         R"({"a":[3,"y"],"c":{"d":true}})");
  CHECK_FALSE(e.matched);
  CHECK_FALSE(e.patterns[0].root.satisfied);
  const ConditionExplanation& a = At(e, "/a");
  CHECK(a.status == ConditionStatus::kFailed);
  CHECK(a.operators == std::vector<std::string>{"equals", "numeric"});
  CHECK_FALSE(a.missing);
  REQUIRE(a.values.size() == 2);
  CHECK(a.values[0].json == "3");
  CHECK(a.values[1].json == "\"y\"");
  const ConditionExplanation& b = At(e, "/b");
  CHECK(b.status == ConditionStatus::kFailed);
  CHECK(b.missing);
  CHECK(b.values.empty());
  const ConditionExplanation& c = At(e, "/c");
  CHECK(c.missing);
  CHECK(HasHint(c, "an object at c"));
}

TEST_CASE("array consistency is blamed on the condition that cannot join", "[explain]") {
  const evmatch::Explanation e =
      Explain(R"({"people":{"first":["Anna"],"last":["Jones"]}})",
              R"({"people":[{"first":"Anna","last":"Smith"},{"first":"Peter","last":"Jones"}]})");
  CHECK_FALSE(e.matched);
  CHECK(At(e, "/people/first").status == ConditionStatus::kSatisfied);
  const ConditionExplanation& last = At(e, "/people/last");
  CHECK(last.status == ConditionStatus::kInconsistent);
  CHECK(last.array == "/people");
  REQUIRE(last.values.size() == 1);
  CHECK(last.values[0].pointer == "/people/1/last");
  CHECK(evmatch::ExplanationText(e).find("holds only in other elements of array /people") !=
        std::string::npos);
}

TEST_CASE("$or branches are explained as written", "[explain]") {
  const evmatch::Explanation e =
      Explain(R"({"source":["a"],"$or":[{"x":[1]},{"y":[2],"z":[3]}]})", R"({"source":"a","y":2})");
  CHECK_FALSE(e.matched);
  const evmatch::GroupExplanation& root = e.patterns[0].root;
  REQUIRE(root.conditions.size() == 1);  // the branches' conditions are not flattened
  REQUIRE(root.ors.size() == 1);
  const evmatch::OrExplanation& alternatives = root.ors[0];
  CHECK(alternatives.pattern_pointer == "/$or");
  CHECK_FALSE(alternatives.satisfied);
  REQUIRE(alternatives.branches.size() == 2);
  CHECK(alternatives.branches[1].pattern_pointer == "/$or/1");
  REQUIRE(alternatives.branches[1].conditions.size() == 2);
  CHECK(alternatives.branches[1].conditions[0].status == ConditionStatus::kSatisfied);
  CHECK(alternatives.branches[1].conditions[1].pattern_pointer == "/$or/1/z");
  CHECK(alternatives.branches[1].conditions[1].status == ConditionStatus::kFailed);

  const evmatch::Explanation hit = Explain(R"({"$or":[{"x":[1]},{"y":[2]}]})", R"({"y":2})");
  CHECK(hit.matched);
  CHECK(hit.patterns[0].root.ors[0].satisfied);
  CHECK_FALSE(hit.patterns[0].root.ors[0].branches[0].satisfied);
  CHECK(hit.patterns[0].root.ors[0].branches[1].satisfied);
}

TEST_CASE("a condition replaced by a later one on the same path", "[explain]") {
  const evmatch::Explanation e = Explain(R"({"a":["x"],"a":["y"]})", R"({"a":"y"})");
  CHECK(e.matched);
  REQUIRE(e.patterns[0].root.conditions.size() == 2);
  CHECK(e.patterns[0].root.conditions[0].status == ConditionStatus::kReplaced);
  CHECK(e.patterns[0].root.conditions[1].status == ConditionStatus::kSatisfied);
}

TEST_CASE("near-miss hints", "[explain]") {
  struct Case {
    const char* pattern;
    const char* event;
    const char* hint;
  };
  const Case cases[] = {
      {R"({"s":["stopped"]})", R"({"s":"Stopped"})",
       R"(differs only in case: {"equals-ignore-case": "stopped"} would match)"},
      {R"({"s":[{"prefix":"img"}]})", R"({"s":"IMG_1.jpg"})",
       R"({"prefix": {"equals-ignore-case": "img"}} would match)"},
      {R"({"s":[{"suffix":".jpg"}]})", R"({"s":"a.JPG"})",
       R"({"suffix": {"equals-ignore-case": ".jpg"}} would match)"},
      {R"({"s":["stopped"]})", R"({"s":" stopped\n"})", "leading or trailing whitespace"},
      {R"({"s":["stopped"]})", R"({"s":"Stopped "})", "differs in case and in leading"},
      {R"({"n":[300]})", R"({"n":"300"})", "numbers in a pattern match JSON numbers only"},
      {R"({"n":[{"numeric":[">",5]}]})", R"({"n":"7"})",
       "numbers in a pattern match JSON numbers only"},
      {R"({"n":["300"]})", R"({"n":300})", "the event has the number 300; the pattern asks for"},
      {R"({"detail-type":["X"]})", R"({"detailType":"X"})",
       R"(the event has the key "detailType" where the pattern names "detail-type")"},
      {R"({"d":{"instance-id":["i-1"]}})", R"({"d":{"instance_id":"i-1"}})",
       R"(the event has the key "instance_id")"},
      {R"({"d":{"eventName":["x"]}})", R"({"d":{"eventNmae":"x"}})",
       R"(the event has the key "eventNmae")"},
      {R"({"k":[{"prefix":"raw photos/"}]})", R"({"k":"raw+photos/a.cr2"})",
       "matches once URL-decoded (\"raw photos/a.cr2\")"},
      {R"({"k":["a/b c"]})", R"({"k":"a%2Fb%20c"})", "matches once URL-decoded"},
      {R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":"10.0.0.x"})", "is not an IP address literal"},
      {R"({"ip":[{"cidr":"10.0.0.0/8"}]})", R"({"ip":167772161})",
       "cidr matches strings holding IP addresses"},
      {R"({"a":[{"exists":false}]})", R"({"a":1})", "asks for its absence"},
      {R"({"e":["DeleteBucketPolicy"]})", R"({"e":"DeleteBuckectPolicy"})",
       R"("DeleteBuckectPolicy" is 1 edit away from "DeleteBucketPolicy" in the pattern)"},
  };
  for (const Case& c : cases) {
    INFO(c.pattern << " against " << c.event);
    const evmatch::Explanation e = Explain(c.pattern, c.event);
    CHECK_FALSE(e.matched);
    const ConditionExplanation& condition = e.patterns[0].root.conditions[0];
    CHECK(condition.status == ConditionStatus::kFailed);
    CAPTURE(condition.hints);
    CHECK(HasHint(condition, c.hint));
  }
  // No hint where nothing is near.
  const evmatch::Explanation far = Explain(R"({"s":["stopped"]})", R"({"s":"running","t":1})");
  CHECK(far.patterns[0].root.conditions[0].hints.empty());
  const evmatch::Explanation unrelated = Explain(R"({"state":["x"]})", R"({"other":"x"})");
  CHECK(unrelated.patterns[0].root.conditions[0].hints.empty());
}

TEST_CASE("long values and long lists are cut", "[explain]") {
  evmatch::ExplainOptions options;
  options.max_value_bytes = 10;
  options.max_values = 2;
  const evmatch::Explanation e = Explain(
      R"({"a":["0123456789abcdef"]})",
      R"({"a":["0123456789abcdeX","\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",3,4,5]})", options);
  const ConditionExplanation& a = e.patterns[0].root.conditions[0];
  CHECK(a.expected == R"(["01234567...)");
  REQUIRE(a.values.size() == 2);
  CHECK(a.values[0].json == R"("012345678...)");
  CHECK(a.values[1].json == R"("\u00e9\u0...)");  // as written in the event
  CHECK(a.more_values == 3);
  const evmatch::Explanation utf8 = Explain(
      R"({"a":["x"]})", "{\"a\":\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"}", options);
  CHECK(utf8.patterns[0].root.conditions[0].values[0].json ==
        "\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
}

TEST_CASE("the JSON form parses and carries every field", "[explain]") {
  const evmatch::Explanation e =
      Explain(R"({"a":["x\"y"],"$or":[{"b":[1]},{"c":[{"prefix":"p"}]}],"arr":{"p":[1],"q":[2]}})",
              R"({"a":"X\"Y","c":"pq","arr":[{"p":1,"q":1},{"p":2,"q":2}]})");
  const std::string json = evmatch::ExplanationJson(e);
  evmatch::internal::JsonValue doc;
  evmatch::internal::JsonParseError error;
  REQUIRE(evmatch::internal::ParseJsonTree(json, 64, &doc, &error));
  CHECK(
      json.rfind(R"({"rule":"","refused":"","matched":false,"patterns":[{"matched":false,"root":{)",
                 0) == 0);
  for (const char* key :
       {"\"pointer\":", "\"path\":", "\"operators\":", "\"expected\":", "\"status\":\"failed\"",
        "\"status\":\"inconsistent\"",
        "\"missing\":", "\"values\":", "\"more_values\":", "\"array\":\"/arr\"",
        "\"hints\":", "\"or\":[{\"pointer\":\"/$or\"", "\"branches\":", "\"satisfied\":"}) {
    INFO(key);
    CHECK(json.find(key) != std::string::npos);
  }
  const std::string text = evmatch::ExplanationText(e);
  CHECK(text.rfind("the event does not match the pattern\n", 0) == 0);
  CHECK(text.find("[failed] a: equals [\"x\\\"y\"]  (pattern /a)") != std::string::npos);
  CHECK(text.find("$or at /$or: a branch holds") != std::string::npos);
}

TEST_CASE("rules are explained by name, every pattern of a rule", "[explain]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("two", R"({"a":[1]})").ok());
  REQUIRE(rules.Add("two", R"({"b":[2]})").ok());
  REQUIRE(rules.Add("other", R"({"c":[3]})").ok());
  absl::StatusOr<evmatch::Explanation> two = evmatch::ExplainRule(rules, "two", R"({"b":2})");
  REQUIRE(two.ok());
  CHECK(two->rule == "two");
  CHECK(two->matched);
  REQUIRE(two->patterns.size() == 2);
  CHECK_FALSE(two->patterns[0].matched);
  CHECK(two->patterns[1].matched);
  CHECK(evmatch::ExplanationText(*two).find("pattern 2 of 2: matches") != std::string::npos);
  absl::StatusOr<std::vector<evmatch::Explanation>> all =
      evmatch::ExplainRules(rules, R"({"c":3})");
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK_FALSE((*all)[0].matched);
  CHECK((*all)[1].matched);
  // The verdicts are the compiled matcher's.
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());
  std::string event = R"({"c":3})";
  event.reserve(event.size() + evmatch::kPadding);
  REQUIRE(matcher->Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kOk);
  CHECK(scratch.matches().size() == 1);

  CHECK(evmatch::ExplainRule(rules, "nope", "{}").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("explaining reports the errors TestEventPattern reports", "[explain]") {
  absl::StatusOr<evmatch::Explanation> bad = evmatch::ExplainPattern(R"({"a":[]})", "{}");
  REQUIRE_FALSE(bad.ok());
  REQUIRE(evmatch::GetPatternError(bad.status()).has_value());
  CHECK(evmatch::GetPatternError(bad.status())->reason == "Empty arrays are not allowed");
  absl::StatusOr<evmatch::Explanation> event = evmatch::ExplainPattern(R"({"a":[1]})", "[1]");
  REQUIRE_FALSE(event.ok());
  CHECK(evmatch::GetEventError(event.status()).has_value());
  CHECK(evmatch::ConditionStatusName(ConditionStatus::kInconsistent) ==
        std::string("inconsistent"));
}

TEST_CASE("parts of the event no condition reads are still validated", "[explain]") {
  // The explanation builds only the values along the pattern's paths; the
  // rest must be refused exactly as TestEventPattern refuses it.
  const std::string pattern = R"({"a":{"b":[1]}})";
  for (const char* event :
       {R"({"a":{"b":1},"other":{"x":1e400}})", R"({"other":[1,2,-]},"a":{"b":1}})",
        R"({"a":{"b":1},"other":"bad \q escape"})", R"({"a":{"b":1},"other":tru})",
        R"({"a":{"b":1,"c":[1e999]}})", R"({"other":[[[[1]]]],"a":{"b":1}} x)",
        "{\"a\":{\"b\":1},\"other\":\"\xff\"}", R"({"a":{"b":1},"other":01})"}) {
    INFO(event);
    absl::StatusOr<bool> reference = evmatch::TestEventPattern(pattern, event);
    absl::StatusOr<evmatch::Explanation> why = evmatch::ExplainPattern(pattern, event);
    REQUIRE_FALSE(reference.ok());
    REQUIRE_FALSE(why.ok());
    CHECK(why.status() == reference.status());
  }
  evmatch::ExplainOptions shallow;
  shallow.event_options.max_event_depth = 3;
  const std::string deep = R"({"a":{"b":1},"other":[[[[1]]]]})";
  CHECK(evmatch::ExplainPattern(pattern, deep, shallow).status() ==
        evmatch::TestEventPattern(pattern, deep, {}, shallow.event_options).status());
  // Keys of objects on the pattern's paths are kept for the hints.
  const evmatch::Explanation e =
      Explain(R"({"a":{"state":[1]}})", R"({"a":{"stat":1,"z":{"q":2}}})");
  CHECK(HasHint(e.patterns[0].root.conditions[0], R"(the event has the key "stat")"));
}

TEST_CASE("a pattern refused for a wildcard's complexity is explained past the refusal on request",
          "[explain]") {
  const std::string pattern = R"({"k":[{"wildcard":"*a*a*a*a*a*a*a*a*a*a*a*b"}],"n":[1]})";
  const std::string reason =
      "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
      "sequences after a wildcard character";
  // By default, the refusal TestEventPattern gives.
  absl::StatusOr<evmatch::Explanation> plain = evmatch::ExplainPattern(pattern, R"({"k":"ab"})");
  REQUIRE_FALSE(plain.ok());
  CHECK(evmatch::GetPatternError(plain.status())->reason == reason);

  evmatch::ExplainOptions options;
  options.explain_refused = true;
  evmatch::PatternOptions unlimited;
  unlimited.max_wildcard_complexity = 0;
  for (const char* event : {R"({"k":"aaaaaaaaaaaab","n":1})", R"({"k":"ab","n":1})"}) {
    INFO(event);
    const evmatch::Explanation e = Explain(pattern, event, options);
    CHECK(e.refused == reason);
    // The verdict is the one without the limit.
    absl::StatusOr<bool> would = evmatch::TestEventPattern(pattern, event, unlimited);
    REQUIRE(would.ok());
    CHECK(e.matched == *would);
    const ConditionExplanation& k = At(e, "/k");
    CHECK(HasHint(k, "above the limit of 10 (PatternOptions::max_wildcard_complexity)"));
    CHECK(HasHint(k, *would ? "this condition holds" : "this condition still fails"));
    CHECK(At(e, "/n").hints.empty());
    CHECK(evmatch::ExplanationJson(e).find("\"refused\":\"Rule is too complex") !=
          std::string::npos);
    CHECK(evmatch::ExplanationText(e).rfind("the pattern is refused: Rule is too complex", 0) == 0);
  }
  // Anything else wrong with the pattern stays an error.
  absl::StatusOr<evmatch::Explanation> other = evmatch::ExplainPattern(
      R"({"k":[{"wildcard":"*a*a*a*a*a*a*a*a*a*a*a*b"}],"n":[]})", "{}", options);
  REQUIRE_FALSE(other.ok());
  CHECK(evmatch::GetPatternError(other.status()).has_value());
  // A pattern within the limit has nothing refused.
  CHECK(Explain(R"({"k":[{"wildcard":"*b"}]})", R"({"k":"ab"})", options).refused.empty());
}

TEST_CASE("a LiveMatcher's rules are explained by name, as they are now", "[explain][live]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("r", R"({"a":[1]})").ok());
  auto live = evmatch::LiveMatcher::Create(rules);
  REQUIRE(live.ok());
  absl::StatusOr<evmatch::Explanation> before = evmatch::ExplainRule(**live, "r", R"({"a":2})");
  REQUIRE(before.ok());
  CHECK(before->rule == "r");
  CHECK_FALSE(before->matched);
  REQUIRE((*live)->Put("r", R"({"a":[2]})").ok());
  absl::StatusOr<evmatch::Explanation> after = evmatch::ExplainRule(**live, "r", R"({"a":2})");
  REQUIRE(after.ok());
  CHECK(after->matched);
  REQUIRE((*live)->Remove("r").ok());
  CHECK(evmatch::ExplainRule(**live, "r", "{}").status().code() == absl::StatusCode::kNotFound);
}
