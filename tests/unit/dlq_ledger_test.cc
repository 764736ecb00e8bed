// The DLQ ledger: SQS receive counts, visibility, dead-letter moves,
// retention, move tasks (SPEC E.1-E.4, E.7, D12-D14), durability and
// threads.

#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "evmatch/dlq.h"
#include "dlq/journal.h"
#include "support/temp_dir.h"

namespace {

using namespace evmatch::dlq;
using evmatch_test::TempDir;

constexpr const char* kSrc = "arn:aws:sqs:us-east-2:123456789012:orders";
constexpr const char* kSrc2 = "arn:aws:sqs:us-east-2:123456789012:payments";
constexpr const char* kDlq = "arn:aws:sqs:us-east-2:123456789012:orders-dlq";
constexpr const char* kFifoSrc = "arn:aws:sqs:us-east-2:123456789012:orders.fifo";
constexpr const char* kFifoDlq = "arn:aws:sqs:us-east-2:123456789012:orders-dlq.fifo";
constexpr int64_t kSec = 1000;
constexpr int64_t kDay = 86'400 * kSec;

std::string Message(const absl::Status& s) { return std::string(s.message()); }

struct Fixture {
  explicit Fixture(int max_receive_count = 1, std::string dir = "") {
    LedgerOptions options;
    options.clock = &clock;
    options.directory = std::move(dir);
    options.fsync = FsyncPolicy::kNone;
    ledger = std::move(*Ledger::Open(options));
    REQUIRE(ledger->CreateQueue(kDlq).ok());
    QueueAttributes src;
    src.redrive_policy = RedrivePolicy{kDlq, max_receive_count};
    REQUIRE(ledger->CreateQueue(kSrc, src).ok());
  }
  ReceivedMessage ReceiveOne(const char* queue) {
    auto got = ledger->Receive(queue);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 1);
    return (*got)[0];
  }
  size_t ReceiveCount(const char* queue, int max = 10) {
    auto got = ledger->Receive(queue, {.max_number_of_messages = max});
    REQUIRE(got.ok());
    return got->size();
  }
  QueueCounters Counters(const char* queue) { return *ledger->Counters(queue); }

  ManualClock clock{1'700'000'000'000};
  std::unique_ptr<Ledger> ledger;
};

TEST_CASE("maxReceiveCount 1: one receive, moved on the second (E.7 2)", "[dlq]") {
  Fixture f(1);
  const std::string id = f.ledger->Send(kSrc)->message_id;
  const int64_t sent = f.clock.NowMillis();
  f.clock.Advance(5 * kSec);
  ReceivedMessage first = f.ReceiveOne(kSrc);
  CHECK(first.message_id == id);
  CHECK(first.receive_count == 1);
  CHECK(first.visible_again_at_ms == f.clock.NowMillis() + 30 * kSec);
  CHECK(first.dead_letter_queue_source_arn.empty());

  f.clock.Advance(29 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);  // still in flight
  f.clock.Advance(1 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);  // visible again: moved instead of returned
  CHECK(f.Counters(kSrc).moved_to_dead_letter_queue == 1);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 0);

  ReceivedMessage dead = f.ReceiveOne(kDlq);
  CHECK(dead.message_id == id);  // same id
  CHECK(dead.receive_count == 2);  // the count continues
  CHECK(dead.dead_letter_queue_source_arn == kSrc);
  CHECK(dead.sent_timestamp_ms == sent);
  CHECK(dead.first_receive_timestamp_ms == first.first_receive_timestamp_ms);
}

TEST_CASE("maxReceiveCount 3: three receives, then the DLQ", "[dlq]") {
  Fixture f(3);
  REQUIRE(f.ledger->Send(kSrc).ok());
  for (int i = 1; i <= 3; ++i) {
    CHECK(f.ReceiveOne(kSrc).receive_count == i);
    f.clock.Advance(30 * kSec);
  }
  CHECK(f.ReceiveCount(kSrc) == 0);
  CHECK(f.ReceiveOne(kDlq).receive_count == 4);
}

TEST_CASE("A moved message does not take a receive slot", "[dlq]") {
  Fixture f(1);
  for (int i = 0; i < 4; ++i) REQUIRE(f.ledger->Send(kSrc).ok());
  CHECK(f.ReceiveCount(kSrc, 2) == 2);  // the two oldest
  f.clock.Advance(30 * kSec);
  // The two received ones are due for the DLQ; the receive skips them and
  // returns the other two.
  auto got = f.ledger->Receive(kSrc, {.max_number_of_messages = 10});
  REQUIRE(got.ok());
  CHECK(got->size() == 2);
  CHECK(f.Counters(kDlq).approximate_number_of_messages == 2);
}

