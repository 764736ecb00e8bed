// TransformEventState: one On Demand pass over the event, a node per value.

#include "transform/event_index.h"

#include <algorithm>
#include <cstring>

#include "number/decimal.h"
#include "util/errors.h"
#include "util/strings.h"

namespace evmatch::internal {
namespace {

namespace od = simdjson::ondemand;

// True for a JSON number without an exponent and with at most 308 integer
// digits: valid, and within binary64 (the numbers most events carry). Any
// other token is left to ParseDecimal.
bool IsPlainNumber(std::string_view n) {
  const auto digit = [&](size_t i) { return i < n.size() && n[i] >= '0' && n[i] <= '9'; };
  size_t i = !n.empty() && n[0] == '-' ? 1 : 0;
  const size_t integer = i;
  if (!digit(i)) return false;
  if (n[i++] != '0') {
    while (digit(i)) ++i;
  }
  if (i - integer > 308) return false;
  if (i < n.size() && n[i] == '.') {
    if (!digit(++i)) return false;
    while (digit(i)) ++i;
  }
  return i == n.size();
}

class Indexer {
 public:
  Indexer(TransformEventState& state, int max_depth) : s_(state), max_depth_(max_depth) {}

  // Indexes `v` into node `self` (already added). Works for od::value and
  // od::document alike. On failure `error` says why.
  template <typename V>
  bool Index(V& v, uint32_t self, int depth) {
    std::string_view token;
    simdjson::simdjson_result<std::string_view> raw = v.raw_json_token();
    if (auto e = std::move(raw).get(token)) return Fail(v, e);
    const auto begin = static_cast<uint32_t>(token.data() - s_.text.data());
    s_.nodes[self].begin = begin;
    s_.nodes[self].end = begin + static_cast<uint32_t>(TrimJsonSpace(token).size());
    od::json_type type;
    if (auto e = v.type().get(type)) return Fail(v, e);
    switch (type) {
      case od::json_type::object: {
        s_.nodes[self].type = NodeType::kObject;
        if (depth >= max_depth_) return Depth(begin);
        od::object object;
        if (auto e = v.get_object().get(object)) return Fail(v, e);
        uint32_t last = kNoNode, end = begin + 1;
        for (auto field_result : object) {
          od::field field;
          if (auto e = std::move(field_result).get(field)) return Fail(v, e);
          const char* raw = field.key().raw();
          std::string_view key;
          if (auto e = field.unescaped_key().get(key)) {
            return Syntax(static_cast<size_t>(raw - 1 - s_.text.data()), e);
          }
          const uint32_t child = Add(self, last);
          EventNode& n = s_.nodes[child];
          n.key_size = static_cast<uint32_t>(key.size());
          if (raw[key.size()] == '"' &&
              (key.empty() || std::memcmp(raw, key.data(), key.size()) == 0)) {
            n.key_begin = static_cast<uint32_t>(raw - s_.text.data());
          } else {  // escapes: keep the unescaped key
            n.key_begin = static_cast<uint32_t>(s_.keys.size());
            n.key_in_arena = true;
            s_.keys.append(key);
          }
          od::value value = field.value();
          if (!Index(value, child, depth + 1)) return false;
          last = child;
          end = s_.nodes[child].end;
        }
        return Close(self, end);
      }
      case od::json_type::array: {
        s_.nodes[self].type = NodeType::kArray;
        if (depth >= max_depth_) return Depth(begin);
        od::array array;
        if (auto e = v.get_array().get(array)) return Fail(v, e);
        uint32_t last = kNoNode, end = begin + 1;
        for (auto element_result : array) {
          od::value element;
          if (auto e = std::move(element_result).get(element)) return Fail(v, e);
          const uint32_t child = Add(self, last);
          if (!Index(element, child, depth + 1)) return false;
          last = child;
          end = s_.nodes[child].end;
        }
        return Close(self, end);
      }
      case od::json_type::string: {
        s_.nodes[self].type = NodeType::kString;
        std::string_view unescaped;  // checks the escapes
        if (auto e = v.get_string().get(unescaped)) return Syntax(begin, e);
        return true;
      }
      case od::json_type::number: {
        s_.nodes[self].type = NodeType::kNumber;
        const std::string_view number = TrimJsonSpace(token);
        if (IsPlainNumber(number)) return true;
        s_.digits.resize(std::max(s_.digits.size(), number.size()));
        DecimalView decimal;
        if (!ParseDecimal(number, s_.digits.data(), &decimal)) {
          return Syntax(begin, Cat("Invalid number '", number, "'"));
        }
        if (ExceedsBinary64(decimal)) return Syntax(begin, Cat("Number out of range: ", number));
        return true;
      }
      case od::json_type::boolean:
      case od::json_type::null: {
        const std::string_view literal = TrimJsonSpace(token);
        if (literal == "true") {
          s_.nodes[self].type = NodeType::kTrue;
        } else if (literal == "false") {
          s_.nodes[self].type = NodeType::kFalse;
        } else if (literal == "null") {
          s_.nodes[self].type = NodeType::kNull;
        } else {
          return Syntax(begin, Cat("Unrecognized token '", literal, "'"));
        }
        return true;
      }
    }
    return Syntax(begin, "Unrecognized token");
  }

