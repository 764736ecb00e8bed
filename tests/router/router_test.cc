// The router against a real Redis: deliveries of every input kind, retries
// and dead letters, hostile entries, reclaim, the bus policy, archive and
// replay, reloads, and the binary's signals. Each test starts its own
// redis-server (redis_server.h).

#include "router.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "catch2/catch.hpp"
#include "config.h"
#include "support/redis_server.h"

namespace evmatch_router {
namespace {

using Fields = std::map<std::string, std::string>;

// The entries of stream `key`, oldest first, as field -> value maps (with
// the id under "#id").
std::vector<Fields> Entries(RedisConnection& redis, const std::string& key) {
  absl::StatusOr<Reply> reply = redis.Command({"XRANGE", key, "-", "+"});
  REQUIRE(reply.ok());
  std::vector<Fields> out;
  for (size_t i = 0; i < reply->size(); ++i) {
    const redisReply* entry = reply->element(i);
    Fields fields;
    fields["#id"] = std::string(Reply::TextOf(entry->element[0]));
    const redisReply* values = entry->element[1];
    for (size_t f = 0; f + 1 < values->elements; f += 2) {
      fields[std::string(Reply::TextOf(values->element[f]))] =
          std::string(Reply::TextOf(values->element[f + 1]));
    }
    out.push_back(std::move(fields));
  }
  return out;
}

std::string Add(RedisConnection& redis, const std::string& stream, const std::string& event,
                const std::string& id = "*") {
  absl::StatusOr<Reply> reply = redis.Command({"XADD", stream, id, "event", event});
  REQUIRE(reply.ok());
  REQUIRE_FALSE(reply->is_error());
  return std::string(reply->text());
}

// Entries of the group still pending (XPENDING's summary count).
long long Pending(RedisConnection& redis, const std::string& stream, const std::string& group) {
  absl::StatusOr<Reply> reply = redis.Command({"XPENDING", stream, group});
  REQUIRE(reply.ok());
  REQUIRE(reply->is_array());
  return reply->element(0)->integer;
}

RouterConfig Config(const evmatch_test::RedisServer& server, const std::string& json) {
  absl::StatusOr<RouterConfig> config = ParseConfig(json, "test.json");
  INFO(config.status().message());
  REQUIRE(config.ok());
  config->redis = server.endpoint();
  return *std::move(config);
}

std::unique_ptr<Router> Start(RouterConfig config, const std::string& consumer = "r1") {
  absl::StatusOr<std::unique_ptr<Router>> router =
      Router::Create(std::move(config), {.consumer = consumer, .block_ms = 20, .seed = 1});
  REQUIRE(router.ok());
  absl::Status connected = (*router)->Connect();
  INFO(connected.message());
  REQUIRE(connected.ok());
  return *std::move(router);
}

// Steps `router` until `done` holds (at most 20 s).
void StepUntil(Router& router, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    absl::Status status = router.Step();
    INFO(status.message());
    REQUIRE(status.ok());
    REQUIRE(std::chrono::steady_clock::now() < deadline);
  }
}

// evmatch-router run as a child process, its output in files.
class RouterProcess {
 public:
  RouterProcess(const std::string& dir, const std::string& config, const std::string& consumer,
                std::vector<std::string> env = {})
      : out_(dir + "/" + consumer + ".out"), err_(dir + "/" + consumer + ".err") {
    std::fflush(nullptr);  // nothing buffered is written twice
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = std::freopen(out_.c_str(), "w", stdout);
      FILE* err = std::freopen(err_.c_str(), "w", stderr);
      if (out == nullptr || err == nullptr) std::_Exit(126);
      for (std::string& e : env) putenv(e.data());
      execl(EVMATCH_ROUTER_BINARY, EVMATCH_ROUTER_BINARY, "run", "--config", config.c_str(),
            "--consumer", consumer.c_str(), "--final-stats", static_cast<char*>(nullptr));
      std::_Exit(127);
    }
  }
  ~RouterProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  void Signal(int sig) { kill(pid_, sig); }
  // The exit code, or 128 + signal.
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string Stdout() const { return Read(out_); }
  std::string Stderr() const { return Read(err_); }

 private:
  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  std::string out_, err_;
  pid_t pid_ = -1;
};

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

// Waits until `done` holds (at most `seconds`).
void WaitFor(const std::function<bool()>& done, int seconds = 60) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (!done()) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string BusConfig(const evmatch_test::RedisServer& server, const std::string& rest) {
  return "{\"Redis\": {\"Port\": " + std::to_string(server.port()) + "}, " + rest + "}";
}

