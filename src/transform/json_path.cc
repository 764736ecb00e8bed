#include "transform/json_path.h"

#include <limits>

namespace evmatch::internal {
namespace {

bool EndsDotName(char c) {
  return c == '.' || c == '[' || c == ']' || c == '\'' || c == '"' || c == ' ' || c == '\t' ||
         c == '\r' || c == '\n';
}

}  // namespace

bool ParseJsonPath(std::string_view text, JsonPath* out, std::string* reason, size_t* offset) {
  *out = JsonPath();
  auto fail = [&](size_t at, const char* why) {
    *offset = at;
    *reason = why;
    return false;
  };
  if (text.empty() || text[0] != '$') return fail(0, "a path starts with $");
  size_t i = 1;
  while (i < text.size()) {
    PathStep step;
    if (text[i] == '.') {
      const size_t start = ++i;
      while (i < text.size() && !EndsDotName(text[i])) ++i;
      if (i == start) return fail(start, "a name must follow '.'");
      const std::string_view name = text.substr(start, i - start);
      if (name == "*") {
        step.kind = PathStep::Kind::kWildcard;
      } else {
        step.key = std::string(name);
      }
    } else if (text[i] == '[') {
      const size_t start = ++i;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        const char quote = text[i];
        const size_t close = text.find(quote, i + 1);
        if (close == std::string_view::npos) return fail(start, "a quoted name is not closed");
        step.key = std::string(text.substr(i + 1, close - i - 1));
        i = close + 1;
      } else if (i < text.size() && text[i] == '*') {
        step.kind = PathStep::Kind::kWildcard;
        ++i;
      } else {
        uint64_t index = 0;
        const size_t digits = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          index = index * 10 + static_cast<uint64_t>(text[i] - '0');
          if (index > std::numeric_limits<uint32_t>::max()) return fail(digits, "index too large");
          ++i;
        }
        if (i == digits) return fail(digits, "expected an index, * or a quoted name after '['");
        step.kind = PathStep::Kind::kIndex;
        step.index = static_cast<uint32_t>(index);
      }
      if (i >= text.size() || text[i] != ']') return fail(i, "expected ']'");
      ++i;
    } else {
      return fail(i, "expected '.' or '['");
    }
    if (step.kind == PathStep::Kind::kWildcard) out->definite = false;
    out->steps.push_back(std::move(step));
  }
  return true;
}

}  // namespace evmatch::internal
