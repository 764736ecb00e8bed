// Canonical printing: compact, document order, exact numbers.

#include <catch2/catch.hpp>

#include "evmatch/evmatch.h"

namespace {
std::string Canonical(std::string_view pattern) {
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  INFO(pattern);
  REQUIRE(parsed.ok());
  return parsed->ToJson();
}
}  // namespace

TEST_CASE("canonical JSON of every construct", "[parser]") {
  CHECK(Canonical(R"( { "a" : [ 3.0e2, "x\u0041", true, false, null ] } )") ==
        R"({"a":[300,"xA",true,false,null]})");
  CHECK(Canonical(R"({"a":[{"prefix":"p"},{"suffix":"s"},{"equals-ignore-case":"E"}]})") ==
        R"({"a":[{"prefix":"p"},{"suffix":"s"},{"equals-ignore-case":"E"}]})");
  CHECK(Canonical(R"({"a":[{"prefix":{"equals-ignore-case":"P"}},{"suffix":{"equals-ignore-case":"S"}}]})") ==
        R"({"a":[{"prefix":{"equals-ignore-case":"P"}},{"suffix":{"equals-ignore-case":"S"}}]})");
  CHECK(Canonical(R"({"a":[{"wildcard":"a\\*b*c"}]})") == R"({"a":[{"wildcard":"a\\*b*c"}]})");
  CHECK(Canonical(R"({"a":[{"numeric":["=",3.018e2]},{"numeric":[">",0,"<=",5]},{"numeric":["<",-1]}]})") ==
        R"({"a":[{"numeric":["=",301.8]},{"numeric":[">",0,"<=",5]},{"numeric":["<",-1]}]})");
  CHECK(Canonical(R"({"a":[{"exists":false},{"cidr":"10.0.0.1/8"}]})") ==
        R"({"a":[{"exists":false},{"cidr":"10.0.0.1/8"}]})");
  CHECK(Canonical(R"({"a":[{"anything-but":"x"},{"anything-but":[1,2.50]},{"anything-but":{"prefix":["p","q"]}}]})") ==
        R"({"a":[{"anything-but":"x"},{"anything-but":[1,2.5]},{"anything-but":{"prefix":["p","q"]}}]})");
  CHECK(Canonical(R"({"a":[{"anything-but":{"suffix":"s"}},{"anything-but":{"equals-ignore-case":["E"]}},{"anything-but":{"wildcard":"*.tmp"}}]})") ==
        R"({"a":[{"anything-but":{"suffix":"s"}},{"anything-but":{"equals-ignore-case":["E"]}},{"anything-but":{"wildcard":"*.tmp"}}]})");
  CHECK(Canonical(R"({"d":{"$or":[{"x":[1]},{"y":{"z":["\n\"\\"]}}]}})") ==
        R"({"d":{"$or":[{"x":[1]},{"y":{"z":["\n\"\\"]}}]}})");
  // Duplicate keys are kept in order: they carry meaning (D10).
  CHECK(Canonical(R"({"a":[1],"a":[2]})") == R"({"a":[1],"a":[2]})");
}

TEST_CASE("combinations reflect $or expansion", "[parser]") {
  absl::StatusOr<evmatch::Pattern> parsed =
      evmatch::Pattern::Parse(R"({"a":[1],"$or":[{"b":[1]},{"c":[1]},{"d":[1]}]})");
  REQUIRE(parsed.ok());
  CHECK(parsed->combinations() == 3);
  evmatch::Pattern copy = *parsed;  // cheap, shared
  CHECK(copy.ToJson() == parsed->ToJson());
}