  bool Syntax(size_t offset, std::string reason) {
    error = MakeEventError(absl::StatusCode::kInvalidArgument,
                           {std::min(offset, s_.size), std::move(reason)});
    return false;
  }

  absl::Status error;

 private:
  // A new child of `parent` after sibling `last` (kNoNode: the first).
  uint32_t Add(uint32_t parent, uint32_t last) {
    const auto child = static_cast<uint32_t>(s_.nodes.size());
    s_.nodes.emplace_back();
    (last == kNoNode ? s_.nodes[parent].first : s_.nodes[last].next) = child;
    return child;
  }

  // Ends node `self` past the bracket that follows `from`.
  bool Close(uint32_t self, size_t from) {
    while (from < s_.size && IsJsonSpace(s_.text[from])) ++from;
    s_.nodes[self].end = static_cast<uint32_t>(std::min(from + 1, s_.size));
    return true;
  }

  bool Syntax(size_t offset, simdjson::error_code code) {
    return Syntax(offset, simdjson::error_message(code));
  }

  template <typename V>
  bool Fail(V& v, simdjson::error_code code) {
    const char* where = nullptr;
    size_t offset = s_.size;
    if (!v.current_location().get(where) && where >= s_.text.data()) {
      offset = static_cast<size_t>(where - s_.text.data());
    }
    return Syntax(offset, code);
  }

  bool Depth(size_t offset) {
    error = MakeEventError(absl::StatusCode::kResourceExhausted,
                           {offset, Cat("Event nesting depth exceeds the limit of ", max_depth_,
                                        " (EventOptions::max_event_depth)")});
    return false;
  }

  TransformEventState& s_;
  const int max_depth_;
};

}  // namespace

uint32_t TransformEventState::Member(uint32_t object, std::string_view key) const {
  uint32_t found = kNoNode;
  for (uint32_t c = nodes[object].first; c != kNoNode; c = nodes[c].next) {
    if (Key(nodes[c]) == key) found = c;
  }
  return found;
}

uint32_t TransformEventState::Element(uint32_t array, uint32_t index) const {
  uint32_t c = nodes[array].first;
  for (uint32_t i = 0; i < index && c != kNoNode; ++i) c = nodes[c].next;
  return c;
}

absl::Status ParseEvent(std::string_view json, const EventOptions& options,
                        TransformEventState* state) {
  TransformEventState& s = *state;
  s.parsed = false;
  s.minified_node = kNoNode;
  s.nodes.clear();
  s.keys.clear();
  if (json.size() > options.max_event_bytes || json.size() >= kNoNode) {
    return MakeEventError(absl::StatusCode::kResourceExhausted,
                          {std::min(json.size(), options.max_event_bytes),
                           Cat("Event is ", json.size(), " bytes, more than the limit of ",
                               options.max_event_bytes, " bytes (EventOptions::max_event_bytes)")});
  }
  s.text.assign(json);
  s.size = json.size();
  s.text.resize(json.size() + simdjson::SIMDJSON_PADDING, ' ');
  Indexer indexer(s, options.max_event_depth);
  od::document doc;
  if (auto e = s.parser.iterate(simdjson::padded_string_view(s.text.data(), s.size, s.text.size()))
                   .get(doc)) {
    indexer.Syntax(0, simdjson::error_message(e));
    return indexer.error;
  }
  s.nodes.emplace_back();
  if (!indexer.Index(doc, 0, 0)) return indexer.error;
  if (s.nodes[0].type != NodeType::kObject) {
    indexer.Syntax(s.nodes[0].begin, "The event is not a JSON object");
    return indexer.error;
  }
  const size_t rest =
      std::string_view(s.text.data(), s.size).find_first_not_of(" \t\r\n", s.nodes[0].end);
  if (rest != std::string_view::npos) {
    indexer.Syntax(rest, "Unexpected content after the JSON value");
    return indexer.error;
  }
  s.parsed = true;
  return absl::OkStatus();
}

void AppendMinified(std::string* out, std::string_view text) {
  const size_t at = out->size();
  // The minifier writes whole blocks: room for one past the text.
  out->resize(at + text.size() + 64);
  size_t written = 0;
  if (simdjson::minify(text.data(), text.size(), out->data() + at, written) != simdjson::SUCCESS) {
    out->resize(at);
    out->append(text);
    return;
  }
  out->resize(at + written);
}

}  // namespace evmatch::internal
