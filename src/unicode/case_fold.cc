// The table is generated (scripts/gen_case_tables.py) and sorted by code
// point; lookups binary-search it. MatchesIgnoreCase runs the obvious
// dynamic programme over event byte positions: after k pattern code points,
// reach[i] says some sequence of case forms spells event[start, i).

#include "unicode/case_fold.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

namespace evmatch::internal {
namespace {

struct CaseEntry {
  uint32_t code_point;
  std::string_view lower;  // constexpr from the literals: no strlen at run time
  std::string_view upper;
  std::string_view key;
};

constexpr CaseEntry kCaseTable[] = {
#include "unicode/case_tables.inc"
};

const CaseEntry* Find(uint32_t code_point) {
  const CaseEntry* end = std::end(kCaseTable);
  const CaseEntry* it = std::lower_bound(
      std::begin(kCaseTable), end, code_point,
      [](const CaseEntry& e, uint32_t cp) { return e.code_point < cp; });
  return it != end && it->code_point == code_point ? it : nullptr;
}

}  // namespace

uint32_t DecodeUtf8(std::string_view s, size_t* pos) {
  const auto b0 = static_cast<unsigned char>(s[*pos]);
  int length = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  uint32_t cp = length == 1   ? b0
                : length == 2 ? b0 & 0x1F
                : length == 3 ? b0 & 0x0F
                              : b0 & 0x07;
  for (int k = 1; k < length && *pos + k < s.size(); ++k) {
    cp = (cp << 6) | (static_cast<unsigned char>(s[*pos + k]) & 0x3F);
  }
  *pos += static_cast<size_t>(length);
  return cp;
}

CaseForms CaseFormsOf(uint32_t code_point, std::string_view utf8) {
  CaseForms result{{utf8, utf8, utf8}};
  if (const CaseEntry* e = Find(code_point)) {
    result.forms[1] = e->lower;
    result.forms[2] = e->upper;
  }
  return result;
}

bool AppendCaseKey(std::string_view s, std::string* out) {
  constexpr uint64_t kEach = 0x0101010101010101ull;
  bool ascii = true;
  size_t pos = 0;
  while (pos < s.size()) {
    // A run of ASCII bytes, appended at once: the key of a letter is its
    // lowercase. Eight bytes at a time while there are eight: a byte b < 0x80
    // is in A-Z when b + (0x80 - 'A') reaches 0x80 and b + (0x80 - 'Z' - 1)
    // does not (no sum carries out of its byte), and the flag shifted down to
    // 0x20 lowers it.
    const size_t at = out->size();
    out->resize(at + (s.size() - pos));  // room for the rest; trimmed below
    char* key = out->data() + at;
    char* const key_begin = key;
    for (; pos + 8 <= s.size(); pos += 8, key += 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + pos, 8);
      if ((word & (0x80 * kEach)) != 0) break;
      const uint64_t upper = (word + (0x80 - 'A') * kEach) & ~(word + (0x80 - 'Z' - 1) * kEach) &
                             (0x80 * kEach);
      word |= upper >> 2;
      std::memcpy(key, &word, 8);
    }
    for (; pos < s.size() && static_cast<unsigned char>(s[pos]) < 0x80; ++pos) {
      const char c = s[pos];
      *key++ = c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    }
    out->resize(at + static_cast<size_t>(key - key_begin));
    if (pos == s.size()) break;
    ascii = false;
    const size_t start = pos;
    const uint32_t cp = DecodeUtf8(s, &pos);
    if (const CaseEntry* e = Find(cp)) {
      out->append(e->key);
    } else {
      out->append(s.substr(start, pos - start));
    }
  }
  return ascii;
}

bool MatchesIgnoreCase(std::string_view pattern, std::string_view event,
                       CaseAnchor anchor) {
  std::vector<char> workspace;
  return MatchesIgnoreCase(pattern, event, anchor, &workspace);
}

bool MatchesIgnoreCase(std::string_view pattern, std::string_view event,
                       CaseAnchor anchor, std::vector<char>* workspace) {
  const size_t n = event.size();
  workspace->assign(2 * (n + 1), 0);
  char* reach = workspace->data();
  char* next = reach + n + 1;
  std::fill(reach, reach + n + 1, anchor == CaseAnchor::kSuffix ? 1 : 0);
  reach[0] = 1;
  size_t pos = 0;
  while (pos < pattern.size()) {
    size_t start = pos;
    uint32_t cp = DecodeUtf8(pattern, &pos);
    CaseForms forms = CaseFormsOf(cp, pattern.substr(start, pos - start));
    std::fill(next, next + n + 1, 0);
    bool any = false;
    for (size_t i = 0; i <= n; ++i) {
      if (!reach[i]) continue;
      for (std::string_view form : forms.forms) {
        if (event.substr(i, form.size()) == form) {
          next[i + form.size()] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    std::swap(reach, next);
  }
  if (anchor == CaseAnchor::kPrefix) {
    return std::find(reach, reach + n + 1, 1) != reach + n + 1;
  }
  return reach[n] != 0;
}

}  // namespace evmatch::internal
