// The insides of a LiveMatcher.
//
// Rules. Every rule the set has named has an id, dense and never reused; its
// name is kept in `names` for good. The current alternatives of each id are
// in `table` (null: removed), a vector split into chunks shared with the
// merge thread's copy and copied on write, so that a merge can read every
// rule while writers go on.
//
// Programs, in three levels. `base` is compiled from every rule present at
// version base->version; `changed` lists each id changed since then, with
// the version of its last change, and `mask` hides every changed id in the
// base. The changed ids still present are split by `mid_version`: those
// changed up to it are compiled into the `mid` level (whose own mask hides
// those changed again since), the later ones into the `recent` level. A
// change recompiles the recent level only (at most a few hundred rules); a
// minor merge compiles every changed id into a new mid level, and a major
// merge compiles a new base; both compile from a copy of `table` outside
// the writers' mutex, then take the mutex to bring the newer levels up to
// the changes made since the copy. So a change costs in proportion to the
// recent level, and the merges' cost per change stays small.
//
// Publication. Readers load `current` between announcing an epoch in their
// slot and clearing it. A writer swaps `current`, advances `epoch` and
// retires the old snapshot with the epoch it ended; a retired snapshot is
// freed once every slot is idle or holds a later epoch. With every operation
// sequentially consistent, a reader whose slot holds a later epoch loaded
// `current` after the swap.

#ifndef EVMATCH_SRC_LIVE_LIVE_STATE_H_
#define EVMATCH_SRC_LIVE_LIVE_STATE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/types/span.h"
#include "compile/program.h"
#include "evmatch/live.h"
#include "runtime/kernel.h"
#include "runtime/scratch.h"

namespace evmatch::internal {

// Names by id, appended by the writer and read by anyone without a lock:
// chunks never move once published.
class NameStore {
 public:
  static constexpr size_t kChunkBits = 14;
  static constexpr size_t kChunk = size_t{1} << kChunkBits;
  static constexpr size_t kMaxChunks = size_t{1} << 14;  // 2^28 ids

  NameStore();
  ~NameStore();
  NameStore(const NameStore&) = delete;
  NameStore& operator=(const NameStore&) = delete;

  size_t size() const { return size_.load(std::memory_order_acquire); }
  bool full(size_t more) const { return size() + more > kChunk * kMaxChunks; }
  // Writer only. Requires !full(1).
  RuleId Append(std::string_view name);
  // Requires id < size().
  std::string_view Get(RuleId id) const {
    const std::string* chunk = chunks_[id >> kChunkBits].load(std::memory_order_acquire);
    return chunk[id & (kChunk - 1)];
  }

 private:
  std::unique_ptr<std::atomic<std::string*>[]> chunks_;
  std::atomic<size_t> size_{0};
};

using Alternatives = std::shared_ptr<const std::vector<Pattern>>;

// Alternatives by id, in chunks shared between copies and copied on write.
class RuleTable {
 public:
  static constexpr size_t kChunk = 1024;

  const Alternatives& Get(RuleId id) const;
  // Writer only; `id` may be one past the last id set. A chunk shared with
  // a copy is copied first.
  void Set(RuleId id, Alternatives patterns);
  size_t size() const { return size_; }
  // A copy that shares every chunk; this table copies a chunk before its
  // next change to it, so the copy may be read on another thread.
  RuleTable Share();

 private:
  using Chunk = std::vector<Alternatives>;
  std::vector<std::shared_ptr<Chunk>> chunks_;
  std::vector<bool> shared_;  // per chunk: a copy holds it
  size_t size_ = 0;
};

// A compiled base and the live id of each of its rules, ascending.
struct LiveBase {
  Program program;
  std::vector<RuleId> ids;
  uint64_t version = 0;  // the changes it includes
  absl::flat_hash_map<std::string, FieldId> fields;  // by path

  // The position of live id `id` in the base, or kNone.
  uint32_t Find(RuleId id) const;
  // Fills `fields` from the program.
  void IndexFields();
};

// A delta program over some changed ids, shared by the snapshots that only
// change its mask.
struct LiveLevel {
  std::shared_ptr<const Program> program;  // null: the level is empty
  std::shared_ptr<const std::vector<RuleId>> ids;
  // LiveDelta::replay_fields; empty when the program names a path the base
  // lacks.
  std::shared_ptr<const std::vector<FieldId>> replay;
  // LiveDelta::quick, per field of the program.
  std::shared_ptr<const std::vector<uint8_t>> quick;
  // LiveDelta::string_filter and its shift.
  std::shared_ptr<const std::vector<uint64_t>> string_filter;
  int string_filter_shift = 64;

