// Complexity (SPEC D3). Positions are "k tokens matched". Write the pattern
// as L0 * L1 * ... * Lm. An input that has passed every star keeps all m star
// positions active, plus, for each segment Li (i >= 1), position "j bytes of
// Li matched" whenever Li[0, j) is a suffix of the input, for 0 <= j < |Li|
// (j = 0 always holds; j = |Li| is the next star or the accepting position).
// Fewer passed stars only remove positions, and positions inside L0 are
// active alone, so the maximum is
//     m + #{i >= 1 : |Li| > 0} + max over strings u of
//     sum_i #{1 <= j < |Li| : Li[0, j) is a suffix of u}.
// The set of trie nodes (prefixes of the Li) that are suffixes of u is the
// failure chain of u's Aho-Corasick state, and every trie node is such a
// state for u = its own string, so the last term is the largest failure-chain
// sum of per-node counts over an Aho-Corasick automaton of L1..Lm.

#include "pattern/wildcard.h"

#include <algorithm>
#include <deque>
#include <map>

#include "util/strings.h"

namespace evmatch::internal {

std::string WildcardPattern::ToValue() const {
  std::string out;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('*');
    for (char c : segments[i]) {
      if (c == '*' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

bool WildcardPattern::Matches(std::string_view text) const {
  if (segments.size() == 1) return text == segments[0];
  const std::string& head = segments.front();
  const std::string& tail = segments.back();
  if (text.size() < head.size() + tail.size()) return false;
  if (text.substr(0, head.size()) != head) return false;
  if (text.substr(text.size() - tail.size()) != tail) return false;
  // Leftmost placement of each middle segment is optimal for `*` globs.
  std::string_view middle =
      text.substr(head.size(), text.size() - head.size() - tail.size());
  size_t at = 0;
  for (size_t i = 1; i + 1 < segments.size(); ++i) {
    size_t found = middle.find(segments[i], at);
    if (found == std::string_view::npos) return false;
    at = found + segments[i].size();
  }
  return true;
}

bool ParseWildcard(std::string_view value, WildcardPattern* out,
                   std::string* reason) {
  out->segments.assign(1, std::string());
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '*') {
      if (i + 1 < value.size() && value[i + 1] == '*') {
        *reason = Cat("Consecutive wildcard characters at pos ", i + 1);
        return false;
      }
      out->segments.emplace_back();
    } else if (c == '\\') {
      if (i + 1 < value.size() && (value[i + 1] == '*' || value[i + 1] == '\\')) {
        out->segments.back().push_back(value[++i]);
      } else {
        *reason = Cat("Invalid escape character at pos ", i + 1);
        return false;
      }
    } else {
      out->segments.back().push_back(c);
    }
  }
  return true;
}

int WildcardComplexity(const WildcardPattern& pattern) {
  const size_t m = pattern.stars();
  if (m == 0) return pattern.segments[0].empty() ? 0 : 1;

  // Trie over L1..Lm; count[node] = segments for which the node is a proper,
  // non-empty prefix.
  std::vector<std::map<unsigned char, int>> next(1);
  std::vector<int> count(1, 0);
  int base = static_cast<int>(m);
  for (size_t i = 1; i <= m; ++i) {
    const std::string& seg = pattern.segments[i];
    if (!seg.empty()) ++base;
    int node = 0;
    for (size_t j = 0; j < seg.size(); ++j) {
      auto c = static_cast<unsigned char>(seg[j]);
      auto it = next[node].find(c);
      if (it == next[node].end()) {
        next.emplace_back();
        count.push_back(0);
        it = next[node].emplace(c, static_cast<int>(next.size()) - 1).first;
      }
      node = it->second;
      if (j + 1 < seg.size()) ++count[node];
    }
  }
  // Breadth-first failure links; total = count summed along the chain.
  std::vector<int> fail(next.size(), 0), total(next.size(), 0);
  std::deque<int> queue;
  for (const auto& [c, child] : next[0]) {
    total[child] = count[child];
    queue.push_back(child);
  }
  int best = 0;
  while (!queue.empty()) {
    int node = queue.front();
    queue.pop_front();
    best = std::max(best, total[node]);
    for (const auto& [c, child] : next[node]) {
      int f = fail[node];
      while (f != 0 && next[f].find(c) == next[f].end()) f = fail[f];
      auto it = next[f].find(c);
      fail[child] = (it != next[f].end() && it->second != child) ? it->second : 0;
      total[child] = count[child] + total[fail[child]];
      queue.push_back(child);
    }
  }
  return base + best;
}

}  // namespace evmatch::internal