TEST_CASE("Retention after the move: standard keeps, FIFO restarts (E.7 3)", "[dlq]") {
  Fixture f(1);
  QueueAttributes dlq;
  dlq.message_retention_period_seconds = 2 * 86'400;
  REQUIRE(f.ledger->SetQueueAttributes(kDlq, dlq).ok());
  REQUIRE(f.ledger->CreateQueue(kFifoDlq, dlq).ok());
  QueueAttributes fifo_src;
  fifo_src.redrive_policy = RedrivePolicy{kFifoDlq, 1};
  REQUIRE(f.ledger->CreateQueue(kFifoSrc, fifo_src).ok());

  REQUIRE(f.ledger->Send(kSrc).ok());
  REQUIRE(f.ledger->Send(kFifoSrc, {.deduplication_id = "d1"}).ok());
  f.clock.Advance(kDay);  // a day in the source queues
  f.ReceiveOne(kSrc);
  f.ReceiveOne(kFifoSrc);
  f.clock.Advance(30 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);
  CHECK(f.ReceiveCount(kFifoSrc) == 0);
  CHECK(f.Counters(kDlq).approximate_number_of_messages == 1);
  CHECK(f.Counters(kFifoDlq).approximate_number_of_messages == 1);
  CHECK(f.Counters(kDlq).approximate_age_of_oldest_message_seconds == 0);  // since the move

  f.clock.Advance(kDay - 30 * kSec);  // two days after the send
  CHECK(f.Counters(kDlq).approximate_number_of_messages == 0);  // expired: day 2
  CHECK(f.Counters(kDlq).expired == 1);
  CHECK(f.Counters(kFifoDlq).approximate_number_of_messages == 1);  // restarted
  f.clock.Advance(kDay + 29 * kSec);
  CHECK(f.Counters(kFifoDlq).approximate_number_of_messages == 1);
  f.clock.Advance(1 * kSec);
  CHECK(f.Counters(kFifoDlq).approximate_number_of_messages == 0);  // two days after the move
}

TEST_CASE("Lowering the retention expires waiting messages (E.1)", "[dlq]") {
  Fixture f(10);
  REQUIRE(f.ledger->Send(kSrc).ok());
  f.clock.Advance(120 * kSec);
  REQUIRE(f.ledger->Send(kSrc).ok());
  QueueAttributes a = *f.ledger->GetQueueAttributes(kSrc);
  a.message_retention_period_seconds = 100;
  REQUIRE(f.ledger->SetQueueAttributes(kSrc, a).ok());
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 1);  // the older one is gone
  CHECK(f.Counters(kSrc).expired == 1);
  a.message_retention_period_seconds = 345'600;
  REQUIRE(f.ledger->SetQueueAttributes(kSrc, a).ok());
  f.clock.Advance(101 * kSec);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 1);  // raised again in time
}

TEST_CASE("FIFO: dedup window, and the DLQ replaces dedup ids (E.7 7)", "[dlq]") {
  Fixture f(1);
  REQUIRE(f.ledger->CreateQueue(kFifoDlq).ok());
  QueueAttributes src;
  src.redrive_policy = RedrivePolicy{kFifoDlq, 1};
  REQUIRE(f.ledger->CreateQueue(kFifoSrc, src).ok());

  SendResult a = *f.ledger->Send(kFifoSrc, {.deduplication_id = "same"});
  SendResult dup = *f.ledger->Send(kFifoSrc, {.deduplication_id = "same"});
  CHECK_FALSE(a.duplicate);
  CHECK(dup.duplicate);
  CHECK(dup.message_id == a.message_id);
  f.clock.Advance(5 * 60 * kSec);  // the window is over
  SendResult b = *f.ledger->Send(kFifoSrc, {.deduplication_id = "same"});
  CHECK_FALSE(b.duplicate);
  CHECK(b.message_id != a.message_id);
  CHECK(f.ReceiveOne(kFifoSrc).deduplication_id == "same");

  CHECK(f.ReceiveCount(kFifoSrc) == 1);
  f.clock.Advance(30 * kSec);
  CHECK(f.ReceiveCount(kFifoSrc) == 0);  // both moved
  auto dead = f.ledger->Receive(kFifoDlq, {.max_number_of_messages = 10});
  REQUIRE(dead->size() == 2);  // both land, same original dedup id
  for (const ReceivedMessage& m : *dead) CHECK(m.deduplication_id == m.message_id);

  CHECK_FALSE(f.ledger->Send(kFifoSrc).ok());  // FIFO needs a dedup id
  CHECK_FALSE(f.ledger->Send(kSrc, {.deduplication_id = "x"}).ok());
  auto delayed = f.ledger->Send(kFifoSrc, {.delay_seconds = 5, .deduplication_id = "y"});
  REQUIRE_FALSE(delayed.ok());
  CHECK(Message(delayed.status()) ==
        "InvalidParameterValue: Value 5 for parameter DelaySeconds is invalid. Reason: The "
        "request include parameter that is not valid for this queue type.");
}

TEST_CASE("Receipt handles: only the latest one works", "[dlq]") {
  Fixture f(10);
  REQUIRE(f.ledger->Send(kSrc).ok());
  ReceivedMessage first = f.ReceiveOne(kSrc);
  f.clock.Advance(30 * kSec);
  ReceivedMessage second = f.ReceiveOne(kSrc);
  CHECK(second.receipt_handle != first.receipt_handle);
  absl::Status stale = f.ledger->Delete(kSrc, first.receipt_handle);
  CHECK(absl::IsInvalidArgument(stale));
  CHECK(Message(stale).rfind("ReceiptHandleIsInvalid: ", 0) == 0);
  CHECK(absl::IsInvalidArgument(f.ledger->Delete(kSrc, "not-a-handle")));
  CHECK(absl::IsInvalidArgument(f.ledger->Delete(kDlq, second.receipt_handle)));  // other queue
  CHECK(f.ledger->Delete(kSrc, second.receipt_handle).ok());
  CHECK(absl::IsInvalidArgument(f.ledger->Delete(kSrc, second.receipt_handle)));  // gone
  CHECK(f.ledger->message_count() == 0);

  // A handle whose visibility ran out still deletes, until a new receive.
  REQUIRE(f.ledger->Send(kSrc).ok());
  ReceivedMessage m = f.ReceiveOne(kSrc);
  f.clock.Advance(60 * kSec);
  CHECK(f.ledger->Delete(kSrc, m.receipt_handle).ok());
}

