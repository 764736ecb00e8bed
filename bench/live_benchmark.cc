// LiveMatcher against a static Matcher over the same rules, in one run:
//
//   build/bench/bench/live_benchmark [--rules N] [--seconds S] [--updates U]
//
// Rules: N exact-value rules {"detail":{"id":["id-<k>"]}} (default 1,000,000).
// Events: 64 events of which about half hit one rule.
//
//   compile    Matcher::Compile and LiveMatcher::Create over the rules.
//   update     U changes (default 2,000), one per millisecond: Puts that
//              replace a rule, Puts of new rules and Removes, with background
//              merges on. Each change is visible when its call returns, so
//              the call's time is the time to visibility; median, p99, max.
//   throughput one reader thread switching between the static Matcher and
//              the LiveMatcher every 250 ms for 2 x S seconds (default S =
//              4), so that the machine's drift hits both alike: first with
//              no writer (the reader's own cost, with the delta the changes
//              left), then with a writer making 1,000 changes per second
//              during the LiveMatcher's windows only. Static: the median of
//              its windows, leaving out any a merge overlapped. Live: all
//              its events over all its time, merges included.
//   merge      per-event latency of that reader (p50, p99, p99.9) while no
//              merge runs, and while Merge() compiles a new base (started
//              half way through S seconds).
//
// The machine has few cores: the writer and the merge thread compete with
// the reader for them, which the throughput ratio includes.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "evmatch/evmatch.h"
#include "evmatch/live.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string Rule(uint64_t k) { return R"({"detail":{"id":["id-)" + std::to_string(k) + R"("]}})"; }

std::vector<std::string> Events(uint64_t rules) {
  std::vector<std::string> events;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 64; ++i) {
    std::string e = R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718",)"
                    R"("source":"aws.service","detail-type":"Event","account":"111122223333",)"
                    R"("time":"2017-12-22T18:43:48Z","region":"us-west-1",)"
                    R"("detail":{"id":"id-)" +
                    std::to_string(rng() % (rules * 2)) + "\"}}";
    e.reserve(e.size() + evmatch::kPadding);
    events.push_back(std::move(e));
  }
  return events;
}

struct Percentiles {
  double p50, p99, p999, max;
};

Percentiles Of(std::vector<double> v) {
  if (v.empty()) return {0, 0, 0, 0};
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  return {at(0.5), at(0.99), at(0.999), v.back()};
}

// Per-event latencies in microseconds, filed by whether `merging` was set.
struct Latencies {
  const std::atomic<bool>* merging;
  std::vector<double> quiet, during;
};

// Matches events round robin until `stop`; returns events matched, and
// records each event's latency when `latencies` is given.
template <typename M>
uint64_t Read(const M& matcher, const std::vector<std::string>& events,
              const std::atomic<bool>& stop, Latencies* latencies) {
  evmatch::Scratch scratch;
  if (!matcher.PrepareScratch(scratch).ok()) std::abort();
  uint64_t n = 0, matched = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const std::string& e = events[n % events.size()];
    const Clock::time_point start = latencies ? Clock::now() : Clock::time_point();
    if (matcher.Match(e, e.capacity(), scratch) != evmatch::MatchStatus::kOk) std::abort();
    if (latencies) {
      const double us = Seconds(Clock::now() - start) * 1e6;
      (latencies->merging->load(std::memory_order_relaxed) ? latencies->during : latencies->quiet)
          .push_back(us);
    }
    matched += scratch.matches().size();
    ++n;
  }
  if (matched == 0) std::abort();  // the events do hit rules
  return n;
}

