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

namespace {

evmatch::PatternOptions Options() {
  evmatch::PatternOptions options;
  options.max_wildcard_complexity = 0;
  options.max_pattern_bytes = 1 << 16;
  return options;
}

// ------------------------------------------------------------ generators

class Generator {
 public:
  explicit Generator(uint32_t seed) : rng_(seed) {}

  std::string Pattern() {
    std::string out = "{";
    int fields = 1 + Pick(3);
    bool first = true;
    for (int i = 0; i < fields; ++i) {
      if (!first) out += ",";
      first = false;
      switch (Pick(8)) {
        case 0:  // $or at the top
          out += "\"$or\":[" + Branch() + "," + Branch() + "]";
          break;
        case 1:  // array of objects, consistency
          out += "\"o\":{" + Leaf("p") + "," + Leaf("q") + "}";
          break;
        case 2:  // nested object, possibly dotted
          out += Pick(2) ? "\"n\":{" + Leaf("m") + "}" : Leaf("n.m");
          break;
        default:
          out += Leaf(kTopFields[Pick(std::size(kTopFields))]);
      }
    }
    return out + "}";
  }

  std::string Event() {
    std::string out = "{";
    bool first = true;
    auto add = [&](const std::string& member) {
      if (!first) out += ",";
      first = false;
      out += member;
    };
    for (const char* f : kTopFields) {
      if (Pick(4) != 0) add(Key(f) + ":" + Value(true));
    }
    if (Pick(3) != 0) add("\"n\":" + (Pick(4) ? "{\"m\":" + Value(true) + "}" : Value(false)));
    if (Pick(5) == 0) add((Pick(3) ? "\"n.m\":" : "\"n\\u002em\":") + Value(false));
    if (Pick(5) == 0) add("\"an.unrelated\\\"key past a word\":" + Value(false));
    if (Pick(3) == 0) add(Quote(kDecoys[Pick(std::size(kDecoys))]) + ":" + Value(false));
    if (Pick(3) != 0) {
      std::string array = "[";
      int n = Pick(4);
      for (int i = 0; i < n; ++i) {
        if (i > 0) array += ",";
        array += "{";
        bool inner_first = true;
        for (const char* f : {"p", "q"}) {
          if (Pick(3) == 0) continue;
          if (!inner_first) array += ",";
          inner_first = false;
          array += std::string("\"") + f + "\":" + Value(true);
        }
        array += "}";
      }
      add("\"o\":" + array + "]");
    }
    if (Pick(8) == 0) add("\"a\":" + Value(false));  // duplicate key
    return out + "}";
  }

 private:
  // Keys are read and compared eight bytes at a time: field names of one,
  // two and more words, and decoys that differ from them in one word only.
  static constexpr const char* kTopFields[] = {"a", "b", "c", "key_of_12_by",
                                               "key_of_more_than_16_bytes"};
  static constexpr const char* kDecoys[] = {"key_of_12_bz", "kez_of_12_by",
                                            "key_of_more_than_16_bytez",
                                            "key_of_moXe_than_16_bytes"};
  static constexpr const char* kStrings[] = {"x", "y", "xy", "yx", "X", "Xy", "",
                                             "ab", "10.0.0.7", "10.1.0.1", "Stra\u00dfe",
                                             "STRASSE", "a*b", "x.png", "X.PNG"};
  // 0.1 and its neighbours share one binary64: the matcher must decide them
  // on the exact decimals.
  static constexpr const char* kNumbers[] = {"0", "-0", "1", "1.0", "-1", "1.5", "10",
                                             "1e2", "100", "2.25", "9007199254740993",
                                             "0.1", "0.10000000000000000001",
                                             "0.09999999999999999999", "1e-400"};

  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  std::string Str() { return Quote(kStrings[Pick(std::size(kStrings))]); }
  std::string Num() { return kNumbers[Pick(std::size(kNumbers))]; }
  static std::string Quote(const std::string& s) { return "\"" + s + "\""; }
  // An event key, sometimes with its first byte spelled as an escape (the
  // matcher reads plain keys in place and unescapes the others).
  std::string Key(const std::string& name) {
    if (Pick(6) != 0) return Quote(name);
    char escape[8];
    std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned char>(name[0]));
    return Quote(escape + name.substr(1));
  }

  std::string Scalar() {
    switch (Pick(6)) {
      case 0: case 1: return Str();
      case 2: case 3: return Num();
      case 4: return Pick(2) ? "true" : "false";
      default: return "null";
    }
  }