// A private Redis and a client connected to it, for one test.
struct RedisTest {
  RedisTest() { REQUIRE(redis); }
  evmatch_test::RedisServer server;
  std::unique_ptr<RedisConnection> redis = server.Client();
};

TEST_CASE_METHOD(RedisTest, "every target input kind gets its payload and nothing stays pending",
                 "[redis]") {
  auto router = Start(Config(server, R"({
    "Bus": {"Stream": "bus"},
    "Rules": [{"Name": "stopped", "EventPattern": {"detail": {"state": ["stopped"]}},
      "Targets": [
        {"Id": "whole", "Stream": "out-whole"},
        {"Id": "path", "Stream": "out-path", "InputPath": "$.detail"},
        {"Id": "constant", "Stream": "out-constant", "Input": "{\"wake\": true}"},
        {"Id": "shaped", "Stream": "out-shaped", "InputTransformer": {
          "InputPathsMap": {"id": "$.detail.id"},
          "InputTemplate": "{\"instance\": <id>, \"rule\": <aws.events.rule-name>}"}}]},
      {"Name": "any-id", "EventPattern": {"detail": {"id": [{"exists": true}]}},
       "Targets": [{"Id": "ids", "Stream": "out-ids", "InputPath": "$.detail.id"}]}]})"));
  std::string stopped = Add(*redis, "bus", R"({"detail": {"state": "stopped", "id": "i-1"}})");
  Add(*redis, "bus", R"({"detail": {"state": "running", "id": "i-2"}})");
  Add(*redis, "bus", R"({"detail": {"state": "running"}})");
  StepUntil(*router, [&] { return router->stats().acked == 3; });

  std::vector<Fields> whole = Entries(*redis, "out-whole");
  REQUIRE(whole.size() == 1);
  CHECK(whole[0]["event"] == R"({"detail": {"state": "stopped", "id": "i-1"}})");
  CHECK(whole[0]["bus-id"] == stopped);
  CHECK(whole[0]["rule"] == "stopped");
  CHECK(whole[0]["target"] == "whole");
  CHECK(Entries(*redis, "out-path")[0]["event"] == R"({"state":"stopped","id":"i-1"})");
  CHECK(Entries(*redis, "out-constant")[0]["event"] == R"({"wake": true})");
  CHECK(Entries(*redis, "out-shaped")[0]["event"] == R"({"instance": "i-1", "rule": "stopped"})");
  std::vector<Fields> ids = Entries(*redis, "out-ids");
  REQUIRE(ids.size() == 2);
  CHECK(ids[0]["event"] == R"("i-1")");
  CHECK(ids[1]["event"] == R"("i-2")");
  CHECK(router->stats().delivered == 6);
  CHECK(router->stats().per_target.at("stopped/shaped") == 1);
  CHECK(Pending(*redis, "bus", "evmatch-router") == 0);
}

TEST_CASE_METHOD(RedisTest,
                 "a failing target is retried then dead-lettered with SPEC B.4's attributes",
                 "[redis]") {
  // Both targets are keys of another type: every XADD answers WRONGTYPE.
  REQUIRE(redis->Command({"SET", "taken", "x"}).ok());
  REQUIRE(redis->Command({"SET", "taken-too", "x"}).ok());
  auto router = Start(Config(server, R"({
    "Bus": {"Stream": "bus", "RetryBaseMilliseconds": 2, "RetryMaxMilliseconds": 20},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
      "Targets": [
        {"Id": "t", "Stream": "taken", "RetryPolicy": {"MaximumRetryAttempts": 2},
         "DeadLetterConfig": {"Stream": "dlq"}},
        {"Id": "u", "Stream": "taken-too", "RetryPolicy": {"MaximumRetryAttempts": 0}}]}]})"));
  std::string id = Add(*redis, "bus", R"({"a": 1})");
  StepUntil(*router, [&] { return router->stats().acked == 1; });

  std::vector<Fields> dead = Entries(*redis, "dlq");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["event"] == R"({"a": 1})");
  CHECK(dead[0]["bus-id"] == id);
  CHECK(dead[0]["RULE_ARN"] == "r");
  CHECK(dead[0]["TARGET_ARN"] == "t");
  CHECK(dead[0]["ERROR_CODE"] == "WRONGTYPE");
  CHECK(dead[0]["ERROR_MESSAGE"].rfind("XADD taken: WRONGTYPE", 0) == 0);
  CHECK(dead[0]["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttempts");
  CHECK(dead[0]["RETRY_ATTEMPTS"] == "2");
  // Target t: 1 attempt + 2 retries; target u: 1 attempt, no retry, no
  // dead-letter stream: dropped.
  CHECK(router->stats().retried == 2);
  CHECK(router->stats().dead_lettered == 1);
  CHECK(router->stats().dropped == 1);
  CHECK(router->stats().delivered == 0);
  CHECK(Pending(*redis, "bus", "evmatch-router") == 0);
}

