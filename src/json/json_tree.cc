// Builds a JsonValue tree by walking a simdjson On Demand document once.
// On Demand validates UTF-8 and structure as it goes; number and literal
// tokens are checked here against the JSON grammar because On Demand only
// validates what it is asked to convert. Recursion is bounded by max_depth,
// which is checked before descending.

#include "json/json_tree.h"

#include <simdjson.h>

#include <optional>

#include "absl/container/flat_hash_set.h"
#include "number/decimal.h"
#include "util/strings.h"

namespace evmatch::internal {
namespace {

namespace od = simdjson::ondemand;


// Jackson's description of a token that is not a JSON value.
std::string DescribeBadToken(std::string_view token) {
  return Cat("Unrecognized token '", token,
             "': was expecting (JSON String, Number, Array, Object or token "
             "'null', 'true' or 'false')");
}

// The same for a document whose first token cannot start a value.
std::string DescribeBadStart(std::string_view text, size_t at) {
  size_t end = at;
  while (end < text.size() && end - at < 64 &&
         text[end] != ' ' && text[end] != '\t' && text[end] != '\n' &&
         text[end] != '\r' && text[end] != ',' && text[end] != ':') {
    ++end;
  }
  return DescribeBadToken(text.substr(at, end - at));
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is invalid
// (overlong, surrogate, above U+10FFFF, truncated).
size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0;
  };
  const unsigned char c = byte(0);
  if (c < 0x80) return 1;
  auto continuation = [&](size_t k, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return byte(k) >= lo && byte(k) <= hi;
  };
  if (c >= 0xc2 && c <= 0xdf) return continuation(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const unsigned char lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    return continuation(1, lo, hi) && continuation(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const unsigned char lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    return continuation(1, lo, hi) && continuation(2) && continuation(3) ? 4 : 0;
  }
  return 0;
}

// simdjson often says what is wrong with a text but not where. This plain
// left-to-right scan (error path only) finds the first structural fault:
// invalid UTF-8, a control character or the end of input inside a string, a
// closing bracket that does not match, content after the root container,
// nesting over `max_depth`, or the end of input with brackets open. Faults
// inside tokens (a bad number or literal) are not its business: nullopt.
std::optional<JsonParseError> LocateStructuralError(std::string_view text, int max_depth) {
  auto syntax = [](size_t offset, std::string reason) {
    return JsonParseError{JsonParseError::Kind::kSyntax, offset, std::move(reason)};
  };
  std::string open;     // the brackets open, innermost last
  bool closed = false;  // the root container has been closed
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (closed && !IsJsonSpace(static_cast<char>(c))) {
      return syntax(i, "Unexpected content after the JSON value");
    }
    if (c == '"') {
      const size_t start = i++;
      while (true) {
        if (i >= text.size()) return syntax(start, "A string is opened, but never closed.");
        const auto d = static_cast<unsigned char>(text[i]);
        if (d == '"') break;
        if (d < 0x20) return syntax(i, "Unescaped control character in a string");
        if (d == '\\') {
          i += 2;
          continue;
        }
        const size_t length = Utf8SequenceLength(text, i);
        if (length == 0) return syntax(i, "The input is not valid UTF-8");
        i += length;
      }
    } else if (c >= 0x80 && Utf8SequenceLength(text, i) == 0) {
      return syntax(i, "The input is not valid UTF-8");
    } else if (c == '{' || c == '[') {
      if (open.size() >= static_cast<size_t>(max_depth)) {
        return JsonParseError{JsonParseError::Kind::kDepth, i,
                              Cat("nesting depth exceeds the limit of ", max_depth)};
      }
      open.push_back(c == '{' ? '}' : ']');
    } else if (c == '}' || c == ']') {
      if (open.empty() || open.back() != c) {
        return syntax(i, Cat("Unexpected close marker '", text.substr(i, 1), "'"));
      }
      open.pop_back();
      closed = open.empty();
    }
    ++i;
  }
  if (!open.empty()) {
    return syntax(text.size(), "Unexpected end-of-input: an object or array is not closed");
  }
  return std::nullopt;
}

class TreeBuilder {
 public:
  TreeBuilder(const simdjson::padded_string& input, int max_depth, JsonParseError* error,
              PartialTree* partial, const MemberVisitor* visit_root_members)
      : base_(input.data()),
        size_(input.size()),
        max_depth_(max_depth),
        error_(error),
        partial_(partial),
        visit_root_members_(visit_root_members) {}

