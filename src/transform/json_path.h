// The JSONPaths of InputPath and InputPathsMap (docs/transform.md, "Paths"):
//
//   $                  the whole event
//   .name  ['name']    a member ("name" may not hold . [ ] quotes or spaces
//                      in the dot form; the bracket form takes any other byte)
//   [3]                an element of an array
//   .*  [*]            every member or element
//
// A path with a wildcard may select several values (an "indefinite" path).

#ifndef EVMATCH_SRC_TRANSFORM_JSON_PATH_H_
#define EVMATCH_SRC_TRANSFORM_JSON_PATH_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "transform/event_index.h"

namespace evmatch::internal {

struct PathStep {
  enum class Kind : uint8_t { kKey, kIndex, kWildcard };
  Kind kind = Kind::kKey;
  std::string key;
  uint32_t index = 0;
};

struct JsonPath {
  std::vector<PathStep> steps;
  bool definite = true;  // no wildcard: at most one value
};

// Parses `text` into `*out`; false with `*reason` and the byte `*offset`
// where it goes wrong.
bool ParseJsonPath(std::string_view text, JsonPath* out, std::string* reason, size_t* offset);

// Calls visit(node) for every node of `event` that `path` selects, in
// document order. A name that repeats in an object selects its last member;
// a wildcard selects every member.
template <typename Visit>
void SelectNodes(const TransformEventState& event, const JsonPath& path, size_t step, uint32_t node,
                 Visit&& visit) {
  if (step == path.steps.size()) {
    visit(node);
    return;
  }
  const PathStep& s = path.steps[step];
  const EventNode& n = event.nodes[node];
  switch (s.kind) {
    case PathStep::Kind::kKey:
      if (n.type == NodeType::kObject) {
        const uint32_t member = event.Member(node, s.key);
        if (member != kNoNode) SelectNodes(event, path, step + 1, member, visit);
      }
      return;
    case PathStep::Kind::kIndex:
      if (n.type == NodeType::kArray) {
        const uint32_t element = event.Element(node, s.index);
        if (element != kNoNode) SelectNodes(event, path, step + 1, element, visit);
      }
      return;
    case PathStep::Kind::kWildcard:
      if (n.type == NodeType::kObject || n.type == NodeType::kArray) {
        for (uint32_t c = n.first; c != kNoNode; c = event.nodes[c].next) {
          SelectNodes(event, path, step + 1, c, visit);
        }
      }
      return;
  }
}

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_TRANSFORM_JSON_PATH_H_