TEST_CASE_METHOD(RedisTest, "a retry after a failed first attempt sends the payload it shaped",
                 "[redis]") {
  // Enough events that one batch's commands go out in several writes; the
  // target fails them all once (a key of another type), then heals.
  REQUIRE(redis->Command({"SET", "out", "x"}).ok());
  auto router = Start(Config(server, R"({
    "Bus": {"Stream": "bus", "BatchSize": 1000, "RetryBaseMilliseconds": 200,
            "RetryMaxMilliseconds": 400},
    "Rules": [{"Name": "r", "EventPattern": {"detail": {"n": [{"exists": true}]}},
      "Targets": [{"Id": "t", "Stream": "out", "InputPath": "$.detail"}]}]})"));
  constexpr int kEvents = 600;
  const std::string pad(400, 'p');
  std::map<std::string, std::string> expected;  // bus id -> payload
  for (int i = 0; i < kEvents; ++i) {
    const std::string detail = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" + pad + "\"}";
    expected[Add(*redis, "bus", "{\"detail\": " + detail + "}")] = detail;
  }
  StepUntil(*router, [&] { return router->waiting() == kEvents; });
  REQUIRE(redis->Command({"DEL", "out"}).ok());
  StepUntil(*router, [&] { return router->stats().acked == kEvents; });

  std::vector<Fields> out = Entries(*redis, "out");
  REQUIRE(out.size() == kEvents);
  for (Fields& entry : out) {
    INFO(entry["bus-id"]);
    REQUIRE(expected.count(entry["bus-id"]) == 1);
    CHECK(entry["event"] == expected[entry["bus-id"]]);
    CHECK(entry["rule"] == "r");
    CHECK(entry["target"] == "t");
  }
  CHECK(router->stats().retried == kEvents);
  CHECK(router->stats().delivered == kEvents);
  CHECK(Pending(*redis, "bus", "evmatch-router") == 0);
}

TEST_CASE_METHOD(RedisTest,
                 "an event older than MaximumEventAgeInSeconds is dead-lettered unattempted",
                 "[redis]") {
  // Stream ids are ingestion times: this entry was ingested in 1970.
  Add(*redis, "bus", R"({"a": 1})", "1000-0");
  auto router = Start(Config(server, R"({
    "Bus": {"Stream": "bus"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
      "Targets": [{"Id": "t", "Stream": "out",
                   "RetryPolicy": {"MaximumEventAgeInSeconds": 60},
                   "DeadLetterConfig": {"Stream": "dlq"}}]}]})"));
  StepUntil(*router, [&] { return router->stats().acked == 1; });
  CHECK(Entries(*redis, "out").empty());
  std::vector<Fields> dead = Entries(*redis, "dlq");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeInSeconds");
  CHECK(dead[0]["ERROR_CODE"] == "EVENT_EXPIRED");
  CHECK(dead[0]["RETRY_ATTEMPTS"] == "0");
}

TEST_CASE_METHOD(RedisTest,
                 "hostile bus entries are dead-lettered and acknowledged while routing goes on",
                 "[redis]") {
  auto router = Start(Config(server, R"({
    "Bus": {"Stream": "bus", "DeadLetterStream": "bus-dlq"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
               "Targets": [{"Id": "t", "Stream": "out"}]}]})"));
  REQUIRE(redis->Command({"XADD", "bus", "*", "payload", "{}"}).ok());
  Add(*redis, "bus", R"({"a": 1)");
  Add(*redis, "bus", "{\"a\": 1, \"pad\": \"" + std::string(2 << 20, 'x') + "\"}");
  Add(*redis, "bus", std::string(100'000, '[') + std::string(100'000, ']'));
  Add(*redis, "bus", "{\"a\": \"\xff\"}");
  // Too deep where no rule looks: the match holds, shaping refuses it.
  Add(*redis, "bus", "{\"a\": 1, \"deep\": " + std::string(100, '[') + std::string(100, ']') + "}");
  std::string good = Add(*redis, "bus", R"({"a": 1})");
  StepUntil(*router, [&] { return router->stats().acked == 7; });

  std::vector<Fields> dead = Entries(*redis, "bus-dlq");
  REQUIRE(dead.size() == 6);
  CHECK(dead[0]["ERROR_CODE"] == "NO_EVENT");
  CHECK(dead[1]["ERROR_CODE"] == "INVALID_EVENT");
  CHECK(dead[2]["ERROR_CODE"] == "EVENT_TOO_LARGE");
  CHECK(dead[3]["ERROR_CODE"] == "INVALID_EVENT");
  CHECK(dead[4]["ERROR_CODE"] == "INVALID_EVENT");
  CHECK(dead[5]["ERROR_CODE"] == "INVALID_EVENT");
  CHECK(dead[5]["ERROR_MESSAGE"].find("cannot be shaped") != std::string::npos);
  for (Fields& f : dead) CHECK_FALSE(f["ERROR_MESSAGE"].empty());
  std::vector<Fields> out = Entries(*redis, "out");
  REQUIRE(out.size() == 1);
  CHECK(out[0]["bus-id"] == good);
  CHECK(router->stats().invalid == 6);
  CHECK(Pending(*redis, "bus", "evmatch-router") == 0);
}

