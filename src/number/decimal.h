// Exact decimal numbers (SPEC D1): JSON numbers compared by value, never
// through binary floating point.

#ifndef EVMATCH_SRC_NUMBER_DECIMAL_H_
#define EVMATCH_SRC_NUMBER_DECIMAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace evmatch::internal {

// A decimal whose digits live elsewhere (a caller's buffer, or a Decimal).
// Same normal form as Decimal: value = (negative ? -1 : 1) * 0.digits * 10^exponent.
struct DecimalView {
  bool negative = false;
  std::string_view digits;
  int64_t exponent = 0;

  bool is_zero() const { return digits.empty(); }
};

// Parses one JSON number token into `*out` without allocating: the digits are
// written to `buffer`, which must hold at least token.size() bytes. Returns
// false when `token` is not a JSON number.
bool ParseDecimal(std::string_view token, char* buffer, DecimalView* out);

// <0, 0, >0 as a is less than, equal to, greater than b.
int CompareDecimals(const DecimalView& a, const DecimalView& b);

// True when |d| > 1.7976931348623157e308 (the largest binary64).
bool ExceedsBinary64(const DecimalView& d);

// Appends a key that is equal for two decimals exactly when they are equal
// (for hashing). Appending to a string with enough capacity does not allocate.
void AppendDecimalKey(const DecimalView& d, std::string* out);

// value = (negative ? -1 : 1) * 0.D * 10^exponent, where D = digits has no
// leading or trailing zeros. Zero has empty digits and is never negative, so
// -0 == 0. Exponents saturate at +-kMaxExponent; numbers that far out are
// either rejected by the binary64 bound (large) or compare by digits alone
// (tiny), which only matters below 10^-(10^17).
class Decimal {
 public:
  static constexpr int64_t kMaxExponent = int64_t{1} << 60;

  Decimal() = default;

  // Parses one JSON number token (RFC 8259 grammar, no surrounding space).
  // Returns nullopt when `token` is not a JSON number.
  static std::optional<Decimal> FromJson(std::string_view token);

  // <0, 0, >0 as *this is less than, equal to, greater than `other`.
  int Compare(const Decimal& other) const {
    return CompareDecimals(view(), other.view());
  }
  bool operator==(const Decimal& other) const { return Compare(other) == 0; }

  bool is_zero() const { return digits_.empty(); }
  bool negative() const { return negative_; }
  DecimalView view() const { return {negative_, digits_, exponent_}; }

  // True when |value| > 1.7976931348623157e308 (the largest binary64).
  bool ExceedsBinary64() const;
  // True when the value lies outside -5e9..5e9 or has more than 6 fractional
  // digits (the documented EventBridge numeric contract).
  bool ExceedsAwsNumericLimits() const;

  // Shortest exact JSON spelling: integers and moderate fractions in plain
  // notation, the rest as d.ddd e<exp>.
  std::string ToString() const;

 private:
  bool negative_ = false;
  std::string digits_;
  int64_t exponent_ = 0;
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_NUMBER_DECIMAL_H_