  // Works for od::value and od::document alike. With `build` false, `v` is
  // validated and `out` gets its type and offsets only (PartialTree); `path_`
  // is the value's dot-joined path while a PartialTree is built.
  template <typename V>
  bool Build(V& v, int depth, JsonValue* out, bool build = true, bool at_root = true) {
    std::string_view token;
    simdjson::simdjson_result<std::string_view> raw = v.raw_json_token();
    if (auto e = std::move(raw).get(token)) return Fail(e, v);
    out->offset = static_cast<size_t>(token.data() - base_);
    out->end = out->offset + TrimJsonSpace(token).size();
    od::json_type type;
    if (auto e = v.type().get(type)) return Fail(e, v);
    switch (type) {
      case od::json_type::object: {
        out->type = JsonValue::Type::kObject;
        if (depth >= max_depth_) return DepthError(out->offset);
        od::object object;
        if (auto e = v.get_object().get(object)) return Fail(e, v);
        size_t last_end = 0;
        for (auto field_result : object) {
          od::field field;
          if (auto e = std::move(field_result).get(field)) return Fail(e, v);
          JsonMember member;
          member.key_offset =
              static_cast<size_t>(field.key().raw() - 1 - base_);
          std::string_view key;
          if (auto e = field.unescaped_key().get(key)) {
            return Syntax(member.key_offset, e);
          }
          od::value child = field.value();
          if (!build) {
            if (!Build(child, depth + 1, &member.value, false, false)) return false;
            last_end = member.value.end;
            continue;
          }
          bool keep = true;
          const size_t path_size = path_.size();
          if (partial_ != nullptr && partial_->paths != nullptr) {
            if (!at_root) path_.push_back('.');
            path_.append(key);
            keep = partial_->paths->contains(path_);
          }
          const bool stored = keep || partial_->keys || (depth == 0 && visit_root_members_);
          if (stored) member.key = std::string(key);
          const bool ok = Build(child, depth + 1, &member.value, keep, false);
          path_.resize(path_size);
          if (!ok) return false;
          last_end = member.value.end;
          if (depth == 0 && visit_root_members_ != nullptr) {
            (*visit_root_members_)(member);
          } else if (stored) {
            out->members.push_back(std::move(member));
          }
        }
        return Close(out, last_end == 0 ? out->offset + 1 : last_end);
      }
      case od::json_type::array: {
        out->type = JsonValue::Type::kArray;
        if (depth >= max_depth_) return DepthError(out->offset);
        od::array array;
        if (auto e = v.get_array().get(array)) return Fail(e, v);
        size_t last_end = 0;
        for (auto element_result : array) {
          od::value element;
          if (auto e = std::move(element_result).get(element)) return Fail(e, v);
          JsonValue child;
          if (!Build(element, depth + 1, &child, build, at_root)) return false;
          last_end = child.end;
          if (build) out->elements.push_back(std::move(child));
        }
        return Close(out, last_end == 0 ? out->offset + 1 : last_end);
      }
      case od::json_type::string: {
        out->type = JsonValue::Type::kString;
        std::string_view s;
        if (auto e = v.get_string().get(s)) return Syntax(out->offset, e);
        if (build) out->text = std::string(s);
        return true;
      }
      case od::json_type::number: {
        out->type = JsonValue::Type::kNumber;
        std::string_view number = TrimJsonSpace(token);
        digits_.resize(std::max(digits_.size(), number.size()));
        DecimalView decimal;
        if (!ParseDecimal(number, digits_.data(), &decimal)) {
          return Syntax(out->offset,
                        Cat("Invalid number '", number, "'"));
        }
        if (partial_ != nullptr && partial_->huge_number_offset == std::string::npos &&
            ExceedsBinary64(decimal)) {
          partial_->huge_number_offset = out->offset;
          partial_->huge_number = std::string(number);
        }
        if (build) out->text = std::string(number);
        return true;
      }
      case od::json_type::boolean:
      case od::json_type::null: {
        std::string_view literal = TrimJsonSpace(token);
        if (literal == "true") {
          out->type = JsonValue::Type::kTrue;
        } else if (literal == "false") {
          out->type = JsonValue::Type::kFalse;
        } else if (literal == "null") {
          out->type = JsonValue::Type::kNull;
        } else {
          return Syntax(out->offset, DescribeBadToken(literal));
        }
        return true;
      }
    }
    return Syntax(out->offset, "Unrecognized token");
  }

  // Sets out->end past the closing bracket that follows `from`.
  bool Close(JsonValue* out, size_t from) {
    while (from < size_ && (base_[from] == ' ' || base_[from] == '\t' ||
                            base_[from] == '\n' || base_[from] == '\r')) {
      ++from;
    }
    out->end = std::min(from + 1, size_);
    return true;
  }

