// evmatch-router end to end against Redis's own XADD rate, same server, same
// run:
//
//   build/bench/bench/router_benchmark [DATA_DIR] [--events=N] [--rounds=R] [--lots]
//                                      [--router=PATH]   (another evmatch-router, for A/B)
//
// DATA_DIR defaults to ../shared/data/citylots2. A private redis-server is
// started (tests/support/redis_server.h). Then:
//   1. The first N citylots2 events (default 20,000) are loaded into the bus,
//      untimed.
//   2. Each round measures Redis's ceiling (redis-benchmark pipelines XADDs
//      of a 300-byte entry), then routes the events with one router, then
//      (the group reset) with two; a run ends when the group has read
//      everything and nothing is pending. Rounds alternate so the machine's
//      drift hits all three alike.
// Rules: 100 of the COMBO kind: citylots2's COMBO (45 rules over every
// operator), the 25 other category rules, and 30 exact MAPBLKLOT rules taken
// from the events; each with one target (InputPath $.properties). --lots:
// 100 exact MAPBLKLOT rules only (few deliveries: the per-event cost).
// Printed: medians of events/s, Redis writes/s (deliveries + acks) against
// the XADD ceiling, the router's CPU per event and per delivery (from
// /proc, so Redis's time is excluded), and two routers against one.

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "simdjson.h"
#include "support/redis_server.h"

