// evmatch-router: an event bus on Redis Streams (docs/router.md).
//
//   evmatch-router run --config FILE      route the bus until SIGTERM
//   evmatch-router check --config FILE    validate a configuration
//   evmatch-router replay --config FILE --from T --to T --name NAME
//
// Credentials come from EVMATCH_REDIS_USERNAME / EVMATCH_REDIS_PASSWORD or
// from --credentials FILE (username on the first line, password on the
// second), never from the command line.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "config.h"
#include "flags.h"
#include "router.h"
#include "text.h"

namespace evmatch_router {

using evmatch_cli::Cat;
namespace {

using evmatch_cli::Args;
using evmatch_cli::Command;
using evmatch_cli::Fail;
using evmatch_cli::Flag;
using evmatch_cli::FlagType;
using evmatch_cli::kExitError;
using evmatch_cli::kExitOk;

std::atomic<bool> stop_requested{false};
std::atomic<bool> reload_requested{false};

extern "C" void OnStop(int) { stop_requested.store(true); }
extern "C" void OnReload(int) { reload_requested.store(true); }

void InstallSignals() {
  struct sigaction action = {};
  action.sa_handler = OnStop;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  action.sa_handler = OnReload;
  sigaction(SIGHUP, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

const Flag kConfigFlag = {.name = "config",
                          .value_name = "FILE",
                          .help = "the router's configuration (docs/router.md)",
                          .required = true};
const Flag kCredentialsFlag = {
    .name = "credentials",
    .value_name = "FILE",
    .help =
        "Redis ACL username (first line) and password (second line); default: the "
        "environment's EVMATCH_REDIS_USERNAME and EVMATCH_REDIS_PASSWORD"};

// The configuration with the credentials applied.
absl::StatusOr<RouterConfig> Load(const Args& args) {
  absl::StatusOr<RouterConfig> config = LoadConfig(args.get("config"));
  if (!config.ok()) return config.status();
  if (args.has("credentials")) {
    std::optional<std::string> text = evmatch_cli::ReadFile(args.get("credentials"));
    if (!text) {
      return absl::NotFoundError(Cat("cannot read the credentials file ", args.get("credentials")));
    }
    std::vector<std::string> lines = absl::StrSplit(*text, '\n');
    if (lines.size() < 2 || lines[1].empty()) {
      return absl::InvalidArgumentError(Cat(
          args.get("credentials"), ": needs the username on line 1 and the password on line 2"));
    }
    config->redis.username = lines[0];
    config->redis.password = lines[1];
  } else {
    if (const char* user = std::getenv("EVMATCH_REDIS_USERNAME")) config->redis.username = user;
    if (const char* password = std::getenv("EVMATCH_REDIS_PASSWORD")) {
      config->redis.password = password;
    }
  }
  return config;
}

int64_t ModifiedNanos(const std::string& path) {
  struct stat st = {};
  if (stat(path.c_str(), &st) != 0) return 0;
  return int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
}

void PrintStats(Router& router, bool final) {
  const RouterStats& s = router.stats();
  std::string line =
      Cat("{\"stats\":", final ? "\"final\"" : "\"interval\"", ",\"events\":", s.events,
          ",\"matched\":", s.matched, ",\"delivered\":", s.delivered, ",\"retried\":", s.retried,
          ",\"waiting\":", router.waiting(), ",\"dead_lettered\":", s.dead_lettered,
          ",\"dropped\":", s.dropped, ",\"not_delivered\":", s.not_delivered,
          ",\"rejected\":", s.rejected, ",\"invalid\":", s.invalid, ",\"reclaimed\":", s.reclaimed,
          ",\"max_receive\":", s.max_receive, ",\"archived\":", s.archived, ",\"acked\":", s.acked,
          ",\"held\":", s.held, ",\"lag\":", router.Lag(), ",\"targets\":{");
  bool first = true;
  for (const auto& [name, count] : s.per_target) {
    line += Cat(first ? "" : ",", evmatch_cli::JsonString(name), ":", count);
    first = false;
  }
  line += "}}\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

int RunRouter(const Args& args) {
  absl::StatusOr<RouterConfig> config = Load(args);
  if (!config.ok()) return Fail(config.status());
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  Router::Options options;
  options.consumer = args.get("consumer", Cat(host, "-", getpid()));
  options.seed = static_cast<uint64_t>(getpid());
  absl::StatusOr<std::unique_ptr<Router>> router = Router::Create(*std::move(config), options);
  if (!router.ok()) return Fail(router.status());
  InstallSignals();

  const std::string path = args.get("config");
  int64_t modified = ModifiedNanos(path);
  const int64_t stats_ms = args.integer("stats", 0) * 1000;
  int64_t next_stats = NowMillis() + stats_ms;
  int64_t next_file_check = 0;
  int64_t backoff_ms = 100;
  bool connected = false;
  while (!stop_requested.load()) {
    int64_t now = NowMillis();
    if (now >= next_file_check) {
      next_file_check = now + 1000;
      int64_t m = ModifiedNanos(path);
      if (m != modified) {
        modified = m;
        reload_requested.store(true);
      }
    }
    if (reload_requested.exchange(false)) {
      absl::StatusOr<RouterConfig> fresh = Load(args);
      absl::Status status = fresh.ok() ? (*router)->Reload(*std::move(fresh)) : fresh.status();
      if (status.ok()) {
        std::fprintf(stderr, "evmatch-router: configuration reloaded from %s\n", path.c_str());
      } else {
        std::fprintf(stderr,
                     "evmatch-router: the new configuration is refused (%s); the "
                     "previous one stays in force\n",
                     std::string(status.message()).c_str());
      }
    }
    absl::Status status = connected ? (*router)->Step() : (*router)->Connect();
    if (status.ok()) {
      if (!connected)
        std::fprintf(stderr, "evmatch-router: connected as consumer %s\n",
                     options.consumer.c_str());
      connected = true;
      backoff_ms = 100;
    } else if (absl::IsUnavailable(status)) {
      // Redis restarting or unreachable: reconnect with backoff; what was
      // in flight is still pending and is read again.
      std::fprintf(stderr, "evmatch-router: %s; reconnecting in %lld ms\n",
                   std::string(status.message()).c_str(), static_cast<long long>(backoff_ms));
      connected = false;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min<int64_t>(backoff_ms * 2, 5000);
    } else {
      // Missing permissions or a broken bus: retrying would not help.
      return Fail(status);
    }
    if (stats_ms > 0 && NowMillis() >= next_stats) {
      next_stats = NowMillis() + stats_ms;
      PrintStats(**router, false);
    }
  }
  // Step finishes every batch it reads: nothing read is half done. Deliveries
  // waiting for a retry stay pending for the next router (or this one
  // restarted under the same --consumer).
  if (stats_ms > 0 || args.has("final-stats")) PrintStats(**router, true);
  return kExitOk;
}

int CheckConfig(const Args& args) {
  absl::StatusOr<RouterConfig> config = LoadConfig(args.get("config"));
  if (!config.ok()) return Fail(config.status());
  size_t targets = 0;
  for (const RuleConfig& rule : config->rules) targets += rule.targets.size();
  std::printf("%s: %zu rules (%zu enabled), %zu targets\n", args.get("config").c_str(),
              config->rules.size(), config->rule_set.size(), targets);
  return kExitOk;
}

// RFC 3339 ("2026-12-03T20:00:00Z") or milliseconds since the epoch.
std::optional<int64_t> ParseTime(const std::string& text) {
  int64_t millis = 0;
  if (absl::SimpleAtoi(text, &millis)) return millis;
  absl::Time time;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) return std::nullopt;
  return absl::ToUnixMillis(time);
}

int Replay(const Args& args) {
  absl::StatusOr<RouterConfig> config = Load(args);
  if (!config.ok()) return Fail(config.status());
  if (args.has("archive")) config->archive = ArchiveConfig{.stream = args.get("archive")};
  if (!config->archive) {
    return Fail(Cat(args.get("config"), ": has no Archive; name its stream with --archive"));
  }
  if (!IsAwsName(args.get("name"))) {
    return Fail("--name takes 1 to 64 characters of A-Z, a-z, 0-9, '.', '-', '_'");
  }
  std::optional<int64_t> from = ParseTime(args.get("from"));
  std::optional<int64_t> to = ParseTime(args.get("to"));
  if (!from || !to || *to < *from) {
    return Fail(
        "--from and --to take RFC 3339 times or milliseconds since the epoch, "
        "--from not after --to");
  }
  absl::StatusOr<std::unique_ptr<RedisConnection>> redis = RedisConnection::Connect(config->redis);
  if (!redis.ok()) return Fail(redis.status());
  const std::string name = args.get("name");
  absl::StatusOr<ReplayCounts> counts = ReplayArchive(**redis, *config, *from, *to, name);
  if (!counts.ok()) return Fail(counts.status());
  std::printf("{\"replay-name\":%s,\"scanned\":%zu,\"replayed\":%zu}\n",
              evmatch_cli::JsonString(name).c_str(), counts->scanned, counts->replayed);
  return kExitOk;
}

std::vector<Command> Commands() {
  return {
      {.name = "run",
       .summary = "Route the bus's events to their targets until SIGTERM or SIGINT.",
       .flags = {kConfigFlag,
                 kCredentialsFlag,
                 {.name = "consumer",
                  .value_name = "NAME",
                  .help = "this router's consumer name in the group (default: host-pid); "
                          "reuse it after a restart to take back its pending entries"},
                 {.name = "stats",
                  .type = FlagType::kInt,
                  .value_name = "SECONDS",
                  .help = "print a JSON line of counters every SECONDS, and at exit",
                  .min = 1,
                  .max = 86'400},
                 {.name = "final-stats",
                  .type = FlagType::kBool,
                  .help = "print the counters' JSON line at exit"}},
       .details = "SIGHUP, or a change of the configuration file, reloads it; an invalid new\n"
                  "configuration is reported and the previous one stays in force. SIGTERM\n"
                  "finishes the batch in hand and exits 0.\n",
       .run = RunRouter},
      {.name = "check",
       .summary = "Validate a configuration file.",
       .flags = {kConfigFlag},
       .run = CheckConfig},
      {.name = "replay",
       .summary = "Send the archived events of a time window to the bus again, with a "
                  "top-level \"replay-name\".",
       .flags =
           {kConfigFlag,
            kCredentialsFlag,
            {.name = "from",
             .value_name = "TIME",
             .help = "RFC 3339 or epoch ms",
             .required = true},
            {.name = "to", .value_name = "TIME", .help = "RFC 3339 or epoch ms", .required = true},
            {.name = "name", .value_name = "NAME", .help = "the replay's name", .required = true},
            {.name = "archive",
             .value_name = "STREAM",
             .help = "the archive stream (default: the configuration's Archive.Stream)"}},
       .run = Replay},
  };
}

int Main(int argc, char** argv) {
  evmatch_cli::SetProgramName("evmatch-router");
  std::vector<Command> commands = Commands();
  std::string usage = "usage: evmatch-router COMMAND [flags]\n\ncommands:\n";
  for (const Command& c : commands) usage += Cat("  ", c.name, "  ", c.summary, "\n");
  if (argc < 2 || std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h") {
    std::cout << usage;
    return argc < 2 ? kExitError : kExitOk;
  }
  for (const Command& c : commands) {
    if (c.name == argv[1]) return evmatch_cli::RunCommand(c, argc, argv, 2);
  }
  std::cerr << "evmatch-router: unknown command '" << argv[1] << "'\n\n" << usage;
  return kExitError;
}

}  // namespace
}  // namespace evmatch_router

int main(int argc, char** argv) { return evmatch_router::Main(argc, argv); }
