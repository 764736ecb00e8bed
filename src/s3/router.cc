// Router: a trie over configuration prefixes whose nodes own tries over
// reversed suffixes; a record walks its key forwards, and at every prefix
// node on the way, backwards through that node's suffixes.

#include <algorithm>

#include "evmatch/s3.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace s3 {
namespace {

// Where byte `c` is or belongs among `children`, sorted by byte.
template <typename Children>
auto Position(Children& children, char c) {
  return std::lower_bound(children.begin(), children.end(), c,
                          [](const std::pair<char, uint32_t>& e, char x) { return e.first < x; });
}

}  // namespace

uint32_t Router::Child(uint32_t node, char c) const {
  const auto& children = nodes_[node].children;
  auto it = Position(children, c);
  return it != children.end() && it->first == c ? it->second : 0;
}

uint32_t Router::AddChild(uint32_t node, char c) {
  if (uint32_t child = Child(node, c)) return child;
  const auto child = static_cast<uint32_t>(nodes_.size());
  nodes_.emplace_back();
  auto& children = nodes_[node].children;
  children.insert(Position(children, c), {c, child});
  return child;
}

Router::Router(const NotificationConfiguration& config) : nodes_(1) {
  for (size_t i = 0; i < config.configurations.size(); ++i) {
    const Configuration& c = config.configurations[i];
    uint32_t node = 0;
    for (char ch : c.prefix) node = AddChild(node, ch);
    if (nodes_[node].suffixes == 0) {
      nodes_[node].suffixes = static_cast<uint32_t>(nodes_.size());
      nodes_.emplace_back();
    }
    uint32_t s = nodes_[node].suffixes;
    for (size_t k = c.suffix.size(); k-- > 0;) s = AddChild(s, c.suffix[k]);
    nodes_[s].configs.emplace_back(c.event_set, static_cast<uint32_t>(i));
  }
}

std::optional<size_t> Router::Route(EventSet record_type, std::string_view key) const {
  uint32_t node = 0;
  for (size_t depth = 0;; ++depth) {
    if (uint32_t s = nodes_[node].suffixes) {
      // Suffixes may overlap the prefix in the key, so the whole key is read.
      for (size_t k = key.size();; --k) {
        for (const auto& [events, index] : nodes_[s].configs) {
          if (events & record_type) return index;
        }
        if (k == 0 || (s = Child(s, key[k - 1])) == 0) break;
      }
    }
    if (depth == key.size() || (node = Child(node, key[depth])) == 0) break;
  }
  return std::nullopt;
}

}  // namespace s3
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
