// One Matcher shared by 8 threads, a Scratch each: every thread's results
// equal the single-threaded ones. One Scratch used by two calls at once is
// reported in debug builds. The `tsan` preset runs these under
// ThreadSanitizer to check for data races as well.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <future>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "evmatch/evmatch.h"

namespace {

std::vector<std::string> Events(size_t n) {
  static constexpr const char* kKeys[] = {"a/b.jpg", "A/B.JPG", "x.png", "init-1", "running",
                                          "10.1.2.3", "2001:db8::1", "Stra\u00dfe"};
  std::mt19937 rng(99);
  auto pick = [&](size_t k) { return static_cast<size_t>(rng() % k); };
  std::vector<std::string> events;
  for (size_t i = 0; i < n; ++i) {
    std::string e = R"({"source":")" + std::string(pick(2) ? "aws.s3" : "aws.ec2") +
                    R"(","detail":{"key":")" + kKeys[pick(std::size(kKeys))] +
                    R"(","size":)" + std::to_string(static_cast<int>(pick(2000)) - 500) +
                    R"(,"state":")" + kKeys[pick(std::size(kKeys))] + R"(","items":[)";
    for (size_t k = pick(3); k > 0; --k) {
      e += R"({"name":")" + std::string(pick(2) ? "x" : "y") + R"(","qty":)" +
           std::to_string(pick(4)) + "}" + (k > 1 ? "," : "");
    }
    e += R"(],"ip":")" + std::string(kKeys[5 + pick(2)]) + "\"}}";
    e.reserve(e.size() + evmatch::kPadding);
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace

TEST_CASE("one Matcher, 8 threads, a Scratch each", "[matcher][threads]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.AddRules(R"({
    "exact": {"source": ["aws.s3"], "detail": {"key": ["a/b.jpg"]}},
    "prefix-suffix": {"detail": {"key": [{"prefix": "a/"}, {"suffix": ".png"}]}},
    "ignore-case": {"detail": {"key": [{"equals-ignore-case": "strasse"}]}},
    "wildcard": {"detail": {"key": [{"wildcard": "*/*.JPG"}]}},
    "numeric": {"detail": {"size": [{"numeric": [">", 0, "<=", 1000]}]}},
    "anything-but": {"detail": {"state": [{"anything-but": {"prefix": "init"}}]}},
    "exists": {"detail": {"missing": [{"exists": false}]}, "source": ["aws.ec2"]},
    "cidr": {"detail": {"ip": [{"cidr": "10.0.0.0/8"}]}},
    "or": {"$or": [{"detail": {"size": [{"numeric": ["<", 0]}]}}, {"source": ["aws.ec2"]}]},
    "arrays": {"detail": {"items": {"name": ["x"], "qty": [{"numeric": [">", 1]}]}}}
  })").ok());
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  // The tsan test preset sets EVMATCH_THREAD_EVENTS=60000; plain and ASan
  // runs use fewer.
  const char* count = std::getenv("EVMATCH_THREAD_EVENTS");
  const std::vector<std::string> events = Events(count ? std::strtoul(count, nullptr, 10) : 25000);
  REQUIRE(!events.empty());

  // Matches every event, starting at `first` so that threads work on
  // different events at any moment; results are stored in event order.
  auto run = [&](evmatch::Scratch& scratch, std::vector<std::vector<evmatch::RuleId>>* out,
                 size_t first) {
    out->resize(events.size());
    for (size_t k = 0; k < events.size(); ++k) {
      const size_t i = (first + k) % events.size();
      const std::string& e = events[i];
      if (matcher->Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) {
        (*out)[i].assign(1, ~evmatch::RuleId{0});  // marks a rejected event
        continue;
      }
      (*out)[i].assign(scratch.matches().begin(), scratch.matches().end());
    }
  };
  std::vector<std::vector<evmatch::RuleId>> expected;
  {
    evmatch::Scratch scratch;
    REQUIRE(matcher->PrepareScratch(scratch).ok());
    run(scratch, &expected, 0);
  }
  size_t matched = 0;
  for (const auto& m : expected) matched += m.size();
  REQUIRE(matched > events.size());  // the events exercise the rules

  constexpr int kThreads = 8;
  std::vector<evmatch::Scratch> scratches(kThreads);
  std::vector<std::vector<std::vector<evmatch::RuleId>>> results(kThreads);
  for (auto& scratch : scratches) REQUIRE(matcher->PrepareScratch(scratch).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { run(scratches[t], &results[t], t * events.size() / kThreads); });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(results[t] == expected);
  }
}

// Release builds do not check overlapping use of a Scratch (see ScratchClaim),
// so the test exists only where it can fail: debug builds and the tsan preset.
#ifndef NDEBUG
TEST_CASE("one Scratch used by two threads at once is reported", "[matcher][threads]") {
  evmatch::RuleSet rules;
  REQUIRE(rules.Add("a", R"({"a":[{"exists":true}]})").ok());
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());
  std::string event = R"({"a":1})";
  event.reserve(event.size() + evmatch::kPadding);
  std::string input = "{\"a\":1}\n{\"b\":2}\n";
  input.reserve(input.size() + evmatch::kPadding);

  // From a MatchBatch callback, on the same thread.
  std::vector<evmatch::MatchStatus> inner;
  CHECK(matcher->MatchBatch(input, input.capacity(), scratch, [&](const evmatch::BatchEvent&) {
    inner.push_back(matcher->Match(event, event.capacity(), scratch));
  }) == evmatch::MatchStatus::kOk);
  CHECK(inner == std::vector<evmatch::MatchStatus>(2, evmatch::MatchStatus::kScratchBusy));

  // From another thread while a batch waits in its callback.
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  std::thread batch([&] {
    bool first = true;
    (void)matcher->MatchBatch(input, input.capacity(), scratch, [&](const evmatch::BatchEvent&) {
      if (!first) return;
      first = false;
      entered.set_value();
      released.wait();
    });
  });
  entered.get_future().wait();
  CHECK(matcher->Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kScratchBusy);
  CHECK(matcher->MatchBatch(input, input.capacity(), scratch, [](const evmatch::BatchEvent&) {
  }) == evmatch::MatchStatus::kScratchBusy);
  release.set_value();
  batch.join();

  // Released: the Scratch works again.
  REQUIRE(matcher->Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kOk);
  CHECK(scratch.matches().size() == 1);
}
#endif  // NDEBUG
