// The event bus's router: reads the bus stream as a member of a consumer
// group, matches each event against the live rule set, writes each matching
// rule's targets (shaped per target), retries failed deliveries within the
// target's RetryPolicy, dead-letters what cannot be delivered, archives, and
// acknowledges a bus entry only when all of its deliveries are settled
// (docs/router.md).

#ifndef EVMATCH_ROUTER_ROUTER_H_
#define EVMATCH_ROUTER_ROUTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "config.h"
#include "evmatch/evmatch.h"
#include "evmatch/live.h"
#include "evmatch/transform.h"
#include "redis.h"

namespace evmatch_router {

struct RouterStats {
  uint64_t events = 0;         // bus entries read (new and reclaimed)
  uint64_t matched = 0;        // events that matched at least one rule
  uint64_t delivered = 0;      // target entries written
  uint64_t retried = 0;        // delivery attempts after the first
  uint64_t dead_lettered = 0;  // deliveries written to a target's dead-letter stream
  uint64_t dropped = 0;        // deliveries given up with no dead-letter stream
  uint64_t not_delivered = 0;  // payloads the target's input settings refused
  uint64_t rejected = 0;       // events the bus policy refused
  uint64_t invalid = 0;        // hostile entries (no event, not JSON, too large, ...)
  uint64_t reclaimed = 0;      // entries claimed from idle consumers
  uint64_t max_receive = 0;    // entries past MaxReceiveCount
  uint64_t archived = 0;
  uint64_t acked = 0;
  uint64_t held = 0;  // entries left pending because a dead-letter write failed
  // "rule/target" -> deliveries written.
  std::map<std::string, uint64_t> per_target;
};

class Router {
 public:
  struct Options {
    std::string consumer;  // this router's name in the consumer group
    int block_ms = 100;    // XREADGROUP BLOCK when nothing is due sooner
    uint64_t seed = 0;     // backoff jitter
  };

  static absl::StatusOr<std::unique_ptr<Router>> Create(RouterConfig config, Options options);
  ~Router();

  // Connects (again), creates the group if it is missing, and schedules a
  // read of this consumer's own pending entries (a restart's leftovers).
  // In-memory retries are forgotten: their entries are still pending and
  // are read again.
  absl::Status Connect();

  // One round: reclaim idle entries when due, read a batch, deliver, retry
  // what is due, acknowledge what is settled. Unavailable when the
  // connection is lost (call Connect again); PermissionDenied when the ACL
  // user lacks a command or key the bus itself needs.
  absl::Status Step();

  // Applies a new configuration: the rules' difference goes to the live
  // set; targets, policy and archive are replaced. The bus (stream, group)
  // and the Redis endpoint cannot change this way (InvalidArgument).
  absl::Status Reload(RouterConfig config);

  // Deliveries waiting for a retry (their entries stay pending).
  size_t waiting() const { return retries_.size(); }
  const RouterStats& stats() const { return stats_; }
  // XINFO GROUPS' lag of this group (entries not yet read), or -1.
  int64_t Lag();

 private:
  struct Entry;
  struct Delivery;
  struct Routes;
  struct Op;
  // A rule's target, as a matching event reaches it.
  struct Target {
    std::string_view rule;  // LiveMatcher::rule_name: valid for the router's life
    const TargetConfig* config = nullptr;
    uint64_t* counter = nullptr;  // its RouterStats::per_target entry
  };
  // Read sends commands as it goes, in pieces of this size, so that the
  // buffer stays in cache; Flush reads the replies.
  static constexpr size_t kSendBytes = 64 << 10;