TEST_CASE("ChangeVisibility: the 12-hour ceiling counts from the receive (E.1)", "[dlq]") {
  Fixture f(10);
  REQUIRE(f.ledger->Send(kSrc).ok());
  ReceivedMessage m = f.ReceiveOne(kSrc);
  CHECK(f.ledger->ChangeVisibility(kSrc, m.receipt_handle, 43'200).ok());  // exactly 12 h
  f.clock.Advance(1 * kSec);
  absl::Status over = f.ledger->ChangeVisibility(kSrc, m.receipt_handle, 43'200);
  CHECK(Message(over) ==
        "InvalidParameterValue: Value 43200 for parameter VisibilityTimeout is invalid. Reason: "
        "Total VisibilityTimeout for the message is beyond the limit [43200 seconds]");
  CHECK(f.ledger->ChangeVisibility(kSrc, m.receipt_handle, 43'199).ok());
  CHECK_FALSE(f.ledger->ChangeVisibility(kSrc, m.receipt_handle, 43'201).ok());
  CHECK_FALSE(f.ledger->ChangeVisibility(kSrc, m.receipt_handle, -1).ok());

  CHECK(f.ledger->ChangeVisibility(kSrc, m.receipt_handle, 0).ok());  // visible at once
  ReceivedMessage again = f.ReceiveOne(kSrc);
  CHECK(again.receive_count == 2);
  f.clock.Advance(31 * kSec);
  absl::Status not_in_flight = f.ledger->ChangeVisibility(kSrc, again.receipt_handle, 10);
  CHECK(absl::IsFailedPrecondition(not_in_flight));
  CHECK(Message(not_in_flight).rfind("MessageNotInflight: ", 0) == 0);
}

TEST_CASE("Receive arguments, delays and counters (E.1)", "[dlq]") {
  Fixture f(10);
  auto eleven = f.ledger->Receive(kSrc, {.max_number_of_messages = 11});
  CHECK(Message(eleven.status()) ==
        "InvalidParameterValue: Value 11 for parameter MaxNumberOfMessages is invalid. Reason: "
        "Must be between 1 and 10, if provided.");
  CHECK_FALSE(f.ledger->Receive(kSrc, {.max_number_of_messages = 0}).ok());
  CHECK_FALSE(f.ledger->Receive(kSrc, {.visibility_timeout_seconds = 43'201}).ok());
  CHECK(absl::IsNotFound(f.ledger->Receive("arn:aws:sqs:us-east-2:123456789012:nope").status()));
  CHECK_FALSE(f.ledger->Send(kSrc, {.delay_seconds = 901}).ok());
  CHECK_FALSE(f.ledger->Send(kSrc, {.size_bytes = 1'048'577}).ok());

  REQUIRE(f.ledger->Send(kSrc, {.delay_seconds = 10}).ok());
  REQUIRE(f.ledger->Send(kSrc).ok());
  REQUIRE(f.ledger->Send(kSrc).ok());
  CHECK(f.ReceiveCount(kSrc, 1) == 1);
  QueueCounters c = f.Counters(kSrc);
  CHECK(c.approximate_number_of_messages == 1);
  CHECK(c.approximate_number_of_messages_not_visible == 1);
  CHECK(c.approximate_number_of_messages_delayed == 1);
  f.clock.Advance(10 * kSec);
  c = f.Counters(kSrc);
  CHECK(c.approximate_number_of_messages == 2);
  CHECK(c.approximate_number_of_messages_delayed == 0);
  CHECK(c.approximate_age_of_oldest_message_seconds == 10);

  // A queue default delay, and a zero visibility timeout.
  QueueAttributes slow = *f.ledger->GetQueueAttributes(kSrc);
  slow.delay_seconds = 60;
  REQUIRE(f.ledger->SetQueueAttributes(kSrc, slow).ok());
  REQUIRE(f.ledger->Send(kSrc).ok());
  CHECK(f.Counters(kSrc).approximate_number_of_messages_delayed == 1);
  CHECK(f.ReceiveCount(kSrc) == 2);
  auto zero = f.ledger->Receive(kSrc, {.visibility_timeout_seconds = 0});
  CHECK(zero->empty());
}

TEST_CASE("Queue attributes and redrive permissions (E.2, E.3, E.7 6)", "[dlq]") {
  Fixture f(1);
  CHECK(absl::IsInvalidArgument(f.ledger->CreateQueue("orders")));
  QueueAttributes bad;
  bad.visibility_timeout_seconds = 43'201;
  CHECK(Message(f.ledger->CreateQueue(kSrc2, bad)) ==
        "InvalidAttributeValue: Invalid value for the parameter VisibilityTimeout (0 to 43200).");
  bad = QueueAttributes();
  bad.message_retention_period_seconds = 59;
  CHECK_FALSE(f.ledger->CreateQueue(kSrc2, bad).ok());
  CHECK(f.ledger->CreateQueue(kDlq).ok());  // same attributes: fine
  QueueAttributes other;
  other.delay_seconds = 1;
  CHECK(absl::IsAlreadyExists(f.ledger->CreateQueue(kDlq, other)));

  QueueAttributes to_missing;
  to_missing.redrive_policy = RedrivePolicy{"arn:aws:sqs:us-east-2:123456789012:missing", 3};
  CHECK(Message(f.ledger->CreateQueue(kSrc2, to_missing))
            .find("Reason: Dead-letter target does not exist.") != std::string::npos);
  QueueAttributes to_self;
  to_self.redrive_policy = RedrivePolicy{kSrc2, 3};
  CHECK_FALSE(f.ledger->CreateQueue(kSrc2, to_self).ok());
  QueueAttributes to_fifo;
  to_fifo.redrive_policy = RedrivePolicy{kFifoDlq, 3};
  REQUIRE(f.ledger->CreateQueue(kFifoDlq).ok());
  CHECK_FALSE(f.ledger->CreateQueue(kSrc2, to_fifo).ok());  // standard -> FIFO
  QueueAttributes bad_count;
  bad_count.redrive_policy = RedrivePolicy{kDlq, 0};
  CHECK_FALSE(f.ledger->CreateQueue(kSrc2, bad_count).ok());

  // denyAll blocks new policies that point at the queue; existing ones stay.
  QueueAttributes deny;
  deny.redrive_allow_policy = *ParseRedriveAllowPolicy("{\"redrivePermission\":\"denyAll\"}");
  REQUIRE(f.ledger->SetQueueAttributes(kDlq, deny).ok());
  QueueAttributes to_dlq;
  to_dlq.redrive_policy = RedrivePolicy{kDlq, 3};
  CHECK(Message(f.ledger->CreateQueue(kSrc2, to_dlq)).find("does not allow") !=
        std::string::npos);
  REQUIRE(f.ledger->Send(kSrc).ok());
  f.ReceiveOne(kSrc);
  f.clock.Advance(30 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);
  CHECK(f.Counters(kDlq).approximate_number_of_messages == 1);

  // Setting other attributes keeps the existing policy, as SQS, which sets
  // attributes one by one, does.
  QueueAttributes slower = *f.ledger->GetQueueAttributes(kSrc);
  slower.visibility_timeout_seconds = 60;
  CHECK(f.ledger->SetQueueAttributes(kSrc, slower).ok());

  // byQueue admits the listed sources only.
  QueueAttributes by_queue;
  by_queue.redrive_allow_policy = *ParseRedriveAllowPolicy(
      std::string("{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"") + kSrc2 + "\"]}");
  REQUIRE(f.ledger->SetQueueAttributes(kDlq, by_queue).ok());
  CHECK(f.ledger->CreateQueue(kSrc2, to_dlq).ok());
}

TEST_CASE("Move tasks: new messages, oldest first, at the rate (E.4, D14)", "[dlq]") {
  Fixture f(1);
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(f.ledger->Send(kSrc)->message_id);
    f.clock.Advance(1);
  }
  CHECK(f.ReceiveCount(kSrc) == 6);
  f.clock.Advance(30 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);
  REQUIRE(f.Counters(kDlq).approximate_number_of_messages == 6);

  auto handle = f.ledger->StartMoveTask(kDlq, std::nullopt, 2);
  REQUIRE(handle.ok());
  auto list = f.ledger->ListMoveTasks(kDlq);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0].status == MoveTaskStatus::kRunning);
  CHECK((*list)[0].task_handle == *handle);
  CHECK((*list)[0].approximate_number_of_messages_to_move == 6);
  CHECK_FALSE((*list)[0].destination_arn.has_value());
  CHECK((*list)[0].max_number_of_messages_per_second == 2);
  CHECK(absl::IsFailedPrecondition(f.ledger->StartMoveTask(kDlq).status()));  // one per source

  f.clock.Advance(1 * kSec);  // 2 per second
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 2);
  CHECK(f.ledger->ListMoveTasks(kDlq)->at(0).approximate_number_of_messages_moved == 2);
  // A redriven message is new: new id, receive count from 0, and it is
  // among the oldest of the DLQ.
  auto back = f.ledger->Receive(kSrc, {.max_number_of_messages = 10});
  REQUIRE(back->size() == 2);
  for (const ReceivedMessage& m : *back) {
    CHECK(m.receive_count == 1);
    CHECK(m.dead_letter_queue_source_arn.empty());
    CHECK(std::find(ids.begin(), ids.end(), m.message_id) == ids.end());
    CHECK(m.sent_timestamp_ms == f.clock.NowMillis());
  }
  std::vector<std::string> left;
  CHECK(f.ledger->ForEachMessage([&](const MessageInfo& m) {
    if (m.queue_arn == kDlq) left.push_back(m.message_id);
  }).ok());
  CHECK(left == std::vector<std::string>(ids.begin() + 2, ids.end()));

  f.clock.Advance(2 * kSec);
  auto done = f.ledger->ListMoveTasks(kDlq);
  CHECK((*done)[0].status == MoveTaskStatus::kCompleted);
  CHECK((*done)[0].task_handle.empty());  // only RUNNING tasks show it
  CHECK((*done)[0].approximate_number_of_messages_moved == 6);
  CHECK(absl::IsFailedPrecondition(f.ledger->CancelMoveTask(*handle).status()));
}

TEST_CASE("Move tasks: arguments and states (E.7 5)", "[dlq]") {
  Fixture f(1);
  CHECK(Message(f.ledger->StartMoveTask(kSrc).status()) ==
        "InvalidParameterValue: Source queue must be configured as a Dead Letter Queue.");
  CHECK(absl::IsNotFound(
      f.ledger->StartMoveTask("arn:aws:sqs:us-east-2:123456789012:none").status()));
  CHECK_FALSE(f.ledger->StartMoveTask(kDlq, std::nullopt, 0).ok());
  CHECK_FALSE(f.ledger->StartMoveTask(kDlq, std::nullopt, 501).ok());
  CHECK(f.ledger->CreateQueue(kFifoDlq).ok());
  CHECK_FALSE(f.ledger->StartMoveTask(kDlq, std::string_view(kFifoDlq)).ok());  // type
  CHECK_FALSE(f.ledger->StartMoveTask(kDlq, std::string_view(kDlq)).ok());
  CHECK_FALSE(f.ledger->ListMoveTasks(kDlq, 0).ok());
  CHECK_FALSE(f.ledger->ListMoveTasks(kDlq, 11).ok());
  CHECK(absl::IsNotFound(f.ledger->CancelMoveTask("nope").status()));

  // A message sent straight to the DLQ has no source: the task fails
  // naming it, and the message stays (D13).
  const std::string orphan = f.ledger->Send(kDlq)->message_id;
  auto handle = f.ledger->StartMoveTask(kDlq);
  REQUIRE(handle.ok());
  f.clock.Advance(1 * kSec);
  auto failed = f.ledger->ListMoveTasks(kDlq);
  CHECK((*failed)[0].status == MoveTaskStatus::kFailed);
  CHECK((*failed)[0].failure_reason.find(orphan) != std::string::npos);
  CHECK(f.Counters(kDlq).approximate_number_of_messages == 1);

  // With a destination it goes there. Cancel: CANCELLING until the clock
  // moves, and a second start is refused meanwhile.
  for (int i = 0; i < 3; ++i) REQUIRE(f.ledger->Send(kDlq).ok());
  auto to_src = f.ledger->StartMoveTask(kDlq, std::string_view(kSrc), 1);
  REQUIRE(to_src.ok());
  f.clock.Advance(1 * kSec);
  CHECK(*f.ledger->CancelMoveTask(*to_src) == 1);
  auto cancelling = f.ledger->ListMoveTasks(kDlq, 10);
  REQUIRE(cancelling->size() == 2);
  CHECK((*cancelling)[0].status == MoveTaskStatus::kCancelling);
  CHECK((*cancelling)[0].task_handle.empty());
  CHECK((*cancelling)[0].destination_arn == std::string(kSrc));
  CHECK((*cancelling)[1].status == MoveTaskStatus::kFailed);
  CHECK(absl::IsFailedPrecondition(f.ledger->StartMoveTask(kDlq).status()));
  CHECK(absl::IsFailedPrecondition(f.ledger->CancelMoveTask(*to_src).status()));
  f.clock.Advance(1);
  CHECK(f.ledger->ListMoveTasks(kDlq)->at(0).status == MoveTaskStatus::kCancelled);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 1);  // moved stays moved
  CHECK(f.Counters(kDlq).approximate_number_of_messages == 3);
}

TEST_CASE("Move tasks: a redriven message's retention starts over (E.7 4)", "[dlq]") {
  Fixture f(1);
  QueueAttributes short_lived = *f.ledger->GetQueueAttributes(kSrc);
  short_lived.message_retention_period_seconds = 3600;
  REQUIRE(f.ledger->SetQueueAttributes(kSrc, short_lived).ok());
  REQUIRE(f.ledger->Send(kSrc).ok());
  f.ReceiveOne(kSrc);
  f.clock.Advance(30 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);  // moved; the DLQ keeps the enqueue time
  f.clock.Advance(3000 * kSec);      // 50 minutes after the send
  REQUIRE(f.ledger->StartMoveTask(kDlq).ok());
  f.clock.Advance(1 * kSec);
  REQUIRE(f.Counters(kSrc).approximate_number_of_messages == 1);
  // The original would have expired an hour after its send; the redriven
  // copy lives an hour from the redrive.
  f.clock.Advance(3000 * kSec);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 1);
  f.clock.Advance(599 * kSec);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 1);
  f.clock.Advance(1 * kSec);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 0);
  CHECK(f.Counters(kSrc).expired == 1);
}

TEST_CASE("Transitions: every move, redrive and expiry is reported once", "[dlq]") {
  TempDir dir;
  ManualClock clock(0);
  std::vector<std::string> seen;
  LedgerOptions options;
  options.directory = dir.path;
  options.fsync = FsyncPolicy::kNone;
  options.clock = &clock;
  options.on_transition = [&](const Transition& t) {
    static constexpr const char* kKinds[] = {"dead-letter", "redriven", "expired"};
    seen.push_back(std::string(kKinds[static_cast<int>(t.kind)]) + " " +
                   std::string(t.message_id) + " " + std::string(t.from_queue_arn) + " -> " +
                   std::string(t.to_queue_arn) + " " + std::string(t.new_message_id) + " @" +
                   std::to_string(t.at_ms));
  };
  std::string first, copy;
  {
    auto ledger = std::move(*Ledger::Open(options));
    REQUIRE(ledger->CreateQueue(kDlq).ok());
    QueueAttributes src;
    src.redrive_policy = RedrivePolicy{kDlq, 1};
    src.message_retention_period_seconds = 60;
    REQUIRE(ledger->CreateQueue(kSrc, src).ok());
    first = ledger->Send(kSrc)->message_id;
    REQUIRE(ledger->Receive(kSrc)->size() == 1);
    clock.Advance(30 * kSec);
    REQUIRE(ledger->Receive(kSrc)->empty());
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == "dead-letter " + first + " " + kSrc + " -> " + kDlq + "  @30000");

    REQUIRE(ledger->StartMoveTask(kDlq).ok());
    clock.Advance(1 * kSec);
    auto back = ledger->Receive(kSrc);
    REQUIRE(back->size() == 1);
    copy = (*back)[0].message_id;
    CHECK((*back)[0].redriven_from_message_id == first);
    REQUIRE(seen.size() == 2);
    CHECK(seen[1] == "redriven " + first + " " + kDlq + " -> " + kSrc + " " + copy + " @31000");

    clock.Advance(60 * kSec);  // the copy's retention (60 s) runs out
    REQUIRE(ledger->Counters(kSrc).ok());
    REQUIRE(seen.size() == 3);
    CHECK(seen[2] == "expired " + copy + " " + kSrc + " ->   @91000");
  }
  // Replaying the journal reports nothing: those transitions happened.
  auto reopened = Ledger::Open(options);
  REQUIRE(reopened.ok());
  CHECK(seen.size() == 3);
}

TEST_CASE("Redriven copies name the message they replaced, across a reopen", "[dlq]") {
  TempDir dir;
  std::string original;
  {
    Fixture f(1, dir.path);
    original = f.ledger->Send(kSrc)->message_id;
    f.ReceiveOne(kSrc);
    f.clock.Advance(30 * kSec);
    REQUIRE(f.ReceiveCount(kSrc) == 0);
    REQUIRE(f.ledger->StartMoveTask(kDlq).ok());
    f.clock.Advance(1 * kSec);
    REQUIRE(f.Counters(kSrc).approximate_number_of_messages == 1);
    REQUIRE(f.ledger->Snapshot().ok());
  }
  ManualClock clock(0);
  auto reopened = Ledger::Open({.directory = dir.path, .clock = &clock});
  REQUIRE(reopened.ok());
  std::vector<MessageInfo> all;
  CHECK((*reopened)->ForEachMessage([&](const MessageInfo& m) { all.push_back(m); }).ok());
  REQUIRE(all.size() == 1);
  CHECK(all[0].redriven_from_message_id == original);
  CHECK(all[0].message_id != original);
}

TEST_CASE("Move tasks: at most 100 active at once (E.4)", "[dlq]") {
  ManualClock clock(0);
  auto ledger = std::move(*Ledger::Open({.clock = &clock}));
  std::vector<std::string> handles;
  for (int i = 0; i <= 100; ++i) {
    const std::string dlq = "arn:aws:sqs:us-east-2:123456789012:dlq" + std::to_string(i);
    const std::string src = "arn:aws:sqs:us-east-2:123456789012:src" + std::to_string(i);
    REQUIRE(ledger->CreateQueue(dlq).ok());
    QueueAttributes a;
    a.redrive_policy = RedrivePolicy{dlq, 1};
    REQUIRE(ledger->CreateQueue(src, a).ok());
    // An in-flight message keeps the task RUNNING: it waits for it.
    REQUIRE(ledger->Send(dlq).ok());
    REQUIRE(ledger->Receive(dlq)->size() == 1);
    auto task = ledger->StartMoveTask(dlq, std::string_view(src));
    if (i < 100) {
      REQUIRE(task.ok());
      handles.push_back(*task);
    } else {
      CHECK(absl::IsResourceExhausted(task.status()));
    }
  }
  REQUIRE(ledger->CancelMoveTask(handles[0]).ok());
  clock.Advance(1);  // CANCELLED: a slot is free
  CHECK(ledger->StartMoveTask("arn:aws:sqs:us-east-2:123456789012:dlq100",
                              std::string_view("arn:aws:sqs:us-east-2:123456789012:src100"))
            .ok());
}

TEST_CASE("Move tasks: each message back to its own source (E.4)", "[dlq]") {
  Fixture f(1);
  QueueAttributes src2;
  src2.redrive_policy = RedrivePolicy{kDlq, 1};
  REQUIRE(f.ledger->CreateQueue(kSrc2, src2).ok());
  for (const char* q : {kSrc, kSrc2, kSrc}) REQUIRE(f.ledger->Send(q).ok());
  CHECK(f.ReceiveCount(kSrc) == 2);
  CHECK(f.ReceiveCount(kSrc2) == 1);
  f.clock.Advance(30 * kSec);
  CHECK(f.ReceiveCount(kSrc) == 0);  // moves the two from kSrc first
  CHECK(f.ReceiveCount(kSrc2) == 0);
  // A message that arrives after the start is not part of the task, and an
  // in-flight one waits.
  REQUIRE(f.ledger->StartMoveTask(kDlq).ok());
  const std::string later = f.ledger->Send(kDlq)->message_id;
  ReceivedMessage busy = f.ReceiveOne(kDlq);  // the oldest: from kSrc
  f.clock.Advance(10 * kSec);
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 1);
  CHECK(f.Counters(kSrc2).approximate_number_of_messages == 1);
  CHECK(f.ledger->ListMoveTasks(kDlq)->at(0).status == MoveTaskStatus::kRunning);
  f.clock.Advance(20 * kSec);  // `busy` is visible again
  CHECK(f.Counters(kSrc).approximate_number_of_messages == 2);
  CHECK(f.ledger->ListMoveTasks(kDlq)->at(0).status == MoveTaskStatus::kCompleted);
  std::vector<std::string> in_dlq;
  CHECK(f.ledger->ForEachMessage([&](const MessageInfo& m) {
    if (m.queue_arn == kDlq) in_dlq.push_back(m.message_id);
  }).ok());
  CHECK(in_dlq == std::vector<std::string>{later});
  (void)busy;
}

// ---------------------------------------------------------------- storage


// Everything observable, as text.
std::string Dump(Ledger& ledger, std::initializer_list<const char*> queues) {
  std::string out;
  for (const char* q : queues) {
    auto c = ledger.Counters(q);
    if (!c.ok()) continue;
    out += std::string(q) + " " + std::to_string(c->approximate_number_of_messages) + "/" +
           std::to_string(c->approximate_number_of_messages_not_visible) + "/" +
           std::to_string(c->moved_to_dead_letter_queue) + "\n";
  }
  CHECK(ledger.ForEachMessage([&](const MessageInfo& m) {
    out += m.message_id + " " + m.queue_arn + " " + std::to_string(m.receive_count) + " " +
           std::to_string(m.visible_at_ms) + " " + m.dead_letter_queue_source_arn + "\n";
  }).ok());
  return out;
}

void Traffic(Fixture& f, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    REQUIRE(f.ledger->Send(kSrc).ok());
    auto got = f.ledger->Receive(kSrc, {.max_number_of_messages = 3});
    REQUIRE(got.ok());
    if (i % 3 == 0 && !got->empty()) {
      REQUIRE(f.ledger->Delete(kSrc, got->front().receipt_handle).ok());
    }
    f.clock.Advance(11 * kSec);
  }
}

