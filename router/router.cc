#include "router.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <utility>

#include "absl/time/time.h"
#include "flags.h"
#include "text.h"

namespace evmatch_router {

using evmatch_cli::Cat;

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(int64_t millis) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMillis(millis),
                          absl::UTCTimeZone());
}

int64_t IdMillis(std::string_view id) {
  int64_t millis = 0;
  for (char c : id) {
    if (c < '0' || c > '9') break;
    millis = millis * 10 + (c - '0');
  }
  return millis;
}

namespace {

// A pattern that holds when the event's envelope is one the policy allows.
std::string PolicyPattern(const BusPolicy& policy) {
  std::string pattern = "{";
  auto field = [&](std::string_view name, const std::vector<std::string>& values) {
    if (values.empty()) return;
    if (pattern.size() > 1) pattern += ',';
    pattern += evmatch_cli::JsonString(name);
    pattern += ":[";
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) pattern += ',';
      pattern += evmatch_cli::JsonString(values[i]);
    }
    pattern += ']';
  };
  field("account", policy.accounts);
  field("region", policy.regions);
  field("source", policy.sources);
  return pattern + "}";
}

absl::StatusOr<evmatch::Matcher> CompileOne(std::string_view name, std::string_view pattern,
                                            size_t max_event_bytes) {
  evmatch::RuleSet rules;
  if (absl::Status s = rules.Add(name, pattern); !s.ok()) return s;
  evmatch::CompileOptions options;
  options.max_event_bytes = max_event_bytes;
  return evmatch::Matcher::Compile(rules, options);
}

}  // namespace

struct Router::Routes {
  struct Route {
    std::vector<TargetConfig> targets;
    std::vector<uint64_t*> counters;  // RouterStats::per_target entries (map nodes are stable)
  };
  // Enabled rule name -> its targets.
  absl::flat_hash_map<std::string, Route> rules;
  // The same by the live set's rule id (nullptr: none), for the loop.
  std::vector<const Route*> by_id;
};

struct Router::Entry {
  std::string id;
  std::string event;
  int64_t ingested_ms = 0;
  int pending = 0;    // writes not yet settled
  bool hold = false;  // a write that must succeed failed: leave the entry pending
  bool settled = false;
};

// A delivery that failed once: it waits for a retry, or goes to the
// dead-letter stream. (A first attempt needs none: its Op says it all.)
struct Router::Delivery {
  std::shared_ptr<Entry> entry;
  std::shared_ptr<const Routes> routes;  // keeps `target` alive across a reload
  Target target;
  std::string payload;
  int attempts = 0;
  std::string last_code;
  std::string last_message;
};

// A command queued for the next Flush (its RESP text is in pipeline_).
struct Router::Op {
  enum class Kind : uint8_t { kDeliver, kDeadLetter, kBusWrite, kAck, kKeepFresh };
  Kind kind;
  // For messages: the command and its key (alive until the Flush).
  std::string_view command;
  std::string_view key;
  std::shared_ptr<Entry> entry;        // the bus entry it works for (kAck, kKeepFresh: none)
  std::shared_ptr<Delivery> delivery;  // a retry's kDeliver, and kDeadLetter
  // kDeliver: the target (a reload comes only between Steps, after the
  // replies).
  Target target;
};

template <typename Range>
void Router::Queue(Op op, const Range& args) {
  AppendResp(&pipeline_, args);
  ops_.push_back(std::move(op));
}

void Router::Queue(Op op, std::initializer_list<std::string_view> args) {
  Queue<std::initializer_list<std::string_view>>(std::move(op), args);
}

void Router::QueueDelivery(Op op, std::string_view payload) {
  const TargetConfig& target = *op.target.config;
  AppendResp(&pipeline_, {"XADD", target.stream, "*", "event", payload, "bus-id", op.entry->id,
                          "rule", op.target.rule, "target", target.id});
  ops_.push_back(std::move(op));
}