  bool Syntax(size_t offset, std::string reason) {
    error_->kind = JsonParseError::Kind::kSyntax;
    error_->offset = std::min(offset, size_);
    error_->reason = std::move(reason);
    return false;
  }
  bool Syntax(size_t offset, simdjson::error_code code) {
    return Syntax(offset, simdjson::error_message(code));
  }

  template <typename V>
  bool Fail(simdjson::error_code code, V& v) {
    if (std::optional<JsonParseError> located = LocateStructuralError(
            std::string_view(base_, size_), max_depth_)) {
      *error_ = *std::move(located);
      return false;
    }
    const char* where = nullptr;
    size_t offset = size_;
    if (!v.current_location().get(where) && where >= base_) {
      offset = static_cast<size_t>(where - base_);
    }
    return Syntax(offset, code);
  }

 private:
  bool DepthError(size_t offset) {
    error_->kind = JsonParseError::Kind::kDepth;
    error_->offset = offset;
    error_->reason =
        Cat("nesting depth exceeds the limit of ", max_depth_);
    return false;
  }

  const char* base_;
  size_t size_;
  int max_depth_;
  JsonParseError* error_;
  PartialTree* partial_;
  const MemberVisitor* visit_root_members_;  // ParseJsonMembers
  std::string path_;    // PartialTree: the path of the value being built
  std::string digits_;  // ParseDecimal's buffer
};

}  // namespace

std::string_view JsonValue::TokenText() const {
  switch (type) {
    case Type::kObject: return "{";
    case Type::kArray: return "[";
    case Type::kTrue: return "true";
    case Type::kFalse: return "false";
    case Type::kNull: return "null";
    case Type::kString:
    case Type::kNumber: return text;
  }
  return text;
}

namespace {

bool Parse(std::string_view text, int max_depth, JsonValue* out, JsonParseError* error,
           PartialTree* partial, const MemberVisitor* visit_root_members) {
  *out = JsonValue();
  size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    error->kind = JsonParseError::Kind::kSyntax;
    error->offset = text.size();
    error->reason = "No content to map due to end-of-input";
    return false;
  }
  const char c = text[first];
  if (c != '{' && c != '[' && c != '"' && c != '-' && !(c >= '0' && c <= '9') &&
      c != 't' && c != 'f' && c != 'n') {
    error->kind = JsonParseError::Kind::kSyntax;
    error->offset = first;
    error->reason = DescribeBadStart(text, first);
    return false;
  }

  simdjson::padded_string input(text);
  od::parser parser;
  // Leave On Demand's own depth check above ours so ours reports first.
  if (auto e = parser.allocate(input.size(), static_cast<size_t>(max_depth) + 2)) {
    error->kind = JsonParseError::Kind::kSyntax;
    error->offset = 0;
    error->reason = simdjson::error_message(e);
    return false;
  }
  if (partial != nullptr) {
    partial->huge_number_offset = std::string::npos;
    partial->huge_number.clear();
  }
  TreeBuilder builder(input, max_depth, error, partial, visit_root_members);
  od::document doc;
  if (auto e = parser.iterate(input).get(doc)) {
    *error = LocateStructuralError(text, max_depth)
                 .value_or(JsonParseError{JsonParseError::Kind::kSyntax, 0,
                                          simdjson::error_message(e)});
    return false;
  }
  if (!builder.Build(doc, 0, out)) return false;
  // On Demand 3.0.1 has no at_end(), and a scalar root is never consumed,
  // so check what follows the value directly.
  size_t rest = text.find_first_not_of(" \t\r\n", out->end);
  if (rest != std::string_view::npos) {
    return builder.Syntax(rest, "Unexpected content after the JSON value");
  }
  return true;
}

}  // namespace

bool ParseJsonTree(std::string_view text, int max_depth, JsonValue* out, JsonParseError* error,
                   PartialTree* partial) {
  return Parse(text, max_depth, out, error, partial, nullptr);
}

bool ParseJsonMembers(std::string_view text, int max_depth, JsonValue* root, JsonParseError* error,
                      const MemberVisitor& visit) {
  return Parse(text, max_depth, root, error, nullptr, &visit);
}

bool HasRepeatedKey(const JsonValue& v) {
  absl::flat_hash_set<std::string_view> keys, plain;
  for (const JsonMember& m : v.members) {
    if (!keys.insert(m.key).second || HasRepeatedKey(m.value)) return true;
    const size_t dot = m.key.find('.');
    if (dot == std::string_view::npos) {
      plain.insert(m.key);
    } else if (plain.contains(std::string_view(m.key).substr(0, dot))) {
      return true;  // "a.b" after "a": the same path, spelled again
    }
  }
  for (const JsonValue& e : v.elements) {
    if (HasRepeatedKey(e)) return true;
  }
  return false;
}

}  // namespace evmatch::internal