TEST_CASE("Journal: a reopened ledger is the ledger that was closed", "[dlq]") {
  TempDir dir;
  std::string before;
  int64_t moved = 0;
  {
    Fixture f(2, dir.path);
    Traffic(f, 40);
    REQUIRE(f.Counters(kDlq).approximate_number_of_messages >= 3);
    REQUIRE(f.ledger->StartMoveTask(kDlq, std::nullopt, 1).ok());
    f.clock.Advance(2 * kSec);
    before = Dump(*f.ledger, {kSrc, kDlq});
    moved = f.ledger->ListMoveTasks(kDlq)->at(0).approximate_number_of_messages_moved;
    CHECK(moved == 2);
  }
  LedgerOptions options;
  ManualClock clock(1'700'000'000'000 + 40 * 11 * kSec + 2 * kSec);
  options.clock = &clock;
  options.directory = dir.path;
  auto reopened = Ledger::Open(options);
  REQUIRE(reopened.ok());
  CHECK(Dump(**reopened, {kSrc, kDlq}) == before);
  CHECK((*reopened)->ListMoveTasks(kDlq)->at(0).approximate_number_of_messages_moved == moved);
  CHECK((*reopened)->ListMoveTasks(kDlq)->at(0).status == MoveTaskStatus::kRunning);
}

