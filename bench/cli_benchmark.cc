// `evmatch match` against the library it is built on, over the same bytes in
// the same run, and gzip decompression with zlib against libdeflate:
//
//   build/bench/bench/cli_benchmark [DATA_DIR] --evmatch=build/bench/cli/evmatch
//       [--category=EXACT] [--rounds=5]
//
// DATA_DIR (default ../shared/data/citylots2) holds events.jsonl.gz and
// rules/<CATEGORY>.json. The events are decompressed once into a temporary
// plain NDJSON file and into memory. Every round then measures, alternately:
//   library      Matcher::MatchBatch over the events in memory, one call;
//   cli          evmatch match --events FILE --output none --stats, its own
//                "seconds" (reading and matching, after the rules are set up);
//   cli-2        the same with --threads 2;
//   cli-gz       the same over events.jsonl.gz (inflated by libdeflate);
//   cli-gz-2     that with --threads 2;
//   library-lines Matcher::Match line by line, for comparison with MatchBatch;
// in both modes, and zlib's and libdeflate's decompression of the .gz in
// memory (into the same buffer every round: no page faults). Prints each figure's median over the
// rounds and the ratios the issue asks for: cli / library throughput (target >= 0.80), cli-2 / cli
// (>= 1.6 with two idle cores), lazy / default for the CLI and the library.

#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"

namespace {

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "cli_benchmark: %s\n", message.c_str());
  std::exit(1);
}

// zlib's inflate of a gzip file (all members) into `out`, sized beforehand.
size_t InflateZlib(const std::string& gz, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) Die("inflateInit2");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  size_t produced = 0;
  while (true) {
    z.next_out = reinterpret_cast<Bytef*>(out->data() + produced);
    z.avail_out = static_cast<uInt>(std::min<size_t>(out->size() - produced, 1u << 30));
    const int rc = inflate(&z, Z_NO_FLUSH);
    produced = static_cast<size_t>(reinterpret_cast<char*>(z.next_out) - out->data());
    if (rc == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // the next gzip member
      continue;
    }
    if (rc != Z_OK) Die("inflate failed");
  }
  inflateEnd(&z);
  return produced;
}

// libdeflate's decompression of the same members into `out`.
size_t InflateLibdeflate(libdeflate_decompressor* d, const std::string& gz, std::string* out) {
  size_t in = 0, produced = 0;
  while (in < gz.size()) {
    size_t used = 0, written = 0;
    if (libdeflate_gzip_decompress_ex(d, gz.data() + in, gz.size() - in, out->data() + produced,
                                      out->size() - produced, &used,
                                      &written) != LIBDEFLATE_SUCCESS) {
      Die("libdeflate failed");
    }
    in += used;
    produced += written;
  }
  return produced;
}