Router::Router(RouterConfig config, Options options)
    : config_(std::move(config)), options_(std::move(options)), random_(options_.seed) {}

Router::~Router() = default;

absl::StatusOr<std::unique_ptr<Router>> Router::Create(RouterConfig config, Options options) {
  if (options.consumer.empty()) return absl::InvalidArgumentError("the consumer name is empty");
  evmatch::LiveOptions live;
  live.compile.max_event_bytes = config.bus.max_event_bytes;
  absl::StatusOr<std::unique_ptr<evmatch::LiveMatcher>> rules =
      evmatch::LiveMatcher::Create(config.rule_set, live);
  if (!rules.ok()) return rules.status();
  std::unique_ptr<Router> router(new Router(std::move(config), std::move(options)));
  router->rules_ = *std::move(rules);
  if (absl::Status s = router->rules_->PrepareScratch(router->scratch_); !s.ok()) return s;
  absl::StatusOr<Derived> derived = router->Derive(router->config_);
  if (!derived.ok()) return derived.status();
  router->Install(*std::move(derived));
  return router;
}

absl::StatusOr<Router::Derived> Router::Derive(const RouterConfig& config) {
  auto routes = std::make_shared<Routes>();
  for (const RuleConfig& rule : config.rules) {
    if (!rule.enabled) continue;
    Routes::Route& route = routes->rules[rule.name];
    route.targets = rule.targets;
    for (const TargetConfig& target : rule.targets) {
      route.counters.push_back(&stats_.per_target[Cat(rule.name, "/", target.id)]);
    }
  }
  Derived derived;
  derived.routes = std::move(routes);
  if (config.policy) {
    absl::StatusOr<evmatch::Matcher> m =
        CompileOne("policy", PolicyPattern(*config.policy), config.bus.max_event_bytes);
    if (!m.ok()) return m.status();
    derived.policy = *std::move(m);
  }
  if (config.archive && !config.archive->event_pattern.empty()) {
    absl::StatusOr<evmatch::Matcher> m =
        CompileOne("archive", config.archive->event_pattern, config.bus.max_event_bytes);
    if (!m.ok()) return m.status();
    derived.archive_filter = *std::move(m);
  }
  // Growing the shared scratch is harmless if the configuration is not
  // installed after all.
  for (const std::optional<evmatch::Matcher>* m : {&derived.policy, &derived.archive_filter}) {
    if (*m) {
      if (absl::Status s = (*m)->PrepareScratch(filter_scratch_); !s.ok()) return s;
    }
  }
  return derived;
}

void Router::Install(Derived derived) {
  // The rules are in the live set by now: they have ids.
  Routes& routes = *derived.routes;
  for (const auto& [name, route] : routes.rules) {
    const std::optional<evmatch::RuleId> id = rules_->FindRule(name);
    if (!id) continue;
    if (*id >= routes.by_id.size()) routes.by_id.resize(*id + 1, nullptr);
    routes.by_id[*id] = &route;
  }
  routes_ = std::move(derived.routes);
  policy_ = std::move(derived.policy);
  archive_filter_ = std::move(derived.archive_filter);
}

absl::Status Router::Reload(RouterConfig config) {
  if (config.bus.stream != config_.bus.stream || config.bus.group != config_.bus.group ||
      config.redis.host != config_.redis.host || config.redis.port != config_.redis.port ||
      config.redis.unix_socket != config_.redis.unix_socket) {
    return absl::InvalidArgumentError(
        "the new configuration changes the Redis endpoint or the bus's stream or group; "
        "restart the router for that");
  }
  // Everything that can fail comes before the first change: a refused
  // configuration changes nothing.
  absl::StatusOr<Derived> derived = Derive(config);
  if (!derived.ok()) return derived.status();
  if (absl::Status s = rules_->Replace(config.rule_set); !s.ok()) return s;
  Install(*std::move(derived));
  RedisEndpoint endpoint = config_.redis;
  config_ = std::move(config);
  config_.redis = std::move(endpoint);  // keeps the credentials given at start
  return absl::OkStatus();
}

