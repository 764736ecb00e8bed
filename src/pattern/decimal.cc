// JSON number tokens to exact decimals: the digits of integer and fraction
// part are concatenated, leading zeros move the exponent, trailing zeros are
// dropped. Comparison is then sign, exponent, and digit strings.

#include "pattern/decimal.h"

#include <algorithm>

#include "util/strings.h"

namespace evmatch::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = a + b;  // both operands are bounded by 2 * kMaxExponent
  return std::clamp(sum, -Decimal::kMaxExponent, Decimal::kMaxExponent);
}

}  // namespace

std::optional<Decimal> Decimal::FromJson(std::string_view t) {
  size_t i = 0;
  Decimal d;
  bool negative = false;
  if (i < t.size() && t[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= t.size() || !IsDigit(t[i])) return std::nullopt;
  std::string mantissa;
  size_t int_start = i;
  if (t[i] == '0') {
    ++i;
  } else {
    while (i < t.size() && IsDigit(t[i])) ++i;
  }
  mantissa.append(t.substr(int_start, i - int_start));
  int64_t point = static_cast<int64_t>(mantissa.size());
  if (i < t.size() && t[i] == '.') {
    ++i;
    size_t frac_start = i;
    while (i < t.size() && IsDigit(t[i])) ++i;
    if (i == frac_start) return std::nullopt;
    mantissa.append(t.substr(frac_start, i - frac_start));
  }
  int64_t exp = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool exp_negative = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) {
      exp_negative = t[i] == '-';
      ++i;
    }
    size_t exp_start = i;
    while (i < t.size() && IsDigit(t[i])) {
      exp = exp <= kMaxExponent / 10 ? exp * 10 + (t[i] - '0') : kMaxExponent;
      ++i;
    }
    if (i == exp_start) return std::nullopt;
    exp = std::min(exp, kMaxExponent);
    if (exp_negative) exp = -exp;
  }
  if (i != t.size()) return std::nullopt;

  size_t first = mantissa.find_first_not_of('0');
  if (first == std::string::npos) return d;  // zero, sign dropped
  size_t last = mantissa.find_last_not_of('0');
  d.digits_ = mantissa.substr(first, last - first + 1);
  d.negative_ = negative;
  d.exponent_ = SaturatingAdd(point - static_cast<int64_t>(first), exp);
  return d;
}

int Decimal::CompareMagnitude(const Decimal& o) const {
  if (is_zero() || o.is_zero()) {
    return static_cast<int>(!is_zero()) - static_cast<int>(!o.is_zero());
  }
  if (exponent_ != o.exponent_) return exponent_ < o.exponent_ ? -1 : 1;
  int c = digits_.compare(o.digits_);
  return (c > 0) - (c < 0);
}

int Decimal::Compare(const Decimal& o) const {
  if (negative_ != o.negative_) return negative_ ? -1 : 1;
  int m = CompareMagnitude(o);
  return negative_ ? -m : m;
}

bool Decimal::ExceedsBinary64() const {
  static const Decimal kMax = *FromJson("1.7976931348623157e308");
  return CompareMagnitude(kMax) > 0;
}

bool Decimal::ExceedsAwsNumericLimits() const {
  static const Decimal kFiveBillion = *FromJson("5e9");
  if (CompareMagnitude(kFiveBillion) > 0) return true;
  int64_t fractional = static_cast<int64_t>(digits_.size()) - exponent_;
  return fractional > 6;
}

std::string Decimal::ToString() const {
  if (is_zero()) return "0";
  std::string out = negative_ ? "-" : "";
  const int64_t n = static_cast<int64_t>(digits_.size());
  const int64_t e = exponent_;
  if (e > 0 && e <= 21) {
    if (n <= e) {
      Append(&out, digits_, std::string(e - n, '0'));
    } else {
      Append(&out, digits_.substr(0, e), ".", digits_.substr(e));
    }
  } else if (e <= 0 && e > -6) {
    Append(&out, "0.", std::string(-e, '0'), digits_);
  } else {
    out.push_back(digits_[0]);
    if (n > 1) Append(&out, ".", digits_.substr(1));
    Append(&out, "e", e - 1);
  }
  return out;
}

}  // namespace evmatch::internal
