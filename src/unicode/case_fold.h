// Case-insensitive comparison per SPEC D16: for every code point of the
// pattern, the event may hold the code point itself, its full lowercase
// mapping or its full uppercase mapping (Unicode 15, locale-independent).

#ifndef EVMATCH_SRC_UNICODE_CASE_FOLD_H_
#define EVMATCH_SRC_UNICODE_CASE_FOLD_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace evmatch::internal {

// The UTF-8 spellings an event may use for one pattern code point.
struct CaseForms {
  std::string_view forms[3];  // itself, full lowercase, full uppercase
};

// Decodes the code point starting at `s[*pos]` and advances *pos past it.
// Requires valid UTF-8 (the JSON layer guarantees it).
uint32_t DecodeUtf8(std::string_view s, size_t* pos);

// Case forms of the code point spelled by `utf8` (one code point).
CaseForms CaseFormsOf(uint32_t code_point, std::string_view utf8);

enum class CaseAnchor : unsigned char { kWhole, kPrefix, kSuffix };

// True when `event` equals (kWhole), starts with (kPrefix) or ends with
// (kSuffix) a sequence of case forms of `pattern`'s code points. `workspace`
// is reused between calls; once it has grown to 2 * (event.size() + 1) bytes
// the call does not allocate.
bool MatchesIgnoreCase(std::string_view pattern, std::string_view event,
                       CaseAnchor anchor, std::vector<char>* workspace);

// The same with a private workspace (allocates).
bool MatchesIgnoreCase(std::string_view pattern, std::string_view event,
                       CaseAnchor anchor);

// Appends the case key of UTF-8 `s`: per code point, the full case folding of
// its full uppercase mapping. When a pattern value p matches an event value e
// under D16, key(p) == key(e) (checked for every code point by a unit test),
// so keys serve as hash keys and trie labels; matches are then verified with
// MatchesIgnoreCase, except that when pattern and event are both ASCII, equal
// keys already mean a match. Returns true when `s` is ASCII. Appending within
// the string's capacity does not allocate.
bool AppendCaseKey(std::string_view s, std::string* out);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_UNICODE_CASE_FOLD_H_
