// Matcher::Serialize, Save, Load and LoadFile: a loaded matcher matches as
// the compiled one; files are replaced whole; truncated, corrupted, foreign
// and hostile images are refused with a status, never read out of bounds
// (run under ASan in CI). The randomized comparison of loaded matchers with
// the reference evaluator is in support/compare_compiled.h, which every
// differential and conformance test goes through.

#include <sys/stat.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "compile/image.h"
#include "evmatch/evmatch.h"
#include "support/temp_dir.h"

namespace {

using evmatch::Matcher;
using evmatch::MatchStatus;

// One rule per kind of index an image stores, in place or rebuilt.
std::vector<std::pair<std::string, std::string>> Rules() {
  std::vector<std::pair<std::string, std::string>> rules = {
      {"exact", R"({"source":["aws.s3"]})"},
      {"number", R"({"detail":{"n":[42, 7.5]}})"},
      {"literals", R"({"detail":{"t":[true], "f":[false], "z":[null]}})"},
      {"prefix", R"({"detail":{"key":[{"prefix":"logs/"}]}})"},
      {"suffix", R"({"detail":{"key":[{"suffix":".png"}]}})"},
      {"ignore-case", R"({"detail":{"user":[{"equals-ignore-case":"ALICE"}]}})"},
      {"prefix-ignore-case", R"({"detail":{"user":[{"prefix":{"equals-ignore-case":"BO"}}]}})"},
      {"suffix-ignore-case", R"({"detail":{"user":[{"suffix":{"equals-ignore-case":"OL"}}]}})"},
      {"wildcard-head", R"({"detail":{"key":[{"wildcard":"img/*.jpg"}]}})"},
      {"wildcard-middle", R"({"detail":{"key":[{"wildcard":"*mid*"}]}})"},
      {"wildcard-stars", R"({"detail":{"w":[{"wildcard":"*"}]}})"},
      {"numeric", R"({"detail":{"n":[{"numeric":[">",10,"<=",100]}]}})"},
      {"cidr", R"({"detail":{"ip":[{"cidr":"10.0.0.0/8"}]}})"},
      {"anything-but", R"({"detail":{"state":[{"anything-but":["stopped","halted"]}]}})"},
      {"anything-but-number", R"({"detail":{"n":[{"anything-but":[3, 4]}]}})"},
      {"anything-but-prefix", R"({"detail":{"state":[{"anything-but":{"prefix":"st"}}]}})"},
      {"anything-but-suffix", R"({"detail":{"state":[{"anything-but":{"suffix":"ed"}}]}})"},
      {"anything-but-case",
       R"({"detail":{"state":[{"anything-but":{"equals-ignore-case":["RUNNING"]}}]}})"},
      {"anything-but-wildcard", R"({"detail":{"state":[{"anything-but":{"wildcard":"p*"}}]}})"},
      {"exists", R"({"detail":{"tag":[{"exists":true}], "gone":[{"exists":false}]}})"},
      {"or", R"({"$or":[{"source":["a"]},{"detail":{"n":[{"numeric":["<",0]}]}}]})"},
      {"arrays", R"({"detail":{"items":{"id":["x"],"v":[1]}}})"},
  };
  // More than StringTable::kFew values on one field: a hashed table.
  for (int i = 0; i < 10; ++i) {
    rules.emplace_back("id-" + std::to_string(i),
                       R"({"detail":{"id":["id-)" + std::to_string(i) + R"("]}})");
  }
  return rules;
}

const std::vector<std::string>& Events() {
  static const std::vector<std::string> events = {
      R"({"source":"aws.s3","detail":{"n":42,"t":true,"f":false,"z":null}})",
      R"({"source":"a","detail":{"n":-1,"key":"logs/a.png","user":"alice"}})",
      R"({"detail":{"n":50,"user":"Bob-Carol","key":"img/x.jpg","ip":"10.2.3.4"}})",
      R"({"detail":{"key":"xxmidxx","w":"","state":"running","tag":1}})",
      R"({"detail":{"state":"stopped","gone":1,"id":"id-7"}})",
      R"({"detail":{"state":"paused","id":"id-9","n":7.5}})",
      R"({"detail":{"state":3,"items":[{"id":"x","v":1},{"id":"y","v":2}]}})",
      R"({"detail":{"items":[{"id":"x","v":2},{"id":"y","v":1}],"id":"id-10"}})",
  };
  return events;
}

Matcher Compile() {
  evmatch::RuleSet rules;
  for (const auto& [name, pattern] : Rules()) {
    absl::Status added = rules.Add(name, pattern);
    INFO(added.message());
    REQUIRE(added.ok());
  }
  absl::StatusOr<Matcher> matcher = Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  return *std::move(matcher);
}

// The names of the rules each event matches, in both modes.
std::vector<std::vector<std::string>> MatchAll(const Matcher& matcher) {
  evmatch::Scratch scratch;
  REQUIRE(matcher.PrepareScratch(scratch).ok());
  std::vector<std::vector<std::string>> all;
  for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
    for (std::string event : Events()) {
      const size_t size = event.size();
      event.resize(size + evmatch::kPadding);
      REQUIRE(matcher.Match(std::string_view(event.data(), size), event.size(), scratch, mode) ==
              MatchStatus::kOk);
      all.emplace_back();
      for (evmatch::RuleId id : scratch.matches()) all.back().emplace_back(matcher.rule_name(id));
    }
  }
  return all;
}

// Matches every event in both modes, whatever the result: a loaded hostile
// image must not make matching crash or read out of bounds.
void MatchAnyway(const Matcher& matcher) {
  evmatch::Scratch scratch;
  if (!matcher.PrepareScratch(scratch).ok()) return;
  for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
    for (std::string event : Events()) {
      const size_t size = event.size();
      event.resize(size + evmatch::kPadding);
      (void)matcher.Match(std::string_view(event.data(), size), event.size(), scratch, mode);
      for (evmatch::RuleId id : scratch.matches()) CHECK(id < matcher.rule_count());
    }
  }
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

// `image` with its size field set to its length and its checksum redone:
// what a hostile writer produces, past the header's checks.
std::string Resealed(std::string image) {
  if (image.size() >= evmatch::internal::kImageHeaderBytes) {
    const uint64_t size = image.size();
    std::memcpy(image.data() + 16, &size, 8);
  }
  evmatch::internal::SealImage(&image);
  return image;
}

bool Refused(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDataLoss ||
         status.code() == absl::StatusCode::kInvalidArgument;
}

}  // namespace

TEST_CASE("persist: a loaded matcher matches as the compiled one", "[persist]") {
  const Matcher compiled = Compile();
  const std::string image = compiled.Serialize();
  absl::StatusOr<Matcher> loaded = Matcher::Load(image);
  REQUIRE(loaded.ok());
  CHECK(loaded->rule_count() == compiled.rule_count());
  for (evmatch::RuleId id = 0; id < compiled.rule_count(); ++id) {
    CHECK(loaded->rule_name(id) == compiled.rule_name(id));
  }
  const auto expected = MatchAll(compiled);
  CHECK(MatchAll(*loaded) == expected);
  // Every kind of index was exercised: each rule matched some event.
  std::vector<std::string> seen;
  for (const auto& names : expected) seen.insert(seen.end(), names.begin(), names.end());
  for (const auto& [name, pattern] : Rules()) {
    if (name.rfind("id-", 0) == 0 && name != "id-7" && name != "id-9") continue;
    INFO(name);
    CHECK(std::find(seen.begin(), seen.end(), name) != seen.end());
  }
  // Written again, the loaded program gives the same bytes.
  CHECK(loaded->Serialize() == image);

  evmatch_test::TempDir dir;
  const std::string path = dir.path + "/rules.evm";
  REQUIRE(compiled.Save(path).ok());
  absl::StatusOr<Matcher> mapped = Matcher::LoadFile(path);
  REQUIRE(mapped.ok());
  CHECK(MatchAll(*mapped) == expected);
  // Mapped arrays are not the matcher's own memory.
  CHECK(mapped->memory_bytes() < compiled.memory_bytes());
}

TEST_CASE("persist: Save replaces the file whole; file errors name the path", "[persist]") {
  evmatch_test::TempDir dir;
  const std::string path = dir.path + "/rules.evm";
  const Matcher compiled = Compile();
  WriteFile(path, "old contents");
  REQUIRE(compiled.Save(path).ok());
  absl::StatusOr<Matcher> loaded = Matcher::LoadFile(path);
  REQUIRE(loaded.ok());
  // No temporary file is left behind.
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path)) ++files;
  CHECK(files == 1);

  absl::Status missing = Matcher::LoadFile(dir.path + "/missing.evm").status();
  CHECK(missing.code() == absl::StatusCode::kNotFound);
  CHECK(missing.message().find("missing.evm") != std::string::npos);
  absl::Status no_dir = compiled.Save(dir.path + "/no/such/dir.evm");
  CHECK(no_dir.code() == absl::StatusCode::kNotFound);
  CHECK(no_dir.message().find("no/such/dir.evm") != std::string::npos);

  WriteFile(path, "");
  absl::Status empty = Matcher::LoadFile(path).status();
  CHECK(empty.code() == absl::StatusCode::kInvalidArgument);
  CHECK(empty.message().find(path) != std::string::npos);
  WriteFile(path, R"({"rule": {"source": ["x"]}})");
  absl::Status json = Matcher::LoadFile(path).status();
  CHECK(json.code() == absl::StatusCode::kInvalidArgument);
  CHECK(json.message().find("Not an evmatch matcher image") != std::string::npos);
  // A directory cannot be read as an image.
  CHECK(!Matcher::LoadFile(dir.path).ok());
}

TEST_CASE("persist: foreign images are refused with what to do", "[persist]") {
  const std::string image = Compile().Serialize();
  std::string version = image;
  const uint32_t next = evmatch::internal::kImageVersion + 1;
  std::memcpy(version.data() + 8, &next, 4);
  absl::Status status = Matcher::Load(Resealed(version)).status();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message() == "Matcher image has format version " + std::to_string(next) +
                                "; this library reads version " +
                                std::to_string(evmatch::internal::kImageVersion) +
                                ": compile the rules again");

  std::string order = image;
  std::reverse(order.data() + 12, order.data() + 16);
  status = Matcher::Load(Resealed(order)).status();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message().find("other byte order") != std::string::npos);

  // The layout record (the first item of the body) with one size changed.
  std::string layout = image;
  layout[evmatch::internal::kImageHeaderBytes + 8] ^= 0x40;
  status = Matcher::Load(Resealed(layout)).status();
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message().find("another memory layout") != std::string::npos);
}

TEST_CASE("persist: truncated and corrupted images are refused", "[persist][hostile]") {
  const std::string image = Compile().Serialize();
  REQUIRE(image.size() % 8 == 0);
  // Every length of the header, then every item boundary of the body (its
  // items are 8-byte aligned) and the byte after it.
  for (size_t size = 0; size < image.size(); size += size < 64 || size % 8 == 0 ? 1 : 7) {
    INFO("truncated to " << size << " bytes");
    absl::Status status = Matcher::Load(image.substr(0, size)).status();
    CHECK(Refused(status));
    // With its header fixed to the new size and resealed, the body itself
    // must be found short.
    status = Matcher::Load(Resealed(image.substr(0, size))).status();
    REQUIRE(Refused(status));
  }
  // Any changed byte, checksum included, fails a check.
  for (size_t at = 0; at < image.size(); ++at) {
    std::string corrupt = image;
    corrupt[at] ^= 0x01;
    INFO("bit 0 of byte " << at << " flipped");
    CHECK(Refused(Matcher::Load(corrupt).status()));
  }
  std::string extended = image + std::string(8, '\0');
  CHECK(Matcher::Load(extended).status().code() == absl::StatusCode::kDataLoss);
}

TEST_CASE("persist: hostile images past the checksum are refused or harmless",
          "[persist][hostile]") {
  const std::string image = Compile().Serialize();
  const size_t header = evmatch::internal::kImageHeaderBytes;
  size_t refused = 0, loaded = 0;
  // Every 32-bit word of the body set to values a hostile writer would
  // pick: zero, one more (a count or index just out of range), kNone.
  for (size_t at = header; at + 8 <= image.size(); at += 4) {
    uint32_t original;
    std::memcpy(&original, image.data() + at, 4);
    for (uint32_t value : {0u, original + 1, 0xffffffffu}) {
      if (value == original) continue;
      std::string hostile = image;
      std::memcpy(hostile.data() + at, &value, 4);
      absl::StatusOr<Matcher> matcher = Matcher::Load(Resealed(hostile));
      INFO("word at " << at << " set to " << value);
      if (matcher.ok()) {
        ++loaded;
        MatchAnyway(*matcher);
        continue;
      }
      ++refused;
      REQUIRE(Refused(matcher.status()));
      if (matcher.status().code() == absl::StatusCode::kDataLoss) {
        CHECK(matcher.status().message().find("at offset ") != std::string::npos);
      }
    }
  }
  // Most changes are caught; the rest change values a matcher may hold
  // (a key's bytes, a hash seed, an option) and were matched with above.
  CHECK(refused > loaded);
}

TEST_CASE("persist: invalid options are refused with their offset", "[persist][hostile]") {
  std::string image = Compile().Serialize();
  // The body: the layout record (a count and nine sizes, padded to 8), then
  // the options, the last of which is the event depth.
  const size_t depth_at = evmatch::internal::kImageHeaderBytes + 8 + 40 + 24;
  const uint64_t depth = uint64_t{1} << 40;
  std::memcpy(image.data() + depth_at, &depth, 8);
  absl::Status status = Matcher::Load(Resealed(image)).status();
  CHECK(status.code() == absl::StatusCode::kDataLoss);
  CHECK(status.message() ==
        "Invalid matcher image at offset " + std::to_string(depth_at - 24) + ": invalid options");
}