namespace {

using evmatch_router::RedisConnection;
using evmatch_router::Reply;

std::vector<std::string> LoadEvents(const std::filesystem::path& path, size_t limit) {
  std::vector<std::string> events;
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return events;
  std::string pending;
  std::vector<char> chunk(1 << 20);
  int n = 0;
  while (events.size() < limit &&
         (n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) {
    pending.append(chunk.data(), static_cast<size_t>(n));
    size_t start = 0, end = 0;
    while ((end = pending.find('\n', start)) != std::string::npos && events.size() < limit) {
      if (end > start) events.push_back(pending.substr(start, end - start));
      start = end + 1;
    }
    pending.erase(0, start);
  }
  gzclose(file);
  return events;
}

struct Cpu {
  double user = 0, system = 0;
  double total() const { return user + system; }
};

// User and system CPU seconds of process `pid` so far.
Cpu CpuOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  size_t close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::vector<std::string> fields;
  size_t pos = close + 2;
  while (pos < text.size()) {
    size_t space = text.find(' ', pos);
    fields.push_back(text.substr(pos, space - pos));
    if (space == std::string::npos) break;
    pos = space + 1;
  }
  // Fields 14 and 15 of stat (utime, stime); fields[0] is field 3.
  const double tick = 1.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  return {std::stod(fields[11]) * tick, std::stod(fields[12]) * tick};
}

std::string RulesConfig(const std::filesystem::path& dir, const std::vector<std::string>& events,
                        int port, bool lots_only) {
  simdjson::dom::parser parser;
  std::map<std::string, std::string> rules;  // name -> pattern
  std::set<std::string> patterns;
  auto add = [&](const std::string& name, const std::string& pattern) {
    if (rules.size() < 100 && patterns.insert(pattern).second) rules[name] = pattern;
  };
  std::vector<std::string> files = {"COMBO"};
  if (lots_only) files.clear();
  for (const auto& entry : std::filesystem::directory_iterator(dir / "rules")) {
    std::string stem = entry.path().stem();
    if (!lots_only && stem != "COMBO" && stem != "PARTIAL_COMBO") files.push_back(stem);
  }
  if (!files.empty()) std::sort(files.begin() + 1, files.end());
  for (const std::string& file : files) {
    simdjson::dom::object object;
    if (parser.load((dir / "rules" / (file + ".json")).string()).get(object)) continue;
    for (auto [name, pattern] : object)
      add(file + "." + std::string(name), simdjson::minify(pattern));
  }
  simdjson::dom::parser event_parser;
  for (size_t i = 0; rules.size() < 100 && i < events.size(); i += 97) {
    std::string_view lot;
    if (event_parser.parse(events[i])["properties"]["MAPBLKLOT"].get(lot) == simdjson::SUCCESS) {
      add("lot." + std::string(lot),
          "{\"properties\":{\"MAPBLKLOT\":[\"" + std::string(lot) + "\"]}}");
    }
  }
  std::string config = "{\"Redis\": {\"Port\": " + std::to_string(port) +
                       "}, \"Bus\": {\"Stream\": \"bus\", \"BatchSize\": 256}, \"Rules\": [";
  int i = 0;
  for (const auto& [name, pattern] : rules) {
    config += (i ? ",\n" : "\n") + std::string("{\"Name\": \"r") + std::to_string(i) +
              "\", \"EventPattern\": " + pattern +
              ", \"Targets\": [{\"Id\": \"t\", \"Stream\": \"t" + std::to_string(i) +
              "\", \"InputPath\": \"$.properties\"}]}";
    ++i;
  }
  return config + "]}";
}

struct Run {
  double seconds = 0;
  double router_cpu = 0;  // seconds, all routers
  double router_user = 0;
  double redis_cpu = 0;
  long long deliveries = 0;
  bool failed = false;  // a router exited early
};

long long GroupInfo(RedisConnection& redis, std::string_view field) {
  absl::StatusOr<Reply> info = redis.Command({"XINFO", "GROUPS", "bus"});
  if (!info.ok() || info->size() == 0) return -1;
  const redisReply* group = info->element(0);
  for (size_t i = 0; i + 1 < group->elements; i += 2) {
    if (Reply::TextOf(group->element[i]) == field) return group->element[i + 1]->integer;
  }
  return -1;
}

Run RouteAll(const evmatch_test::RedisServer& server, RedisConnection& redis,
             const std::string& router, const std::string& config, int routers, size_t targets) {
  // A fresh start: the group at the stream's beginning, no target entries.
  redis.Command({"XGROUP", "DESTROY", "bus", "evmatch-router"}).IgnoreError();
  redis.Command({"XGROUP", "CREATE", "bus", "evmatch-router", "0"}).IgnoreError();
  for (size_t t = 0; t < targets; ++t)
    redis.Command({"DEL", "t" + std::to_string(t)}).IgnoreError();
  double redis_cpu = CpuOf(server.pid()).total();
  auto start = std::chrono::steady_clock::now();
  std::vector<pid_t> pids;
  for (int r = 0; r < routers; ++r) {
    pid_t pid = fork();
    if (pid == 0) {
      std::string consumer = "bench-" + std::to_string(r);
      if (std::freopen("/dev/null", "w", stderr) == nullptr) std::_Exit(126);
      execl(router.c_str(), router.c_str(), "run", "--config", config.c_str(), "--consumer",
            consumer.c_str(), static_cast<char*>(nullptr));
      std::_Exit(127);
    }
    pids.push_back(pid);
  }
  Run run;
  for (;;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (run.failed) break;
    if (GroupInfo(redis, "lag") == 0 && GroupInfo(redis, "pending") == 0) break;
    for (pid_t pid : pids) {
      // A router that exits before the bus is drained failed (its stderr
      // is discarded: run it by hand to see why).
      if (waitpid(pid, nullptr, WNOHANG) == pid) {
        std::fprintf(stderr, "%s exited before the bus was drained\n", router.c_str());
        run.failed = true;
      }
    }
  }
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.redis_cpu = CpuOf(server.pid()).total() - redis_cpu;
  for (pid_t pid : pids) {
    Cpu cpu = CpuOf(pid);
    run.router_cpu += cpu.total();
    run.router_user += cpu.user;
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  }
  for (size_t t = 0; t < targets; ++t) {
    absl::StatusOr<Reply> len = redis.Command({"XLEN", "t" + std::to_string(t)});
    if (len.ok()) run.deliveries += len->integer();
  }
  return run;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// redis-benchmark's pipelined XADD rate (requests per second).
double XaddCeiling(int port) {
  std::string command = "redis-benchmark -p " + std::to_string(port) +
                        " -q -n 400000 -P 256 -c 2 XADD ceiling '*' event " +
                        std::string(300, 'x') + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return 0;
  std::string out;
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) out += buffer;
  pclose(pipe);
  // "XADD ceiling * event xxx...: 812345.69 requests per second, p50=..."
  size_t rps = out.rfind(" requests per second");
  if (rps == std::string::npos) return 0;
  size_t start = out.rfind(' ', rps - 1);
  return std::stod(out.substr(start + 1, rps - start - 1));
}

}  // namespace

