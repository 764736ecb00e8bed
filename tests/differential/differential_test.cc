// The compiled Matcher against the reference evaluator (TestEventPattern).
//
// * Random: a seeded generator builds rule sets that use every operator,
//   nesting, arrays of objects and `$or`, and events built from the same
//   small vocabulary so that rules both hit and miss. Every (rule, event)
//   pair is a case; the default suite runs >= 20,000 of them, the [slow]
//   suite >= 1,000,000.
// * Exhaustive: every pattern over two fields (each absent or one of a list
//   of conditions) against every event over the same fields, flat and inside
//   an array of objects.
// A disagreement prints the pattern and the event: a minimal reproducer.
// Every case runs on each simdjson kernel the CPU supports, in both match
// modes, one event at a time and as one NDJSON batch.

#include <catch2/catch.hpp>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "support/compare_compiled.h"
#include "support/explain_invariants.h"
#include "support/random_cases.h"

namespace {

evmatch::PatternOptions Options() {
  evmatch::PatternOptions options;
  options.max_wildcard_complexity = 0;
  options.max_pattern_bytes = 1 << 16;
  return options;
}

// Compares `batches` rule sets of `rules_per_batch` patterns from `gen`,
// each against `events_per_batch` events from it; returns the cases.
template <typename Cases>
size_t RunBatches(Cases&& gen, int batches, int rules_per_batch, int events_per_batch) {
  size_t cases = 0;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::string> patterns, events;
    for (int i = 0; i < rules_per_batch; ++i) patterns.push_back(gen.Pattern());
    for (int i = 0; i < events_per_batch; ++i) events.push_back(gen.Event());
    cases += evmatch_test::CompareCompiled(patterns, events, Options());
  }
  return cases;
}

// Rule sets shaped like bench/scale_benchmark's, on a vocabulary small
// enough that most rules meet events that satisfy all but one condition:
// many rules share a source and a detail-type (the predicates that trigger
// or guard them), list several values of one field, and require a sibling
// field to be absent; events carry arrays of values, sometimes of objects.
class ScaleShapedCases {
 public:
  explicit ScaleShapedCases(uint32_t seed) : rng_(seed) {}

  std::string Pattern() {
    std::string r = "{\"source\":[" + Pick("\"s", 3) + "],\"detail-type\":[" + Pick("\"t", 3) +
                    "],\"detail\":{";
    const int fields = 1 + static_cast<int>(rng_() % 3);
    for (int f = 0; f < fields; ++f) {
      if (f > 0) r += ",";
      r += "\"f" + std::to_string((f * 2 + rng_() % 2) % 6) + "\":[";
      switch (rng_() % 8) {
        case 0:
        case 1: {  // a list of values
          const int n = 1 + static_cast<int>(rng_() % 6);
          for (int v = 0; v < n; ++v) r += (v > 0 ? "," : "") + Pick("\"v", 10);
          break;
        }
        case 2:
          r += "{\"prefix\":\"v1\"}";
          break;
        case 3:
          r += "{\"numeric\":[\">\"," + std::to_string(rng_() % 5) + "]}";
          break;
        case 4:
          r += "{\"anything-but\":" + Pick("\"v", 10) + "}";
          break;
        case 5:
          r += "{\"exists\":true}";
          break;
        case 6:
          r += "{\"equals-ignore-case\":" + Pick("\"V", 10) + "}";
          break;
        default:
          r += "{\"suffix\":\"" + std::to_string(rng_() % 10) + "\"}";
          break;
      }
      r += "]";
    }
    if (rng_() % 2 == 0) r += ",\"blocked\":[{\"exists\":false}]";
    return r + "}}";
  }

  std::string Event() {
    std::string detail;
    for (int f = 0; f < 6; ++f) {
      if (rng_() % 4 == 0) continue;
      detail += (detail.empty() ? "" : ",") + std::string("\"f") + std::to_string(f) + "\":";
      if (rng_() % 5 == 0) {
        detail += std::to_string(rng_() % 7);
      } else if (rng_() % 2 == 0) {
        detail += Pick("\"v", 10);
      } else {
        detail += "[";
        const int n = 1 + static_cast<int>(rng_() % 5);
        for (int v = 0; v < n; ++v) detail += (v > 0 ? "," : "") + Pick("\"v", 10);
        detail += "]";
      }
    }
    if (rng_() % 4 == 0) detail += std::string(detail.empty() ? "" : ",") + "\"blocked\":1";
    std::string body =
        "\"source\":" + Pick("\"s", 3) + ",\"detail-type\":" + Pick("\"t", 3) + ",\"detail\":";
    if (rng_() % 5 == 0) {  // the fields inside two elements of an array
      return "{" + body + "[{" + detail + "},{\"f0\":" + Pick("\"v", 10) + "}]}";
    }
    return "{" + body + "{" + detail + "}}";
  }

