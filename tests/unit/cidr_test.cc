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
