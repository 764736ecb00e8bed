// Per-thread state of Matcher::Match. Everything Match writes lives here.
//
// Per-event sets are epoch-stamped arrays: an entry belongs to the current
// event only when its stamp equals `epoch`, so nothing is cleared between
// events. Lists (hits of a predicate, values of a field) are singly linked
// through vectors that are cleared (capacity kept) per event.

#ifndef EVMATCH_SRC_RUNTIME_SCRATCH_H_
#define EVMATCH_SRC_RUNTIME_SCRATCH_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "compile/program.h"
#include "runtime/kernel.h"

namespace evmatch::internal {

// A scalar of the event at a field some rule names.
struct LeafRecord {
  FieldId field;
  uint32_t context;     // innermost array element containing it, 0 = none
  uint32_t next;        // next value of the same field (list head in field_head)
  bool dead;            // overwritten by a later duplicate key
};

// One array element on the way to a leaf: contexts form a tree through
// `parent`; two leaves are array-consistent when they agree on the index of
// every array both are inside.
struct ArrayContext {
  uint32_t parent;
  uint32_t array;
  uint32_t index;
};

struct HitRecord {
  uint32_t leaf;
  uint32_t next;
};

// The leaves a key's value produced (for duplicate keys: the last occurrence
// wins, so an earlier one's leaves are killed).
struct LeafRange {
  uint32_t begin, end;
};

// A dotted key already seen in the object being walked.
struct SeenKey {
  std::string_view key;
  LeafRange leaves;
};

// A reader's announcement to one LiveMatcher: the epoch in which its current
// call took a snapshot (0: no call in progress). A snapshot retired in epoch
// r is freed once no slot holds an epoch <= r.
struct alignas(64) LiveReaderSlot {
  std::atomic<uint64_t> epoch{0};
};

// A Scratch's slot with the LiveMatcher of serial number `live`.
struct LiveRegistration {
  uint64_t live;
  std::shared_ptr<LiveReaderSlot> slot;
};

// A value the base's walk read at a field the delta reads too, kept for the
// delta: a LiveMatcher whose delta names no path the base lacks matches the
// delta on these records instead of walking the event again.
struct ReplayRecord {
  enum class Kind : uint8_t { kString, kNumber, kTrue, kFalse, kNull };
  FieldId field;  // the base's field
  uint32_t leaf;  // the base's leaf (its context and death are copied after the walk)
  uint32_t context;
  bool dead;
  Kind kind;
  double approx;          // numbers: binary64 value, NaN when it cannot decide
  std::string_view text;  // strings: unescaped value; numbers: the token
  KeyHash hash;           // strings: the value's hash, for the deltas' tables
};

// Words of ScratchState::matched_bits for `rules` rules.
inline size_t MatchedWords(size_t rules) { return (rules + 63) / 64; }

struct ScratchState {
  KernelParser parser;         // the On Demand parser of the Program's kernel
  KernelParser stream_parser;  // MatchBatch's, made on its first call

  uint32_t epoch = 0;
  // Per predicate, together so that a hit costs one cache line: the event
  // (epoch) it was last hit in, and in that event its hits and exclusions
  // (heads of lists in `hits` and `excludes`).
  struct PredState {
    uint32_t epoch;
    uint32_t hit_head, exclude_head;
  };
  std::vector<PredState> preds;
  std::vector<uint32_t> field_epoch, field_head;
  std::vector<uint32_t> sub_rule_epoch;
  // One bit per rule, set while the rule is in `matches` (all clear between
  // events): deduplicates matches and, when they are many, sorts them.
  std::vector<uint64_t> matched_bits;

  std::vector<LeafRecord> leaves;
  std::vector<ArrayContext> contexts;
  std::vector<HitRecord> hits, excludes;
  std::vector<SeenKey> seen_keys;
  // Per path node: the object (by serial) where a plain key last reached it,
  // and the leaves of that key's value. Finds a repeated key in O(1).
  std::vector<uint32_t> node_object;
  std::vector<LeafRange> node_leaves;
  uint32_t object_serial = 0;
  std::vector<SubRuleId> candidates;
  std::vector<PredId> triggered;  // hit predicates that have triggers
  std::vector<RuleId> matches;
  // A LiveMatcher's base matches in force, each delta's, and their merge.
  std::vector<RuleId> live_matches, live_delta[2], live_merged;
  std::vector<LiveRegistration> live_slots;
  // The LiveMatcher (serial) and snapshot (number) this scratch was last
  // found to fit: the check is skipped until either changes.
  uint64_t live_fitted_set = 0, live_fitted_snapshot = 0;
  std::vector<ReplayRecord> replay;

  std::string key;             // case keys, decimal keys
  std::vector<char> digits;    // decimal digits of the current number
  std::vector<char> workspace; // equals-ignore-case verification

  // Candidate evaluation: leaves per condition and the search state.
  std::vector<uint32_t> condition_leaves;
  std::vector<uint32_t> condition_ranges;
  std::vector<uint32_t> choice;

  uint32_t next_array_id = 0;
  bool any_dead = false;       // some leaf of this event was killed
  // Debug builds: set while a call uses this state (see ScratchClaim).
  std::atomic<bool> in_use{false};
};

// Grows the buffers of `s` to what matching with `p` needs (allocates; the
// parser aside). Growing never shrinks.
void GrowScratch(const Program& p, ScratchState& s);

// Makes `s.parser` a parser of `p`'s kernel for its largest events.
// Errors: ResourceExhausted when it cannot be allocated (the parser is then
// empty, and Match answers kScratchMismatch).
absl::Status PrepareParser(const Program& p, ScratchState& s);

// True when `s` is large enough for `p` (the parser aside).
bool ScratchFits(const Program& p, const ScratchState& s);

// Claims a ScratchState for one Match, MatchBatch or MatchDocument call. In
// debug builds a second claim while the first is held fails (the caller
// reports kScratchBusy): the Scratch is in use on another thread, or from a
// MatchBatch callback. Release builds check nothing.
class ScratchClaim {
 public:
  explicit ScratchClaim(ScratchState& s) : s_(&s) {
#ifndef NDEBUG
    if (s.in_use.exchange(true, std::memory_order_acquire)) s_ = nullptr;
#endif
  }
  ScratchClaim(const ScratchClaim&) = delete;
  ScratchClaim& operator=(const ScratchClaim&) = delete;
  ~ScratchClaim() {
#ifndef NDEBUG
    if (s_ != nullptr) s_->in_use.store(false, std::memory_order_release);
#endif
  }

  bool held() const { return s_ != nullptr; }

 private:
  ScratchState* s_;
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_RUNTIME_SCRATCH_H_
