// IP addresses and CIDR blocks as EventBridge reads them: IPv4 dotted quads
// and IPv6 hex-and-colon literals only (no zone ids, no dotted IPv6 tails).

#ifndef EVMATCH_SRC_PATTERN_CIDR_H_
#define EVMATCH_SRC_PATTERN_CIDR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace evmatch::internal {

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  size_t size() const { return v6 ? 16 : 4; }
};

enum class IpParse : unsigned char { kOk, kNotAnAddress, kInvalid };

// kNotAnAddress: the text does not have address syntax. kInvalid: it has the
// syntax but no such address exists (an octet above 255, a bad IPv6 group).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are read as IPv4.
IpParse ParseIpAddress(std::string_view text, IpAddress* out);

struct CidrBlock {
  IpAddress low, high;  // inclusive bounds, same family
  std::string text;     // as written in the pattern

  bool Contains(const IpAddress& address) const;
};

// Parses "address/bits". On error returns false with the EventBridge reason
// (SPEC A.5 cidr and D6: /32 and /128 are accepted; host bits are masked).
bool ParseCidr(std::string_view text, CidrBlock* out, std::string* reason);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_PATTERN_CIDR_H_