absl::Status Router::Connect() {
  redis_.reset();
  retries_.clear();
  waiting_entries_.clear();
  ops_.clear();
  replying_.clear();
  pipeline_.clear();
  sent_ops_ = 0;
  absl::StatusOr<std::unique_ptr<RedisConnection>> redis = RedisConnection::Connect(config_.redis);
  if (!redis.ok()) return redis.status();
  redis_ = *std::move(redis);
  // From the stream's start: events added before the first router started
  // are routed too.
  absl::StatusOr<Reply> created =
      redis_->Command({"XGROUP", "CREATE", config_.bus.stream, config_.bus.group, "0", "MKSTREAM"});
  if (!created.ok()) return created.status();
  if (created->is_error() && ErrorCode(created->text()) != "BUSYGROUP") {
    return ReplyErrorStatus(Cat("XGROUP CREATE ", config_.bus.stream, " ", config_.bus.group),
                            created->text());
  }
  read_own_pending_ = true;
  own_pending_cursor_ = "-";
  next_reclaim_ms_ = 0;
  return absl::OkStatus();
}

int64_t Router::Lag() {
  if (!redis_) return -1;
  absl::StatusOr<Reply> reply = redis_->Command({"XINFO", "GROUPS", config_.bus.stream});
  if (!reply.ok() || !reply->is_array()) return -1;
  for (size_t g = 0; g < reply->size(); ++g) {
    const redisReply* group = reply->element(g);
    if (group->type != REDIS_REPLY_ARRAY) continue;
    bool ours = false;
    int64_t lag = -1;
    for (size_t i = 0; i + 1 < group->elements; i += 2) {
      std::string_view key = Reply::TextOf(group->element[i]);
      const redisReply* value = group->element[i + 1];
      if (key == "name") ours = Reply::TextOf(value) == config_.bus.group;
      if (key == "lag" && value->type == REDIS_REPLY_INTEGER) lag = value->integer;
    }
    if (ours) return lag;
  }
  return -1;
}

absl::Status Router::Step() {
  if (!redis_) return absl::UnavailableError("not connected");
  now_ms_ = NowMillis();
  if (read_own_pending_ || now_ms_ >= next_reclaim_ms_) {
    if (absl::Status s = Reclaim(); !s.ok()) return s;
    next_reclaim_ms_ = now_ms_ + std::max<int64_t>(config_.bus.reclaim_idle_ms / 2, 100);
  }
  while (!retries_.empty() && retries_.begin()->first <= now_ms_) {
    std::shared_ptr<Delivery> delivery = std::move(retries_.begin()->second);
    retries_.erase(retries_.begin());
    Attempt(std::move(delivery));
  }
  if (absl::Status s = Flush(); !s.ok()) return s;
  if (!read_own_pending_) {
    if (absl::Status s = Read(); !s.ok()) return s;
  }
  return Flush();
}

absl::Status Router::Read() {
  int64_t block = options_.block_ms;
  if (!retries_.empty()) {
    block = std::clamp<int64_t>(retries_.begin()->first - NowMillis(), 1, block);
  }
  std::vector<std::string> args = {"XREADGROUP",
                                   "GROUP",
                                   config_.bus.group,
                                   options_.consumer,
                                   "COUNT",
                                   std::to_string(config_.bus.batch_size),
                                   "BLOCK",
                                   std::to_string(block),
                                   "STREAMS",
                                   config_.bus.stream,
                                   ">"};
  absl::StatusOr<Reply> reply = redis_->Check(args);
  if (!reply.ok()) return reply.status();
  if (reply->is_nil() || reply->size() == 0) return absl::OkStatus();
  const redisReply* stream = reply->element(0);
  if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2) return absl::OkStatus();
  const redisReply* entries = stream->element[1];
  now_ms_ = NowMillis();  // after the wait
  for (size_t i = 0; i < entries->elements; ++i) {
    const redisReply* entry = entries->element[i];
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2) continue;
    Process(std::string(Reply::TextOf(entry->element[0])), entry->element[1], 1);
    // Written while still in cache; the replies are read by Flush.
    if (pipeline_.size() >= kSendBytes) {
      if (absl::Status s = Send(); !s.ok()) return s;
    }
  }
  return absl::OkStatus();
}

