// An event for InputTransform::Apply: its text and one flat node per value,
// built in one On Demand pass, so that JSONPaths are followed without
// parsing again and every value's text is at hand as the event wrote it.

#ifndef EVMATCH_SRC_TRANSFORM_EVENT_INDEX_H_
#define EVMATCH_SRC_TRANSFORM_EVENT_INDEX_H_

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "evmatch/evmatch.h"

namespace evmatch::internal {

inline constexpr uint32_t kNoNode = ~uint32_t{0};

enum class NodeType : uint8_t { kObject, kArray, kString, kNumber, kTrue, kFalse, kNull };

struct EventNode {
  uint32_t begin = 0, end = 0;  // the value's text in TransformEventState::text
  // A member's key, unescaped: in `text` (no escape in it) or in `keys`.
  uint32_t key_begin = 0, key_size = 0;
  uint32_t first = kNoNode;  // first member or element
  uint32_t next = kNoNode;   // next member or element of the same parent
  NodeType type = NodeType::kNull;
  bool key_in_arena = false;
};

struct TransformEventState {
  std::string text;              // the event, then simdjson's padding
  size_t size = 0;               // the event's bytes in `text`
  std::string keys;              // unescaped keys that had escapes
  std::vector<EventNode> nodes;  // nodes[0]: the root object
  bool parsed = false;
  // The last object or array minified, kept: the targets of one event often
  // send the same value (an InputPath each).
  uint32_t minified_node = kNoNode;
  std::string minified;

  simdjson::ondemand::parser parser;
  std::string digits;             // ParseDecimal's buffer
  simdjson::dom::parser checker;  // checks a JSON template's result
  std::string check_buffer;       // that result, padded

  std::string_view Text(const EventNode& n) const {
    return std::string_view(text).substr(n.begin, n.end - n.begin);
  }
  std::string_view Key(const EventNode& n) const {
    return std::string_view(n.key_in_arena ? keys : text).substr(n.key_begin, n.key_size);
  }
  // The member of object `object` named `key` (the last, when the key
  // repeats), or kNoNode.
  uint32_t Member(uint32_t object, std::string_view key) const;
  // Element `index` of array `array`, or kNoNode.
  uint32_t Element(uint32_t array, uint32_t index) const;
};

// Indexes `json` into `state`. Errors carry an EventError payload.
absl::Status ParseEvent(std::string_view json, const EventOptions& options,
                        TransformEventState* state);

// Appends `text`, a JSON value, without the whitespace between its tokens.
void AppendMinified(std::string* out, std::string_view text);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_TRANSFORM_EVENT_INDEX_H_