// Runs the CLI and returns the "seconds" of its --stats line.
double RunCli(const std::string& command) {
  FILE* pipe = popen((command + " 2>&1 >/dev/null").c_str(), "r");
  if (pipe == nullptr) Die("cannot run " + command);
  std::string output;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) output.append(buffer, n);
  if (pclose(pipe) != 0) Die(command + " failed: " + output);
  const size_t at = output.find("\"seconds\": ");
  if (at == std::string::npos) Die("no seconds in: " + output);
  return std::strtod(output.c_str() + at + 11, nullptr);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir = "../shared/data/citylots2", evmatch_path, category = "EXACT";
  int rounds = 5;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--evmatch=", 0) == 0) {
      evmatch_path = arg.substr(10);
    } else if (arg.rfind("--category=", 0) == 0) {
      category = arg.substr(11);
    } else if (arg.rfind("--rounds=", 0) == 0) {
      rounds = std::max(1, std::atoi(arg.c_str() + 9));
    } else {
      data_dir = arg;
    }
  }
  if (evmatch_path.empty()) Die("--evmatch=PATH is required");
  const std::string gz_path = data_dir + "/events.jsonl.gz";
  const std::string rules_path = data_dir + "/rules/" + category + ".json";
  const std::string gz = ReadAll(gz_path);
  if (gz.empty()) {
    std::fprintf(stderr, "cli_benchmark: no data at %s; skipped\n", data_dir.c_str());
    return 77;
  }

  // The events, plain, in memory (padded) and in a temporary file.
  std::string events(size_t{1} << 30, '\0');
  events.resize(InflateZlib(gz, &events));
  events.reserve(events.size() + evmatch::kPadding);
  char plain_path[] = "/tmp/cli_benchmark_XXXXXX";
  const int fd = mkstemp(plain_path);
  if (fd < 0 || write(fd, events.data(), events.size()) != static_cast<ssize_t>(events.size())) {
    Die("cannot write the plain events file");
  }
  close(fd);

  evmatch::RuleSet rules;
  if (absl::Status s = rules.AddRules(ReadAll(rules_path)); !s.ok()) Die(std::string(s.message()));
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  if (!matcher.ok()) Die(std::string(matcher.status().message()));
  evmatch::Scratch scratch;
  if (!matcher->PrepareScratch(scratch).ok()) Die("PrepareScratch");

  std::map<std::string, std::vector<double>> seconds;
  std::string inflated(events.size(), '\0');
  libdeflate_decompressor* deflate = libdeflate_alloc_decompressor();
  size_t count = 0;
  const std::string cli = evmatch_path + " match --rules " + rules_path + " --output none --stats";
  for (int round = 0; round < rounds; ++round) {
    for (const bool lazy : {false, true}) {
      const std::string mode = lazy ? "lazy" : "default";
      const double start = Now();
      count = 0;
      (void)matcher->MatchBatch(
          std::string_view(events), events.capacity(), scratch,
          [&](const evmatch::BatchEvent& e) { count += e.matches.size(); },
          lazy ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete);
      seconds["library " + mode].push_back(Now() - start);
      const double lines_start = Now();
      for (size_t pos = 0; pos < events.size();) {
        size_t eol = events.find('\n', pos);
        if (eol == std::string::npos) eol = events.size();
        (void)matcher->Match(std::string_view(events).substr(pos, eol - pos),
                             events.capacity() - pos, scratch,
                             lazy ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete);
        pos = eol + 1;
      }
      seconds["library-lines " + mode].push_back(Now() - lines_start);
      const std::string flags = lazy ? " --lazy" : "";
      seconds["cli " + mode].push_back(RunCli(cli + flags + " --events " + plain_path));
      seconds["cli-2 " + mode].push_back(
          RunCli(cli + flags + " --threads 2 --events " + plain_path));
      seconds["cli-gz " + mode].push_back(RunCli(cli + flags + " --events " + gz_path));
      seconds["cli-gz-2 " + mode].push_back(
          RunCli(cli + flags + " --threads 2 --events " + gz_path));
    }
    double start = Now();
    InflateZlib(gz, &inflated);
    seconds["zlib inflate"].push_back(Now() - start);
    start = Now();
    InflateLibdeflate(deflate, gz, &inflated);
    seconds["libdeflate inflate"].push_back(Now() - start);
  }
  libdeflate_free_decompressor(deflate);
  unlink(plain_path);

  const double mib = static_cast<double>(events.size()) / (1 << 20);
  std::printf("%s, %.1f MiB of NDJSON (%.1f MiB gzip), %zu matches, %d rounds, medians:\n",
              category.c_str(), mib, static_cast<double>(gz.size()) / (1 << 20), count, rounds);
  std::map<std::string, double> m;
  for (const auto& [name, values] : seconds) {
    m[name] = Median(values);
    std::printf("  %-20s %8.3f s  %8.1f MiB/s\n", name.c_str(), m[name], mib / m[name]);
  }
  for (const char* mode : {"default", "lazy"}) {
    const std::string s = mode;
    std::printf("%-7s cli / library %.2f   cli-2 / cli %.2f   cli-gz / cli %.2f\n", mode,
                m["library " + s] / m["cli " + s], m["cli " + s] / m["cli-2 " + s],
                m["cli " + s] / m["cli-gz " + s]);
  }
  std::printf("lazy / default: library %.2f, cli %.2f; libdeflate / zlib inflate %.2f\n",
              m["library default"] / m["library lazy"], m["cli default"] / m["cli lazy"],
              m["zlib inflate"] / m["libdeflate inflate"]);
  return 0;
}