absl::Status Router::Reclaim() {
  const BusConfig& bus = config_.bus;
  // Entries this router still works on are claimed again with JUSTID: their
  // idle time restarts, so no other router takes them over.
  if (!waiting_entries_.empty()) {
    std::vector<std::string> fresh = {"XCLAIM", bus.stream, bus.group, options_.consumer, "0"};
    for (auto it = waiting_entries_.begin(); it != waiting_entries_.end();) {
      std::shared_ptr<Entry> entry = it->second.lock();
      if (!entry || entry->settled) {
        waiting_entries_.erase(it++);
        continue;
      }
      fresh.push_back(entry->id);
      ++it;
    }
    if (fresh.size() > 5) {
      fresh.push_back("JUSTID");
      Queue({Op::Kind::kKeepFresh, "XCLAIM", bus.stream, nullptr, nullptr}, fresh);
    }
  }
  // After a restart, this consumer's own pending entries (delivery count
  // as Redis kept it); otherwise other consumers' entries idle too long.
  std::vector<std::string> pending = {"XPENDING", bus.stream, bus.group};
  if (!read_own_pending_) {
    pending.insert(pending.end(), {"IDLE", std::to_string(bus.reclaim_idle_ms)});
  }
  pending.insert(pending.end(), {read_own_pending_ ? own_pending_cursor_ : "-", "+",
                                 std::to_string(bus.batch_size)});
  if (read_own_pending_) pending.push_back(options_.consumer);
  absl::StatusOr<Reply> listed = redis_->Check(pending);
  if (!listed.ok()) return listed.status();
  std::vector<std::string> claim = {"XCLAIM", bus.stream, bus.group, options_.consumer,
                                    read_own_pending_ ? "0" : std::to_string(bus.reclaim_idle_ms)};
  absl::flat_hash_map<std::string, int> counts;
  for (size_t i = 0; i < listed->size(); ++i) {
    const redisReply* item = listed->element(i);
    if (item->type != REDIS_REPLY_ARRAY || item->elements < 4) continue;
    std::string id(Reply::TextOf(item->element[0]));
    if (read_own_pending_) own_pending_cursor_ = "(" + id;
    // Our own entries are taken again too (one left pending by a failed
    // dead-letter write), except those waiting for a retry here.
    if (waiting_entries_.contains(id)) continue;
    counts[id] = static_cast<int>(item->element[3]->integer);
    claim.push_back(std::move(id));
  }
  if (read_own_pending_ && listed->size() == 0) read_own_pending_ = false;
  if (claim.size() == 5) return absl::OkStatus();
  absl::StatusOr<Reply> claimed = redis_->Check(claim);
  if (!claimed.ok()) return claimed.status();
  for (size_t i = 0; i < claimed->size(); ++i) {
    const redisReply* entry = claimed->element(i);
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2) continue;
    std::string id(Reply::TextOf(entry->element[0]));
    auto count = counts.find(id);
    if (count == counts.end()) continue;
    int delivered = count->second + 1;  // XCLAIM counted this delivery
    counts.erase(count);
    if (!read_own_pending_) ++stats_.reclaimed;
    Process(id, entry->element[1], delivered);
  }
  // Listed but not returned: deleted from the stream meanwhile. Nothing is
  // left to deliver; acknowledge them.
  for (const auto& [id, unused] : counts) {
    Queue({Op::Kind::kAck, "XACK", bus.stream, nullptr, nullptr},
          {"XACK", bus.stream, bus.group, id});
  }
  return absl::OkStatus();
}