  // Makes this the level of `program` over `ids` (ascending), against `base`.
  void Set(const LiveBase& base, std::shared_ptr<const Program> program, std::vector<RuleId> ids);
  // The position of live id `id` in the level, or kNone.
  uint32_t Find(RuleId id) const;
  size_t size() const { return ids ? ids->size() : 0; }
};

struct LiveSnapshot {
  uint64_t number = 0;  // 1, 2, ... in publication order
  std::shared_ptr<const LiveBase> base;
  std::vector<uint64_t> mask;      // one bit per base rule: replaced or removed
  LiveLevel mid;                   // older
  std::vector<uint64_t> mid_mask;  // one bit per mid rule: changed again since
  LiveLevel recent;                // newer
  std::vector<FieldId> keep;       // LiveView::keep; empty: no level replays

  // Fills `keep` from the levels.
  void Finish();

  LiveView View() const {
    auto delta = [](const LiveLevel& level, const std::vector<uint64_t>* mask) {
      return LiveDelta{level.program.get(),
                       level.ids ? level.ids->data() : nullptr,
                       mask != nullptr && !mask->empty() ? mask->data() : nullptr,
                       level.replay && !level.replay->empty() ? level.replay->data() : nullptr,
                       level.quick ? level.quick->data() : nullptr,
                       level.string_filter ? level.string_filter->data() : nullptr,
                       level.string_filter_shift};
    };
    return {&base->program,
            base->ids.data(),
            mask.data(),
            {delta(mid, &mid_mask), delta(recent, nullptr)},
            keep.empty() ? nullptr : keep.data()};
  }
};

struct LiveState {
  explicit LiveState(const LiveOptions& options);
  ~LiveState();

  // Writers; each takes `mu`.
  absl::Status Apply(const LiveMatcher::Changes& changes);
  absl::Status Replace(const RuleSet& rules);
  absl::Status Merge();
  absl::Status Checkpoint(const std::string& path);

  // Readers.
  LiveReaderSlot* SlotOf(const ScratchState& s) const;  // nullptr: not prepared
  absl::Status Prepare(ScratchState& s) const;
  template <typename Run>
  MatchStatus Read(ScratchState& s, Run&& run) const;

  // Snapshots no reader can still hold, to be freed once `mu` is released
  // (freeing a base takes a while).
  using Garbage = std::vector<std::unique_ptr<LiveSnapshot>>;

  // Compiles every changed id into a new mid level (a minor merge).
  absl::Status MergeChanges();
  // Compiles the rules `ids` (ascending, each present in `rules`) into
  // `program`, rule i being ids[i].
  absl::Status CompileFrom(const RuleTable& rules, absl::Span<const RuleId> ids,
                           Program* program) const;

  // Require `mu`.
  absl::Status ApplyLocked(const LiveMatcher::Changes& changes, Garbage* garbage);
  // A new snapshot of the base, its mask, the mid level and `recent`.
  std::unique_ptr<LiveSnapshot> Snapshot(LiveLevel recent) const;
  void Publish(std::unique_ptr<LiveSnapshot> snapshot);
  // Publishes the first base of a new set, every rule of it present.
  void PublishFirst(std::shared_ptr<LiveBase> first);
  void Reclaim(Garbage* garbage);
  void MaybeStartMerge();
  size_t MergeThreshold() const;   // changed ids that start a major merge
  size_t RecentThreshold() const;  // recent ids that start a minor merge
  RuleSet RulesLocked() const;

  const LiveOptions options;
  const uint64_t serial;  // tells this set's reader slots from others'
  NameStore names;

  mutable std::mutex mu;                           // writers
  absl::flat_hash_map<std::string, RuleId> index;  // present names
  RuleTable table;
  size_t present = 0;
  uint64_t version = 0;
  std::shared_ptr<const LiveBase> base;
  absl::flat_hash_map<RuleId, uint64_t> changed;  // since base->version
  std::vector<uint64_t> mask;
  uint64_t mid_version = 0;  // the changes the mid level includes
  LiveLevel mid;
  std::vector<uint64_t> mid_mask;
  size_t recent_changes = 0;  // ids changed after mid_version
  std::vector<std::pair<uint64_t, std::unique_ptr<LiveSnapshot>>> retired;
  std::thread merger;
  bool merging = false;
  uint64_t merges = 0;
  uint64_t minor_merges = 0;
  absl::Status last_merge;
  std::mutex merge_mu;  // one merge at a time

  uint64_t published = 0;  // snapshots published
  std::atomic<LiveSnapshot*> current{nullptr};
  std::atomic<uint64_t> epoch{1};
  mutable std::mutex registry_mu;  // slots
  mutable std::vector<std::shared_ptr<LiveReaderSlot>> slots;
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_LIVE_LIVE_STATE_H_
