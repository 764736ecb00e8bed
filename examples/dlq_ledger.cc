// SQS dead-letter rules for a broker that has none. The "broker" here is a
// map of message bodies per queue; the ledger keeps the books and tells,
// through on_transition, which bodies to move. A poison message fails three
// times, lands in the dead-letter queue, and is redriven once the consumer
// is fixed. The books survive a restart (the journal in a scratch
// directory).
//
//   $ ./build/examples/dlq_ledger

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include "evmatch/dlq.h"

namespace dlq = evmatch::dlq;

namespace {

constexpr const char* kOrders = "arn:aws:sqs:us-east-1:123456789012:orders";
constexpr const char* kOrdersDlq = "arn:aws:sqs:us-east-1:123456789012:orders-dlq";

// Bodies by queue, then by message id: what a real broker would hold.
std::map<std::string, std::map<std::string, std::string>> broker;

void Mirror(const dlq::Transition& t) {
  auto& from = broker[std::string(t.from_queue_arn)];
  auto body = from.extract(std::string(t.message_id));
  switch (t.kind) {
    case dlq::Transition::Kind::kMovedToDeadLetterQueue:
      std::printf("  ledger: %s moved to the dead-letter queue\n", body.mapped().c_str());
      broker[std::string(t.to_queue_arn)][body.key()] = body.mapped();
      break;
    case dlq::Transition::Kind::kRedriven:
      std::printf("  ledger: %s redriven as a new message\n", body.mapped().c_str());
      broker[std::string(t.to_queue_arn)][std::string(t.new_message_id)] = body.mapped();
      break;
    case dlq::Transition::Kind::kExpired:
      std::printf("  ledger: %s expired\n", body.mapped().c_str());
      break;
  }
}

// One poll of a consumer that fails on "poison" unless it is fixed.
void Consume(dlq::Ledger& ledger, bool fixed) {
  auto received = ledger.Receive(kOrders, {.max_number_of_messages = 10});
  if (!received.ok()) return;
  for (const dlq::ReceivedMessage& m : *received) {
    const std::string& body = broker[kOrders][m.message_id];
    if (body == "poison" && !fixed) {
      std::printf("  consumer: %s failed (receive %lld)\n", body.c_str(),
                  static_cast<long long>(m.receive_count));
      continue;  // no delete: it comes back after the visibility timeout
    }
    std::printf("  consumer: %s done\n", body.c_str());
    broker[kOrders].erase(m.message_id);
    (void)ledger.Delete(kOrders, m.receipt_handle);
  }
}

}  // namespace

int main() {
  char pattern[] = "/tmp/evmatch-dlq-example-XXXXXX";
  if (mkdtemp(pattern) == nullptr) return 1;
  const std::string directory = pattern;
  dlq::ManualClock clock(1'700'000'000'000);
  dlq::LedgerOptions options;
  options.directory = directory;
  options.clock = &clock;
  options.on_transition = Mirror;

  auto ledger = dlq::Ledger::Open(options);
  if (!ledger.ok()) return 1;
  dlq::QueueAttributes orders;
  orders.visibility_timeout_seconds = 30;
  orders.redrive_policy = dlq::RedrivePolicy{kOrdersDlq, 3};
  if (!(*ledger)->CreateQueue(kOrdersDlq).ok() || !(*ledger)->CreateQueue(kOrders, orders).ok()) {
    return 1;
  }
  for (const char* body : {"order-1", "poison", "order-2"}) {
    absl::StatusOr<dlq::SendResult> sent = (*ledger)->Send(kOrders);
    if (!sent.ok()) return 1;
    broker[kOrders][sent->message_id] = body;
  }

  for (int poll = 0; poll < 4; ++poll) {
    std::printf("poll %d\n", poll + 1);
    Consume(**ledger, /*fixed=*/false);
    clock.Advance(30'000);  // the failed message's visibility runs out
  }

  // A restart: the books come back from the journal.
  ledger->reset();
  ledger = dlq::Ledger::Open(options);
  if (!ledger.ok()) return 1;
  std::printf("restarted: %zu message(s) tracked, %zu in the dead-letter queue\n",
              (*ledger)->message_count(), broker[kOrdersDlq].size());

  std::printf("consumer fixed; redrive\n");
  if (!(*ledger)->StartMoveTask(kOrdersDlq).ok()) return 1;
  clock.Advance(1'000);
  Consume(**ledger, /*fixed=*/true);
  std::filesystem::remove_all(directory);
  const bool empty = (*ledger)->message_count() == 0 && broker[kOrders].empty() &&
                     broker[kOrdersDlq].empty();
  std::printf("%s\n", empty ? "all orders processed" : "messages left!");
  return empty ? 0 : 1;
}