  Router(RouterConfig config, Options options);
  // What a configuration gives besides the rules: each rule's targets and
  // the policy and archive matchers. Derive can fail; Install cannot.
  struct Derived {
    std::shared_ptr<Routes> routes;  // Install adds the rule ids
    std::optional<evmatch::Matcher> policy;
    std::optional<evmatch::Matcher> archive_filter;
  };
  absl::StatusOr<Derived> Derive(const RouterConfig& config);
  void Install(Derived derived);
  absl::Status Read();
  absl::Status Reclaim();
  void Process(const std::string& id, const redisReply* fields, int delivery_count);
  // Rfc3339(millis), valid until the next call.
  std::string_view IngestionTime(int64_t millis);
  // Parses the entry's event for Shape.
  absl::Status ParseForShaping(const Entry& entry);
  // `target`'s payload for the entry's event (parsed: by ParseForShaping,
  // last); false when it is not to be delivered.
  bool Shape(const Entry& entry, const Target& target, bool parsed, std::string* out);
  // A delivery of `payload` that has made `attempts` attempts.
  std::shared_ptr<Delivery> NewDelivery(std::shared_ptr<Entry> entry, const Target& target,
                                        std::string_view payload, int attempts);
  // A first attempt, of payload_; a retry.
  void Deliver(const std::shared_ptr<Entry>& entry, const Target& target);
  void Attempt(std::shared_ptr<Delivery> delivery);
  void DeadLetter(std::shared_ptr<Delivery> delivery, std::string_view code,
                  std::string_view message, std::string_view condition);
  void BusDeadLetter(std::shared_ptr<Entry> entry, std::string_view code, std::string_view message);
  void Settle(const std::shared_ptr<Entry>& entry);
  // Queues a command: its RESP text to pipeline_, `op` to ops_.
  template <typename Range>
  void Queue(Op op, const Range& args);
  void Queue(Op op, std::initializer_list<std::string_view> args);
  void QueueDelivery(Op op, std::string_view payload);
  // Writes what is queued and not yet sent.
  absl::Status Send();
  // Sends the rest and handles every reply.
  absl::Status Flush();
  void OnReply(Op& op, const Reply& reply);

  RouterConfig config_;
  Options options_;
  std::unique_ptr<RedisConnection> redis_;
  std::unique_ptr<evmatch::LiveMatcher> rules_;
  evmatch::Scratch scratch_;
  evmatch::TransformEvent transform_event_;
  std::shared_ptr<const Routes> routes_;
  std::optional<evmatch::Matcher> policy_;
  std::optional<evmatch::Matcher> archive_filter_;
  evmatch::Scratch filter_scratch_;
  std::string buffer_;   // the event, padded for Match
  std::string payload_;  // a target's payload
  // IngestionTime's: the last second formatted (Rfc3339 is slow).
  int64_t ingestion_second_ = -1;
  std::string ingestion_time_;
  int64_t now_ms_ = 0;  // NowMillis() at the start of the batch

  std::vector<Op> ops_;                                        // commands queued for the next Flush
  std::vector<Op> replying_;                                   // commands whose replies Flush reads
  std::string pipeline_;                                       // their RESP text, not yet sent
  size_t sent_ops_ = 0;                                        // commands of ops_ sent
  std::multimap<int64_t, std::shared_ptr<Delivery>> retries_;  // by due time
  // Entries with deliveries waiting: kept fresh (XCLAIM JUSTID) so that no
  // other router reclaims them.
  absl::flat_hash_map<std::string, std::weak_ptr<Entry>> waiting_entries_;
  bool read_own_pending_ = true;
  std::string own_pending_cursor_ = "0";
  int64_t next_reclaim_ms_ = 0;
  std::mt19937_64 random_;
  RouterStats stats_;
};

struct ReplayCounts {
  size_t scanned = 0;   // archive entries read
  size_t replayed = 0;  // events sent to the bus
};

// Sends the events of `config`'s archive ingested in [from_ms, to_ms] to the
// bus again, in archive order, each with a top-level "replay-name": `name`
// and a `replay-name` entry field (SPEC D21). Archive entries are written
// after their event was ingested, so the scan starts at from_ms and reads
// to the archive's end, selecting by ingestion time.
absl::StatusOr<ReplayCounts> ReplayArchive(RedisConnection& redis, const RouterConfig& config,
                                           int64_t from_ms, int64_t to_ms, std::string_view name);

// Milliseconds since the epoch.
int64_t NowMillis();
// "2026-12-03T20:15:00.123Z" for a stream id's millisecond part.
std::string Rfc3339(int64_t millis);
// The millisecond part of a stream id ("1733250900123-0").
int64_t IdMillis(std::string_view id);

}  // namespace evmatch_router

#endif  // EVMATCH_ROUTER_ROUTER_H_