void Router::Process(const std::string& id, const redisReply* fields, int delivery_count) {
  ++stats_.events;
  auto entry = std::make_shared<Entry>();
  entry->id = id;
  entry->ingested_ms = IdMillis(id);
  const std::optional<std::string_view> event = FieldValue(fields, "event");
  if (event) entry->event = std::string(*event);
  const bool replayed = FieldValue(fields, "replay-name").has_value();
  const BusConfig& bus = config_.bus;
  if (delivery_count > bus.max_receive_count) {
    ++stats_.max_receive;
    BusDeadLetter(entry, "MAX_RECEIVE_COUNT_EXCEEDED",
                  Cat("delivered ", delivery_count, " times; the bus's MaxReceiveCount is ",
                      bus.max_receive_count));
    return;
  }
  if (!event) {
    ++stats_.invalid;
    BusDeadLetter(entry, "NO_EVENT", "the bus entry has no 'event' field");
    return;
  }
  if (entry->event.size() > bus.max_event_bytes) {
    ++stats_.invalid;
    BusDeadLetter(entry, "EVENT_TOO_LARGE",
                  Cat("the event has ", entry->event.size(), " bytes; the bus's MaxEventBytes is ",
                      bus.max_event_bytes));
    return;
  }
  buffer_.assign(entry->event);
  buffer_.append(evmatch::kPadding, '\0');
  std::string_view json(buffer_.data(), entry->event.size());
  if (policy_) {
    evmatch::MatchStatus status = policy_->Match(json, buffer_.size(), filter_scratch_);
    if (status == evmatch::MatchStatus::kOk && filter_scratch_.matches().empty()) {
      ++stats_.rejected;
      if (!config_.policy->rejected_stream.empty()) {
        ++entry->pending;
        const std::string& stream = config_.policy->rejected_stream;
        Queue({Op::Kind::kBusWrite, "XADD", stream, entry, nullptr},
              {"XADD", stream, "*", "event", entry->event, "bus-id", id, "ERROR_CODE",
               "REJECTED_BY_POLICY"});
      }
      Settle(entry);
      return;
    }
  }
  evmatch::MatchStatus status = rules_->Match(json, buffer_.size(), scratch_);
  if (status != evmatch::MatchStatus::kOk) {
    ++stats_.invalid;
    BusDeadLetter(entry, "INVALID_EVENT",
                  Cat("the event cannot be matched: ", evmatch::MatchStatusName(status)));
    return;
  }
  if (config_.archive && !replayed) {
    bool keep = true;
    if (archive_filter_) {
      keep = archive_filter_->Match(json, buffer_.size(), filter_scratch_) ==
                 evmatch::MatchStatus::kOk &&
             !filter_scratch_.matches().empty();
    }
    if (keep) {
      std::vector<std::string> add = {"XADD", config_.archive->stream};
      if (config_.archive->retention_days > 0) {
        int64_t cutoff = NowMillis() - int64_t{config_.archive->retention_days} * 86'400'000;
        add.insert(add.end(), {"MINID", "~", std::to_string(cutoff)});
      }
      add.insert(add.end(), {"*", "event", entry->event, "ingestion-time",
                             std::string(IngestionTime(entry->ingested_ms)), "bus-id", id});
      ++entry->pending;
      Queue({Op::Kind::kBusWrite, "XADD", config_.archive->stream, entry, nullptr}, add);
      ++stats_.archived;
    }
  }
  absl::Span<const evmatch::RuleId> matches = scratch_.matches();
  if (!matches.empty()) {
    // The matcher reads only what rules name; shaping reads the whole event,
    // which must then be within the limits everywhere (a value nested too
    // deep where no rule looks).
    if (absl::Status parsed = ParseForShaping(*entry); !parsed.ok()) {
      ++stats_.invalid;
      BusDeadLetter(entry, "INVALID_EVENT", Cat("the event cannot be shaped: ", parsed.message()));
      return;
    }
    ++stats_.matched;
    for (evmatch::RuleId rule_id : matches) {
      const Routes::Route* route =
          rule_id < routes_->by_id.size() ? routes_->by_id[rule_id] : nullptr;
      if (route == nullptr) continue;
      const std::string_view rule = rules_->rule_name(rule_id);
      for (size_t t = 0; t < route->targets.size(); ++t) {
        const Target target{rule, &route->targets[t], route->counters[t]};
        if (!Shape(*entry, target, /*parsed=*/true, &payload_)) {
          ++stats_.not_delivered;
          continue;
        }
        ++entry->pending;
        Deliver(entry, target);
      }
    }
  }
  Settle(entry);
}

