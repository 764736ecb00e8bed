// JSON number tokens to exact decimals: the digits of integer and fraction
// part are concatenated, leading zeros move the exponent, trailing zeros are
// dropped. Comparison is then sign, exponent, and digit strings.

#include "number/decimal.h"

#include <algorithm>
#include <cstdio>

#include "util/strings.h"

namespace evmatch::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The lower bound is one above -kMaxExponent so that the canonical spelling
// d.ddd e(E-1) of any exponent E parses back to E.
int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum = a + b;  // both operands are bounded by 2 * kMaxExponent
  return std::clamp(sum, -Decimal::kMaxExponent + 1, Decimal::kMaxExponent);
}

}  // namespace

bool ParseDecimal(std::string_view t, char* buffer, DecimalView* out) {
  size_t i = 0;
  bool negative = false;
  if (i < t.size() && t[i] == '-') {
    negative = true;
    ++i;
  }
  if (i >= t.size() || !IsDigit(t[i])) return false;
  size_t length = 0;  // mantissa digits written to buffer
  if (t[i] == '0') {
    buffer[length++] = '0';
    ++i;
  } else {
    while (i < t.size() && IsDigit(t[i])) buffer[length++] = t[i++];
  }
  const int64_t point = static_cast<int64_t>(length);
  if (i < t.size() && t[i] == '.') {
    ++i;
    size_t frac_start = i;
    while (i < t.size() && IsDigit(t[i])) buffer[length++] = t[i++];
    if (i == frac_start) return false;
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
      exp = exp <= Decimal::kMaxExponent / 10 ? exp * 10 + (t[i] - '0')
                                              : Decimal::kMaxExponent;
      ++i;
    }
    if (i == exp_start) return false;
    exp = std::min(exp, Decimal::kMaxExponent);
    if (exp_negative) exp = -exp;
  }
  if (i != t.size()) return false;

  size_t first = 0;
  while (first < length && buffer[first] == '0') ++first;
  if (first == length) {  // zero, sign dropped
    *out = DecimalView();
    return true;
  }
  size_t last = length;
  while (buffer[last - 1] == '0') --last;
  out->negative = negative;
  out->digits = std::string_view(buffer + first, last - first);
  out->exponent = SaturatingAdd(point - static_cast<int64_t>(first), exp);
  return true;
}

std::optional<Decimal> Decimal::FromJson(std::string_view t) {
  std::string buffer(t.size(), '\0');
  DecimalView view;
  if (!ParseDecimal(t, buffer.data(), &view)) return std::nullopt;
  Decimal d;
  d.negative_ = view.negative;
  d.digits_ = std::string(view.digits);
  d.exponent_ = view.exponent;
  return d;
}

namespace {

int CompareMagnitude(const DecimalView& a, const DecimalView& b) {
  if (a.is_zero() || b.is_zero()) {
    return static_cast<int>(!a.is_zero()) - static_cast<int>(!b.is_zero());
  }
  if (a.exponent != b.exponent) return a.exponent < b.exponent ? -1 : 1;
  int c = a.digits.compare(b.digits);
  return (c > 0) - (c < 0);
}

}  // namespace

int CompareDecimals(const DecimalView& a, const DecimalView& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  int m = CompareMagnitude(a, b);
  return a.negative ? -m : m;
}

void AppendDecimalKey(const DecimalView& d, std::string* out) {
  if (d.is_zero()) {
    out->push_back('0');
    return;
  }
  if (d.negative) out->push_back('-');
  out->append(d.digits);
  out->push_back('e');
  char exp[24];
  int n = snprintf(exp, sizeof(exp), "%lld", static_cast<long long>(d.exponent));
  out->append(exp, static_cast<size_t>(n));
}

bool ExceedsBinary64(const DecimalView& d) {
  static constexpr DecimalView kMax{false, "17976931348623157", 309};
  return CompareMagnitude(d, kMax) > 0;
}

bool Decimal::ExceedsBinary64() const { return internal::ExceedsBinary64(view()); }

bool Decimal::ExceedsAwsNumericLimits() const {
  static const Decimal kFiveBillion = *FromJson("5e9");
  if (CompareMagnitude(view(), kFiveBillion.view()) > 0) return true;
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
