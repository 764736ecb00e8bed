// The DLQ ledger: cost per call against the number of tracked messages,
// bytes per message, the journal's cost, replay and snapshot speed.
//
//   build/bench/bench/dlq_benchmark
//
// Cycle/<n>: with n messages waiting, one Send + Receive + Delete (in
// memory). The time should not grow with n beyond the O(log n) of the
// indexes. Journal/<fsync>: the same cycle with every call journaled.
// Memory/<n>: heap bytes per message with n messages, half of them in
// flight (mallinfo2: heap and mmapped bytes, before and after). DeadLetter: a receive that moves a
// message to the DLQ. Redrive: a move task's cost per message moved.
// Replay/<n>, Snapshot/<n> and OpenSnapshot/<n>: Open over a journal of n
// Sends, a snapshot of n messages, and Open over that snapshot.

#include <benchmark/benchmark.h>
#include <malloc.h>

#include <filesystem>
#include <memory>
#include <string>

#include "evmatch/dlq.h"
#include "support/temp_dir.h"

namespace {

using namespace evmatch::dlq;

constexpr const char* kSrc = "arn:aws:sqs:us-east-1:123456789012:orders";
constexpr const char* kDlq = "arn:aws:sqs:us-east-1:123456789012:orders-dlq";

using evmatch_test::TempDir;

std::unique_ptr<Ledger> OpenLedger(const Clock* clock, const std::string& dir = "",
                                   FsyncPolicy fsync = FsyncPolicy::kNone,
                                   int max_receive_count = 1000) {
  auto ledger = Ledger::Open({.directory = dir, .fsync = fsync, .clock = clock});
  if (!ledger.ok()) return nullptr;
  QueueAttributes source;
  source.redrive_policy = RedrivePolicy{kDlq, max_receive_count};
  if (!(*ledger)->CreateQueue(kDlq).ok() || !(*ledger)->CreateQueue(kSrc, source).ok()) {
    return nullptr;
  }
  return std::move(*ledger);
}

void Fill(Ledger& ledger, int64_t n) {
  for (int64_t i = 0; i < n; ++i) benchmark::DoNotOptimize(ledger.Send(kSrc));
}

void Cycle(Ledger& ledger, benchmark::State& state) {
  for (auto _ : state) {
    benchmark::DoNotOptimize(ledger.Send(kSrc));
    auto got = ledger.Receive(kSrc);
    if (!got.ok() || got->empty() || !ledger.Delete(kSrc, (*got)[0].receipt_handle).ok()) {
      state.SkipWithError("cycle failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Cycle(benchmark::State& state) {
  ManualClock clock(1'700'000'000'000);
  std::unique_ptr<Ledger> ledger = OpenLedger(&clock);
  Fill(*ledger, state.range(0));
  Cycle(*ledger, state);
}
BENCHMARK(BM_Cycle)->Arg(1000)->Arg(1'000'000)->Unit(benchmark::kNanosecond);

void BM_Journal(benchmark::State& state) {
  ManualClock clock(1'700'000'000'000);
  TempDir dir;
  std::unique_ptr<Ledger> ledger =
      OpenLedger(&clock, dir.path, state.range(0) ? FsyncPolicy::kEveryRecord : FsyncPolicy::kNone);
  Fill(*ledger, 1000);
  Cycle(*ledger, state);
  state.SetLabel(state.range(0) ? "fdatasync every record" : "no fsync");
}
BENCHMARK(BM_Journal)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_Memory(benchmark::State& state) {
  const int64_t n = state.range(0);
  for (auto _ : state) {
    ManualClock clock(1'700'000'000'000);
    const size_t before = mallinfo2().uordblks + mallinfo2().hblkhd;
    std::unique_ptr<Ledger> ledger = OpenLedger(&clock);
    Fill(*ledger, n);
    for (int64_t i = 0; i < n / 2; i += 10) {
      benchmark::DoNotOptimize(ledger->Receive(kSrc, {.max_number_of_messages = 10}));
    }
    const size_t after = mallinfo2().uordblks + mallinfo2().hblkhd;
    state.counters["bytes_per_message"] =
        static_cast<double>(after - before) / static_cast<double>(n);
    state.counters["messages"] = static_cast<double>(ledger->message_count());
  }
}
BENCHMARK(BM_Memory)->Arg(1'000'000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_DeadLetter(benchmark::State& state) {
  ManualClock clock(1'700'000'000'000);
  std::unique_ptr<Ledger> ledger = OpenLedger(&clock, "", FsyncPolicy::kNone, 1);
  Fill(*ledger, 100'000);
  for (auto _ : state) {
    state.PauseTiming();
    benchmark::DoNotOptimize(ledger->Send(kSrc));
    auto first = ledger->Receive(kSrc);  // count 1
    benchmark::DoNotOptimize(
        ledger->ChangeVisibility(kSrc, first->at(0).receipt_handle, 0));
    state.ResumeTiming();
    auto moved = ledger->Receive(kSrc);  // moves it, then returns the next one
    state.PauseTiming();
    if (moved.ok() && !moved->empty()) {
      benchmark::DoNotOptimize(ledger->Delete(kSrc, moved->at(0).receipt_handle));
    }
    state.ResumeTiming();
  }
}
BENCHMARK(BM_DeadLetter)->Unit(benchmark::kNanosecond);

void BM_Redrive(benchmark::State& state) {
  constexpr int64_t kMessages = 100'000;
  int64_t moved = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ManualClock clock(1'700'000'000'000);
    std::unique_ptr<Ledger> ledger = OpenLedger(&clock, "", FsyncPolicy::kNone, 1);
    for (int64_t i = 0; i < kMessages; ++i) benchmark::DoNotOptimize(ledger->Send(kDlq));
    QueueAttributes other;
    const std::string destination = "arn:aws:sqs:us-east-1:123456789012:retry";
    benchmark::DoNotOptimize(ledger->CreateQueue(destination, other));
    benchmark::DoNotOptimize(ledger->StartMoveTask(kDlq, std::string_view(destination), 500));
    clock.Advance(kMessages / 500 * 1000);
    state.ResumeTiming();
    benchmark::DoNotOptimize(ledger->Counters(kDlq));  // the task moves everything here
    state.PauseTiming();
    moved += ledger->ListMoveTasks(kDlq)->at(0).approximate_number_of_messages_moved;
    ledger.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(moved);
}
BENCHMARK(BM_Redrive)->Unit(benchmark::kMillisecond);

// Times Open over `dir`, which must hold `n` messages.
void OpenRepeatedly(const std::string& dir, const Clock* clock, int64_t n,
                    benchmark::State& state) {
  for (auto _ : state) {
    auto ledger = Ledger::Open({.directory = dir, .clock = clock});
    if (!ledger.ok() || (*ledger)->message_count() != static_cast<size_t>(n)) {
      state.SkipWithError("open failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void BM_Replay(benchmark::State& state) {
  const int64_t n = state.range(0);
  ManualClock clock(1'700'000'000'000);
  TempDir dir;
  Fill(*OpenLedger(&clock, dir.path), n);
  const auto bytes = std::filesystem::file_size(dir.path + "/journal");
  OpenRepeatedly(dir.path, &clock, n, state);
  state.counters["journal_bytes_per_send"] = static_cast<double>(bytes) / static_cast<double>(n);
}
BENCHMARK(BM_Replay)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_Snapshot(benchmark::State& state) {
  const int64_t n = state.range(0);
  ManualClock clock(1'700'000'000'000);
  TempDir dir;
  std::unique_ptr<Ledger> ledger = OpenLedger(&clock, dir.path);
  Fill(*ledger, n);
  for (auto _ : state) {
    if (!ledger->Snapshot().ok()) {
      state.SkipWithError("snapshot failed");
      return;
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["snapshot_bytes_per_message"] =
      static_cast<double>(std::filesystem::file_size(dir.path + "/snapshot")) /
      static_cast<double>(n);
}
BENCHMARK(BM_Snapshot)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

void BM_OpenSnapshot(benchmark::State& state) {
  const int64_t n = state.range(0);
  ManualClock clock(1'700'000'000'000);
  TempDir dir;
  {
    std::unique_ptr<Ledger> ledger = OpenLedger(&clock, dir.path);
    Fill(*ledger, n);
    if (!ledger->Snapshot().ok()) {
      state.SkipWithError("snapshot failed");
      return;
    }
  }
  OpenRepeatedly(dir.path, &clock, n, state);
}
BENCHMARK(BM_OpenSnapshot)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