absl::Status Router::ParseForShaping(const Entry& entry) {
  evmatch::EventOptions limits;
  limits.max_event_bytes = config_.bus.max_event_bytes;
  return transform_event_.Parse(entry.event, limits);
}

std::string_view Router::IngestionTime(int64_t millis) {
  if (millis / 1000 != ingestion_second_) {
    ingestion_second_ = millis / 1000;
    ingestion_time_ = Rfc3339(ingestion_second_ * 1000);
  }
  // Rfc3339's milliseconds: the three digits before the 'Z'.
  const int64_t ms = millis % 1000;
  char* digits = ingestion_time_.data() + ingestion_time_.size() - 4;
  digits[0] = static_cast<char>('0' + ms / 100);
  digits[1] = static_cast<char>('0' + ms / 10 % 10);
  digits[2] = static_cast<char>('0' + ms % 10);
  return ingestion_time_;
}

bool Router::Shape(const Entry& entry, const Target& target, bool parsed, std::string* out) {
  if (!parsed && !ParseForShaping(entry).ok()) return false;
  const std::string_view ingestion_time = IngestionTime(entry.ingested_ms);
  return target.config->input->Apply(
             transform_event_,
             {.rule_name = target.rule, .rule_arn = target.rule, .ingestion_time = ingestion_time},
             out) == evmatch::TransformStatus::kOk;
}

std::shared_ptr<Router::Delivery> Router::NewDelivery(std::shared_ptr<Entry> entry,
                                                      const Target& target,
                                                      std::string_view payload, int attempts) {
  auto delivery = std::make_shared<Delivery>();
  delivery->entry = std::move(entry);
  delivery->routes = routes_;
  delivery->target = target;
  delivery->payload = std::string(payload);
  delivery->attempts = attempts;
  return delivery;
}

void Router::Deliver(const std::shared_ptr<Entry>& entry, const Target& target) {
  const int64_t age_ms = now_ms_ - entry->ingested_ms;
  const int64_t max_age_s = target.config->max_event_age_seconds;
  if (age_ms > max_age_s * 1000) {
    DeadLetter(NewDelivery(entry, target, payload_, /*attempts=*/0), "EVENT_EXPIRED",
               Cat("the event was ", age_ms / 1000,
                   " s old before its first attempt; MaximumEventAgeInSeconds is ", max_age_s),
               "MaximumEventAgeInSeconds");
    return;
  }
  QueueDelivery({Op::Kind::kDeliver, "XADD", target.config->stream, entry, nullptr, target},
                payload_);
}

void Router::Attempt(std::shared_ptr<Delivery> delivery) {
  const TargetConfig& target = *delivery->target.config;
  if (now_ms_ - delivery->entry->ingested_ms > target.max_event_age_seconds * 1000) {
    std::string code = delivery->last_code, message = delivery->last_message;
    DeadLetter(std::move(delivery), code, message, "MaximumEventAgeInSeconds");
    return;
  }
  ++stats_.retried;
  ++delivery->attempts;
  const std::string& payload = delivery->payload;  // alive with the Op's delivery
  QueueDelivery(
      {Op::Kind::kDeliver, "XADD", target.stream, delivery->entry, delivery, delivery->target},
      payload);
}

