// The compiled matcher against the reference evaluator: every pattern as
// one rule of one Matcher, every event through Match and MatchBatch, in both
// modes, on each simdjson kernel the CPU runs. Used by the differential and
// conformance tests (Catch2 assertions). The third pass matches with the
// matcher's serialized image read back (Matcher::Load).

#ifndef EVMATCH_TESTS_SUPPORT_COMPARE_COMPILED_H_
#define EVMATCH_TESTS_SUPPORT_COMPARE_COMPILED_H_

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "runtime/kernel.h"

namespace evmatch_test {

// Lazy mode may read the first occurrence of a repeated key where the
// reference reads the last, and may stop before "a.b" after "a"
// (documented), so such events are compared in complete mode only.

inline std::string Modes(evmatch::MatchMode mode, bool batch) {
  return std::string(mode == evmatch::MatchMode::kLazy ? "lazy" : "complete") +
         (batch ? " batch" : "");
}

// Compiles `patterns` (one rule each; invalid ones are skipped) and checks
// every event both ways: with Match in both modes, and with MatchBatch over
// all the events as NDJSON in both modes. Returns the number of (rule,
// event) cases of the complete single-event mode.
inline size_t CompareCompiled(const std::vector<std::string>& patterns,
                              const std::vector<std::string>& events,
                              const evmatch::PatternOptions& options) {
  evmatch::RuleSet rules(options);
  std::vector<std::string> kept;
  for (const std::string& pattern : patterns) {
    if (!rules.Add("r" + std::to_string(kept.size()), pattern).ok()) continue;
    kept.push_back(pattern);
  }
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  // The same program written and read back, on the best kernel: its image
  // must read back to the same bytes, and it must match as the compiled one.
  const std::string image = matcher->Serialize();
  absl::StatusOr<evmatch::Matcher> loaded = evmatch::Matcher::Load(image);
  REQUIRE(loaded.ok());
  CHECK(loaded->Serialize() == image);
  std::vector<std::vector<bool>> expected;
  std::vector<bool> lazy_comparable;
  std::string ndjson;
  for (const std::string& event : events) {
    expected.emplace_back();
    for (const std::string& pattern : kept) {
      absl::StatusOr<bool> hit = evmatch::TestEventPattern(pattern, event, options);
      REQUIRE(hit.ok());
      expected.back().push_back(*hit);
    }
    evmatch::internal::JsonValue tree;
    evmatch::internal::JsonParseError error;
    REQUIRE(evmatch::internal::ParseJsonTree(event, 256, &tree, &error));
    lazy_comparable.push_back(!evmatch::internal::HasRepeatedKey(tree));
    ndjson += event + "\n";
  }
  ndjson.reserve(ndjson.size() + evmatch::kPadding);

  size_t cases = 0;
  auto check = [&](const char* kernel, evmatch::MatchMode mode, bool batch, size_t e,
                   evmatch::MatchStatus status, absl::Span<const evmatch::RuleId> matches) {
    INFO("kernel " << kernel << ", " << Modes(mode, batch) << ", event: " << events[e]);
    REQUIRE(status == evmatch::MatchStatus::kOk);
    if (mode == evmatch::MatchMode::kLazy && !lazy_comparable[e]) return;
    std::vector<bool> compiled(kept.size(), false);
    for (evmatch::RuleId id : matches) compiled[id] = true;
    for (size_t r = 0; r < kept.size(); ++r) {
      if (compiled[r] != expected[e][r]) {
        FAIL_CHECK("disagreement on kernel "
                   << kernel << ", " << Modes(mode, batch) << "\n  pattern: " << kept[r]
                   << "\n  event:   " << events[e] << "\n  reference: " << expected[e][r]
                   << ", compiled: " << compiled[r]);
      }
    }
  };
  for (const char* name : {"fallback", "haswell", "loaded"}) {
    const bool from_image = std::string_view(name) == "loaded";
    const evmatch::internal::Kernel* kernel =
        from_image ? evmatch::internal::BestKernel() : evmatch::internal::FindKernel(name);
    if (kernel == nullptr) continue;
    if (from_image) *matcher = std::move(*loaded);
    evmatch::internal::MatcherAccess::SetKernel(*matcher, kernel);
    evmatch::Scratch scratch;
    REQUIRE(matcher->PrepareScratch(scratch).ok());
    for (evmatch::MatchMode mode : {evmatch::MatchMode::kComplete, evmatch::MatchMode::kLazy}) {
      for (size_t e = 0; e < events.size(); ++e) {
        std::string buffer = events[e];
        buffer.reserve(buffer.size() + evmatch::kPadding);
        evmatch::MatchStatus status = matcher->Match(buffer, buffer.capacity(), scratch, mode);
        check(name, mode, false, e, status, scratch.matches());
      }
      size_t seen = 0;
      evmatch::MatchStatus status = matcher->MatchBatch(
          ndjson, ndjson.capacity(), scratch,
          [&](const evmatch::BatchEvent& event) {
            REQUIRE(event.index == seen);
            REQUIRE(event.index < events.size());
            ++seen;
            check(name, mode, true, event.index, event.status, event.matches);
          },
          mode);
      CHECK(status == evmatch::MatchStatus::kOk);
      CHECK(seen == events.size());
    }
    cases += kept.size() * events.size();
  }
  return cases;
}

}  // namespace evmatch_test

#endif  // EVMATCH_TESTS_SUPPORT_COMPARE_COMPILED_H_