 private:
  // A quoted word: `head` (an opening quote and a letter) and a number.
  std::string Pick(const std::string& head, uint32_t n) {
    return head + std::to_string(rng_() % n) + "\"";
  }

  std::mt19937 rng_;
};

}  // namespace

TEST_CASE("compiled matcher agrees with the reference on rule sets shaped like the benchmarks",
          "[differential]") {
  CHECK(RunBatches(ScaleShapedCases(20261203), 3, 300, 40) >= 30000);
}

TEST_CASE("compiled matcher agrees with the reference on random cases", "[differential]") {
  CHECK(RunBatches(evmatch_test::RandomCases(20261127), 10, 50, 50) >= 20000);
}

TEST_CASE("explanations keep their invariants on random cases", "[differential][explain]") {
  evmatch_test::RandomCases gen(20261203);
  evmatch_test::ExplainCounts counts;
  for (int b = 0; b < 200; ++b) {
    std::vector<std::string> events;
    for (int i = 0; i < 10; ++i) events.push_back(gen.Event());
    for (int r = 0; r < 10; ++r) {
      const std::string pattern = gen.Pattern();
      for (const std::string& event : events) {
        evmatch_test::CheckExplanation(pattern, event, Options(), &counts);
      }
    }
  }
  CHECK(counts.cases >= 20000);
  CHECK(counts.conditions >= 40000);
  CHECK(counts.removals >= 5000);
}

TEST_CASE("compiled matcher agrees with the reference, 1M random cases",
          "[.][slow][differential]") {
  CHECK(RunBatches(evmatch_test::RandomCases(424242), 200, 100, 60) >= 1000000);
  CHECK(RunBatches(ScaleShapedCases(424242), 10, 2000, 50) >= 1000000);
}

TEST_CASE("compiled matcher agrees with the reference exhaustively", "[differential]") {
  const std::vector<std::string> conditions = {
      "\"x\"", "1", "null", "true", "{\"prefix\":\"x\"}", "{\"suffix\":\"y\"}",
      "{\"equals-ignore-case\":\"X\"}", "{\"wildcard\":\"x*\"}",
      "{\"anything-but\":\"x\"}", "{\"anything-but\":{\"prefix\":\"x\"}}",
      "{\"numeric\":[\">\",0]}", "{\"exists\":true}", "{\"exists\":false}",
      "{\"cidr\":\"10.0.0.0/8\"}"};
  const std::vector<std::string> values = {"",      "\"x\"",        "\"xy\"", "\"y\"",
                                           "1",     "null",         "true",   "[]",
                                           "{}",    "[\"x\",\"y\"]", "[1,\"z\"]",
                                           "\"10.0.0.1\""};
  // Patterns: each of a and b absent or one condition; flat or inside "o".
  std::vector<std::string> patterns;
  for (int wrap = 0; wrap < 2; ++wrap) {
    for (size_t i = 0; i <= conditions.size(); ++i) {
      for (size_t j = 0; j <= conditions.size(); ++j) {
        if (i == conditions.size() && j == conditions.size()) continue;
        std::string body;
        if (i < conditions.size()) body += "\"a\":[" + conditions[i] + "]";
        if (j < conditions.size()) {
          body += (body.empty() ? "" : ",") + std::string("\"b\":[") + conditions[j] + "]";
        }
        patterns.push_back(wrap ? "{\"o\":{" + body + "}}" : "{" + body + "}");
      }
    }
  }
  // Events: a and b each absent or one value; flat, and inside one or two
  // array elements of "o".
  std::vector<std::string> bodies;
  for (const std::string& va : values) {
    for (const std::string& vb : values) {
      std::string body;
      if (!va.empty()) body += "\"a\":" + va;
      if (!vb.empty()) body += (body.empty() ? "" : ",") + std::string("\"b\":") + vb;
      bodies.push_back("{" + body + "}");
    }
  }
  std::vector<std::string> events = bodies;
  for (size_t i = 0; i < bodies.size(); ++i) {
    events.push_back("{\"o\":" + bodies[i] + "}");
    events.push_back("{\"o\":[" + bodies[i] + "," + bodies[(i * 7 + 3) % bodies.size()] + "]}");
  }
  CHECK(evmatch_test::CompareCompiled(patterns, events, Options()) >=
        patterns.size() * events.size() * 9 / 10);
}