TEST_CASE_METHOD(
    RedisTest, "a dead consumer's entries are reclaimed and past MaxReceiveCount are dead letters",
    "[redis]") {
  RouterConfig config = Config(server, R"({
    "Bus": {"Stream": "bus", "DeadLetterStream": "bus-dlq", "MaxReceiveCount": 3,
            "ReclaimIdleSeconds": 1},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
               "Targets": [{"Id": "t", "Stream": "out"}]}]})");
  REQUIRE(redis->Command({"XGROUP", "CREATE", "bus", "evmatch-router", "0", "MKSTREAM"}).ok());
  std::string first = Add(*redis, "bus", R"({"a": 1})");
  std::string poison = Add(*redis, "bus", R"({"a": 1, "poison": true})");
  // Consumer "dead" reads both and never acknowledges; the poison entry was
  // delivered 3 times already (each XCLAIM counts one).
  REQUIRE(redis
              ->Command({"XREADGROUP", "GROUP", "evmatch-router", "dead", "COUNT", "2", "STREAMS",
                         "bus", ">"})
              .ok());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(redis->Command({"XCLAIM", "bus", "evmatch-router", "dead", "0", poison}).ok());
  }
  auto router = Start(std::move(config), "alive");
  auto started = std::chrono::steady_clock::now();
  StepUntil(*router, [&] { return router->stats().acked == 2; });
  // Not before they were idle for ReclaimIdleSeconds.
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(900));
  CHECK(router->stats().reclaimed == 2);
  CHECK(router->stats().max_receive == 1);
  std::vector<Fields> out = Entries(*redis, "out");
  REQUIRE(out.size() == 1);
  CHECK(out[0]["bus-id"] == first);
  std::vector<Fields> dead = Entries(*redis, "bus-dlq");
  REQUIRE(dead.size() == 1);
  CHECK(dead[0]["bus-id"] == poison);
  CHECK(dead[0]["ERROR_CODE"] == "MAX_RECEIVE_COUNT_EXCEEDED");
  CHECK(Pending(*redis, "bus", "evmatch-router") == 0);
}

TEST_CASE_METHOD(RedisTest, "the bus policy rejects events from envelopes it does not allow",
                 "[redis]") {
  auto router = Start(Config(server, R"({
    "Bus": {"Stream": "bus"},
    "Policy": {"Accounts": ["111"], "Regions": ["eu-west-1"], "RejectedStream": "rejected"},
    "Rules": [{"Name": "r", "EventPattern": {"source": ["app"]},
               "Targets": [{"Id": "t", "Stream": "out"}]}]})"));
  std::string allowed =
      Add(*redis, "bus", R"({"source": "app", "account": "111", "region": "eu-west-1"})");
  Add(*redis, "bus", R"({"source": "app", "account": "222", "region": "eu-west-1"})");
  Add(*redis, "bus", R"({"source": "app", "account": "111", "region": "us-east-1"})");
  Add(*redis, "bus", R"({"source": "app"})");  // no envelope: an allow-list rejects it
  StepUntil(*router, [&] { return router->stats().acked == 4; });
  std::vector<Fields> out = Entries(*redis, "out");
  REQUIRE(out.size() == 1);
  CHECK(out[0]["bus-id"] == allowed);
  CHECK(router->stats().rejected == 3);
  CHECK(Entries(*redis, "rejected").size() == 3);
  CHECK(router->stats().matched == 1);
}

