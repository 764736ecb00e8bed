// File: evmatch/live.h
// -----------------------------------------------------------------------------
// A rule set that changes while events are matched, as EventBridge's PutRule
// and DeleteRule change a bus's rules while it routes events.
//
// A `LiveMatcher` holds named rules. One writer at a time changes them:
// `Put` replaces a rule's patterns, `Remove` deletes a rule, `Apply` makes a
// batch of changes visible at once. Any number of readers match events
// meanwhile with the same contract as `Matcher` (a caller-owned `Scratch`
// per thread, `MatchStatus`, both modes). Readers never wait for a writer:
// each call reads one published snapshot of the rules, taken with a few
// atomic operations and no lock, and a snapshot is freed only after the last
// reader using it has returned.
//
// How a change stays cheap: the rules live in a large compiled base and two
// compiled deltas of the rules changed since the base was built, with masks
// of the rules the newer levels replace or remove. The recent delta holds
// the latest changes (a few hundred rules at most) and is all a change
// recompiles; when it fills, a background thread compiles every change since
// the base into the older delta (a minor merge). When the changes since the
// base pass `LiveOptions::merge_threshold` rules, a background thread
// compiles a new base from every rule (a major merge). Readers keep matching
// on the previous snapshot meanwhile. Results are always those of
// `Matcher::Compile` over the current rules.
//
// Example:
//
//   evmatch::RuleSet rules;
//   ... rules.Add(...) ...
//   absl::StatusOr<std::unique_ptr<evmatch::LiveMatcher>> live =
//       evmatch::LiveMatcher::Create(rules);
//   // Writer thread:
//   absl::Status put = (*live)->Put("big-orders",
//   R"({"detail":{"total":[{"numeric":[">",100]}]}})");
//   // Each reader thread:
//   evmatch::Scratch scratch;
//   if (!(*live)->PrepareScratch(scratch).ok()) ...
//   if ((*live)->Match(event, capacity, scratch) == evmatch::MatchStatus::kOk) {
//     for (evmatch::RuleId id : scratch.matches()) Route((*live)->rule_name(id));
//   }
//
// Rule ids. A name receives an id when it is first put. `Put` on an existing
// name keeps its id; `Remove` retires the id, and a later `Put` of the same
// name receives a new one. Ids are never reused, so an id seen in a match
// always names the rule it matched, and `rule_name` answers for every id the
// set has issued, removed or not.
//
// IMPORTANT: no function here throws. Destroy a LiveMatcher only after every
// reader has returned from its last call.

#ifndef EVMATCH_LIVE_H_
#define EVMATCH_LIVE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "evmatch/abi.h"
#include "evmatch/evmatch.h"

namespace evmatch {

namespace internal {
struct LiveState;
}  // namespace internal

EVMATCH_ABI_NAMESPACE_BEGIN

struct LiveOptions {
  // Validation of the patterns given to Put and Changes::Put.
  PatternOptions patterns;
  // Limits of every compiled part; `max_rules` bounds the rules present at
  // once.
  CompileOptions compile;
  // Rules changed since the base that start a major merge into a new base;
  // 0 chooses max(4096, rules / 64). The recent delta is merged into the
  // older one when it holds merge_threshold / 128 changes (1 to 256). A
  // change costs in proportion to the recent delta, a minor merge to the
  // changes since the base, a major merge to every rule.
  size_t merge_threshold = 0;
  // When false, merges happen only in `Merge()` (a major merge).
  bool background_merge = true;
};

class EVMATCH_EXPORT LiveMatcher {
 public:
  // Changes made visible together by `Apply`. A later change of a name in
  // the same batch replaces an earlier one.
  class EVMATCH_EXPORT Changes {
   public:
    explicit Changes(const PatternOptions& options = {});

    // Validates `patterns_json` (the rule's alternatives; at least one) as
    // `RuleSet::Add` does. A rejected Put records nothing.
    absl::Status Put(std::string_view name, absl::Span<const std::string_view> patterns_json);
    absl::Status Put(std::string_view name, std::string_view pattern_json) {
      return Put(name, absl::MakeConstSpan(&pattern_json, 1));
    }
    // Already validated patterns (at least one; an empty list is refused).
    absl::Status Put(std::string_view name, absl::Span<const Pattern> patterns);
    // Removes `name`; removing a name that is not there does nothing.
    void Remove(std::string_view name);

    size_t size() const { return changes_.size(); }
    bool empty() const { return changes_.empty(); }

    // The changes that turn the rules of `before` into those of `after`:
    // a Put for each name that is new or whose patterns differ (compared as
    // canonical JSON), a Remove for each name that is gone.
    static Changes Between(const RuleSet& before, const RuleSet& after);

   private:
    friend struct internal::LiveState;
    struct Change {
      std::string name;
      std::vector<Pattern> patterns;  // empty: remove
    };
    PatternOptions options_;
    std::vector<Change> changes_;
  };

