#include "number/decimal.h"

#include <catch2/catch.hpp>

using evmatch::internal::Decimal;

namespace {
Decimal D(std::string_view text) {
  std::optional<Decimal> d = Decimal::FromJson(text);
  REQUIRE(d.has_value());
  return *d;
}
}  // namespace

TEST_CASE("JSON number grammar", "[decimal]") {
  for (const char* bad : {"", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1.5.2",
                          "NaN", "Infinity", "--1", "1 "}) {
    INFO(bad);
    CHECK_FALSE(Decimal::FromJson(bad).has_value());
  }
  for (const char* good : {"0", "-0", "0.0", "10", "1e5", "1E-5", "1.25e+3", "-0.001"}) {
    INFO(good);
    CHECK(Decimal::FromJson(good).has_value());
  }
}

TEST_CASE("exact decimal equality and order (D1)", "[decimal]") {
  CHECK(D("300") == D("300.0"));
  CHECK(D("300") == D("3e2"));
  CHECK(D("300") == D("3.0e2"));
  CHECK(D("0.1") == D("0.10"));
  CHECK(D("-0") == D("0"));
  CHECK(D("0") == D("0e-99999999999999999999"));
  CHECK_FALSE(D("9007199254740993") == D("9007199254740992"));
  CHECK(D("51.507351012345678912").Compare(D("51.5")) > 0);
  CHECK(D("-2").Compare(D("-10")) > 0);
  CHECK(D("-0.5").Compare(D("0")) < 0);
  CHECK(D("1e-400").Compare(D("0")) > 0);
  CHECK(D("1e-400").Compare(D("1e-401")) > 0);
  CHECK(D("123").Compare(D("1234")) < 0);
  CHECK(D("99").Compare(D("100")) < 0);
}

TEST_CASE("binary64 bound (D1)", "[decimal]") {
  CHECK_FALSE(D("1.7976931348623157e308").ExceedsBinary64());
  CHECK_FALSE(D("-1.7976931348623157e308").ExceedsBinary64());
  CHECK(D("1.7976931348623158e308").ExceedsBinary64());
  CHECK(D("1e309").ExceedsBinary64());
  CHECK(D("1e99999999999999999999999").ExceedsBinary64());
  CHECK_FALSE(D("5e-324").ExceedsBinary64());
  CHECK_FALSE(D("1e-400").ExceedsBinary64());
}

TEST_CASE("documented AWS numeric contract", "[decimal]") {
  CHECK_FALSE(D("5e9").ExceedsAwsNumericLimits());
  CHECK_FALSE(D("-5000000000").ExceedsAwsNumericLimits());
  CHECK(D("5000000000.000001").ExceedsAwsNumericLimits());
  CHECK_FALSE(D("0.000001").ExceedsAwsNumericLimits());
  CHECK(D("0.0000001").ExceedsAwsNumericLimits());
  CHECK_FALSE(D("1.5000000").ExceedsAwsNumericLimits());
}

TEST_CASE("canonical spelling", "[decimal]") {
  CHECK(D("3.0e2").ToString() == "300");
  CHECK(D("-0.0").ToString() == "0");
  CHECK(D("301.80").ToString() == "301.8");
  CHECK(D("0.00125").ToString() == "0.00125");
  CHECK(D("1e-7").ToString() == "1e-7");
  CHECK(D("1.5e30").ToString() == "1.5e30");
  CHECK(D("-12e19").ToString() == "-120000000000000000000");
  CHECK(D("-12e20").ToString() == "-1.2e21");
  for (const char* text : {"3.0e2", "1e-400", "51.507351012345678912", "-7.25", "1e300",
                           "0.2e-6444444444444444444444444", "1e-1152921504606846976",
                           "12e-1152921504606846977"}) {
    INFO(text);
    CHECK(D(D(text).ToString()) == D(text));
    CHECK(D(D(text).ToString()).ToString() == D(text).ToString());
  }
}
