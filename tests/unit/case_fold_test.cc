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
