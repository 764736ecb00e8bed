#include <catch2/catch.hpp>

#include "pattern/decimal.h"

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

TEST_CASE("binary64 fast path agrees with the exact decimal", "[decimal]") {
  using evmatch::internal::FastBinary64;
  double d = 0;
  // Not JSON numbers, or beyond what binary64 decides safely: no fast value.
  for (const char* slow : {"", "-", "01", "1.", ".5", "+1", "1e", "0x10", "NaN", "1 ",
                           "1.7976931348623157e308", "1.7976931348623158e308", "1e309",
                           "-1e309", "1e-400", "5e-324", "0e5"}) {
    INFO(slow);
    CHECK_FALSE(FastBinary64(slow, &d));
  }
  CHECK((FastBinary64("-122.41600944012424", &d) && d == -122.41600944012424));
  CHECK((FastBinary64("0", &d) && d == 0));
  CHECK((FastBinary64("-0.0", &d) && d == 0));
  CHECK((FastBinary64("1E+2", &d) && d == 100));
  // Rounding is monotonic: a strictly smaller binary64 means a smaller exact
  // value; equal binary64 values say nothing (the matcher then compares the
  // decimals).
  const char* ascending[] = {"-5e9", "-1", "-0.1", "0", "0.09999999999999999999", "0.1",
                             "0.10000000000000000001", "1", "5e9", "9007199254740992",
                             "9007199254740993"};
  for (size_t i = 0; i + 1 < std::size(ascending); ++i) {
    double a = 0, b = 0;
    REQUIRE(FastBinary64(ascending[i], &a));
    REQUIRE(FastBinary64(ascending[i + 1], &b));
    INFO(ascending[i] << " < " << ascending[i + 1]);
    CHECK(D(ascending[i]).Compare(D(ascending[i + 1])) < 0);
    CHECK(a <= b);
  }
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
