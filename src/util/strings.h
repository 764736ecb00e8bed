// String concatenation that accepts std::string_view. Debian's abseil
// 20220623 is built with its own absl::string_view (not an alias of
// std::string_view), so absl::StrCat cannot take std::string_view directly.

#ifndef EVMATCH_SRC_UTIL_STRINGS_H_
#define EVMATCH_SRC_UTIL_STRINGS_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace evmatch::internal {

inline absl::string_view ToAbsl(std::string_view s) { return {s.data(), s.size()}; }

template <typename T>
decltype(auto) ToAlphaNum(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                !std::is_same_v<T, std::string>) {
    return ToAbsl(std::string_view(value));
  } else {
    return (value);
  }
}

// absl::StrCat / absl::StrAppend over the same argument kinds plus
// std::string_view.
template <typename... T>
std::string Cat(const T&... values) {
  return absl::StrCat(ToAlphaNum(values)...);
}

template <typename... T>
void Append(std::string* out, const T&... values) {
  absl::StrAppend(out, ToAlphaNum(values)...);
}

// Appends `s` as a JSON string literal: quotes, backslashes and control
// characters escaped, other bytes copied (the input is valid UTF-8).
inline void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          Append(out, "\\u00", absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

// Appends `token` to a JSON Pointer, escaping '~' and '/' per RFC 6901.
inline void AppendPointerToken(std::string* pointer, std::string_view token) {
  pointer->push_back('/');
  for (char c : token) {
    if (c == '~') {
      pointer->append("~0");
    } else if (c == '/') {
      pointer->append("~1");
    } else {
      pointer->push_back(c);
    }
  }
}

inline bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// `token` without leading or trailing JSON whitespace (simdjson's raw tokens
// carry the whitespace that follows them).
inline std::string_view TrimJsonSpace(std::string_view token) {
  while (!token.empty() && IsJsonSpace(token.back())) token.remove_suffix(1);
  while (!token.empty() && IsJsonSpace(token.front())) token.remove_prefix(1);
  return token;
}

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_UTIL_STRINGS_H_
