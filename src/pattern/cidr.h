// IP addresses and CIDR blocks as EventBridge reads them: IPv4 dotted quads
// and IPv6 hex-and-colon literals only (no zone ids, no dotted IPv6 tails).
//
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d, RFC 4291 2.5.5.2) are IPv4, in
// patterns and events alike. Every block is a range of 128-bit addresses: an
// IPv4 block a.b.c.d/n is ::ffff:a.b.c.d/(96+n); a block in IPv6 syntax masks
// all 128 bits as written. A block inside ::ffff:0:0/96 is an IPv4 block
// (whatever its spelling) and matches IPv4 addresses; any other block is an
// IPv6 block and matches IPv6 addresses. So a /0 block matches every address
// of its family: 0.0.0.0/0 every IPv4 address, ::/0 and ::ffff:0:0/0 (the
// same range) every IPv6 address, and ::ffff:0:0/96 the same as 0.0.0.0/0.

#ifndef EVMATCH_SRC_PATTERN_CIDR_H_
#define EVMATCH_SRC_PATTERN_CIDR_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace evmatch::internal {

using Ipv6Bytes = std::array<uint8_t, 16>;

struct IpAddress {
  bool v6 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4 uses the first 4
  size_t size() const { return v6 ? 16 : 4; }
  // The address in the common space: itself, or ::ffff:a.b.c.d for IPv4.
  Ipv6Bytes Ipv6Form() const;
};

enum class IpParse : unsigned char { kOk, kNotAnAddress, kInvalid };

// kNotAnAddress: the text does not have address syntax. kInvalid: it has the
// syntax but no such address exists (an octet above 255, a bad IPv6 group).
// IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are read as IPv4.
IpParse ParseIpAddress(std::string_view text, IpAddress* out);

struct CidrBlock {
  Ipv6Bytes low{}, high{};  // inclusive bounds, 128-bit form
  bool v4 = false;          // the range lies inside ::ffff:0:0/96
  std::string text;         // as written in the pattern

  bool Contains(const IpAddress& address) const;
};

// Parses "address/bits". On error returns false with the EventBridge reason
// (SPEC A.5 cidr and D6: /32 and /128 are accepted; host bits are masked).
bool ParseCidr(std::string_view text, CidrBlock* out, std::string* reason);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_PATTERN_CIDR_H_
