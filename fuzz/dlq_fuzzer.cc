// Arbitrary bytes through the DLQ module. The first byte picks the target:
//   0  policy documents: whatever parses must print back to an equal policy,
//      and an accepted delivery policy must make a schedule within 3,600 s;
//   1  journal records (correctly framed, arbitrary payloads), 2 a snapshot
//      payload (correctly checksummed), 3 a raw journal file: Open must fail
//      cleanly or give a consistent ledger that survives snapshot + reopen;
//   4  a sequence of ledger calls and clock jumps: the books must stay
//      consistent after every call, and the transitions reported must
//      agree with the counters.

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <string_view>

#include "dlq/storage.h"
#include "evmatch/dlq.h"
#include "support/temp_dir.h"

namespace {

namespace dlq = evmatch::dlq;

void Check(bool ok) {
  if (!ok) std::abort();
}

// A scratch directory for the journal targets, removed at exit.
const std::string& Directory() {
  static const evmatch_test::TempDir scratch;
  Check(!scratch.path.empty());
  return scratch.path;
}

void WriteFile(const std::string& name, std::string_view bytes) {
  std::ofstream(Directory() + "/" + name, std::ios::binary | std::ios::trunc)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

const char* const kQueues[] = {
    "arn:aws:sqs:us-east-1:1:dlq", "arn:aws:sqs:us-east-1:1:src",
    "arn:aws:sqs:us-east-1:1:dlq.fifo", "arn:aws:sqs:us-east-1:1:src.fifo"};

// Every message in exactly one queue, counted once.
std::string CheckConsistent(dlq::Ledger& ledger) {
  std::set<std::string> ids;
  std::string dump;
  size_t n = 0;
  Check(ledger.ForEachMessage([&](const dlq::MessageInfo& m) {
    Check(ids.insert(m.message_id).second);
    ++n;
    dump += m.message_id + m.queue_arn + std::to_string(m.receive_count) + " " +
            std::to_string(m.visible_at_ms) + "\n";
  }).ok());
  Check(n == ledger.message_count());
  return dump;
}

void Policies(std::string_view text) {
  if (auto p = dlq::ParseRedrivePolicy(text); p.ok() && p->has_value()) {
    auto again = dlq::ParseRedrivePolicy((*p)->ToJson());
    Check(again.ok() && (*again)->dead_letter_target_arn == (*p)->dead_letter_target_arn &&
          (*again)->max_receive_count == (*p)->max_receive_count);
  }
  if (auto p = dlq::ParseRedriveAllowPolicy(text); p.ok()) {
    auto again = dlq::ParseRedriveAllowPolicy(p->ToJson());
    Check(again.ok() && again->permission == p->permission &&
          again->source_queue_arns == p->source_queue_arns);
  }
  (void)dlq::ParseSnsRedrivePolicy(text, text.size() % 2 == 0);
  if (auto p = dlq::ParseEventBridgeTargetPolicy(text); p.ok()) {
    Check(p->maximum_retry_attempts >= 0 && p->maximum_retry_attempts <= 185 &&
          p->maximum_event_age_seconds >= 60 && p->maximum_event_age_seconds <= 86'400 &&
          !dlq::IsFifoQueue(p->dead_letter_arn));
  }
  if (auto p = dlq::ParseDeliveryPolicy(text); p.ok()) {
    auto schedule = dlq::RetrySchedule::Http(*p);
    Check(schedule.ok() && schedule->retries() == p->num_retries &&
          schedule->TotalDelayMillis() <= 3'600'000);
    for (int64_t i = 1; i <= schedule->retries(); ++i) {
      const int64_t d = schedule->DelayBeforeRetryMillis(i);
      Check(d >= 0 && d <= p->max_delay_target * int64_t{1000});
    }
  }
}

void Reopen() {
  dlq::ManualClock clock(0);
  auto ledger = dlq::Ledger::Open({.directory = Directory(), .fsync = dlq::FsyncPolicy::kNone,
                                   .clock = &clock});
  if (!ledger.ok()) return;
  const std::string before = CheckConsistent(**ledger);
  Check((*ledger)->Snapshot().ok());
  ledger->reset();
  auto again = dlq::Ledger::Open({.directory = Directory(), .fsync = dlq::FsyncPolicy::kNone,
                                  .clock = &clock});
  Check(again.ok() && CheckConsistent(**again) == before);
}

void Calls(std::string_view in) {
  dlq::ManualClock clock(1'000'000);
  // Transitions must agree with the counters (which DeleteQueue resets).
  int64_t moved = 0, expired = 0;
  bool deleted_a_queue = false;
  dlq::LedgerOptions options;
  options.clock = &clock;
  options.on_transition = [&](const dlq::Transition& t) {
    Check(!t.message_id.empty() && !t.from_queue_arn.empty());
    Check((t.kind == dlq::Transition::Kind::kExpired) == t.to_queue_arn.empty());
    Check((t.kind == dlq::Transition::Kind::kRedriven) == !t.new_message_id.empty());
    moved += t.kind == dlq::Transition::Kind::kMovedToDeadLetterQueue;
    expired += t.kind == dlq::Transition::Kind::kExpired;
  };
  auto opened = dlq::Ledger::Open(options);
  Check(opened.ok());
  dlq::Ledger& ledger = **opened;
  std::vector<std::string> handles;
  for (size_t i = 0; i + 2 <= in.size(); i += 2) {
    const auto op = static_cast<uint8_t>(in[i]);
    const auto arg = static_cast<uint8_t>(in[i + 1]);
    const char* queue = kQueues[arg % 4];
    switch (op % 9) {
      case 0: {
        dlq::QueueAttributes a;
        a.visibility_timeout_seconds = arg % 40;
        a.message_retention_period_seconds = 60 + arg;
        if (op & 0x10) a.redrive_policy = dlq::RedrivePolicy{kQueues[(arg / 4) % 4], 1 + arg % 3};
        (void)ledger.CreateQueue(queue, a);
        break;
      }
      case 1: {
        dlq::SendRequest r;
        if (op & 0x10) r.delay_seconds = arg % 8;
        if (op & 0x20) r.deduplication_id = std::to_string(arg % 7);
        (void)ledger.Send(queue, r);
        break;
      }
      case 2: {
        auto got = ledger.Receive(queue, {.max_number_of_messages = 1 + arg % 12});
        if (got.ok()) {
          for (const auto& m : *got) handles.push_back(m.receipt_handle);
        }
        break;
      }
      case 3:
        if (!handles.empty()) (void)ledger.Delete(queue, handles[arg % handles.size()]);
        break;
      case 4:
        if (!handles.empty()) {
          (void)ledger.ChangeVisibility(queue, handles[arg % handles.size()], arg % 50);
        }
        break;
      case 5:
        (void)ledger.StartMoveTask(
            queue,
            op & 0x10 ? std::optional<std::string_view>(kQueues[(arg / 4) % 4]) : std::nullopt,
            op & 0x20 ? std::optional<int>(arg % 7) : std::nullopt);
        break;
      case 6:
        if (auto tasks = ledger.ListMoveTasks(queue, 1 + arg % 10); tasks.ok()) {
          for (const auto& t : *tasks) {
            if (!t.task_handle.empty()) (void)ledger.CancelMoveTask(t.task_handle);
          }
        }
        break;
      case 7:
        deleted_a_queue |= ledger.DeleteQueue(queue).ok();
        break;
      case 8:
        clock.Advance(int64_t{arg} * (op & 0x10 ? 10'000 : 250));
        break;
    }
    int64_t counted = 0, counted_moves = 0, counted_expiries = 0;
    for (const char* q : kQueues) {
      if (auto c = ledger.Counters(q); c.ok()) {
        counted += c->approximate_number_of_messages +
                   c->approximate_number_of_messages_not_visible +
                   c->approximate_number_of_messages_delayed;
        counted_moves += c->moved_to_dead_letter_queue;
        counted_expiries += c->expired;
      }
    }
    Check(counted == static_cast<int64_t>(ledger.message_count()));
    Check(deleted_a_queue || (counted_moves == moved && counted_expiries == expired));
    if (i % 32 == 0) CheckConsistent(ledger);  // O(messages): not after every call
  }
  CheckConsistent(ledger);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::filesystem::remove(Directory() + "/snapshot");
  switch (data[0] % 5) {
    case 0:
      Policies(in);
      break;
    case 1: {  // records split at '\n', each framed with good CRCs
      std::string journal = dlq::internal::JournalHeader(0);
      size_t start = 0;
      while (start <= in.size()) {
        size_t end = in.find('\n', start);
        if (end == std::string_view::npos) end = in.size();
        journal += dlq::internal::JournalRecord(in.substr(start, end - start));
        start = end + 1;
      }
      WriteFile("journal", journal);
      Reopen();
      break;
    }
    case 2: {
      WriteFile("snapshot", dlq::internal::SnapshotFile(1, in));
      WriteFile("journal", dlq::internal::JournalHeader(1));
      Reopen();
      break;
    }
    case 3:
      WriteFile("journal", dlq::internal::JournalHeader(0) + std::string(in));
      Reopen();
      break;
    case 4:
      Calls(in);
      break;
  }
  return 0;
}
