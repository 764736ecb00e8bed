#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "compile/program.h"
#include "pattern/wildcard.h"

using evmatch::internal::ParseWildcard;
using evmatch::internal::WildcardComplexity;
using evmatch::internal::WildcardPattern;

namespace {

WildcardPattern Parsed(std::string_view value) {
  WildcardPattern p;
  std::string reason;
  REQUIRE(ParseWildcard(value, &p, &reason));
  return p;
}

// Brute-force complexity straight from the D3 definition: simulate the NFA
// on every input over the pattern's own bytes plus one stranger, up to a
// length, and track the largest active set.
int BruteComplexity(std::string_view value, int max_length) {
  // Tokens: -1 = star, else a byte.
  std::vector<int> tokens;
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\\') {
      tokens.push_back(static_cast<unsigned char>(value[++i]));
    } else if (value[i] == '*') {
      tokens.push_back(-1);
    } else {
      tokens.push_back(static_cast<unsigned char>(value[i]));
    }
  }
  const size_t n = tokens.size();
  auto closure = [&](std::vector<bool> s) {
    for (size_t k = 0; k < n; ++k) {
      if (s[k] && tokens[k] == -1) s[k + 1] = true;
    }
    return s;
  };
  auto count = [&](const std::vector<bool>& s) {
    int c = 0;
    for (size_t k = 0; k < n; ++k) c += s[k];
    return c;
  };
  std::vector<int> alphabet = {'#'};
  for (int t : tokens) {
    if (t >= 0 && std::find(alphabet.begin(), alphabet.end(), t) == alphabet.end()) {
      alphabet.push_back(t);
    }
  }
  std::vector<bool> start(n + 1, false);
  start[0] = true;
  int best = count(closure(start));
  std::vector<std::vector<bool>> frontier = {closure(start)};
  for (int len = 0; len < max_length; ++len) {
    std::vector<std::vector<bool>> next_frontier;
    for (const auto& s : frontier) {
      for (int c : alphabet) {
        std::vector<bool> next(n + 1, false);
        for (size_t k = 0; k < n; ++k) {
          if (!s[k]) continue;
          if (tokens[k] == -1) next[k] = true;
          else if (tokens[k] == c) next[k + 1] = true;
        }
        next = closure(next);
        best = std::max(best, count(next));
        if (std::find(next_frontier.begin(), next_frontier.end(), next) ==
            next_frontier.end()) {
          next_frontier.push_back(next);
        }
      }
    }
    frontier = std::move(next_frontier);
  }
  return best;
}

}  // namespace

TEST_CASE("complexity of the SPEC D3 examples", "[wildcard]") {
  CHECK(WildcardComplexity(Parsed("*a*a*a*a*a")) == 10);
  CHECK(WildcardComplexity(Parsed("*:*:*:*:*:event-bus/*")) == 12);
  CHECK(WildcardComplexity(Parsed("/Users/*/dir/dir/dir/dir/dir/doc.txt")) == 8);
  CHECK(WildcardComplexity(Parsed("*aaaaaaaaaaaa")) == 13);
  CHECK(WildcardComplexity(Parsed("2*0*1*7")) == 6);
  CHECK(WildcardComplexity(Parsed("")) == 0);
  CHECK(WildcardComplexity(Parsed("abc")) == 1);
  CHECK(WildcardComplexity(Parsed("abc*")) == 1);
}

TEST_CASE("complexity agrees with a brute-force simulation", "[wildcard]") {
  std::mt19937 rng(20261127);
  const char alphabet[] = {'a', 'b', '*'};
  for (int iteration = 0; iteration < 300; ++iteration) {
    std::string value;
    const int length = 1 + static_cast<int>(rng() % 9);
    for (int i = 0; i < length; ++i) {
      char c = alphabet[rng() % 3];
      if (c == '*' && !value.empty() && value.back() == '*') c = 'a';
      value.push_back(c);
    }
    INFO(value);
    CHECK(WildcardComplexity(Parsed(value)) == BruteComplexity(value, 12));
  }
}

TEST_CASE("wildcard parse errors use event-ruler positions", "[wildcard]") {
  WildcardPattern p;
  std::string reason;
  CHECK_FALSE(ParseWildcard("arn:aws:events:us-east-1:**:event-bus/*", &p, &reason));
  CHECK(reason == "Consecutive wildcard characters at pos 26");
  CHECK_FALSE(ParseWildcard("a*\xC3\xA9**z", &p, &reason));
  CHECK(reason == "Consecutive wildcard characters at pos 5");
  CHECK_FALSE(ParseWildcard("a\\b", &p, &reason));
  CHECK(reason == "Invalid escape character at pos 2");
  CHECK_FALSE(ParseWildcard("ab\\", &p, &reason));
  CHECK(reason == "Invalid escape character at pos 3");
}

TEST_CASE("wildcard matching", "[wildcard]") {
  CHECK(Parsed("a*b").Matches("ab"));
  CHECK(Parsed("a*b").Matches("a-b"));
  CHECK_FALSE(Parsed("a*b").Matches("a-bc"));
  CHECK(Parsed("*").Matches(""));
  CHECK(Parsed("").Matches(""));
  CHECK_FALSE(Parsed("").Matches("x"));
  CHECK(Parsed("a\\*b").Matches("a*b"));
  CHECK_FALSE(Parsed("a\\*b").Matches("axb"));
  CHECK(Parsed("a\\\\b").Matches("a\\b"));
  CHECK(Parsed("*x*x*").Matches("xx"));
  CHECK_FALSE(Parsed("*x*x*").Matches("x"));
  CHECK(Parsed("ab*ba").Matches("aba") == false);
  CHECK(Parsed("ab*ba").Matches("abba"));
  CHECK(Parsed("a\\*b*").ToValue() == "a\\*b*");
  CHECK(Parsed("a\\\\b").ToValue() == "a\\\\b");
}

TEST_CASE("substring index reports every occurrence", "[wildcard]") {
  // Aho-Corasick against std::string::find on random keys and texts.
  std::mt19937 rng(99);
  auto random_string = [&](size_t max_length) {
    std::string s(rng() % (max_length + 1), 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 3);
    return s;
  };
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> keys;
    evmatch::internal::SubstringIndex index;
    for (uint32_t k = 0; k < 8; ++k) {
      keys.push_back(random_string(4));
      if (keys.back().empty()) keys.back() = "b";
      index.Add(keys.back(), {k, false});
    }
    index.Finalize();
    for (int t = 0; t < 20; ++t) {
      const std::string text = random_string(30);
      std::vector<int> found(keys.size(), 0), expected(keys.size(), 0);
      index.ForEachOccurrence(text, [&](const evmatch::internal::Entry& e) { ++found[e.pred]; });
      for (size_t k = 0; k < keys.size(); ++k) {
        for (size_t at = text.find(keys[k]); at != std::string::npos;
             at = text.find(keys[k], at + 1)) {
          ++expected[k];
        }
      }
      INFO(text);
      CHECK(found == expected);
    }
  }
}
