// Random patterns and events from one small vocabulary, so that patterns
// both hit and miss: every operator, nesting, dotted keys, arrays of objects
// (array consistency), `$or`, duplicate event keys, keys spelled with
// escapes. Used by the differential tests (compiled matcher against the
// reference) and by the explanation invariants.

#ifndef EVMATCH_TESTS_SUPPORT_RANDOM_CASES_H_
#define EVMATCH_TESTS_SUPPORT_RANDOM_CASES_H_

#include <cstdint>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>

namespace evmatch_test {

class RandomCases {
 public:
  explicit RandomCases(uint32_t seed) : rng_(seed) {}

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

  // A pattern of exact strings only: a live set's delta of such rules is
  // skipped on a lookup of the event's values (and its filter).
  std::string ExactPattern() {
    std::string out = "{";
    const int fields = 1 + Pick(2);
    for (int i = 0; i < fields; ++i) {
      if (i > 0) out += ",";
      out += Pick(4) == 0 ? "\"n\":{\"m\":" + StrList() + "}"
                          : Quote(kTopFields[Pick(std::size(kTopFields))]) + ":" + StrList();
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
  static constexpr const char* kDecoys[] = {
      "key_of_12_bz", "kez_of_12_by", "key_of_more_than_16_bytez", "key_of_moXe_than_16_bytes"};
  static constexpr const char* kStrings[] = {
      "x",        "y",        "xy",          "yx",      "X",   "Xy",    "",     "ab",
      "10.0.0.7", "10.1.0.1", "Stra\u00dfe", "STRASSE", "a*b", "x.png", "X.PNG"};
  // 0.1 and its neighbours share one binary64: the matcher must decide them
  // on the exact decimals.
  static constexpr const char* kNumbers[] = {"0",
                                             "-0",
                                             "1",
                                             "1.0",
                                             "-1",
                                             "1.5",
                                             "10",
                                             "1e2",
                                             "100",
                                             "2.25",
                                             "9007199254740993",
                                             "0.1",
                                             "0.10000000000000000001",
                                             "0.09999999999999999999",
                                             "1e-400"};

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
      case 0:
      case 1:
        return Str();
      case 2:
      case 3:
        return Num();
      case 4:
        return Pick(2) ? "true" : "false";
      default:
        return "null";
    }
  }

  std::string Value(bool allow_array) {
    switch (Pick(allow_array ? 8 : 7)) {
      case 0:
        return "{\"z\":1}";
      case 7: {
        std::string array = "[";
        int n = Pick(3);
        for (int i = 0; i < n; ++i) array += (i ? "," : "") + Scalar();
        return array + "]";
      }
      default:
        return Scalar();
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
    do s = Str();
    while (s == "\"\"");
    return s;
  }

  std::string Wildcard() {
    static constexpr const char* kWildcards[] = {"x*",    "*y",      "*",      "",         "x*y",
                                                 "*.png", "a\\\\*b", "*x*",    "1*.*.*.7", "*y*x",
                                                 "X*y*",  "*a*b*",   "*tra*e", "*0.*"};
    return Quote(kWildcards[Pick(std::size(kWildcards))]);
  }

  std::string Condition() {
    switch (Pick(22)) {
      case 0:
        return Str();
      case 1:
        return Num();
      case 2:
        return Pick(3) == 0 ? "null" : Pick(2) ? "true" : "false";
      case 3:
        return "{\"prefix\":" + Str() + "}";
      case 4:
        return "{\"suffix\":" + Str() + "}";
      case 5:
        return "{\"equals-ignore-case\":" + Str() + "}";
      case 6:
        return "{\"prefix\":{\"equals-ignore-case\":" + Str() + "}}";
      case 7:
        return "{\"suffix\":{\"equals-ignore-case\":" + Str() + "}}";
      case 8:
        return "{\"wildcard\":" + Wildcard() + "}";
      case 9:
        return "{\"anything-but\":" + (Pick(2) ? Str() : StrList()) + "}";
      case 10:
        return "{\"anything-but\":" + (Pick(2) ? Num() : "[" + Num() + "," + Num() + "]") + "}";
      case 11:
        return "{\"anything-but\":{\"prefix\":" + NonEmptyStr() + "}}";
      case 12:
        return "{\"anything-but\":{\"suffix\":[" + NonEmptyStr() + "]}}";
      case 13:
        return "{\"anything-but\":{\"equals-ignore-case\":" + StrList() + "}}";
      case 14:
        return "{\"anything-but\":{\"wildcard\":" + Wildcard() + "}}";
      case 15: {
        static constexpr const char* kOps[] = {"\"<\"", "\"<=\"", "\"=\"", "\">\"", "\">=\""};
        return "{\"numeric\":[" + std::string(kOps[Pick(5)]) + "," + Num() + "]}";
      }
      case 16:
        return "{\"numeric\":[\">\",-1,\"<=\",10]}";
      case 17:
        return "{\"exists\":true}";
      case 18:
        return "{\"exists\":false}";
      case 19:
        return "{\"cidr\":\"10.0.0.0/" + std::to_string(Pick(3) * 8 + 8) + "\"}";
      case 20:
        return "{\"numeric\":[\">=\",1]}";
      default:
        return Str();
    }
  }

  std::mt19937 rng_;
};

}  // namespace evmatch_test

#endif  // EVMATCH_TESTS_SUPPORT_RANDOM_CASES_H_