  std::string Value(bool allow_array) {
    switch (Pick(allow_array ? 8 : 7)) {
      case 0: return "{\"z\":1}";
      case 7: {
        std::string array = "[";
        int n = Pick(3);
        for (int i = 0; i < n; ++i) array += (i ? "," : "") + Scalar();
        return array + "]";
      }
      default: return Scalar();
    }
  }

  std::string Branch() { return "{" + Leaf(kTopFields[Pick(std::size(kTopFields))]) + "}"; }

  std::string Leaf(const std::string& field) {
    std::string out = "\"" + field + "\":[";
    int n = 1 + Pick(2);
    for (int i = 0; i < n; ++i) {
      if (i > 0) out += ",";
      out += Condition();
    }
    return out + "]";
  }

  std::string StrList() {
    std::string out = "[" + Str();
    if (Pick(2)) out += "," + Str();
    return out + "]";
  }

  std::string NonEmptyStr() {
    std::string s;
    do s = Str(); while (s == "\"\"");
    return s;
  }

  std::string Wildcard() {
    static constexpr const char* kWildcards[] = {"x*", "*y", "*", "", "x*y", "*.png",
                                                 "a\\\\*b", "*x*", "1*.*.*.7", "*y*x",
                                                 "X*y*", "*a*b*", "*tra*e", "*0.*"};
    return Quote(kWildcards[Pick(std::size(kWildcards))]);
  }

  std::string Condition() {
    switch (Pick(22)) {
      case 0: return Str();
      case 1: return Num();
      case 2: return Pick(3) == 0 ? "null" : Pick(2) ? "true" : "false";
      case 3: return "{\"prefix\":" + Str() + "}";
      case 4: return "{\"suffix\":" + Str() + "}";
      case 5: return "{\"equals-ignore-case\":" + Str() + "}";
      case 6: return "{\"prefix\":{\"equals-ignore-case\":" + Str() + "}}";
      case 7: return "{\"suffix\":{\"equals-ignore-case\":" + Str() + "}}";
      case 8: return "{\"wildcard\":" + Wildcard() + "}";
      case 9: return "{\"anything-but\":" + (Pick(2) ? Str() : StrList()) + "}";
      case 10: return "{\"anything-but\":" + (Pick(2) ? Num() : "[" + Num() + "," + Num() + "]") + "}";
      case 11: return "{\"anything-but\":{\"prefix\":" + NonEmptyStr() + "}}";
      case 12: return "{\"anything-but\":{\"suffix\":[" + NonEmptyStr() + "]}}";
      case 13: return "{\"anything-but\":{\"equals-ignore-case\":" + StrList() + "}}";
      case 14: return "{\"anything-but\":{\"wildcard\":" + Wildcard() + "}}";
      case 15: {
        static constexpr const char* kOps[] = {"\"<\"", "\"<=\"", "\"=\"", "\">\"", "\">=\""};
        return "{\"numeric\":[" + std::string(kOps[Pick(5)]) + "," + Num() + "]}";
      }
      case 16: return "{\"numeric\":[\">\",-1,\"<=\",10]}";
      case 17: return "{\"exists\":true}";
      case 18: return "{\"exists\":false}";
      case 19: return "{\"cidr\":\"10.0.0.0/" + std::to_string(Pick(3) * 8 + 8) + "\"}";
      case 20: return "{\"numeric\":[\">=\",1]}";
      default: return Str();
    }
  }

  std::mt19937 rng_;
};

size_t RunRandom(uint32_t seed, int batches, int rules_per_batch, int events_per_batch) {
  Generator gen(seed);
  size_t cases = 0;
  for (int b = 0; b < batches; ++b) {
    std::vector<std::string> patterns, events;
    for (int i = 0; i < rules_per_batch; ++i) patterns.push_back(gen.Pattern());
    for (int i = 0; i < events_per_batch; ++i) events.push_back(gen.Event());
    cases += evmatch_test::CompareCompiled(patterns, events, Options());
  }
  return cases;
}

}  // namespace

TEST_CASE("compiled matcher agrees with the reference on random cases", "[differential]") {
  CHECK(RunRandom(20261127, 10, 50, 50) >= 20000);
}

TEST_CASE("compiled matcher agrees with the reference, 1M random cases",
          "[.][slow][differential]") {
  CHECK(RunRandom(424242, 200, 100, 60) >= 1000000);
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