  // Compiles `rules` as the first base. Errors: as `Matcher::Compile`.
  static absl::StatusOr<std::unique_ptr<LiveMatcher>> Create(const RuleSet& rules,
                                                             const LiveOptions& options = {});
  ~LiveMatcher();
  LiveMatcher(const LiveMatcher&) = delete;
  LiveMatcher& operator=(const LiveMatcher&) = delete;

  // Writers (serialised by an internal mutex; readers are never blocked).
  //
  // Each call validates, recompiles the delta and publishes a snapshot
  // before it returns, so the next Match sees the change. Errors: pattern
  // errors as `RuleSet::Add`; ResourceExhausted when a limit of
  // `LiveOptions::compile` would be exceeded. A rejected call changes
  // nothing.
  absl::Status Put(std::string_view name, std::string_view pattern_json);
  absl::Status Put(std::string_view name, absl::Span<const std::string_view> patterns_json);
  // Removes a rule; removing a name that is not there succeeds and changes
  // nothing (as DeleteRule).
  absl::Status Remove(std::string_view name);
  absl::Status Apply(const Changes& changes);
  // Applies `Changes::Between(current rules, rules)`: only the difference is
  // recompiled.
  absl::Status Replace(const RuleSet& rules);
  // Compiles every rule into a new base now, in the calling thread (after
  // waiting for a background merge in progress). Readers keep matching.
  absl::Status Merge();

  // Checkpoint and restart. Checkpoint writes the rules present now to
  // `path`: a compiled image (Matcher::Save's format, docs/persistence.md)
  // that also holds every rule's patterns, replacing the file whole. With no
  // change since the last merge it writes the base as it is; otherwise it
  // first compiles the current rules, in the calling thread, without
  // blocking writers or readers. Restore builds a LiveMatcher from such a
  // file: the compiled image is mapped and used as the base instead of being
  // compiled again, and the patterns are parsed (for later changes, merges
  // and Rules()). Apply the changes made since the checkpoint to catch up.
  // Restored ids are 0..n-1 in the order of the checkpoint's rules, not the
  // ids of the set that wrote it; names are what stays. Errors: those of
  // Matcher::Save and Matcher::LoadFile; InvalidArgument for an image
  // without patterns (Matcher::Save's) or a pattern `options.patterns`
  // refuses; ResourceExhausted past `options.compile.max_rules`.
  absl::Status Checkpoint(const std::string& path);
  static absl::StatusOr<std::unique_ptr<LiveMatcher>> Restore(const std::string& path,
                                                              const LiveOptions& options = {});

  // The id of rule `name` if it is present. Takes the writers' mutex: not
  // for the match path.
  std::optional<RuleId> FindRule(std::string_view name) const;
  // The rules present, as a RuleSet in id order (writers' mutex).
  RuleSet Rules() const;
  // The patterns of rule `name` (empty when it is not present; writers'
  // mutex).
  std::vector<Pattern> patterns(std::string_view name) const;
  // Name of any id this set has issued. Lock-free; the view stays valid for
  // the life of the LiveMatcher.
  std::string_view rule_name(RuleId id) const;

  struct Stats {
    size_t rules = 0;         // rules present
    size_t base_rules = 0;    // rules compiled into the base
    size_t delta_rules = 0;   // rules changed since the base (in a delta or removed)
    uint64_t version = 0;     // changes applied (one per Put, Remove or Apply)
    uint64_t merges = 0;      // bases published after the first (major merges)
    uint64_t minor_merges = 0;  // older deltas published (minor merges)
    bool merging = false;     // a background merge is running
    absl::Status last_merge;  // the last merge's error; the delta keeps working
  };
  Stats stats() const;

  // Readers. As `Matcher`, with one difference: a change may grow what a
  // match needs, and the first match after it then grows `scratch`
  // (amortised, like a larger event). PrepareScratch registers `scratch`
  // with this LiveMatcher (allocates, once per Scratch); Match answers
  // kScratchMismatch for a Scratch that was not prepared for it.
  absl::Status PrepareScratch(Scratch& scratch) const;
  // One snapshot serves the whole event.
  [[nodiscard]] MatchStatus Match(std::string_view json, size_t capacity, Scratch& scratch,
                                  MatchMode mode = MatchMode::kComplete) const;
  // As Matcher::MatchBatch, with one snapshot for the whole batch (changes
  // published during the batch are seen by the next call). Events are
  // matched line by line.
  [[nodiscard]] MatchStatus MatchBatch(std::string_view input, size_t capacity, Scratch& scratch,
                                       absl::FunctionRef<void(const BatchEvent&)> on_event,
                                       MatchMode mode = MatchMode::kComplete) const;

 private:
  explicit LiveMatcher(std::unique_ptr<internal::LiveState> state);
  std::unique_ptr<internal::LiveState> state_;
};

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_LIVE_H_
