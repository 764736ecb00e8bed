// The ledger against a simple model: long random sequences of operations
// and clock jumps, with crashes (reopen from the journal), torn journal
// tails and snapshots at random points. After every step the two must
// agree on every message (queue, receive count, deadlines, source, order),
// on every result and on the counters; no message may be lost or be in two
// queues at once.
//
// The model is deliberately naive: a vector of messages scanned linearly.


#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "evmatch/dlq.h"
#include "support/temp_dir.h"

namespace {

using namespace evmatch::dlq;

constexpr int64_t kSec = 1000;

struct ModelQueue {
  std::string arn;
  bool fifo = false;
  int64_t visibility = 30, retention = 345'600, delay = 0;
  int dlq = -1;
  int max_receive_count = 0;
  int64_t moved = 0, expired = 0;
  std::map<std::string, std::pair<int64_t, uint64_t>> dedup;  // id -> (expires, message)
};

struct ModelMessage {
  uint64_t id = 0;
  int queue = 0;
  int source = -1;
  int64_t count = 0;
  int64_t sent = 0, retention_base = 0, arrived = 0, visible_at = 0, received = 0;
  uint64_t arrival = 0, nonce = 0;
  bool pending = false, received_flag = false;
  std::string dedup;
  bool dedup_is_id = false;
};

struct ModelTask {
  int source = 0;
  std::optional<int> destination;
  std::optional<int> rate;
  MoveTaskStatus status = MoveTaskStatus::kRunning;
  int64_t moved = 0, to_move = 0;
  uint64_t cutoff = 0;
  int64_t started = 0, cancelled_at = 0;
  std::string ledger_handle;
};

struct Handle {
  std::string ledger;  // the ledger's receipt handle
  int queue;
  uint64_t id, nonce;  // the model's
};

// The model, and the test's bookkeeping that maps the ledger's names to the
// model's (rolled back with it when a torn record undoes a call).
struct Model {
  int64_t now = std::numeric_limits<int64_t>::min();
  uint64_t next_id = 1, next_arrival = 1, next_nonce = 1;
  std::vector<ModelQueue> queues;
  std::vector<ModelMessage> messages;
  std::vector<ModelTask> tasks;
  std::vector<Handle> handles;
  std::map<std::string, uint64_t> ledger_to_model;
  std::map<uint64_t, std::string> model_to_ledger;

  ModelMessage* Find(uint64_t id) {
    for (ModelMessage& m : messages) {
      if (m.id == id) return &m;
    }
    return nullptr;
  }
  ModelMessage* OldestReady(int queue, uint64_t max_arrival = UINT64_MAX) {
    ModelMessage* best = nullptr;
    for (ModelMessage& m : messages) {
      if (m.queue == queue && !m.pending && m.arrival <= max_arrival &&
          (best == nullptr || m.arrival < best->arrival)) {
        best = &m;
      }
    }
    return best;
  }
  void Remove(uint64_t id) {
    messages.erase(std::find_if(messages.begin(), messages.end(),
                                [&](const ModelMessage& m) { return m.id == id; }));
  }
  ModelMessage& Create(int queue, int64_t delay_ms) {
    ModelMessage& m = messages.emplace_back();
    m.id = next_id++;
    m.queue = queue;
    m.arrival = next_arrival++;
    m.sent = m.retention_base = m.arrived = now;
    m.visible_at = now + delay_ms;
    m.pending = delay_ms > 0;
    return m;
  }

  void Advance(int64_t clock) {
    now = std::max(now, clock);
    for (size_t i = 0; i < messages.size();) {
      const ModelMessage& m = messages[i];
      if (m.retention_base + queues[m.queue].retention * kSec <= now) {
        ++queues[m.queue].expired;
        messages.erase(messages.begin() + static_cast<std::ptrdiff_t>(i));
      } else {
        ++i;
      }
    }
    for (ModelMessage& m : messages) {
      if (m.pending && m.visible_at <= now) m.pending = false;
    }
    for (ModelTask& t : tasks) AdvanceTask(t);
  }