void Router::DeadLetter(std::shared_ptr<Delivery> delivery, std::string_view code,
                        std::string_view message, std::string_view condition) {
  const TargetConfig& target = *delivery->target.config;
  std::shared_ptr<Entry> entry = delivery->entry;
  if (target.dead_letter_stream.empty()) {
    ++stats_.dropped;
    --entry->pending;
    Settle(entry);
    return;
  }
  const std::string retries = std::to_string(std::max(0, delivery->attempts - 1));
  std::vector<std::string_view> args = {"XADD",
                                        target.dead_letter_stream,
                                        "*",
                                        "event",
                                        entry->event,
                                        "bus-id",
                                        entry->id,
                                        "RULE_ARN",
                                        delivery->target.rule,
                                        "TARGET_ARN",
                                        target.id,
                                        "ERROR_CODE",
                                        code,
                                        "ERROR_MESSAGE",
                                        message};
  if (!condition.empty()) args.insert(args.end(), {"EXHAUSTED_RETRY_CONDITION", condition});
  args.insert(args.end(), {"RETRY_ATTEMPTS", retries});
  Queue({Op::Kind::kDeadLetter, "XADD", target.dead_letter_stream, nullptr, std::move(delivery)},
        args);
}

void Router::BusDeadLetter(std::shared_ptr<Entry> entry, std::string_view code,
                           std::string_view message) {
  if (!config_.bus.dead_letter_stream.empty()) {
    ++entry->pending;
    const std::string& stream = config_.bus.dead_letter_stream;
    Queue({Op::Kind::kBusWrite, "XADD", stream, entry, nullptr},
          {"XADD", stream, "*", "event", entry->event, "bus-id", entry->id, "ERROR_CODE", code,
           "ERROR_MESSAGE", message});
  }
  Settle(entry);
}

void Router::Settle(const std::shared_ptr<Entry>& entry) {
  if (entry->pending > 0 || entry->settled) return;
  entry->settled = true;
  if (entry->hold) {
    ++stats_.held;
    return;
  }
  Queue({Op::Kind::kAck, "XACK", config_.bus.stream, nullptr, nullptr},
        {"XACK", config_.bus.stream, config_.bus.group, entry->id});
}

absl::Status Router::Send() {
  const size_t commands = ops_.size() - sent_ops_;
  if (commands == 0) return absl::OkStatus();
  absl::Status sent = redis_->Send(pipeline_, commands);
  pipeline_.clear();
  sent_ops_ = ops_.size();
  return sent;
}

absl::Status Router::Flush() {
  while (!ops_.empty()) {
    if (absl::Status s = Send(); !s.ok()) return s;
    // Replies may queue more commands (acknowledgements, dead letters):
    // they go to ops_ and pipeline_ and are sent on the next turn.
    replying_.swap(ops_);
    sent_ops_ = 0;
    for (Op& op : replying_) {
      absl::StatusOr<Reply> reply = redis_->NextReply();
      if (!reply.ok()) return reply.status();
      OnReply(op, *reply);
    }
    replying_.clear();
  }
  return absl::OkStatus();
}

