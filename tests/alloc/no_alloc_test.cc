// Matcher::Match must not allocate once its Scratch is prepared and warm, in
// either mode; MatchBatch allocates per call, never per event; nor must
// LiveMatcher::Match on a base and a delta; the S3 Router never allocates;
// nor do TransformEvent::Parse and InputTransform::Apply once warm.
// Global operator new/delete are replaced with counting versions; the count
// is taken around Match calls only.

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "evmatch/live.h"
#include "evmatch/transform.h"
#if EVMATCH_TEST_S3
#include "evmatch/s3.h"
#endif

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

// The replacements pair malloc with free; GCC's -Wmismatched-new-delete
// cannot see that operator new below is that malloc.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }

TEST_CASE("Match does not allocate once the scratch is warm", "[scratch]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.AddRules(R"({
    "exact": {"source": ["aws.s3"], "detail": {"key": ["a/b.jpg", 12, true, null]}},
    "prefix-suffix": {"detail": {"key": [{"prefix": "a/"}, {"suffix": ".JPG"}]}},
    "ignore-case": {"detail": {"key": [{"equals-ignore-case": "A/B.JPG"},
                                       {"prefix": {"equals-ignore-case": "A/"}},
                                       {"suffix": {"equals-ignore-case": ".Jpg"}}]}},
    "wildcard": {"detail": {"key": [{"wildcard": "a/*.jpg"}]}},
    "numeric": {"detail": {"size": [{"numeric": [">", 0, "<=", 1e9]}, 51.507351012345678912]}},
    "anything-but": {"detail": {"state": [{"anything-but": {"prefix": "init"}}],
                                "key": [{"anything-but": {"wildcard": "*.png"}}]}},
    "exists": {"detail": {"missing": [{"exists": false}], "key": [{"exists": true}]}},
    "cidr": {"detail": {"ip": [{"cidr": "2001:db8::/32"}, {"cidr": "10.0.0.0/8"}]}},
    "or": {"$or": [{"detail": {"size": [{"numeric": ["<", 0]}]}}, {"source": ["aws.s3"]}]},
    "arrays": {"detail": {"items": {"name": ["x"], "qty": [{"numeric": [">", 1]}]}}}
  })").ok());
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());

  std::vector<std::string> events = {
      R"({"source":"aws.s3","detail":{"key":"a/b.jpg","size":1024,"state":"running","ip":"2001:db8::1","items":[{"name":"x","qty":2},{"name":"y","qty":5}]}})",
      R"({"source":"aws.ec2","detail":{"key":"A/B.JPG","size":51.507351012345678912000,"state":"init-1","ip":["10.9.8.7","2001:0db8:0000:0000:0000:0000:0000:0001"],"unused":{"deep":[1,2,{"x":"\u00e9"}]}}})",
      R"({"detail":{"key":"Stra\u00dfe \"quoted\" \\ path","size":-0.0,"items":[[{"name":"x"}],{"qty":[3,"4"]}],"key":"last"}})",
      R"({"source":"aws.s3","detail":{"key":12,"state":null,"size":1e300}})",
      R"({"source":"aws.s3","detail":{"key":"a/b.jpg"}} trailing)",
      R"([1,2,3])",
  };
  for (std::string& e : events) e.reserve(e.size() + evmatch::kPadding);

  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  // Warm-up: one pass lets amortised buffers reach their sizes.
  for (const std::string& e : events) (void)matcher->Match(e, e.capacity(), scratch);

  for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
    INFO((mode == evmatch::MatchMode::kLazy ? "lazy" : "complete"));
    size_t matched = 0;
    const long before = g_allocations.load();
    for (int round = 0; round < 100; ++round) {
      for (const std::string& e : events) {
        if (matcher->Match(e, e.capacity(), scratch, mode) == evmatch::MatchStatus::kOk) {
          matched += scratch.matches().size();
        }
      }
    }
    const long after = g_allocations.load();
    CHECK(after - before == 0);
    CHECK(matched > 100);  // the events do exercise the rules
  }

  // MatchBatch: what a call allocates (simdjson's stream state) does not
  // depend on how many events the buffer holds, malformed ones included.
  auto batch_allocations = [&](int copies) {
    std::string input;
    for (int i = 0; i < copies; ++i) {
      for (const std::string& e : events) input += e + "\n";
    }
    input.reserve(input.size() + evmatch::kPadding);
    size_t reported = 0;
    const long before = g_allocations.load();
    evmatch::MatchStatus status = matcher->MatchBatch(
        input, input.capacity(), scratch,
        [&](const evmatch::BatchEvent& e) { reported += e.matches.size() + 1; });
    const long after = g_allocations.load();
    CHECK(status == evmatch::MatchStatus::kOk);
    CHECK(reported > static_cast<size_t>(copies) * events.size());
    return after - before;
  };
  (void)batch_allocations(1);  // first call: makes the stream parser
  const long small = batch_allocations(1);
  CHECK(batch_allocations(200) == small);
  CHECK(small <= 2);
}