// Runs Read for `seconds` on a thread while `work` runs on this one (until
// it returns or the time is up); returns events per second.
template <typename M, typename Work>
double Throughput(const M& matcher, const std::vector<std::string>& events, double seconds,
                  Work&& work, Latencies* latencies = nullptr) {
  std::atomic<bool> stop{false};
  uint64_t n = 0;
  const Clock::time_point start = Clock::now();
  std::thread reader([&] { n = Read(matcher, events, stop, latencies); });
  work(start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  std::this_thread::sleep_until(
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  stop.store(true);
  reader.join();
  return static_cast<double>(n) / Seconds(Clock::now() - start);
}

// One reader thread that matches on the static matcher or the live one, as
// the main thread says, for 2 x `seconds`, in windows of 250 ms each. During
// the live windows `during_live(end)` runs on the main thread (it returns by
// `end`). `merging()` tells whether a merge runs.
struct Comparison {
  double fixed;  // events per second, median of the static windows
  double live;   // events per second over all the live windows
  int excluded;  // static windows left out: a merge overlapped them
};

template <typename Work, typename Merging>
Comparison Interleaved(const evmatch::Matcher& fixed, const evmatch::LiveMatcher& live,
                       const std::vector<std::string>& events, double seconds, Work&& during_live,
                       Merging&& merging) {
  std::atomic<int> mode{0};  // 0 static, 1 live, -1 stop
  std::atomic<uint64_t> done[2] = {0, 0};
  std::thread reader([&] {
    evmatch::Scratch scratch[2];
    if (!fixed.PrepareScratch(scratch[0]).ok() || !live.PrepareScratch(scratch[1]).ok()) {
      std::abort();
    }
    uint64_t n[2] = {0, 0}, matched = 0;
    for (int m; (m = mode.load(std::memory_order_relaxed)) >= 0;) {
      const std::string& e = events[(n[0] + n[1]) % events.size()];
      const evmatch::MatchStatus status = m == 0 ? fixed.Match(e, e.capacity(), scratch[0])
                                                 : live.Match(e, e.capacity(), scratch[1]);
      if (status != evmatch::MatchStatus::kOk) std::abort();
      matched += scratch[m].matches().size();
      if (++n[m] % 16 == 0) done[m].store(n[m], std::memory_order_relaxed);
    }
    if (matched == 0) std::abort();  // the events do hit rules
  });
  const auto window = std::chrono::milliseconds(250);
  std::vector<double> fixed_rates;
  uint64_t live_events = 0;
  double live_seconds = 0;
  int excluded = 0;
  for (int round = 0; round < std::max(1, static_cast<int>(seconds * 4)); ++round) {
    for (int m = 0; m < 2; ++m) {
      const bool merged_before = m == 0 && merging();
      mode.store(m);
      const uint64_t before = done[m].load(std::memory_order_relaxed);
      const Clock::time_point start = Clock::now();
      if (m == 1) during_live(start + window);
      std::this_thread::sleep_until(start + window);
      const uint64_t count = done[m].load(std::memory_order_relaxed) - before;
      const double elapsed = Seconds(Clock::now() - start);
      if (m == 1) {
        live_events += count;
        live_seconds += elapsed;
      } else if (merged_before || merging()) {
        ++excluded;
      } else {
        fixed_rates.push_back(count / elapsed);
      }
    }
  }
  mode.store(-1);
  reader.join();
  if (fixed_rates.empty()) std::abort();
  std::sort(fixed_rates.begin(), fixed_rates.end());
  return {fixed_rates[fixed_rates.size() / 2], live_events / live_seconds, excluded};
}

}  // namespace

int main(int argc, char** argv) {
  uint64_t rules = 1000000, updates = 2000;
  double seconds = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--rules") == 0) rules = std::strtoull(argv[i + 1], nullptr, 10);
    if (std::strcmp(argv[i], "--seconds") == 0) seconds = std::strtod(argv[i + 1], nullptr);
    if (std::strcmp(argv[i], "--updates") == 0) updates = std::strtoull(argv[i + 1], nullptr, 10);
  }
  evmatch::RuleSet set;
  for (uint64_t k = 0; k < rules; ++k) {
    if (!set.Add("rule-" + std::to_string(k), Rule(k)).ok()) std::abort();
  }
  const std::vector<std::string> events = Events(rules);

  Clock::time_point t = Clock::now();
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(set);
  const double compile = Seconds(Clock::now() - t);
  t = Clock::now();
  auto live_or = evmatch::LiveMatcher::Create(set);
  const double create = Seconds(Clock::now() - t);
  if (!matcher.ok() || !live_or.ok()) std::abort();
  evmatch::LiveMatcher& live = **live_or;
  std::printf("compile   rules %llu: Matcher::Compile %.3f s, LiveMatcher::Create %.3f s\n",
              static_cast<unsigned long long>(rules), compile, create);

  // Changes, one per millisecond: replace, add, remove.
  std::mt19937_64 rng(11);
  uint64_t next_new = rules;
  auto change = [&](std::vector<double>* puts, std::vector<double>* removes) {
    const uint64_t kind = rng() % 4;
    const uint64_t k = rng() % rules;
    const Clock::time_point start = Clock::now();
    absl::Status status;
    if (kind == 0) {
      status = live.Remove("rule-" + std::to_string(k));
    } else if (kind == 1) {
      status = live.Put("rule-new-" + std::to_string(next_new), Rule(next_new));
      ++next_new;
    } else {
      status = live.Put("rule-" + std::to_string(k), Rule(rules * 2 + k));
    }
    const double us = Seconds(Clock::now() - start) * 1e6;
    if (!status.ok()) std::abort();
    if (kind == 0) {
      if (removes) removes->push_back(us);
    } else if (puts) {
      puts->push_back(us);
    }
  };
  std::vector<double> puts, removes;
  for (uint64_t i = 0; i < updates; ++i) {
    change(&puts, &removes);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const Percentiles put = Of(puts), remove = Of(removes);
  evmatch::LiveMatcher::Stats stats = live.stats();
  std::printf(
      "update    %llu changes at 1 per ms: Put median %.0f us, p99 %.0f us, max %.0f us; "
      "Remove median %.0f us, p99 %.0f us; merges %llu, delta now %zu rules\n",
      static_cast<unsigned long long>(updates), put.p50, put.p99, put.max, remove.p50, remove.p99,
      static_cast<unsigned long long>(stats.merges), stats.delta_rules);

  auto merge_running = [&] { return live.stats().merging; };
  const size_t delta = live.stats().delta_rules;
  const Comparison idle = Interleaved(
      *matcher, live, events, seconds, [](Clock::time_point) {}, merge_running);
  const uint64_t merges_before = live.stats().merges;
  const Comparison changing = Interleaved(
      *matcher, live, events, seconds,
      [&](Clock::time_point end) {
        for (Clock::time_point next = Clock::now(); next < end;
             next += std::chrono::milliseconds(1)) {
          change(nullptr, nullptr);
          std::this_thread::sleep_until(next + std::chrono::milliseconds(1));
        }
      },
      merge_running);
  stats = live.stats();
  std::printf(
      "throughput no writer, delta of %zu rules: static %.0f events/s, live %.0f events/s, "
      "ratio %.2f\n",
      delta, idle.fixed, idle.live, idle.live / idle.fixed);
  std::printf(
      "throughput under 1,000 changes/s: static %.0f events/s, live %.0f events/s, ratio %.2f "
      "(merges %llu, static windows a merge overlapped %d)\n",
      changing.fixed, changing.live, changing.live / changing.fixed,
      static_cast<unsigned long long>(stats.merges - merges_before), changing.excluded);

  // Reader latency before, during and after a full merge forced by Merge().
  if (!live.Merge().ok()) std::abort();
  std::atomic<bool> merging{false};
  Latencies latencies{&merging, {}, {}};
  double merge_seconds = 0;
  (void)Throughput(
      live, events, seconds,
      [&](Clock::time_point end) {
        std::this_thread::sleep_until(end - (end - Clock::now()) / 2);
        change(nullptr, nullptr);
        merging.store(true);
        const Clock::time_point start = Clock::now();
        if (!live.Merge().ok()) std::abort();
        merge_seconds = Seconds(Clock::now() - start);
        merging.store(false);
      },
      &latencies);
  const Percentiles q = Of(latencies.quiet), m = Of(latencies.during);
  std::printf(
      "merge     reader latency without a merge: p50 %.2f us, p99 %.2f us, p99.9 %.2f us; "
      "during a %.2f s merge: p50 %.2f us, p99 %.2f us, p99.9 %.2f us; p99.9 ratio %.2f\n",
      q.p50, q.p99, q.p999, merge_seconds, m.p50, m.p99, m.p999, m.p999 / q.p999);
  return 0;
}