void Router::OnReply(Op& op, const Reply& reply) {
  std::string_view error = reply.is_error() ? reply.text() : std::string_view();
  switch (op.kind) {
    case Op::Kind::kDeliver: {
      const TargetConfig& target = *op.target.config;
      if (error.empty()) {
        ++stats_.delivered;
        ++*op.target.counter;
        --op.entry->pending;
        Settle(op.entry);
        return;
      }
      std::shared_ptr<Delivery> d = std::move(op.delivery);
      if (!d) {
        // A first attempt: its payload was sent, not kept. Shaping is
        // deterministic, so the retry's payload is made again.
        if (!Shape(*op.entry, op.target, /*parsed=*/false, &payload_)) {
          ++stats_.not_delivered;
          --op.entry->pending;
          Settle(op.entry);
          return;
        }
        d = NewDelivery(op.entry, op.target, payload_, /*attempts=*/1);
      }
      d->last_code = std::string(ErrorCode(error));
      d->last_message = Cat("XADD ", target.stream, ": ", error);
      if (d->last_code == "NOPERM") {
        // Permissions do not heal by themselves: no retry (as AWS's
        // NO_PERMISSIONS).
        std::string message = d->last_message;
        DeadLetter(std::move(d), "NO_PERMISSIONS", message, "");
        return;
      }
      if (d->attempts > target.max_retry_attempts) {
        std::string code = d->last_code, message = d->last_message;
        DeadLetter(std::move(d), code, message, "MaximumRetryAttempts");
        return;
      }
      int shift = std::min(d->attempts - 1, 30);
      int64_t delay = std::min(config_.bus.retry_max_ms, config_.bus.retry_base_ms << shift);
      delay = delay / 2 + static_cast<int64_t>(random_() % static_cast<uint64_t>(delay / 2 + 1));
      waiting_entries_[d->entry->id] = d->entry;
      retries_.emplace(NowMillis() + delay, std::move(d));
      return;
    }
    case Op::Kind::kDeadLetter: {
      std::shared_ptr<Entry> entry = op.delivery->entry;
      if (error.empty()) {
        ++stats_.dead_lettered;
      } else {
        entry->hold = true;
        std::fprintf(stderr, "evmatch-router: %s: %.*s\n", Cat(op.command, " ", op.key).c_str(),
                     static_cast<int>(error.size()), error.data());
      }
      --entry->pending;
      Settle(entry);
      return;
    }
    case Op::Kind::kBusWrite: {
      if (!error.empty()) {
        op.entry->hold = true;
        std::fprintf(stderr, "evmatch-router: %s: %.*s\n", Cat(op.command, " ", op.key).c_str(),
                     static_cast<int>(error.size()), error.data());
      }
      --op.entry->pending;
      Settle(op.entry);
      return;
    }
    case Op::Kind::kAck:
      if (error.empty()) {
        stats_.acked += static_cast<uint64_t>(reply.integer());
      } else {
        std::fprintf(stderr, "evmatch-router: %s: %.*s\n", Cat(op.command, " ", op.key).c_str(),
                     static_cast<int>(error.size()), error.data());
      }
      return;
    case Op::Kind::kKeepFresh:
      return;
  }
}

absl::StatusOr<ReplayCounts> ReplayArchive(RedisConnection& redis, const RouterConfig& config,
                                           int64_t from_ms, int64_t to_ms, std::string_view name) {
  if (!config.archive) return absl::FailedPreconditionError("the configuration has no Archive");
  ReplayCounts counts;
  std::string cursor = std::to_string(from_ms);
  const std::string quoted_name = evmatch_cli::JsonString(name);
  for (;;) {
    absl::StatusOr<Reply> page =
        redis.Check({"XRANGE", config.archive->stream, cursor, "+", "COUNT", "1000"});
    if (!page.ok()) return page.status();
    if (page->size() == 0) return counts;
    for (size_t i = 0; i < page->size(); ++i) {
      const redisReply* entry = page->element(i);
      cursor = "(" + std::string(Reply::TextOf(entry->element[0]));
      ++counts.scanned;
      std::string_view event = FieldValue(entry->element[1], "event").value_or("");
      int64_t ingested = IdMillis(FieldValue(entry->element[1], "bus-id").value_or(""));
      if (event.empty() || event.front() != '{' || ingested < from_ms || ingested > to_ms) {
        continue;
      }
      // "replay-name" first, then the event's own members.
      std::string replayed = "{\"replay-name\":" + quoted_name;
      std::string_view rest = event.substr(1);
      size_t first = rest.find_first_not_of(" \t\r\n");
      if (first != std::string_view::npos && rest[first] != '}') replayed += ',';
      replayed.append(rest);
      absl::StatusOr<Reply> added = redis.Check(
          {"XADD", config.bus.stream, "*", "event", replayed, "replay-name", std::string(name)});
      if (!added.ok()) return added.status();
      ++counts.replayed;
    }
  }
}

}  // namespace evmatch_router