TEST_CASE_METHOD(RedisTest, "archived events of a time window are replayed once with replay-name",
                 "[redis]") {
  RouterConfig config = Config(server, R"({
    "Bus": {"Stream": "bus"},
    "Archive": {"Stream": "archive", "EventPattern": {"source": ["app"]}},
    "Rules": [{"Name": "r", "EventPattern": {"source": ["app"]},
               "Targets": [{"Id": "t", "Stream": "out"}]}]})");
  // Events ingested about ten seconds ago, the last two in the same second
  // (the router formats a second once); one the archive leaves out.
  const int64_t t0 = (NowMillis() - 10'000) / 1000 * 1000 + 50;
  auto at = [&](int64_t ms) { return std::to_string(t0 + ms) + "-0"; };
  Add(*redis, "bus", R"({"source": "app", "n": 1})", at(0));
  Add(*redis, "bus", R"({"source": "app", "n": 2})", at(1000));
  Add(*redis, "bus", R"({"source": "other", "n": 3})", at(1500));
  Add(*redis, "bus", R"({"source": "app", "n": 4})", at(1800));
  auto router = Start(config);
  StepUntil(*router, [&] { return router->stats().acked == 4; });
  std::vector<Fields> archive = Entries(*redis, "archive");
  REQUIRE(archive.size() == 3);
  CHECK(archive[0]["ingestion-time"] == Rfc3339(t0));
  CHECK(archive[1]["ingestion-time"] == Rfc3339(t0 + 1000));
  CHECK(archive[2]["ingestion-time"] == Rfc3339(t0 + 1800));
  CHECK(archive[0]["event"] == R"({"source": "app", "n": 1})");

  // The window [t0 + 500, t0 + 2000] holds events 2 and 4.
  absl::StatusOr<ReplayCounts> counts =
      ReplayArchive(*redis, config, t0 + 500, t0 + 2000, "replay-1");
  REQUIRE(counts.ok());
  CHECK(counts->replayed == 2);
  StepUntil(*router, [&] { return router->stats().acked == 6; });
  std::vector<Fields> out = Entries(*redis, "out");
  REQUIRE(out.size() == 5);
  CHECK(out[3]["event"] == R"({"replay-name":"replay-1","source": "app", "n": 2})");
  CHECK(out[4]["event"] == R"({"replay-name":"replay-1","source": "app", "n": 4})");
  std::vector<Fields> bus = Entries(*redis, "bus");
  CHECK(bus[4]["replay-name"] == "replay-1");
  // Replayed events are not archived again.
  CHECK(Entries(*redis, "archive").size() == 3);
}

TEST_CASE_METHOD(RedisTest, "the archive's retention trims entries older than RetentionDays",
                 "[redis]") {
  // 150 archive entries from 1970, then one routed event: the write trims
  // with MINID ~, which drops whole nodes (100 entries each by default).
  for (int i = 0; i < 150; ++i) {
    Add(*redis, "archive", R"({"old": true})", std::to_string(1000 + i) + "-0");
  }
  auto router = Start(Config(server, R"({"Bus": {"Stream": "bus"},
    "Archive": {"Stream": "archive", "RetentionDays": 1}})"));
  Add(*redis, "bus", R"({"a": 1})");
  StepUntil(*router, [&] { return router->stats().acked == 1; });
  std::vector<Fields> archive = Entries(*redis, "archive");
  CHECK(archive.size() <= 51);
  CHECK(archive.front()["#id"] != "1000-0");
  CHECK(archive.back()["event"] == R"({"a": 1})");
}

TEST_CASE_METHOD(RedisTest,
                 "a reload changes rules and targets while routing and a bad one changes nothing",
                 "[redis]") {
  auto router = Start(Config(server, R"({"Bus": {"Stream": "bus"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
               "Targets": [{"Id": "t", "Stream": "out"}]}]})"));
  Add(*redis, "bus", R"({"a": 1})");
  Add(*redis, "bus", R"({"a": 2})");
  StepUntil(*router, [&] { return router->stats().acked == 2; });
  CHECK(Entries(*redis, "out").size() == 1);

  REQUIRE(router
              ->Reload(Config(server, R"({"Bus": {"Stream": "bus"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [2]},
               "Targets": [{"Id": "t2", "Stream": "out2"}]}]})"))
              .ok());
  absl::Status moved = router->Reload(Config(server, R"({"Bus": {"Stream": "elsewhere"}})"));
  CHECK(moved.code() == absl::StatusCode::kInvalidArgument);
  Add(*redis, "bus", R"({"a": 1})");
  Add(*redis, "bus", R"({"a": 2})");
  StepUntil(*router, [&] { return router->stats().acked == 4; });
  CHECK(Entries(*redis, "out").size() == 1);
  std::vector<Fields> out2 = Entries(*redis, "out2");
  REQUIRE(out2.size() == 1);
  CHECK(out2[0]["target"] == "t2");
}

