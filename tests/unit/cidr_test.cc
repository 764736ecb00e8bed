#include <catch2/catch.hpp>

#include "pattern/cidr.h"

using evmatch::internal::CidrBlock;
using evmatch::internal::IpAddress;
using evmatch::internal::IpParse;
using evmatch::internal::ParseCidr;
using evmatch::internal::ParseIpAddress;

TEST_CASE("address syntax", "[cidr]") {
  IpAddress a;
  CHECK(ParseIpAddress("10.0.0.1", &a) == IpParse::kOk);
  CHECK_FALSE(a.v6);
  CHECK(a.bytes[0] == 10);
  CHECK(a.bytes[3] == 1);
  CHECK(ParseIpAddress("010.000.000.001", &a) == IpParse::kOk);
  CHECK(a.bytes[0] == 10);
  CHECK(ParseIpAddress("10.0.0.256", &a) == IpParse::kInvalid);
  CHECK(ParseIpAddress("10.0.0", &a) == IpParse::kNotAnAddress);
  CHECK(ParseIpAddress("10.0.0.1.2", &a) == IpParse::kNotAnAddress);
  CHECK(ParseIpAddress("host.example", &a) == IpParse::kNotAnAddress);
  CHECK(ParseIpAddress("::1", &a) == IpParse::kOk);
  CHECK(a.v6);
  CHECK(a.bytes[15] == 1);
  CHECK(ParseIpAddress("1:2:3:4:5:6:7:8:9", &a) == IpParse::kInvalid);
  CHECK(ParseIpAddress("fe80::1%eth0", &a) == IpParse::kNotAnAddress);
  CHECK(ParseIpAddress("::ffff:a00:1", &a) == IpParse::kOk);  // IPv4-mapped
  CHECK_FALSE(a.v6);
  CHECK(a.bytes[0] == 10);
}

TEST_CASE("blocks and membership", "[cidr]") {
  CidrBlock block;
  std::string reason;
  REQUIRE(ParseCidr("10.1.2.3/16", &block, &reason));
  IpAddress a;
  REQUIRE(ParseIpAddress("10.1.0.0", &a) == IpParse::kOk);
  CHECK(block.Contains(a));
  REQUIRE(ParseIpAddress("10.1.255.255", &a) == IpParse::kOk);
  CHECK(block.Contains(a));
  REQUIRE(ParseIpAddress("10.2.0.0", &a) == IpParse::kOk);
  CHECK_FALSE(block.Contains(a));
  REQUIRE(ParseCidr("+8/8", &block, &reason) == false);
  CHECK(reason == "Nonstandard IP address: +8");
  REQUIRE(ParseCidr("10.0.0.0/+8", &block, &reason));
  REQUIRE(ParseCidr("10.0.0.0/-0", &block, &reason));
  CHECK_FALSE(ParseCidr("10.0.0.0/ 8", &block, &reason));
  CHECK(reason == "Malformed CIDR, mask bits must be an integer");
  CHECK_FALSE(ParseCidr("10.0.0.0/99999999999", &block, &reason));
  CHECK(reason == "Malformed CIDR, mask bits must be an integer");
  CHECK_FALSE(ParseCidr("10.0.0.0/", &block, &reason));
  CHECK(reason == "Malformed CIDR, one '/' required");
  REQUIRE(ParseCidr("2001:db8::/127", &block, &reason));
  REQUIRE(ParseIpAddress("2001:db8::1", &a) == IpParse::kOk);
  CHECK(block.Contains(a));
  REQUIRE(ParseIpAddress("2001:db8::2", &a) == IpParse::kOk);
  CHECK_FALSE(block.Contains(a));
}

TEST_CASE("IPv4-mapped addresses and /0 blocks", "[cidr]") {
  auto matches = [](std::string_view block_text, std::string_view address_text) {
    CidrBlock block;
    std::string reason;
    REQUIRE(ParseCidr(block_text, &block, &reason));
    IpAddress address;
    REQUIRE(ParseIpAddress(address_text, &address) == IpParse::kOk);
    return block.Contains(address);
  };
  // A /0 block matches every address of its family.
  CHECK(matches("0.0.0.0/0", "1.2.3.4"));
  CHECK(matches("0.0.0.0/0", "::ffff:102:304"));  // the same address, mapped
  CHECK_FALSE(matches("0.0.0.0/0", "::"));
  CHECK(matches("::/0", "::"));
  CHECK(matches("::/0", "2001:db8::1"));
  CHECK_FALSE(matches("::/0", "1.2.3.4"));
  CHECK(matches("::ffff:0:0/0", "::"));  // the same range as ::/0
  CHECK(matches("::ffff:0:0/0", "ffff::1"));
  CHECK_FALSE(matches("::ffff:0:0/0", "1.2.3.4"));
  // A block inside ::ffff:0:0/96 is IPv4, whatever its spelling.
  CHECK(matches("::ffff:0:0/96", "255.255.255.255"));
  CHECK(matches("::ffff:a00:0/104", "10.9.8.7"));
  CHECK_FALSE(matches("::ffff:a00:0/104", "11.0.0.0"));
  CHECK(matches("::ffff:102:304/128", "1.2.3.4"));
  CHECK(matches("1.2.3.4/32", "::ffff:102:304"));
  CHECK_FALSE(matches("::ffff:0:0/95", "1.2.3.4"));  // wider than the mapped range: IPv6
  CHECK(matches("::ffff:0:0/95", "::fffe:0:1"));
  // IPv6 syntax takes a 128-bit mask even for a mapped base.
  CidrBlock block;
  std::string reason;
  CHECK(ParseCidr("::ffff:0:0/64", &block, &reason));
  CHECK_FALSE(ParseCidr("::ffff:0:0/129", &block, &reason));
  CHECK(reason == "IPv6 mask bits must be <= 128");
}