  void AdvanceTask(ModelTask& t) {
    if (t.status == MoveTaskStatus::kCancelling) {
      if (now > t.cancelled_at) t.status = MoveTaskStatus::kCancelled;
      return;
    }
    if (t.status != MoveTaskStatus::kRunning) return;
    const int64_t allowed = t.rate.value_or(500) * (now - t.started) / kSec;
    while (t.moved < allowed) {
      ModelMessage* m = OldestReady(t.source, t.cutoff);
      if (m == nullptr) break;
      int destination;
      if (t.destination) {
        destination = *t.destination;
      } else if (m->source < 0) {
        t.status = MoveTaskStatus::kFailed;
        return;
      } else {
        destination = m->source;
      }
      const std::string dedup =
          queues[destination].fifo ? (m->dedup_is_id ? model_to_ledger.at(m->id) : m->dedup)
                                   : std::string();
      Remove(m->id);
      Create(destination, queues[destination].delay * kSec).dedup = dedup;
      ++t.moved;
    }
    const bool left = std::any_of(messages.begin(), messages.end(), [&](const ModelMessage& m) {
      return m.queue == t.source && m.arrival <= t.cutoff;
    });
    if (!left) {
      t.status = MoveTaskStatus::kCompleted;
    } else if (now - t.started >= 36 * 3600 * kSec) {
      t.status = MoveTaskStatus::kFailed;
    }
  }

  // Results: nullopt for an error.
  std::optional<uint64_t> Send(int q, std::optional<int64_t> delay, const std::string& dedup) {
    ModelQueue& queue = queues[q];
    if (delay && (*delay < 0 || *delay > 900)) return std::nullopt;
    if (queue.fifo && delay) return std::nullopt;
    if (queue.fifo == dedup.empty()) return std::nullopt;
    if (queue.fifo) {
      auto it = queue.dedup.find(dedup);
      if (it != queue.dedup.end() && it->second.first > now) return it->second.second;
    }
    ModelMessage& m = Create(q, delay.value_or(queue.delay) * kSec);
    if (queue.fifo) {
      m.dedup = dedup;
      queue.dedup[dedup] = {now + 300 * kSec, m.id};
    }
    return m.id;
  }