TEST_CASE_METHOD(
    RedisTest,
    "the binary reloads on SIGHUP and keeps its rules on a bad file and exits 0 on SIGTERM",
    "[redis]") {
  const std::string config = server.dir() + "/bus.json";
  WriteFile(config, BusConfig(server, R"("Bus": {"Stream": "bus"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
               "Targets": [{"Id": "t", "Stream": "out"}]}])"));
  RouterProcess router(server.dir(), config, "r1");
  Add(*redis, "bus", R"({"a": 1})");
  WaitFor([&] { return Entries(*redis, "out").size() == 1; });

  WriteFile(config, "{\"Bus\": ");
  router.Signal(SIGHUP);
  WaitFor([&] { return router.Stderr().find("refused") != std::string::npos; });
  CHECK(router.Stderr().find("the previous one stays in force") != std::string::npos);
  Add(*redis, "bus", R"({"a": 1})");
  WaitFor([&] { return Entries(*redis, "out").size() == 2; });

  WriteFile(config, BusConfig(server, R"("Bus": {"Stream": "bus"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [2]},
               "Targets": [{"Id": "t", "Stream": "out2"}]}])"));
  router.Signal(SIGHUP);
  WaitFor([&] { return router.Stderr().find("reloaded") != std::string::npos; });
  Add(*redis, "bus", R"({"a": 2})");
  WaitFor([&] { return Entries(*redis, "out2").size() == 1; });

  router.Signal(SIGTERM);
  CHECK(router.Wait() == 0);
  CHECK(router.Stdout().find(R"("acked":3)") != std::string::npos);
  CHECK(Pending(*redis, "bus", "evmatch-router") == 0);
}

TEST_CASE_METHOD(RedisTest, "two routers share the bus and one killed mid-burst loses nothing",
                 "[redis]") {
  const std::string config = server.dir() + "/bus.json";
  WriteFile(config, BusConfig(server, R"("Bus": {"Stream": "bus", "ReclaimIdleSeconds": 1,
                                                  "BatchSize": 100},
    "Rules": [{"Name": "even", "EventPattern": {"even": [true]},
               "Targets": [{"Id": "t", "Stream": "out"}]}])"));
  REQUIRE(redis->Command({"XGROUP", "CREATE", "bus", "evmatch-router", "0", "MKSTREAM"}).ok());
  auto victim = std::make_unique<RouterProcess>(server.dir(), config, "victim");
  RouterProcess survivor(server.dir(), config, "survivor");
  constexpr int kEvents = 100'000;
  for (int i = 0; i < kEvents; ++i) {
    redis->Append(
        {"XADD", "bus", "*", "event",
         "{\"n\": " + std::to_string(i) + ", \"even\": " + (i % 2 ? "false" : "true") + "}"});
    if (i % 1000 == 999) {
      for (int j = 0; j < 1000; ++j) REQUIRE(redis->NextReply().ok());
    }
    if (victim && i >= kEvents / 4 && i % 1000 == 999) {
      // Mid-burst, with entries in the victim's hands: frozen, it is killed
      // only if it holds pending entries, else it goes on.
      victim->Signal(SIGSTOP);
      auto held = redis->Command({"XPENDING", "bus", "evmatch-router", "-", "+", "1", "victim"});
      REQUIRE(held.ok());
      if (held->size() > 0) {
        victim->Signal(SIGKILL);
        CHECK(victim->Wait() == 128 + SIGKILL);
        victim.reset();
      } else {
        victim->Signal(SIGCONT);
      }
    }
  }
  // Everything read and acknowledged: the survivor took over the victim's
  // pending entries.
  WaitFor(
      [&] {
        auto info = redis->Command({"XINFO", "GROUPS", "bus"});
        REQUIRE(info.ok());
        // XINFO GROUPS: name, consumers, pending, last-delivered-id,
        // entries-read, lag (each after its name).
        return Pending(*redis, "bus", "evmatch-router") == 0 &&
               info->element(0)->element[11]->integer == 0;
      },
      120);
  std::vector<Fields> out = Entries(*redis, "out");
  std::vector<int> seen(kEvents, 0);
  for (Fields& f : out) {
    std::string event = f["event"];
    int n = std::stoi(event.substr(event.find(':') + 1));
    ++seen[n];
  }
  size_t duplicates = 0;
  for (int i = 0; i < kEvents; ++i) {
    if (i % 2 == 0) {
      INFO("event " << i);
      REQUIRE(seen[i] >= 1);
      duplicates += seen[i] - 1;
    } else {
      REQUIRE(seen[i] == 0);
    }
  }
  CHECK_FALSE(victim);  // it was killed
  // At most the batch the victim had in hand was delivered twice.
  CHECK(duplicates <= 100);
  survivor.Signal(SIGTERM);
  CHECK(survivor.Wait() == 0);
  CHECK(survivor.Stdout().find(R"("reclaimed":0,)") == std::string::npos);
}