int main(int argc, char** argv) {
  std::filesystem::path dir = "../shared/data/citylots2";
  size_t limit = 20'000;
  int rounds = 3;
  bool lots_only = false;
  std::string router = EVMATCH_ROUTER_BINARY;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--events=", 0) == 0) {
      limit = std::stoul(arg.substr(9));
    } else if (arg.rfind("--router=", 0) == 0) {
      router = arg.substr(9);
    } else if (arg == "--lots") {
      lots_only = true;
    } else if (arg.rfind("--rounds=", 0) == 0) {
      rounds = std::stoi(arg.substr(9));
    } else {
      dir = arg;
    }
  }
  std::vector<std::string> events = LoadEvents(dir / "events.jsonl.gz", limit);
  if (events.empty()) {
    std::fprintf(stderr, "citylots2 data not found under %s\n", dir.c_str());
    return 77;
  }
  evmatch_test::RedisServer server;
  auto redis = server.Client();
  const std::string config_path = server.dir() + "/bus.json";
  std::ofstream(config_path) << RulesConfig(dir, events, server.port(), lots_only);

  size_t bytes = 0;
  for (size_t i = 0; i < events.size(); ++i) {
    redis->Append({"XADD", "bus", "*", "event", events[i]});
    bytes += events[i].size();
    if (i % 1000 == 999 || i + 1 == events.size()) {
      while (redis->queued() > 0) redis->NextReply().IgnoreError();
    }
  }
  std::printf("bus: %zu citylots2 events, %.0f bytes each on average; 100 %s rules\n",
              events.size(), static_cast<double>(bytes) / static_cast<double>(events.size()),
              lots_only ? "exact MAPBLKLOT" : "COMBO-kind");

  std::vector<double> one_rate, two_rate, cpu_event, cpu_delivery, user_event, writes, redis_share,
      ceilings;
  long long deliveries = 0;
  for (int round = 0; round < rounds; ++round) {
    ceilings.push_back(XaddCeiling(server.port()));
    redis->Command({"DEL", "ceiling"}).IgnoreError();
    Run one = RouteAll(server, *redis, router, config_path, 1, 100);
    Run two = RouteAll(server, *redis, router, config_path, 2, 100);
    if (one.failed || two.failed) return 1;  // the server stops with `server`
    double n = static_cast<double>(events.size());
    deliveries = one.deliveries;
    one_rate.push_back(n / one.seconds);
    two_rate.push_back(n / two.seconds);
    cpu_event.push_back(one.router_cpu / n * 1e6);
    cpu_delivery.push_back(one.router_cpu / static_cast<double>(one.deliveries) * 1e6);
    user_event.push_back(one.router_user / n * 1e6);
    writes.push_back((static_cast<double>(one.deliveries) + n) / one.seconds);
    redis_share.push_back(one.redis_cpu / one.seconds);
    std::printf(
        "round %d: XADD ceiling %.0f/s; one router %.0f events/s (router CPU %.2f s, Redis CPU "
        "%.2f s), two routers %.0f events/s\n",
        round + 1, ceilings.back(), n / one.seconds, one.router_cpu, one.redis_cpu,
        n / two.seconds);
  }
  double n = static_cast<double>(events.size());
  std::printf("\nmedians over %d rounds\n", rounds);
  std::printf("  deliveries per event:            %.2f\n", static_cast<double>(deliveries) / n);
  std::printf("  one router:                      %.0f events/s\n", Median(one_rate));
  std::printf("  redis-benchmark XADD ceiling:    %.0f/s (300 B, pipelined 256, 2 clients)\n",
              Median(ceilings));
  std::printf("  Redis writes (XADD + XACK):      %.0f/s = %.2f of the ceiling\n", Median(writes),
              Median(writes) / Median(ceilings));
  std::printf("  Redis busy:                      %.0f%% of one core\n", Median(redis_share) * 100);
  std::printf("  router CPU:                      %.2f us per event (%.2f in user space)\n",
              Median(cpu_event), Median(user_event));
  if (deliveries >= static_cast<long long>(n)) {
    std::printf("                                   %.2f us per delivery\n", Median(cpu_delivery));
  }
  std::printf("  two routers:                     %.0f events/s = %.2fx one\n", Median(two_rate),
              Median(two_rate) / Median(one_rate));
  return 0;
}
