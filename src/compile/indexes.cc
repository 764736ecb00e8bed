// Building the value indexes (see indexes.h).

#include "compile/indexes.h"

#include <algorithm>
#include <charconv>

namespace evmatch::internal {

// ---------------------------------------------------------------- ByteTrie

ByteTrie::ByteTrie() : build_edges_(1), build_entries_(1) {}

void ByteTrie::Add(std::string_view key, bool reverse, Entry entry) {
  uint32_t node = 0;
  const size_t n = key.size();
  for (size_t i = 0; i < n; ++i) {
    const auto byte = static_cast<unsigned char>(reverse ? key[n - 1 - i] : key[i]);
    auto& edges = build_edges_[node];
    auto it = std::find_if(edges.begin(), edges.end(),
                           [&](const auto& e) { return e.first == byte; });
    if (it != edges.end()) {
      node = it->second;
      continue;
    }
    const auto child = static_cast<uint32_t>(build_edges_.size());
    edges.emplace_back(byte, child);
    build_edges_.emplace_back();
    build_entries_.emplace_back();
    node = child;
  }
  build_entries_[node].push_back(entry);
  ++entry_count_;
}

void ByteTrie::Finalize() {
  nodes_ = Array<Node>();
  nodes_.assign(build_edges_.size(), Node());
  for (size_t i = 0; i < build_edges_.size(); ++i) {
    auto& edges = build_edges_[i];
    std::sort(edges.begin(), edges.end());
    Node& nd = nodes_.mutable_at(i);
    nd.edge_begin = static_cast<uint32_t>(edge_bytes_.size());
    for (const auto& [byte, child] : edges) {
      edge_bytes_.push_back(byte);
      edge_targets_.push_back(child);
    }
    nd.edge_end = static_cast<uint32_t>(edge_bytes_.size());
    nd.entry_begin = static_cast<uint32_t>(entries_.size());
    entries_.insert_back(build_entries_[i].begin(), build_entries_[i].end());
    nd.entry_end = static_cast<uint32_t>(entries_.size());
  }
  build_edges_.clear();
  build_edges_.shrink_to_fit();
  build_entries_.clear();
  build_entries_.shrink_to_fit();
}

size_t ByteTrie::memory_bytes() const {
  return nodes_.owned_bytes() + edge_bytes_.owned_bytes() + edge_targets_.owned_bytes() +
         entries_.owned_bytes();
}

// --------------------------------------------------------- SubstringIndex

void SubstringIndex::Finalize() {
  trie_.Finalize();
  const size_t n = trie_.node_count();
  fail_.assign(n, 0);
  output_.assign(n, kNone);
  std::vector<uint32_t> queue;
  trie_.ForEachChild(0, [&](unsigned char, uint32_t child) { queue.push_back(child); });
  for (size_t head = 0; head < queue.size(); ++head) {
    const uint32_t node = queue[head];
    const uint32_t f = fail_[node];
    output_.mutable_at(node) = trie_.has_entries(f) ? f : output_[f];
    trie_.ForEachChild(node, [&](unsigned char byte, uint32_t child) {
      uint32_t g = f, next;
      while ((next = trie_.ChildOf(g, byte)) == kNone && g != 0) g = fail_[g];
      fail_.mutable_at(child) = next == kNone ? 0 : next;
      queue.push_back(child);
    });
  }
}

// ----------------------------------------------------------- IntervalIndex

void IntervalIndex::Add(const NumericRange& range, Entry entry) {
  ranges_.emplace_back(range, entry);
}

size_t IntervalIndex::SlotOf(const Decimal& bound, int side) const {
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), bound,
                             [](const Decimal& a, const Decimal& b) { return a.Compare(b) < 0; });
  return 2 * static_cast<size_t>(it - bounds_.begin()) + 1 + side;
}

size_t IntervalIndex::Slot(const DecimalView& value) const {
  size_t lo = 0, hi = bounds_.size();
  while (lo < hi) {  // first bound >= value
    size_t mid = (lo + hi) / 2;
    if (CompareDecimals(bounds_[mid].view(), value) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo < bounds_.size() && CompareDecimals(bounds_[lo].view(), value) == 0) {
    return 2 * lo + 1;
  }
  return 2 * lo;
}

void IntervalIndex::Finalize() {
  if (ranges_.empty()) return;
  for (const auto& [r, e] : ranges_) {
    if (r.has_low) bounds_.push_back(r.low);
    if (r.has_high) bounds_.push_back(r.high);
  }
  auto less = [](const Decimal& a, const Decimal& b) { return a.Compare(b) < 0; };
  std::sort(bounds_.begin(), bounds_.end(), less);
  bounds_.erase(std::unique(bounds_.begin(), bounds_.end()), bounds_.end());
  for (const Decimal& bound : bounds_) {
    // Bounds are within the EventBridge limits, so in range (correctly
    // rounded, locale-independent).
    const std::string text = bound.ToString();
    double d = 0;
    std::from_chars(text.data(), text.data() + text.size(), d);
    bound_doubles_.push_back(d);
  }
  const size_t slots = 2 * bounds_.size() + 1;
  size_ = 1;
  while (size_ < slots) size_ *= 2;
  std::vector<std::vector<Entry>> nodes(2 * size_);
  for (const auto& [r, e] : ranges_) {
    size_t lo = r.has_low ? SlotOf(r.low, r.low_open ? 1 : 0) : 0;
    size_t hi = r.has_high ? SlotOf(r.high, r.high_open ? -1 : 0) : slots - 1;
    for (size_t l = lo + size_, h = hi + size_ + 1; l < h; l /= 2, h /= 2) {
      if (l & 1) nodes[l++].push_back(e);
      if (h & 1) nodes[--h].push_back(e);
    }
  }
  node_begin_.assign(2 * size_ + 1, 0);
  for (size_t i = 0; i < 2 * size_; ++i) {
    node_begin_[i] = static_cast<uint32_t>(entries_.size());
    entries_.insert(entries_.end(), nodes[i].begin(), nodes[i].end());
  }
  node_begin_[2 * size_] = static_cast<uint32_t>(entries_.size());

  // Flatten, unless the lists outgrow twice the tree: the entries of slot i
  // are those of the nodes from its leaf to the root.
  const size_t flat_limit = 2 * entries_.size() + 64;
  std::vector<Entry> flat;
  std::vector<uint32_t> slot_begin;
  for (size_t slot = 0; slot < slots; ++slot) {
    slot_begin.push_back(static_cast<uint32_t>(flat.size()));
    for (size_t node = slot + size_; node >= 1; node /= 2) {
      flat.insert(flat.end(), entries_.begin() + node_begin_[node],
                  entries_.begin() + node_begin_[node + 1]);
    }
    if (flat.size() > flat_limit) return;
  }
  slot_begin.push_back(static_cast<uint32_t>(flat.size()));
  slot_begin_ = std::move(slot_begin);
  entries_ = std::move(flat);
  node_begin_ = {};
}

size_t IntervalIndex::memory_bytes() const {
  return bounds_.capacity() * sizeof(Decimal) + bound_doubles_.capacity() * sizeof(double) +
         (node_begin_.capacity() + slot_begin_.capacity()) * sizeof(uint32_t) +
         entries_.capacity() * sizeof(Entry) +
         ranges_.capacity() * sizeof(std::pair<NumericRange, Entry>);
}

}  // namespace evmatch::internal
