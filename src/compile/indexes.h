// The value indexes of a compiled Program, independent of the compiler
// (besides StringTable in flat.h): a byte trie for prefixes and suffixes, a
// substring index for wildcard middles and an interval index for numeric
// ranges. Each maps an event value to the index entries (predicates) it
// satisfies; each is built with Add, then Finalize, then only read.

#ifndef EVMATCH_SRC_COMPILE_INDEXES_H_
#define EVMATCH_SRC_COMPILE_INDEXES_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compile/flat.h"
#include "pattern/ast.h"
#include "util/strings.h"

namespace evmatch::internal {

using PredId = uint32_t;

inline constexpr uint32_t kNone = ~uint32_t{0};

// An index entry: the predicate it satisfies (or, for anything-but
// predicates, excludes).
struct Entry {
  PredId pred;
  bool exclude;
};

// A byte trie whose nodes carry entries. Edges of a node are sorted by byte.
class ByteTrie {
 public:
  ByteTrie();
  // Adds `entry` at the node spelled by `key` (reversed when `reverse`).
  void Add(std::string_view key, bool reverse, Entry entry);
  // Freezes the trie into its compact form; Add is not allowed afterwards.
  void Finalize();
  bool empty() const { return entry_count_ == 0; }

  // Calls visit(const Entry&) for the entries of every node on the path
  // spelled by `text` (reversed when `reverse`), root included: all keys that
  // are prefixes (or, reversed, suffixes) of `text`.
  template <typename Visit>
  void ForEachPrefix(std::string_view text, bool reverse, Visit&& visit) const {
    uint32_t node = 0;
    const size_t n = text.size();
    for (size_t i = 0;; ++i) {
      const Node& nd = nodes_[node];
      for (uint32_t e = nd.entry_begin; e < nd.entry_end; ++e) visit(entries_[e]);
      if (i == n) return;
      const auto byte = static_cast<unsigned char>(reverse ? text[n - 1 - i] : text[i]);
      node = Child(nd, byte);
      if (node == kNone) return;
    }
  }

  size_t memory_bytes() const;

  // Node-level access (finalized tries only), for automata built on top.
  size_t node_count() const { return nodes_.size(); }
  uint32_t ChildOf(uint32_t node, unsigned char byte) const {
    return Child(nodes_[node], byte);
  }
  bool has_entries(uint32_t node) const {
    return nodes_[node].entry_begin != nodes_[node].entry_end;
  }
  template <typename Visit>
  void ForEachEntry(uint32_t node, Visit&& visit) const {
    for (uint32_t e = nodes_[node].entry_begin; e < nodes_[node].entry_end; ++e) {
      visit(entries_[e]);
    }
  }
  template <typename Visit>
  void ForEachChild(uint32_t node, Visit&& visit) const {
    for (uint32_t e = nodes_[node].edge_begin; e < nodes_[node].edge_end; ++e) {
      visit(edge_bytes_[e], edge_targets_[e]);
    }
  }

 private:
  struct Node {
    uint32_t edge_begin = 0, edge_end = 0;
    uint32_t entry_begin = 0, entry_end = 0;
  };
  // Edges are sorted by byte: a node's few edges are scanned, many are
  // searched.
  uint32_t Child(const Node& nd, unsigned char byte) const {
    const unsigned char* begin = edge_bytes_.data() + nd.edge_begin;
    const unsigned char* end = edge_bytes_.data() + nd.edge_end;
    const unsigned char* it = begin;
    if (end - begin <= 8) {
      while (it != end && *it < byte) ++it;
    } else {
      it = std::lower_bound(begin, end, byte);
    }
    if (it == end || *it != byte) return kNone;
    return edge_targets_[static_cast<size_t>(it - edge_bytes_.data())];
  }

  // Building form.
  std::vector<std::vector<std::pair<unsigned char, uint32_t>>> build_edges_;
  std::vector<std::vector<Entry>> build_entries_;
  // Compact form.
  Array<Node> nodes_;
  Array<unsigned char> edge_bytes_;
  Array<uint32_t> edge_targets_;
  Array<Entry> entries_;
  size_t entry_count_ = 0;