TEST_CASE_METHOD(
    RedisTest,
    "the router runs with a minimal ACL user and a missing permission is named and not retried",
    "[redis]") {
  // docs/router.md's minimal ACL: the bus read and written by the group
  // commands, the target and dead-letter streams written only.
  auto acl = [&](const std::string& user, const std::string& commands) {
    std::vector<std::string> args = {"ACL",     "SETUSER",       user,   "on",
                                     ">secret", "resetkeys",     "~bus", "%W~out",
                                     "%W~dlq",  "resetchannels", "-@all"};
    for (absl::string_view c : absl::StrSplit(commands, ' ')) args.emplace_back(c);
    auto reply = redis->Command(args);
    REQUIRE(reply.ok());
    REQUIRE(reply->text() == "OK");
  };
  const std::string all = "+xgroup|create +xreadgroup +xack +xpending +xclaim +xadd +xinfo|groups";
  acl("router", all);
  const std::string config = server.dir() + "/bus.json";
  WriteFile(config, BusConfig(server, R"("Bus": {"Stream": "bus"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]},
               "Targets": [{"Id": "t", "Stream": "out"},
                           {"Id": "no-access", "Stream": "elsewhere",
                            "DeadLetterConfig": {"Stream": "dlq"}}]}])"));
  {
    RouterProcess router(server.dir(), config, "r1",
                         {"EVMATCH_REDIS_USERNAME=router", "EVMATCH_REDIS_PASSWORD=secret"});
    Add(*redis, "bus", R"({"a": 1})");
    WaitFor([&] { return Entries(*redis, "dlq").size() == 1; });
    std::vector<Fields> dead = Entries(*redis, "dlq");
    CHECK(dead[0]["ERROR_CODE"] == "NO_PERMISSIONS");
    CHECK(dead[0]["RETRY_ATTEMPTS"] == "0");
    CHECK(dead[0]["ERROR_MESSAGE"].find("XADD elsewhere: NOPERM") == 0);
    CHECK(Entries(*redis, "out").size() == 1);
    router.Signal(SIGTERM);
    CHECK(router.Wait() == 0);
    CHECK(router.Stdout().find(R"("retried":0,)") != std::string::npos);
  }
  // Without XREADGROUP the router stops at once with the command and key.
  acl("reader-less", "+xgroup|create +xack +xpending +xclaim +xadd +xinfo|groups");
  RouterProcess router(server.dir(), config, "r2",
                       {"EVMATCH_REDIS_USERNAME=reader-less", "EVMATCH_REDIS_PASSWORD=secret"});
  CHECK(router.Wait() == 2);
  CHECK(router.Stderr().find("XREADGROUP bus: NOPERM") != std::string::npos);
  // A wrong password is refused by name.
  RouterProcess wrong(server.dir(), config, "r3",
                      {"EVMATCH_REDIS_USERNAME=router", "EVMATCH_REDIS_PASSWORD=guess"});
  CHECK(wrong.Wait() == 2);
  CHECK(wrong.Stderr().find("refused AUTH as user 'router'") != std::string::npos);
}

