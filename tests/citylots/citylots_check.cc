// citylots2 conformance: every rule of every category must match exactly the
// expected number of events, with Match in both modes, with MatchBatch, and
// with Match on the matcher's image read back (Matcher::Load).
//
//   citylots_check DATA_DIR            all events; counts == expected_counts.json
//   citylots_check DATA_DIR --sample N first N events; compiled counts ==
//                                      reference-evaluator counts
//
// Exits 77 (CTest: skipped) when DATA_DIR does not exist: the data set lives
// in the team workspace (../shared/data/citylots2), not in the repository.

#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "json/json_tree.h"

namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Decompresses `path` and calls visit(line) per line until it returns false.
template <typename Visit>
bool ForEachLine(const std::filesystem::path& path, Visit&& visit) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return false;
  std::vector<char> chunk(1 << 20);
  std::string line;
  int n;
  bool go = true;
  while (go && (n = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()))) > 0) {
    for (int i = 0; i < n && go; ++i) {
      if (chunk[i] == '\n') {
        go = visit(line);
        line.clear();
      } else {
        line.push_back(chunk[i]);
      }
    }
  }
  if (go && !line.empty()) visit(line);
  gzclose(file);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: citylots_check DATA_DIR [--sample N]\n");
    return 2;
  }
  const std::filesystem::path dir = argv[1];
  long sample = argc >= 4 && std::string(argv[2]) == "--sample" ? std::atol(argv[3]) : 0;
  if (!std::filesystem::exists(dir / "expected_counts.json")) {
    std::printf("citylots2 data not found at %s: skipped\n", dir.c_str());
    return 77;
  }
  evmatch::internal::JsonValue expected;
  evmatch::internal::JsonParseError error;
  const std::string expected_text = ReadFile(dir / "expected_counts.json");
  if (!evmatch::internal::ParseJsonTree(expected_text, 16, &expected, &error)) {
    std::fprintf(stderr, "expected_counts.json: %s\n", error.reason.c_str());
    return 1;
  }

  // Load the events once (all, or the sample).
  std::vector<std::string> events;
  ForEachLine(dir / "events.jsonl.gz", [&](const std::string& line) {
    events.push_back(line);
    return sample == 0 || static_cast<long>(events.size()) < sample;
  });
  for (std::string& e : events) e.reserve(e.size() + evmatch::kPadding);
  std::string ndjson;
  for (const std::string& e : events) ndjson += e + "\n";
  ndjson.reserve(ndjson.size() + evmatch::kPadding);

  int passed = 0, failed = 0;
  for (const evmatch::internal::JsonMember& category : expected.members) {
    evmatch::RuleSet rules;
    absl::Status status =
        rules.AddRules(ReadFile(dir / "rules" / (category.key + ".json")));
    absl::StatusOr<evmatch::Matcher> matcher =
        status.ok() ? evmatch::Matcher::Compile(rules) : absl::StatusOr<evmatch::Matcher>(status);
    if (!matcher.ok()) {
      std::printf("FAIL %s: %s\n", category.key.c_str(),
                  std::string(matcher.status().message()).c_str());
      ++failed;
      continue;
    }
    evmatch::Scratch scratch;
    if (!matcher->PrepareScratch(scratch).ok()) std::abort();
    std::vector<long> reference(matcher->rule_count(), 0);
    if (sample != 0) {
      for (const std::string& event : events) {
        for (size_t r = 0; r < rules.size(); ++r) {
          for (const evmatch::Pattern& p : rules.patterns(r)) {
            absl::StatusOr<bool> hit = evmatch::TestEventPattern(p, event);
            if (hit.ok() && *hit) {
              ++reference[r];
              break;
            }
          }
        }
      }
    }
    // The same matcher written as an image and read back.
    absl::StatusOr<evmatch::Matcher> loaded = evmatch::Matcher::Load(matcher->Serialize());
    evmatch::Scratch loaded_scratch;
    if (!loaded.ok() || !loaded->PrepareScratch(loaded_scratch).ok()) {
      std::printf("FAIL %s: the image does not load back\n", category.key.c_str());
      ++failed;
      continue;
    }
    // Four ways through the compiled matcher: Match in each mode, MatchBatch
    // over the events as one NDJSON buffer, and Match on the loaded image.
    enum Way { kComplete, kLazy, kBatch, kLoaded };
    for (Way way : {kComplete, kLazy, kBatch, kLoaded}) {
      const char* way_name = way == kComplete ? "complete"
                             : way == kLazy   ? "lazy"
                             : way == kBatch  ? "batch"
                                              : "loaded";
      std::vector<long> counts(matcher->rule_count(), 0);
      bool rejected = false;
      if (way == kLoaded) {
        for (const std::string& event : events) {
          if (loaded->Match(event, event.capacity(), loaded_scratch) != evmatch::MatchStatus::kOk) {
            rejected = true;
            break;
          }
          for (evmatch::RuleId id : loaded_scratch.matches()) ++counts[id];
        }
      } else if (way == kBatch) {
        evmatch::MatchStatus status = matcher->MatchBatch(
            ndjson, ndjson.capacity(), scratch, [&](const evmatch::BatchEvent& e) {
              if (e.status != evmatch::MatchStatus::kOk) rejected = true;
              for (evmatch::RuleId id : e.matches) ++counts[id];
            });
        rejected |= status != evmatch::MatchStatus::kOk;
      } else {
        const evmatch::MatchMode mode =
            way == kLazy ? evmatch::MatchMode::kLazy : evmatch::MatchMode::kComplete;
        for (const std::string& event : events) {
          if (matcher->Match(event, event.capacity(), scratch, mode) != evmatch::MatchStatus::kOk) {
            rejected = true;
            break;
          }
          for (evmatch::RuleId id : scratch.matches()) ++counts[id];
        }
      }
      if (rejected) {
        std::printf("FAIL %s (%s): an event was rejected\n", category.key.c_str(), way_name);
        ++failed;
        continue;
      }
      for (const evmatch::internal::JsonMember& rule : category.value.members) {
        size_t id = 0;
        while (id < rules.size() && rules.name(id) != rule.key) ++id;
        const long want = sample == 0 ? std::atol(rule.value.text.c_str())
                                      : (id < rules.size() ? reference[id] : -1);
        const long got = id < rules.size() ? counts[id] : -1;
        if (got == want) {
          ++passed;
        } else {
          ++failed;
          std::printf("FAIL %s/%s (%s): matched %ld events, expected %ld\n",
                      category.key.c_str(), rule.key.c_str(), way_name, got, want);
        }
      }
    }
  }
  std::printf(
      "citylots2 (%zu events, %s; complete, lazy, batch and loaded image): %d rule counts passed, "
      "%d failed\n",
      events.size(), sample == 0 ? "expected_counts.json" : "reference evaluator", passed, failed);
  return failed == 0 ? 0 : 1;
}