TEST_CASE("Journal: a torn last record is dropped, a corrupt middle one is an error",
          "[dlq]") {
  TempDir dir;
  const std::string journal = dir.path + "/journal";
  std::string before_last;
  uintmax_t size_before_last = 0;
  {
    Fixture f(2, dir.path);
    Traffic(f, 10);
    before_last = Dump(*f.ledger, {kSrc, kDlq});
    size_before_last = std::filesystem::file_size(journal);
    REQUIRE(f.ledger->Send(kSrc).ok());
  }
  const uintmax_t full = std::filesystem::file_size(journal);
  REQUIRE(full > size_before_last + 8);
  for (uintmax_t cut = size_before_last + 1; cut < full; cut += 3) {
    TempDir copy;
    std::filesystem::copy_file(journal, copy.path + "/journal");
    std::filesystem::resize_file(copy.path + "/journal", cut);
    ManualClock clock(0);
    auto torn = Ledger::Open({.directory = copy.path, .clock = &clock});
    REQUIRE(torn.ok());
    CHECK(Dump(**torn, {kSrc, kDlq}) == before_last);
    CHECK(std::filesystem::file_size(copy.path + "/journal") == size_before_last);
  }
  // Garbage in the last record's bytes (not a short file): also torn.
  {
    TempDir copy;
    std::filesystem::copy_file(journal, copy.path + "/journal");
    std::fstream file(copy.path + "/journal", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(full - 2));
    file.put('\x5a');
    file.close();
    ManualClock clock(0);
    auto torn = Ledger::Open({.directory = copy.path, .clock = &clock});
    REQUIRE(torn.ok());
    CHECK(Dump(**torn, {kSrc, kDlq}) == before_last);
  }
  // A flipped byte in an earlier record: DataLoss, never a silent loss.
  {
    TempDir copy;
    std::filesystem::copy_file(journal, copy.path + "/journal");
    std::fstream file(copy.path + "/journal", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(40);
    const char c = static_cast<char>(file.peek());
    file.put(static_cast<char>(c ^ 1));
    file.close();
    auto corrupt = Ledger::Open({.directory = copy.path});
    CHECK(absl::IsDataLoss(corrupt.status()));
  }
}

TEST_CASE("Snapshots: compaction, and a crash between its two renames", "[dlq]") {
  TempDir dir;
  std::string state;
  {
    Fixture f(2, dir.path);
    Traffic(f, 30);
    std::filesystem::copy_file(dir.path + "/journal", dir.path + "/old-journal");
    REQUIRE(f.ledger->Snapshot().ok());
    CHECK(std::filesystem::file_size(dir.path + "/journal") == 16);  // header only
    Traffic(f, 5);
    state = Dump(*f.ledger, {kSrc, kDlq});
  }
  ManualClock clock(0);
  auto reopened = Ledger::Open({.directory = dir.path, .clock = &clock});
  REQUIRE(reopened.ok());
  CHECK(Dump(**reopened, {kSrc, kDlq}) == state);
  reopened->reset();

  // The snapshot was renamed into place but the journal was not replaced:
  // the old journal's records are all in the snapshot and must not apply
  // twice.
  TempDir crash;
  {
    Fixture f(2, crash.path);
    Traffic(f, 30);
    std::filesystem::copy_file(crash.path + "/journal", crash.path + "/old-journal");
    state = Dump(*f.ledger, {kSrc, kDlq});
    REQUIRE(f.ledger->Snapshot().ok());
  }
  std::filesystem::rename(crash.path + "/old-journal", crash.path + "/journal");
  auto recovered = Ledger::Open({.directory = crash.path, .clock = &clock});
  REQUIRE(recovered.ok());
  CHECK(Dump(**recovered, {kSrc, kDlq}) == state);

  // A corrupt snapshot is DataLoss.
  {
    std::fstream file(crash.path + "/snapshot", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(20);
    file.put('\x7f');
  }
  recovered->reset();
  CHECK(absl::IsDataLoss(Ledger::Open({.directory = crash.path}).status()));
  CHECK(absl::IsFailedPrecondition(Fixture().ledger->Snapshot()));  // in memory
}

TEST_CASE("Journal: a failed write is reported, and the ledger must be reopened", "[dlq]") {
  TempDir dir;
  const std::string journal = dir.path + "/journal";
  std::string durable;
  {
    Fixture f(2, dir.path);
    Traffic(f, 5);
    durable = Dump(*f.ledger, {kSrc, kDlq});
    // The file-size limit makes the next append fail part-way (EFBIG).
    const auto size = std::filesystem::file_size(journal);
    struct rlimit old_limit;
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = old_limit;
    limit.rlim_cur = size + 5;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
    absl::StatusOr<SendResult> failed = f.ledger->Send(kSrc);
    REQUIRE(setrlimit(RLIMIT_FSIZE, &old_limit) == 0);
    std::signal(SIGXFSZ, old_handler);
    CHECK_FALSE(failed.ok());
    CHECK(std::filesystem::file_size(journal) == size + 5);  // a torn record
    absl::Status after = f.ledger->Send(kSrc).status();
    CHECK(absl::IsInternal(after));
    CHECK(std::string(after.message()).find("reopen it") != std::string::npos);
    CHECK(absl::IsInternal(f.ledger->Snapshot()));
  }
  ManualClock clock(0);
  auto reopened = Ledger::Open({.directory = dir.path, .clock = &clock});
  REQUIRE(reopened.ok());
  CHECK(Dump(**reopened, {kSrc, kDlq}) == durable);  // the failed call never happened
  CHECK((*reopened)->Send(kSrc).ok());
}

TEST_CASE("Ledger: 8 threads send, receive and delete at once (threads)", "[dlq][threads]") {
  Fixture f(1000);
  constexpr int kThreads = 8, kPerThread = 2000;
  std::atomic<int> deleted{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {  // Catch2's assertions are not thread-safe
      for (int i = 0; i < kPerThread; ++i) {
        if (!f.ledger->Send(kSrc).ok()) ++errors;
        auto got = f.ledger->Receive(kSrc, {.max_number_of_messages = 2});
        if (!got.ok()) {
          ++errors;
          continue;
        }
        for (const ReceivedMessage& m : *got) {
          (f.ledger->Delete(kSrc, m.receipt_handle).ok() ? deleted : errors)++;
        }
        if (i % 100 == 0 && !f.ledger->Counters(kSrc).ok()) ++errors;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(errors == 0);
  const QueueCounters c = f.Counters(kSrc);
  // Every receive made its message invisible, so no message was handed to
  // two threads: each delete succeeded, and nothing was lost.
  CHECK(deleted + c.approximate_number_of_messages + c.approximate_number_of_messages_not_visible ==
        kThreads * kPerThread);
  CHECK(f.ledger->message_count() == static_cast<size_t>(kThreads * kPerThread - deleted));
}

}  // namespace

// Journal records keep their byte layout (journals written by earlier
// versions must replay), and one Fields list reads back what it wrote.
TEST_CASE("journal records: layout and round trip", "[dlq][journal]") {
  using namespace evmatch::dlq::internal;  // NOLINT(build/namespaces)
  SendRecord send{"q", {}};
  send.request.delay_seconds = 5;
  send.request.deduplication_id = "d";
  send.request.size_bytes = 7;
  Encoder e;
  RecordWriter writer(&e);
  SendRecord::Fields(writer, send);
  // arn (length, byte), delay present (1) and zigzag 5, dedup, zigzag 7.
  CHECK(e.bytes() == std::string("\x01q\x01\x0a\x01" "d\x0e", 7));
  Decoder d(e.bytes());
  RecordReader reader(&d);
  SendRecord back;
  SendRecord::Fields(reader, back);
  CHECK(reader.ok());
  CHECK(d.done());
  CHECK(back.arn == "q");
  CHECK(back.request.delay_seconds == std::optional<int64_t>(5));
  CHECK(back.request.deduplication_id == "d");
  CHECK(back.request.size_bytes == 7);

  StartMoveTaskRecord start{"s", std::string("t"), std::nullopt};
  Encoder e2;
  RecordWriter writer2(&e2);
  StartMoveTaskRecord::Fields(writer2, start);
  CHECK(e2.bytes() == std::string("\x01s\x01\x01t\x00", 6));
  // A record cut short reads as malformed.
  Decoder cut(std::string_view(e2.bytes()).substr(0, 3));
  RecordReader short_reader(&cut);
  StartMoveTaskRecord partial;
  StartMoveTaskRecord::Fields(short_reader, partial);
  CHECK_FALSE(short_reader.ok());
}