  std::optional<std::vector<ModelMessage>> Receive(int q, int max, std::optional<int64_t> vt) {
    if (max < 1 || max > 10) return std::nullopt;
    if (vt && (*vt < 0 || *vt > 43'200)) return std::nullopt;
    ModelQueue& queue = queues[q];
    std::vector<ModelMessage> out;
    while (static_cast<int>(out.size()) < max) {
      ModelMessage* m = OldestReady(q);
      if (m == nullptr) break;
      if (queue.dlq >= 0 && m->count + 1 > queue.max_receive_count) {
        ++queue.moved;
        m->source = q;
        m->queue = queue.dlq;
        m->arrival = next_arrival++;
        m->arrived = m->visible_at = now;
        if (queues[queue.dlq].fifo) {
          m->retention_base = now;
          m->dedup_is_id = true;
        }
        continue;
      }
      ++m->count;
      m->nonce = next_nonce++;
      m->received = now;
      m->visible_at = now + vt.value_or(queue.visibility) * kSec;
      m->pending = m->received_flag = true;
      out.push_back(*m);
    }
    return out;
  }

  ModelMessage* Holder(const Handle& h) {
    ModelMessage* m = Find(h.id);
    return m != nullptr && m->nonce == h.nonce && m->queue == h.queue ? m : nullptr;
  }

  bool Delete(const Handle& h) {
    if (Holder(h) == nullptr) return false;
    Remove(h.id);
    return true;
  }

  bool ChangeVisibility(const Handle& h, int64_t seconds) {
    if (seconds < 0 || seconds > 43'200) return false;
    ModelMessage* m = Holder(h);
    if (m == nullptr || !m->pending || !m->received_flag) return false;
    if (now + seconds * kSec > m->received + 43'200 * kSec) return false;
    m->visible_at = now + seconds * kSec;
    return true;
  }

  bool StartTask(int source, std::optional<int> destination, std::optional<int> rate) {
    const bool is_dlq = std::any_of(queues.begin(), queues.end(),
                                    [&](const ModelQueue& q) { return q.dlq == source; });
    if (!is_dlq) return false;
    if (destination &&
        (*destination == source || queues[*destination].fifo != queues[source].fifo)) {
      return false;
    }
    if (rate && (*rate < 1 || *rate > 500)) return false;
    for (const ModelTask& t : tasks) {
      if (t.source == source && (t.status == MoveTaskStatus::kRunning ||
                                 t.status == MoveTaskStatus::kCancelling)) {
        return false;
      }
    }
    ModelTask& t = tasks.emplace_back();
    t.source = source;
    t.destination = destination;
    t.rate = rate;
    t.to_move = std::count_if(messages.begin(), messages.end(),
                              [&](const ModelMessage& m) { return m.queue == source; });
    t.cutoff = next_arrival - 1;
    t.started = now;
    return true;
  }
};

using evmatch_test::TempDir;

class Harness {
 public:
  explicit Harness(uint64_t seed) : rng_(seed) {
    const char* names[] = {"dlq", "orders", "payments", "dlq.fifo", "orders.fifo"};
    for (const char* name : names) {
      ModelQueue& q = model_.queues.emplace_back();
      q.arn = std::string("arn:aws:sqs:eu-west-1:123456789012:") + name;
      q.fifo = IsFifoQueue(q.arn);
      q.visibility = Pick(1, 20);
      q.retention = Pick(60, 400);
      q.delay = q.fifo ? 0 : Pick(0, 1) * Pick(0, 5);
    }
    for (int source : {1, 2, 4}) {
      model_.queues[source].dlq = source == 4 ? 3 : 0;
      model_.queues[source].max_receive_count = static_cast<int>(Pick(1, 3));
    }
    Open();
    for (size_t i = 0; i < model_.queues.size(); ++i) {
      const ModelQueue& q = model_.queues[i];
      QueueAttributes a;
      a.visibility_timeout_seconds = q.visibility;
      a.message_retention_period_seconds = q.retention;
      a.delay_seconds = q.delay;
      if (q.dlq >= 0) a.redrive_policy = RedrivePolicy{model_.queues[q.dlq].arn,
                                                       q.max_receive_count};
      REQUIRE(ledger_->CreateQueue(q.arn, a).ok());
    }
  }

  void Run(int steps) {
    for (step_ = 0; step_ < steps; ++step_) {
      const int64_t roll = Pick(0, 999);
      if (roll < 15) {
        Crash();
      } else if (roll < 30) {
        TornCrash();
      } else if (roll < 40) {
        REQUIRE(ledger_->Snapshot().ok());
      } else {
        RandomCall();
      }
      Compare();
      if (Pick(0, 2) == 0) clock_.Advance(Pick(0, 1) ? Pick(0, 3000) : Pick(0, 40'000));
    }
  }

 private:
  int64_t Pick(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }

  void Open() {
    LedgerOptions options;
    options.directory = dir_.path;
    options.clock = &clock_;
    options.fsync = FsyncPolicy::kNone;
    auto ledger = Ledger::Open(options);
    INFO(ledger.status().ToString());
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
  }

  void Crash() {
    ledger_.reset();
    Open();
  }

  // A call whose record is torn by the crash never happened.
  void TornCrash() {
    const std::string journal = dir_.path + "/journal";
    const Model before = model_;
    const uintmax_t size = std::filesystem::file_size(journal);
    RandomCall();
    const uintmax_t after = std::filesystem::file_size(journal);
    ledger_.reset();
    if (after > size) {
      if (Pick(0, 1) == 0) {
        std::filesystem::resize_file(journal, static_cast<uintmax_t>(
                                                  Pick(static_cast<int64_t>(size) + 1,
                                                       static_cast<int64_t>(after) - 1)));
      } else {  // a changed byte inside the last record
        std::fstream file(journal, std::ios::in | std::ios::out | std::ios::binary);
        const auto at = static_cast<std::streamoff>(
            Pick(static_cast<int64_t>(size), static_cast<int64_t>(after) - 1));
        file.seekg(at);
        const int old_byte = file.get();
        file.seekp(at);
        file.put(static_cast<char>(old_byte ^ static_cast<int>(Pick(1, 255))));
      }
      model_ = before;
      ++torn_;
    }
    Open();
    if (after > size) REQUIRE(std::filesystem::file_size(journal) <= size);
  }

  // Every branch that calls the ledger first brings the model up to the
  // clock, as the call does for the ledger.
  void RandomCall() {
    const int64_t now = clock_.NowMillis();
    const int q = static_cast<int>(Pick(0, 4));
    const std::string& arn = model_.queues[q].arn;
    switch (Pick(0, 9)) {
      case 0:
      case 1:
      case 2: {  // send
        SendRequest r;
        if (model_.queues[q].fifo) {
          r.deduplication_id = "d" + std::to_string(Pick(0, 30));
        } else if (Pick(0, 3) == 0) {
          r.delay_seconds = Pick(0, 4);
        }
        model_.Advance(now);
        std::optional<uint64_t> expected = model_.Send(q, r.delay_seconds, r.deduplication_id);
        auto got = ledger_->Send(arn, r);
        REQUIRE(got.ok() == expected.has_value());
        if (got.ok()) Bind(got->message_id, *expected);
        break;
      }
      case 3:
      case 4:
      case 5: {  // receive
        const int max = static_cast<int>(Pick(0, 20) == 0 ? 11 : Pick(1, 10));
        std::optional<int64_t> vt;
        if (Pick(0, 3) == 0) vt = Pick(0, 10);
        model_.Advance(now);
        auto expected = model_.Receive(q, max, vt);
        auto got = ledger_->Receive(arn, {.max_number_of_messages = max,
                                          .visibility_timeout_seconds = vt});
        REQUIRE(got.ok() == expected.has_value());
        if (!got.ok()) break;
        REQUIRE(got->size() == expected->size());
        for (size_t i = 0; i < got->size(); ++i) {
          const ReceivedMessage& g = (*got)[i];
          const ModelMessage& e = (*expected)[i];
          Bind(g.message_id, e.id);
          CHECK(g.receive_count == e.count);
          CHECK(g.visible_again_at_ms == e.visible_at);
          CHECK(g.sent_timestamp_ms == e.sent);
          CHECK(g.dead_letter_queue_source_arn ==
                (e.source < 0 ? std::string() : model_.queues[e.source].arn));
          CHECK(g.deduplication_id == (e.dedup_is_id ? g.message_id : e.dedup));
          model_.handles.push_back({g.receipt_handle, q, e.id, e.nonce});
        }
        break;
      }
      case 6: {  // delete, with a handle that may be stale or from another queue
        if (model_.handles.empty()) break;
        Handle h = model_.handles[static_cast<size_t>(
            Pick(0, static_cast<int64_t>(model_.handles.size()) - 1))];
        if (Pick(0, 9) == 0) h.queue = q;
        model_.Advance(now);
        const bool expected = model_.Delete(h);
        REQUIRE(ledger_->Delete(model_.queues[h.queue].arn, h.ledger).ok() == expected);
        break;
      }
      case 7: {  // change visibility
        if (model_.handles.empty()) break;
        const Handle& h = model_.handles[static_cast<size_t>(
            Pick(0, static_cast<int64_t>(model_.handles.size()) - 1))];
        const int64_t seconds = Pick(0, 20) == 0 ? 43'200 : Pick(0, 15);
        model_.Advance(now);
        const bool expected = model_.ChangeVisibility(h, seconds);
        REQUIRE(ledger_->ChangeVisibility(model_.queues[h.queue].arn, h.ledger, seconds).ok() ==
                expected);
        break;
      }
      case 8: {  // start a move task
        const int source = static_cast<int>(Pick(0, 4));
        std::optional<int> destination;
        if (Pick(0, 2) == 0) destination = static_cast<int>(Pick(0, 4));
        std::optional<int> rate;
        if (Pick(0, 1) == 0) rate = static_cast<int>(Pick(0, 4));
        model_.Advance(now);
        const bool expected = model_.StartTask(source, destination, rate);
        std::optional<std::string_view> dest_arn;
        if (destination) dest_arn = model_.queues[*destination].arn;
        auto got = ledger_->StartMoveTask(model_.queues[source].arn, dest_arn, rate);
        REQUIRE(got.ok() == expected);
        if (got.ok()) model_.tasks.back().ledger_handle = *got;
        break;
      }
      case 9: {  // cancel a move task
        if (model_.tasks.empty()) break;
        ModelTask& t = model_.tasks[static_cast<size_t>(
            Pick(0, static_cast<int64_t>(model_.tasks.size()) - 1))];
        model_.Advance(now);
        const bool expected = t.status == MoveTaskStatus::kRunning;
        auto got = ledger_->CancelMoveTask(t.ledger_handle);
        REQUIRE(got.ok() == expected);
        if (got.ok()) {
          CHECK(*got == t.moved);
          t.status = MoveTaskStatus::kCancelling;
          t.cancelled_at = model_.now;
        }
        break;
      }
    }
  }

  // The ledger's id for a model message: one-to-one, for good.
  void Bind(const std::string& ledger_id, uint64_t model_id) {
    auto [it, inserted] = model_.ledger_to_model.emplace(ledger_id, model_id);
    REQUIRE(it->second == model_id);
    auto [back, back_inserted] = model_.model_to_ledger.emplace(model_id, ledger_id);
    REQUIRE(back->second == ledger_id);
  }

  void Compare() {
    INFO("seed step " << step_);
    // Messages, queue by queue, in arrival order.
    std::vector<const ModelMessage*> expected;
    for (size_t q = 0; q < model_.queues.size(); ++q) {
      std::vector<const ModelMessage*> in_queue;
      for (const ModelMessage& m : model_.messages) {
        if (m.queue == static_cast<int>(q)) in_queue.push_back(&m);
      }
      std::sort(in_queue.begin(), in_queue.end(), [](const ModelMessage* a, const ModelMessage* b) {
        return a->arrival < b->arrival;
      });
      expected.insert(expected.end(), in_queue.begin(), in_queue.end());
    }
    std::vector<MessageInfo> got;
    REQUIRE(ledger_->ForEachMessage([&](const MessageInfo& m) { got.push_back(m); }).ok());
    REQUIRE(got.size() == expected.size());
    REQUIRE(ledger_->message_count() == expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      const MessageInfo& g = got[i];
      const ModelMessage& e = *expected[i];
      Bind(g.message_id, e.id);
      REQUIRE(g.queue_arn == model_.queues[e.queue].arn);
      REQUIRE(g.receive_count == e.count);
      REQUIRE(g.visible_at_ms == e.visible_at);
      REQUIRE(g.arrived_ms == e.arrived);
      REQUIRE(g.sent_timestamp_ms == e.sent);
      REQUIRE(g.in_flight == (e.pending && e.received_flag));
      REQUIRE(g.dead_letter_queue_source_arn ==
              (e.source < 0 ? std::string() : model_.queues[e.source].arn));
    }
    if (step_ % 7 != 0) return;
    // Counters and tasks (these calls bring the books up to the clock).
    model_.Advance(clock_.NowMillis());
    for (size_t q = 0; q < model_.queues.size(); ++q) {
      auto c = ledger_->Counters(model_.queues[q].arn);
      REQUIRE(c.ok());
      int64_t visible = 0, in_flight = 0, delayed = 0;
      for (const ModelMessage& m : model_.messages) {
        if (m.queue != static_cast<int>(q)) continue;
        ++(!m.pending ? visible : m.received_flag ? in_flight : delayed);
      }
      CHECK(c->approximate_number_of_messages == visible);
      CHECK(c->approximate_number_of_messages_not_visible == in_flight);
      CHECK(c->approximate_number_of_messages_delayed == delayed);
      CHECK(c->moved_to_dead_letter_queue == model_.queues[q].moved);
      CHECK(c->expired == model_.queues[q].expired);
      auto tasks = ledger_->ListMoveTasks(model_.queues[q].arn, 10);
      REQUIRE(tasks.ok());
      std::vector<const ModelTask*> mine;
      for (auto it = model_.tasks.rbegin(); it != model_.tasks.rend() && mine.size() < 10; ++it) {
        if (it->source == static_cast<int>(q)) mine.push_back(&*it);
      }
      REQUIRE(tasks->size() == mine.size());
      for (size_t i = 0; i < mine.size(); ++i) {
        CHECK((*tasks)[i].status == mine[i]->status);
        CHECK((*tasks)[i].approximate_number_of_messages_moved == mine[i]->moved);
        CHECK((*tasks)[i].approximate_number_of_messages_to_move == mine[i]->to_move);
        CHECK((*tasks)[i].task_handle ==
              (mine[i]->status == MoveTaskStatus::kRunning ? mine[i]->ledger_handle : ""));
      }
    }
  }

 public:
  int torn() const { return torn_; }
  size_t tasks() const { return model_.tasks.size(); }
  int64_t moved_to_dlq() const {
    int64_t n = 0;
    for (const ModelQueue& q : model_.queues) n += q.moved;
    return n;
  }

 private:
  std::mt19937_64 rng_;
  TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  Model model_;
  std::unique_ptr<Ledger> ledger_;
  int step_ = 0;
  int torn_ = 0;
};

// Runs seeds [first, first + count) for `steps` each and checks that the
// runs exercised what they are meant to.
void RunSeeds(uint64_t first, uint64_t count, int steps) {
  int torn = 0;
  size_t tasks = 0;
  int64_t moved = 0;
  for (uint64_t seed = first; seed < first + count; ++seed) {
    INFO("seed " << seed);
    Harness h(seed);
    h.Run(steps);
    torn += h.torn();
    tasks += h.tasks();
    moved += h.moved_to_dlq();
  }
  const int64_t scale = static_cast<int64_t>(count) * steps / 18'000;
  CHECK(torn > 50 * scale);
  CHECK(static_cast<int64_t>(tasks) > 50 * scale);
  CHECK(moved > 500 * scale);
}

TEST_CASE("Ledger vs model: random calls, clock jumps, crashes, torn tails", "[dlq]") {
  RunSeeds(1, 12, 1500);
}

TEST_CASE("Ledger vs model: 100 more seeds, 3,000 steps each", "[.][slow][dlq]") {
  RunSeeds(1000, 100, 3000);
}

}  // namespace