TEST_CASE("LiveMatcher::Match does not allocate once the scratch is warm", "[scratch][live]") {
  evmatch::RuleSet rules;
  REQUIRE(rules
              .AddRules(R"({
    "exact": {"source": ["aws.s3"], "detail": {"key": ["a/b.jpg"]}},
    "numeric": {"detail": {"size": [{"numeric": [">", 0]}]}},
    "replaced": {"detail": {"state": ["running"]}}
  })")
              .ok());
  auto live = evmatch::LiveMatcher::Create(rules);
  REQUIRE(live.ok());
  // A delta of a new rule and a replaced one, and a removed base rule.
  REQUIRE((*live)->Put("new", R"({"detail": {"key": [{"prefix": "a/"}]}})").ok());
  REQUIRE((*live)->Put("replaced", R"({"detail": {"state": [{"anything-but": "init"}]}})").ok());
  REQUIRE((*live)->Remove("numeric").ok());
  std::vector<std::string> events = {
      R"({"source":"aws.s3","detail":{"key":"a/b.jpg","size":1024,"state":"running"}})",
      R"({"source":"aws.ec2","detail":{"key":"b/c","size":-1,"state":"init"}})",
      R"({"detail":{"key":"a/b.jpg" )",
  };
  for (std::string& e : events) e.reserve(e.size() + evmatch::kPadding);
  evmatch::Scratch scratch;
  if (!(*live)->PrepareScratch(scratch).ok()) std::abort();
  for (const std::string& e : events) (void)(*live)->Match(e, e.capacity(), scratch);
  for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
    size_t matched = 0;
    const long before = g_allocations.load();
    for (int round = 0; round < 100; ++round) {
      for (const std::string& e : events) {
        if ((*live)->Match(e, e.capacity(), scratch, mode) == evmatch::MatchStatus::kOk) {
          matched += scratch.matches().size();
        }
      }
    }
    CHECK(g_allocations.load() - before == 0);
    CHECK(matched == 100 * 3);  // exact, new, replaced on the first event
  }
}

TEST_CASE("TransformEvent::Parse and InputTransform::Apply do not allocate once warm",
          "[transform]") {
  evmatch::TargetInput string_template, json_template, path;
  string_template.input_transformer = {
      {{"p", "$.detail.payload"}, {"all", "$.detail.states[*]"}, {"gone", "$.x"}},
      R"("<p> <all> <gone> <aws.events.rule-name>")"};
  json_template.input_transformer = {
      {{"p", "$.detail.payload"}, {"s", "$.detail['states'][1]"}},
      R"({"p": <p>, "s": "<s>!", "e": <aws.events.event>, "j": <aws.events.event.json>})"};
  path.input_path = "$.detail.payload";
  std::vector<evmatch::InputTransform> shapes;
  for (const auto* input : {&string_template, &json_template, &path}) {
    absl::StatusOr<evmatch::InputTransform> shape = evmatch::InputTransform::Compile("t", *input);
    REQUIRE(shape.ok());
    shapes.push_back(*shape);
  }
  const std::vector<std::string> events = {
      R"({"detail-type": "x", "detail": {"payload": {"a": 1}, "states": ["A", "B"]}})",
      R"({"detail": {"payload": [1, 2, {"b\u0063": "e\"q"}], "states": [true, 3]}, "id": "2"})"};
  evmatch::TransformEvent event;
  std::string out;
  const evmatch::TransformContext context{"rule", "arn:rule", "2026-12-03T00:00:00Z"};
  auto run = [&] {
    size_t delivered = 0;
    for (const std::string& e : events) {
      if (!event.Parse(e).ok()) std::abort();
      for (const evmatch::InputTransform& shape : shapes) {
        delivered += shape.Apply(event, context, &out) == evmatch::TransformStatus::kOk;
      }
    }
    return delivered;
  };
  for (int i = 0; i < 3; ++i) (void)run();  // warm: buffers at their largest
  const long before = g_allocations.load();
  size_t delivered = 0;
  for (int i = 0; i < 100; ++i) delivered += run();
  CHECK(g_allocations.load() - before == 0);
  CHECK(delivered == 100 * 6);
}

TEST_CASE("the allocation counter counts", "[scratch]") {
  const long before = g_allocations.load();
  auto* p = new std::vector<int>(10);
  delete p;
  CHECK(g_allocations.load() - before >= 2);
}

TEST_CASE("Match reports misuse without allocating", "[scratch]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("r", R"({"a":["x"]})").ok());
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch unprepared;
  std::string event = R"({"a":"x"})";
  event.reserve(event.size() + evmatch::kPadding);
  CHECK(matcher->Match(event, event.capacity(), unprepared) ==
        evmatch::MatchStatus::kScratchMismatch);
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) std::abort();
  CHECK(matcher->Match(event, event.size(), scratch) ==
        evmatch::MatchStatus::kInsufficientPadding);
  CHECK(matcher->Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kOk);
  REQUIRE(scratch.matches().size() == 1);
  CHECK(matcher->rule_name(scratch.matches()[0]) == "r");
}

#if EVMATCH_TEST_S3  // the module is built (EVMATCH_BUILD_S3)
TEST_CASE("S3 Router::Route does not allocate", "[s3]") {
  absl::StatusOr<evmatch::s3::NotificationConfiguration> config =
      evmatch::s3::ParseNotificationConfiguration(R"({"QueueConfigurations": [
        {"Id": "jpg", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "images/"},
                                             {"Name": "suffix", "Value": ".jpg"}]}}},
        {"Id": "rm", "QueueArn": "arn:aws:sqs:us-east-1:1:q", "Events": ["s3:ObjectRemoved:*"]}]})");
  REQUIRE(config.ok());
  const evmatch::s3::Router router(*config);
  const evmatch::s3::EventSet put = evmatch::s3::RecordEventType("ObjectCreated:Put");
  const evmatch::s3::EventSet del = evmatch::s3::RecordEventType("ObjectRemoved:Delete");
  const long before = g_allocations.load();
  size_t hits = 0;
  for (int i = 0; i < 1000; ++i) {
    hits += router.Route(put, "images/cat.jpg").has_value();
    hits += router.Route(put, "images/cat.png").has_value();
    hits += router.Route(del, "anything").has_value();
  }
  CHECK(g_allocations.load() - before == 0);
  CHECK(hits == 2000);
}
#endif
