#include <catch2/catch.hpp>

#include "unicode/case_fold.h"

using evmatch::internal::CaseAnchor;
using evmatch::internal::CaseFormsOf;
using evmatch::internal::MatchesIgnoreCase;

TEST_CASE("generated tables hold full mappings", "[unicode]") {
  auto forms = CaseFormsOf(0x00DF, "\xC3\x9F");  // sharp s
  CHECK(forms.forms[1] == "\xC3\x9F");
  CHECK(forms.forms[2] == "SS");
  forms = CaseFormsOf(0x0130, "\xC4\xB0");  // capital I with dot above
  CHECK(forms.forms[1] == "i\xCC\x87");
  forms = CaseFormsOf('A', "A");
  CHECK(forms.forms[1] == "a");
  CHECK(forms.forms[2] == "A");
  forms = CaseFormsOf('1', "1");
  CHECK(forms.forms[1] == "1");
  forms = CaseFormsOf(0x10428, "\xF0\x90\x90\xA8");  // Deseret small long i
  CHECK(forms.forms[2] == "\xF0\x90\x90\x80");
  forms = CaseFormsOf(0xFB00, "\xEF\xAC\x80");  // ff ligature
  CHECK(forms.forms[2] == "FF");
}

TEST_CASE("matching anchors", "[unicode]") {
  CHECK(MatchesIgnoreCase("AbC", "aBc", CaseAnchor::kWhole));
  CHECK_FALSE(MatchesIgnoreCase("AbC", "aBcd", CaseAnchor::kWhole));
  CHECK(MatchesIgnoreCase("AbC", "aBcd", CaseAnchor::kPrefix));
  CHECK_FALSE(MatchesIgnoreCase("AbC", "xaBc", CaseAnchor::kPrefix));
  CHECK(MatchesIgnoreCase("AbC", "xaBc", CaseAnchor::kSuffix));
  CHECK_FALSE(MatchesIgnoreCase("AbC", "aBcx", CaseAnchor::kSuffix));
  CHECK(MatchesIgnoreCase("", "", CaseAnchor::kWhole));
  CHECK(MatchesIgnoreCase("", "abc", CaseAnchor::kPrefix));
  CHECK(MatchesIgnoreCase("", "abc", CaseAnchor::kSuffix));
  CHECK(MatchesIgnoreCase("stra\xC3\x9F" "e", "STRASSE", CaseAnchor::kWhole));
  CHECK_FALSE(MatchesIgnoreCase("STRASSE", "stra\xC3\x9F" "e", CaseAnchor::kWhole));
  CHECK(MatchesIgnoreCase("\xC3\x9F", "xSS", CaseAnchor::kSuffix));
  CHECK(MatchesIgnoreCase("\xC3\x9F", "Ss", CaseAnchor::kWhole) == false);
}

TEST_CASE("every case form has the case key of its code point", "[unicode]") {
  // The compiled matcher relies on fold(pattern) == fold(event) for every
  // D16 match; check it for each code point and each of its forms.
  using evmatch::internal::AppendCaseKey;
  int checked = 0;
  for (uint32_t cp = 0; cp < 0x110000; ++cp) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    char utf8[4];
    size_t n = 0;
    if (cp < 0x80) {
      utf8[n++] = static_cast<char>(cp);
    } else if (cp < 0x800) {
      utf8[n++] = static_cast<char>(0xC0 | (cp >> 6));
      utf8[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      utf8[n++] = static_cast<char>(0xE0 | (cp >> 12));
      utf8[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      utf8[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      utf8[n++] = static_cast<char>(0xF0 | (cp >> 18));
      utf8[n++] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      utf8[n++] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      utf8[n++] = static_cast<char>(0x80 | (cp & 0x3F));
    }
    std::string_view self(utf8, n);
    auto forms = CaseFormsOf(cp, self);
    std::string expected;
    AppendCaseKey(self, &expected);
    for (std::string_view form : forms.forms) {
      std::string folded;
      AppendCaseKey(form, &folded);
      if (folded != expected) {
        FAIL_CHECK("code point " << cp << " form has another case key");
      }
    }
    ++checked;
  }
  CHECK(checked > 1000000);
  std::string folded;
  AppendCaseKey("Stra\xC3\x9F" "E", &folded);
  CHECK(folded == "strasse");
}

TEST_CASE("ASCII runs fold eight bytes at a time like one at a time", "[unicode]") {
  // Every ASCII byte, at every offset of a run long enough for the word
  // loop, with a non-ASCII code point before or after the run and text
  // already in the output.
  using evmatch::internal::AppendCaseKey;
  auto slow = [](std::string_view s) {
    std::string out;
    for (char c : s) out += c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
    return out;
  };
  for (int b = 0; b < 0x80; ++b) {
    for (size_t at = 0; at < 19; ++at) {
      std::string run = "AZaz@[`{09 -_MiXeD";
      run.insert(run.begin() + static_cast<std::ptrdiff_t>(at), static_cast<char>(b));
      for (const auto& [before, after] : std::vector<std::pair<std::string, std::string>>{
               {"", ""}, {"\xC3\x89", ""}, {"", "\xC3\x89x"}, {"\xC3\x89", "\xC3\x89x"}}) {
        std::string key = "kept";
        const bool ascii = AppendCaseKey(before + run + after, &key);
        const std::string e_key = "\xC3\xA9";  // the case key of U+00C9 is its lowercase
        const std::string want = "kept" + std::string(before.empty() ? "" : e_key) + slow(run) +
                                 (after.empty() ? "" : e_key + "x");
        INFO("byte " << b << " at " << at << ", before " << before.size() << ", after "
                     << after.size());
        CHECK(key == want);
        CHECK(ascii == (before.empty() && after.empty()));
      }
    }
  }
}