TEST_CASE("routers reconnect after Redis restarts (AOF) and lose nothing acknowledged", "[redis]") {
  // key-load-delay (a testing setting of Redis: a pause per key loaded)
  // and 2,500 keys make the restarted server answer LOADING for about
  // 2.5 s, which the router must wait out like a lost connection.
  evmatch_test::RedisServer server(
      {"--appendonly", "yes", "--appendfsync", "always", "--key-load-delay", "1000"});
  auto redis = server.Client();
  REQUIRE(redis);
  for (int i = 0; i < 2500; ++i) redis->Append({"SET", "filler-" + std::to_string(i), "x"});
  while (redis->queued() > 0) REQUIRE(redis->NextReply().ok());
  // Into the AOF's base, which is loaded key by key.
  REQUIRE(redis->Command({"BGREWRITEAOF"}).ok());
  WaitFor([&] {
    absl::StatusOr<Reply> info = redis->Command({"INFO", "persistence"});
    REQUIRE(info.ok());
    return info->text().find("aof_rewrite_in_progress:0") != std::string_view::npos &&
           info->text().find("aof_rewrite_scheduled:0") != std::string_view::npos;
  });
  const std::string config = server.dir() + "/bus.json";
  WriteFile(config, BusConfig(server, R"("Bus": {"Stream": "bus", "ReclaimIdleSeconds": 1},
    "Rules": [{"Name": "r", "EventPattern": {"n": [{"numeric": [">=", 0]}]},
               "Targets": [{"Id": "t", "Stream": "out"}]}])"));
  RouterProcess router(server.dir(), config, "r1");
  constexpr int kEvents = 2000;
  for (int i = 0; i < kEvents / 2; ++i) Add(*redis, "bus", "{\"n\": " + std::to_string(i) + "}");
  server.Restart();
  redis = server.Client();
  REQUIRE(redis);
  for (int i = kEvents / 2; i < kEvents; ++i) {
    Add(*redis, "bus", "{\"n\": " + std::to_string(i) + "}");
  }
  std::vector<int> seen(kEvents, 0);
  WaitFor([&] {
    std::fill(seen.begin(), seen.end(), 0);
    for (Fields& f : Entries(*redis, "out")) ++seen[std::stoi(f["event"].substr(6))];
    return std::count(seen.begin(), seen.end(), 0) == 0 &&
           Pending(*redis, "bus", "evmatch-router") == 0;
  });
  router.Signal(SIGTERM);
  CHECK(router.Wait() == 0);
  INFO(router.Stderr());
  CHECK(router.Stderr().find("reconnecting") != std::string::npos);
  CHECK(router.Stderr().find("LOADING") != std::string::npos);
}

// Runs the router binary with `args`; its exit code and stderr.
std::pair<int, std::string> RunBinary(const std::string& dir, const std::string& args) {
  const std::string err = dir + "/stderr";
  int status =
      std::system((std::string(EVMATCH_ROUTER_BINARY) + " " + args + " 2> " + err).c_str());
  std::ifstream in(err);
  return {WEXITSTATUS(status), std::string(std::istreambuf_iterator<char>(in), {})};
}

TEST_CASE("check and replay refuse bad input with exit 2 and the reason", "[redis]") {
  evmatch_test::TempDir dir;
  const std::string config = dir.path + "/bus.json";
  WriteFile(config, "{\"Bus\": {\"Stream\": \"bus\"},\n \"Rulez\": []}");
  auto [code, message] = RunBinary(dir.path, "check --config " + config);
  CHECK(code == 2);
  CHECK(message == "evmatch-router: " + config +
                       ":2:11: /Rulez: unknown field \"Rulez\"; the fields here are Redis, Bus, "
                       "Policy, Archive, Rules\n");
  WriteFile(config, R"({"Bus": {"Stream": "bus"}, "Archive": {"Stream": "a"}})");
  std::tie(code, message) =
      RunBinary(dir.path, "replay --config " + config + " --from 1 --to 2 --name 'a b'");
  CHECK(code == 2);
  CHECK(message.find("--name takes 1 to 64 characters") != std::string::npos);
  std::tie(code, message) =
      RunBinary(dir.path, "replay --config " + config + " --from 3 --to 2 --name n");
  CHECK(code == 2);
  CHECK(message.find("--from not after --to") != std::string::npos);
}

TEST_CASE_METHOD(RedisTest, "check summarises a configuration and --credentials reads a file",
                 "[redis]") {
  const std::string config = server.dir() + "/bus.json";
  WriteFile(config, BusConfig(server, R"("Bus": {"Stream": "bus"}, "Archive": {"Stream": "a"},
    "Rules": [{"Name": "r", "EventPattern": {"a": [1]}, "Targets": [{"Id": "t", "Stream": "o"}]},
              {"Name": "off", "EventPattern": {"a": [2]}, "State": "DISABLED"}])"));
  const std::string out = server.dir() + "/stdout";
  int status = std::system(
      (std::string(EVMATCH_ROUTER_BINARY) + " check --config " + config + " > " + out).c_str());
  CHECK(WEXITSTATUS(status) == 0);
  std::ifstream summary(out);
  CHECK(std::string(std::istreambuf_iterator<char>(summary), {}) ==
        config + ": 2 rules (1 enabled), 1 targets\n");

  auto reply = redis->Command({"ACL", "SETUSER", "replayer", "on", ">secret", "~*", "+@all"});
  REQUIRE(reply.ok());
  const std::string credentials = server.dir() + "/credentials";
  const std::string replay =
      "replay --config " + config + " --credentials " + credentials + " --from 1 --to 2 --name n";
  WriteFile(credentials, "replayer\nsecret\n");
  auto [code, message] = RunBinary(server.dir(), replay);
  CHECK(code == 0);
  CHECK(message.empty());
  WriteFile(credentials, "replayer\nguess\n");
  std::tie(code, message) = RunBinary(server.dir(), replay);
  CHECK(code == 2);
  CHECK(message.find("refused AUTH as user 'replayer'") != std::string::npos);
  WriteFile(credentials, "replayer\n");
  std::tie(code, message) = RunBinary(server.dir(), replay);
  CHECK(code == 2);
  CHECK(message.find("needs the username on line 1 and the password on line 2") !=
        std::string::npos);
}

}  // namespace
}  // namespace evmatch_router
