#include "pattern/cidr.h"

#include <arpa/inet.h>

#include <algorithm>

#include "util/strings.h"
#include "absl/strings/str_split.h"

namespace evmatch::internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// [0-9]+ . [0-9]+ . [0-9]+ . [0-9]+
bool LooksLikeIpv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    while (i < s.size() && IsDigit(s[i])) ++i;
    if (i == start) return false;
    ++parts;
    if (i == s.size()) return parts == 4;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
}

// [0-9a-fA-F:]* : [0-9a-fA-F:]*
bool LooksLikeIpv6(std::string_view s) {
  return s.find(':') != std::string_view::npos &&
         std::all_of(s.begin(), s.end(), [](char c) { return IsHex(c) || c == ':'; });
}

}  // namespace

IpParse ParseIpAddress(std::string_view text, IpAddress* out) {
  *out = IpAddress();
  if (LooksLikeIpv4(text)) {
    int index = 0;
    for (absl::string_view part : absl::StrSplit(ToAbsl(text), '.')) {
      unsigned value = 0;
      for (char c : part) {
        value = value * 10 + static_cast<unsigned>(c - '0');
        if (value > 255) return IpParse::kInvalid;
      }
      out->bytes[index++] = static_cast<uint8_t>(value);
    }
    return IpParse::kOk;
  }
  if (LooksLikeIpv6(text)) {
    char copy[64];  // the longest IPv6 literal without a dotted tail is 39 bytes
    if (text.size() >= sizeof(copy)) return IpParse::kInvalid;
    std::copy(text.begin(), text.end(), copy);
    copy[text.size()] = '\0';
    if (inet_pton(AF_INET6, copy, out->bytes.data()) != 1) {
      return IpParse::kInvalid;
    }
    static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, out->bytes.begin())) {
      std::copy(out->bytes.begin() + 12, out->bytes.end(), out->bytes.begin());
      std::fill(out->bytes.begin() + 4, out->bytes.end(), 0);
      return IpParse::kOk;
    }
    out->v6 = true;
    return IpParse::kOk;
  }
  return IpParse::kNotAnAddress;
}

Ipv6Bytes IpAddress::Ipv6Form() const {
  if (v6) return bytes;
  Ipv6Bytes out{};
  out[10] = out[11] = 0xff;
  std::copy(bytes.begin(), bytes.begin() + 4, out.begin() + 12);
  return out;
}

bool CidrBlock::Contains(const IpAddress& a) const {
  const Ipv6Bytes address = a.Ipv6Form();
  // A parsed IPv6 address is never in the mapped range, so an IPv4 block
  // holds only IPv4 addresses; an IPv6 block spanning the mapped range must
  // not take IPv4 ones.
  return a.v6 != v4 && low <= address && address <= high;  // bytewise compare
}

bool ParseCidr(std::string_view text, CidrBlock* out, std::string* reason) {
  // Java's String.split("/") drops trailing empty pieces; mirror that.
  std::vector<std::string_view> pieces;
  for (absl::string_view piece : absl::StrSplit(ToAbsl(text), '/')) {
    pieces.emplace_back(piece.data(), piece.size());
  }
  while (!pieces.empty() && pieces.back().empty()) pieces.pop_back();
  if (pieces.size() != 2) {
    *reason = "Malformed CIDR, one '/' required";
    return false;
  }
  // Integer.parseInt: optional sign, decimal digits, 32-bit range.
  std::string_view bits_text = pieces[1];
  bool negative = false;
  if (!bits_text.empty() && (bits_text[0] == '+' || bits_text[0] == '-')) {
    negative = bits_text[0] == '-';
    bits_text.remove_prefix(1);
  }
  int64_t bits = 0;
  bool integer = !bits_text.empty() && bits_text.size() <= 10 &&
                 std::all_of(bits_text.begin(), bits_text.end(), IsDigit);
  if (integer) {
    for (char c : bits_text) bits = bits * 10 + (c - '0');
    integer = bits <= (negative ? int64_t{2147483648} : int64_t{2147483647});
  }
  if (!integer) {
    *reason = "Malformed CIDR, mask bits must be an integer";
    return false;
  }
  if (negative && bits != 0) {
    *reason = "Malformed CIDR, mask bits must not be negative";
    return false;
  }
  IpAddress base;
  switch (ParseIpAddress(pieces[0], &base)) {
    case IpParse::kOk:
      break;
    case IpParse::kNotAnAddress:
      *reason = Cat("Nonstandard IP address: ", pieces[0]);
      return false;
    case IpParse::kInvalid:
      *reason = Cat("Invalid IP address: ", pieces[0]);
      return false;
  }
  // The syntax decides the family of the mask: an IPv4-mapped address
  // written in IPv6 syntax takes a 128-bit mask.
  const bool v6_syntax = !LooksLikeIpv4(pieces[0]);
  const int64_t width = v6_syntax ? 128 : 32;
  if (bits > width) {
    *reason = v6_syntax ? "IPv6 mask bits must be <= 128" : "IPv4 mask bits must be <= 32";
    return false;
  }
  out->low = base.Ipv6Form();
  out->high = out->low;
  for (int64_t bit = bits + (128 - width); bit < 128; ++bit) {
    const uint8_t mask = static_cast<uint8_t>(0x80u >> (bit % 8));
    out->low[static_cast<size_t>(bit / 8)] &= static_cast<uint8_t>(~mask);
    out->high[static_cast<size_t>(bit / 8)] |= mask;
  }
  // Inside ::ffff:0:0/96 when the mask keeps the 96 bits of the prefix.
  out->v4 = !base.v6 && bits + (128 - width) >= 96;
  out->text = std::string(text);
  return true;
}

}  // namespace evmatch::internal