  friend struct ImageAccess;
};

// Aho-Corasick over a set of keys: one pass over a text reports every key
// occurring anywhere in it (with its entries), in time linear in the text
// plus the occurrences.
class SubstringIndex {
 public:
  void Add(std::string_view key, Entry entry) { trie_.Add(key, false, entry); }
  void Finalize();
  bool empty() const { return trie_.empty(); }

  template <typename Visit>
  void ForEachOccurrence(std::string_view text, Visit&& visit) const {
    if (trie_.empty()) return;
    uint32_t state = 0;
    for (char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      uint32_t next;
      while ((next = trie_.ChildOf(state, byte)) == kNone && state != 0) state = fail_[state];
      state = next == kNone ? 0 : next;
      for (uint32_t o = trie_.has_entries(state) ? state : output_[state]; o != kNone;
           o = output_[o]) {
        trie_.ForEachEntry(o, visit);
      }
    }
  }

  size_t memory_bytes() const {
    return trie_.memory_bytes() + fail_.owned_bytes() + output_.owned_bytes();
  }

 private:
  ByteTrie trie_;
  Array<uint32_t> fail_;    // longest proper suffix that is a trie node
  Array<uint32_t> output_;  // nearest node with entries on the fail chain

  friend struct ImageAccess;
};

// Closed/open intervals over decimals; a point query returns the entries of
// every interval containing it. A segment tree over the sorted distinct
// bounds: each interval is stored in O(log n) nodes, a query visits one
// root-to-leaf path.
class IntervalIndex {
 public:
  void Add(const NumericRange& range, Entry entry);
  void Finalize();
  bool empty() const { return ranges_.empty(); }

  // `approx` is the value correctly rounded to binary64, or NaN when not
  // known; `exact()` returns the value's DecimalView and is called only when
  // `approx` cannot decide (NaN, or equal to a bound's binary64).
  template <typename Exact, typename Visit>
  void ForEach(double approx, Exact&& exact, Visit&& visit) const {
    if (ranges_.empty()) return;
    const size_t slot = Slot(approx, exact);
    if (!slot_begin_.empty()) {
      for (uint32_t e = slot_begin_[slot]; e < slot_begin_[slot + 1]; ++e) visit(entries_[e]);
      return;
    }
    for (size_t node = slot + size_; node >= 1; node /= 2) {
      for (uint32_t e = node_begin_[node]; e < node_begin_[node + 1]; ++e) {
        visit(entries_[e]);
      }
    }
  }

  size_t memory_bytes() const;

 private:
  // Slot 2i+1 is bound i itself; slot 2i lies strictly below bound i (and
  // above bound i-1); slot 2n lies above every bound.
  size_t Slot(const DecimalView& value) const;
  size_t SlotOf(const Decimal& bound, int side) const;
  // The same slot, searched on binary64 values: bounds whose binary64 is
  // below (above) `approx` are below (above) the exact value, so only equal
  // ones are compared exactly.
  template <typename Exact>
  size_t Slot(double approx, Exact&& exact) const {
    if (approx != approx) return Slot(exact());  // NaN: no binary64 value
    size_t lo = static_cast<size_t>(
        std::lower_bound(bound_doubles_.begin(), bound_doubles_.end(), approx) -
        bound_doubles_.begin());
    for (; lo < bounds_.size() && bound_doubles_[lo] == approx; ++lo) {
      const int c = CompareDecimals(bounds_[lo].view(), exact());
      if (c == 0) return 2 * lo + 1;
      if (c > 0) break;
    }
    return 2 * lo;
  }

  std::vector<std::pair<NumericRange, Entry>> ranges_;
  std::vector<Decimal> bounds_;
  std::vector<double> bound_doubles_;  // bounds_, rounded to binary64
  size_t size_ = 0;                 // leaves, a power of two >= 2n + 1
  std::vector<uint32_t> node_begin_;  // CSR offsets into entries_, 2 * size_ + 1
  // When every slot's entries, listed per slot, take little more room than
  // the tree (few or disjoint intervals, the usual case), the tree is
  // replaced by those lists: CSR offsets into entries_, one per slot + 1.
  std::vector<uint32_t> slot_begin_;
  std::vector<Entry> entries_;

  friend struct ImageAccess;
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_COMPILE_INDEXES_H_
