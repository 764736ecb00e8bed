// Arbitrary bytes as events against a fixed rule set that uses every
// operator. Checks, beyond "no crash, no hang, no leak":
//  * the input as one event: when the reference evaluator accepts it, Match
//    must accept it in complete mode and agree rule by rule; lazy mode must
//    agree as well when no object repeats a key (documented difference);
//  * the input as NDJSON: MatchBatch reports, in both modes, exactly what
//    Match reports line by line (index, offset, status, matches).
// A disagreement aborts with the input printed.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "evmatch/evmatch.h"
#include "event_checks.h"

namespace {

using evmatch_fuzz::Fail;
using evmatch_fuzz::MatchOne;
using evmatch_fuzz::Outcome;

constexpr const char* kRules = R"({
  "exact": {"source": ["aws.s3", 12, true, null], "detail": {"key": ["a/b.jpg"]}},
  "prefix-suffix": {"detail": {"key": [{"prefix": "a/"}, {"suffix": ".JPG"}]}},
  "ignore-case": {"detail": {"key": [{"equals-ignore-case": "A/B.JPG"},
                                     {"prefix": {"equals-ignore-case": "A/"}},
                                     {"suffix": {"equals-ignore-case": ".Jpg"}}]}},
  "wildcard": {"detail": {"key": [{"wildcard": "a/*.jpg"}, {"wildcard": "*x*y*"}]}},
  "numeric": {"detail": {"size": [{"numeric": [">", 0, "<=", 1e9]}, 0.1]}},
  "anything-but": {"detail": {"state": [{"anything-but": {"prefix": "init"}}],
                              "key": [{"anything-but": ["a", "b"]}]}},
  "anything-but-more": {"detail": {"state": [{"anything-but": {"suffix": "ed"}},
                                             {"anything-but": {"equals-ignore-case": "X"}},
                                             {"anything-but": {"wildcard": "r*n"}}]}},
  "exists": {"detail": {"missing": [{"exists": false}], "key": [{"exists": true}]}},
  "cidr": {"detail": {"ip": [{"cidr": "2001:db8::/32"}, {"cidr": "10.0.0.0/8"}]}},
  "or": {"$or": [{"detail": {"size": [{"numeric": ["<", 0]}]}}, {"source": ["aws.ec2"]}]},
  "arrays": {"detail": {"items": {"name": ["x"], "qty": [{"numeric": [">", 1]}]}}},
  "dotted": {"detail.key": [{"prefix": ""}], "a.b": [1]}
})";

struct Fixture {
  evmatch::RuleSet rules;
  evmatch::Matcher matcher;
  evmatch::Scratch scratch;
  evmatch::Scratch line_scratch;  // for Match inside MatchBatch's callback
};

Fixture& GetFixture() {
  static Fixture* fixture = [] {
    evmatch::RuleSet rules;
    if (!rules.AddRules(kRules).ok()) std::abort();
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
    if (!matcher.ok()) std::abort();
    auto* f = new Fixture{std::move(rules), *std::move(matcher), evmatch::Scratch(),
                          evmatch::Scratch()};
    if (!f->matcher.PrepareScratch(f->scratch).ok()) std::abort();
    if (!f->matcher.PrepareScratch(f->line_scratch).ok()) std::abort();
    return f;
  }();
  return *fixture;
}

void CheckBatch(Fixture& f, std::string_view input, evmatch::MatchMode mode) {
  std::string buffer(input);
  buffer.reserve(buffer.size() + evmatch::kPadding);
  size_t pos = 0, index = 0;
  bool ok = true;
  evmatch::MatchStatus status = f.matcher.MatchBatch(
      buffer, buffer.capacity(), f.scratch,
      [&](const evmatch::BatchEvent& e) {
        if (!ok) return;
        // The next non-blank line must be this event.
        while (pos < input.size()) {
          size_t eol = input.find('\n', pos);
          if (eol == std::string_view::npos) eol = input.size();
          const std::string_view line = input.substr(pos, eol - pos);
          const size_t first = line.find_first_not_of(" \t\r");
          pos = eol + 1;
          if (first == std::string_view::npos) continue;
          const std::vector<evmatch::RuleId> got(e.matches.begin(), e.matches.end());
          const Outcome expected = MatchOne(f.matcher, f.line_scratch, line, mode);
          ok = e.index == index++ && e.offset == (pos - line.size() - 1) + first &&
               Outcome{e.status, got} == expected;
          return;
        }
        ok = false;  // an event beyond the last line
      },
      mode);
  if (status != evmatch::MatchStatus::kOk || !ok) Fail("MatchBatch disagrees with Match", input);
  // Every non-blank line must have been reported.
  for (; pos < input.size();) {
    size_t eol = input.find('\n', pos);
    if (eol == std::string_view::npos) eol = input.size();
    if (input.substr(pos, eol - pos).find_first_not_of(" \t\r") != std::string_view::npos) {
      Fail("MatchBatch skipped a line", input);
    }
    pos = eol + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 1 << 16) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Fixture& f = GetFixture();
  evmatch_fuzz::CheckAgainstReference(f.rules, f.matcher, f.scratch, input);
  CheckBatch(f, input, evmatch::MatchMode::kComplete);
  CheckBatch(f, input, evmatch::MatchMode::kLazy);
  return 0;
}
