// LiveMatcher: a compiled base, a delta of the rules changed since, and
// snapshots published to lock-free readers (src/live/live_state.h).

#include <algorithm>
#include <chrono>
#include <limits>
#include <new>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "compile/image.h"
#include "evmatch/live.h"
#include "live/live_state.h"
#include "runtime/persist.h"
#include "util/errors.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace evmatch {
namespace internal {
namespace {

std::atomic<uint64_t> next_serial{1};

size_t Words(size_t bits) { return (bits + 63) / 64; }

void SetBit(std::vector<uint64_t>& bits, uint32_t bit) {
  bits[bit / 64] |= uint64_t{1} << (bit % 64);
}

// Compiles the rules `ids` (ascending), named and given by `rule(id, &name)`,
// into one program whose rule i is ids[i].
template <typename RuleOf>
absl::Status CompileRules(const LiveOptions& options, absl::Span<const RuleId> ids, RuleOf&& rule,
                          Program* program) {
  RuleSet rules(options.patterns);
  for (const RuleId id : ids) {
    std::string_view name;
    const Alternatives& patterns = rule(id, &name);
    for (const Pattern& pattern : *patterns) {
      EVMATCH_RETURN_IF_ERROR(rules.Add(name, pattern));
    }
  }
  EVMATCH_RETURN_IF_ERROR(CompileProgram(rules, options.compile, program));
  program->kernel = BestKernel();
  return absl::OkStatus();
}

// FitScratch's work when the snapshot is new to `s`.
bool FitScratchSlow(uint64_t serial, const LiveSnapshot& snapshot, ScratchState& s) {
  s.live_fitted_set = 0;
  const Program& base = snapshot.base->program;
  const Program* mid = snapshot.mid.program.get();
  const Program* recent = snapshot.recent.program.get();
  if (ScratchFits(base, s) && (mid == nullptr || ScratchFits(*mid, s)) &&
      (recent == nullptr || ScratchFits(*recent, s))) {
    s.live_fitted_set = serial;
    s.live_fitted_snapshot = snapshot.number;
    return true;
  }
#if defined(__cpp_exceptions)
  try {
#endif
    GrowScratch(base, s);
    if (mid != nullptr) GrowScratch(*mid, s);
    if (recent != nullptr) GrowScratch(*recent, s);
    const size_t rules = base.rule_names.size() + snapshot.mid.size() + snapshot.recent.size();
    for (auto* v :
         {&s.live_matches, &s.live_delta[0], &s.live_delta[1], &s.live_merged, &s.matches}) {
      v->reserve(rules);
    }
    s.live_fitted_set = serial;
    s.live_fitted_snapshot = snapshot.number;
    return true;
#if defined(__cpp_exceptions)
  } catch (const std::bad_alloc&) {
    return false;
  }
#endif
}

// Grows `s` for every program of `snapshot` of the set `serial`; false when
// out of memory. Once per snapshot: then a comparison.
inline bool FitScratch(uint64_t serial, const LiveSnapshot& snapshot, ScratchState& s) {
  return (s.live_fitted_set == serial && s.live_fitted_snapshot == snapshot.number) ||
         FitScratchSlow(serial, snapshot, s);
}

}  // namespace

NameStore::NameStore() : chunks_(new std::atomic<std::string*>[kMaxChunks]) {
  for (size_t i = 0; i < kMaxChunks; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
}

NameStore::~NameStore() {
  for (size_t i = 0; i < kMaxChunks; ++i) delete[] chunks_[i].load(std::memory_order_relaxed);
}

RuleId NameStore::Append(std::string_view name) {
  const size_t id = size_.load(std::memory_order_relaxed);
  std::atomic<std::string*>& slot = chunks_[id >> kChunkBits];
  std::string* chunk = slot.load(std::memory_order_relaxed);
  if (chunk == nullptr) {
    chunk = new std::string[kChunk];
    slot.store(chunk, std::memory_order_release);
  }
  chunk[id & (kChunk - 1)] = std::string(name);
  size_.store(id + 1, std::memory_order_release);
  return static_cast<RuleId>(id);
}

const Alternatives& RuleTable::Get(RuleId id) const { return (*chunks_[id / kChunk])[id % kChunk]; }

void RuleTable::Set(RuleId id, Alternatives patterns) {
  if (id == size_) {
    if (id % kChunk == 0) {
      chunks_.push_back(std::make_shared<Chunk>(kChunk));
      shared_.push_back(false);
    }
    ++size_;
  }
  const size_t c = id / kChunk;
  if (shared_[c]) {
    chunks_[c] = std::make_shared<Chunk>(*chunks_[c]);
    shared_[c] = false;
  }
  (*chunks_[c])[id % kChunk] = std::move(patterns);
}

RuleTable RuleTable::Share() {
  RuleTable copy;
  copy.chunks_ = chunks_;
  copy.shared_.assign(chunks_.size(), true);
  copy.size_ = size_;
  shared_.assign(chunks_.size(), true);
  return copy;
}

void LiveBase::IndexFields() {
  for (FieldId f = 0; f < program.field_paths.size(); ++f)
    fields.emplace(program.field_paths[f], f);
}

void LiveLevel::Set(const LiveBase& base, std::shared_ptr<const Program> compiled,
                    std::vector<RuleId> rule_ids) {
  auto fields = std::make_shared<std::vector<FieldId>>(base.program.fields.size(), kNone);
  for (FieldId f = 0; f < compiled->field_paths.size(); ++f) {
    auto it = base.fields.find(compiled->field_paths[f]);
    if (it == base.fields.end()) {  // a path the base's walk does not read
      fields->clear();
      break;
    }
    (*fields)[it->second] = f;
  }
  // A base of no fields and a program of none: still replayable.
  if (compiled->field_paths.empty() && fields->empty()) fields->push_back(kNone);
  auto kinds = std::make_shared<std::vector<uint8_t>>(compiled->fields.size(), kQuickAny);
  for (FieldId f = 0; f < compiled->fields.size(); ++f) {
    const FieldIndex& index = compiled->fields[f];
    const bool others = !index.numbers.empty() || !index.trues.empty() || !index.falses.empty() ||
                        !index.nulls.empty() || !index.prefixes.empty() ||
                        !index.suffixes.empty() || index.has_case || index.has_wildcard ||
                        !index.numeric.empty() || !index.cidrs.empty() ||
                        !index.presence_triggers.empty();
    if (!others) (*kinds)[f] = index.strings.empty() ? kQuickNever : kQuickStrings;
  }
  // The filter: 16 bits or more per string, so that about one value in
  // sixteen that is none of them reaches the table.
  size_t strings = 0;
  for (FieldId f = 0; f < compiled->fields.size(); ++f) {
    if ((*kinds)[f] == kQuickStrings) strings += compiled->fields[f].strings.size();
  }
  string_filter.reset();
  string_filter_shift = 64;
  if (strings > 0) {
    int log2_bits = 9;
    while ((size_t{1} << log2_bits) < 16 * strings) ++log2_bits;
    auto bits = std::make_shared<std::vector<uint64_t>>((size_t{1} << log2_bits) / 64, 0);
    const uint64_t seed = NewHashSeed();  // the seed kept values are hashed with
    for (FieldId f = 0; f < compiled->fields.size(); ++f) {
      if ((*kinds)[f] != kQuickStrings) continue;
      compiled->fields[f].strings.ForEach([&](std::string_view key, auto) {
        const uint64_t bit = HashKey(key, seed) >> (64 - log2_bits);
        (*bits)[bit / 64] |= uint64_t{1} << (bit % 64);
      });
    }
    string_filter = std::move(bits);
    string_filter_shift = 64 - log2_bits;
  }
  program = std::move(compiled);
  ids = std::make_shared<const std::vector<RuleId>>(std::move(rule_ids));
  replay = std::move(fields);
  quick = std::move(kinds);
}

uint32_t LiveLevel::Find(RuleId id) const {
  if (!ids) return kNone;
  auto it = std::lower_bound(ids->begin(), ids->end(), id);
  return it != ids->end() && *it == id ? static_cast<uint32_t>(it - ids->begin()) : kNone;
}

void LiveSnapshot::Finish() {
  keep.clear();
  for (const LiveLevel* level : {&mid, &recent}) {
    if (!level->program || level->replay->empty()) continue;
    if (keep.empty()) keep.assign(std::max<size_t>(1, base->program.fields.size()), kNone);
    for (FieldId f = 0; f < base->program.fields.size(); ++f) {
      if ((*level->replay)[f] != kNone) keep[f] = f;
    }
  }
}

uint32_t LiveBase::Find(RuleId id) const {
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  return it != ids.end() && *it == id ? static_cast<uint32_t>(it - ids.begin()) : kNone;
}

LiveState::LiveState(const LiveOptions& options_in)
    : options(options_in), serial(next_serial.fetch_add(1)) {}

LiveState::~LiveState() {
  if (merger.joinable()) merger.join();
  delete current.load();
}

size_t LiveState::MergeThreshold() const {
  if (options.merge_threshold != 0) return options.merge_threshold;
  return std::max<size_t>(4096, present / 64);
}

size_t LiveState::RecentThreshold() const {
  return std::clamp<size_t>(MergeThreshold() / 128, 1, 256);
}

std::unique_ptr<LiveSnapshot> LiveState::Snapshot(LiveLevel recent) const {
  auto snapshot = std::make_unique<LiveSnapshot>();
  snapshot->base = base;
  snapshot->mask = mask;
  snapshot->mid = mid;
  snapshot->mid_mask = mid_mask;
  snapshot->recent = std::move(recent);
  snapshot->Finish();
  return snapshot;
}

void LiveState::Publish(std::unique_ptr<LiveSnapshot> snapshot) {
  snapshot->number = ++published;
  LiveSnapshot* old = current.exchange(snapshot.release());
  const uint64_t ended = epoch.fetch_add(1);
  if (old != nullptr) retired.emplace_back(ended, std::unique_ptr<LiveSnapshot>(old));
}

void LiveState::Reclaim(Garbage* garbage) {
  uint64_t oldest = std::numeric_limits<uint64_t>::max();
  {
    std::lock_guard<std::mutex> lock(registry_mu);
    // A slot only this set holds belongs to a Scratch that is gone.
    std::erase_if(
        slots, [](const std::shared_ptr<LiveReaderSlot>& slot) { return slot.use_count() == 1; });
    for (const auto& slot : slots) {
      const uint64_t e = slot->epoch.load();
      if (e != 0) oldest = std::min(oldest, e);
    }
  }
  std::erase_if(retired, [&](auto& entry) {
    if (entry.first >= oldest) return false;
    garbage->push_back(std::move(entry.second));
    return true;
  });
}

absl::Status LiveState::CompileFrom(const RuleTable& rules, absl::Span<const RuleId> ids,
                                    Program* program) const {
  return CompileRules(
      options, ids,
      [&](RuleId id, std::string_view* name) -> const Alternatives& {
        *name = names.Get(id);
        return rules.Get(id);
      },
      program);
}

RuleSet LiveState::RulesLocked() const {
  RuleSet rules(options.patterns);
  for (RuleId id = 0; id < table.size(); ++id) {
    if (const Alternatives& patterns = table.Get(id)) {
      for (const Pattern& pattern : *patterns) (void)rules.Add(names.Get(id), pattern);
    }
  }
  return rules;
}

absl::Status LiveState::Apply(const LiveMatcher::Changes& changes) {
  Garbage garbage;
  std::lock_guard<std::mutex> lock(mu);
  return ApplyLocked(changes, &garbage);
}

absl::Status LiveState::ApplyLocked(const LiveMatcher::Changes& changes, Garbage* garbage) {
  // The batch folded to one change per name, the last.
  struct Staged {
    RuleId id;  // kNone: a name not present
    std::string_view name;
    Alternatives patterns;  // null: removed
  };
  std::vector<Staged> staged;
  absl::flat_hash_map<absl::string_view, size_t> by_name;
  for (const auto& change : changes.changes_) {
    auto [it, fresh] = by_name.try_emplace(ToAbsl(change.name), staged.size());
    if (fresh) {
      auto found = index.find(ToAbsl(change.name));
      staged.push_back({found == index.end() ? kNone : found->second, change.name, nullptr});
    }
    staged[it->second].patterns =
        change.patterns.empty() ? nullptr
                                : std::make_shared<const std::vector<Pattern>>(change.patterns);
  }
  std::erase_if(staged, [](const Staged& s) { return s.id == kNone && s.patterns == nullptr; });
  if (staged.empty()) return absl::OkStatus();

  // New names take the next ids, in batch order.
  size_t fresh = 0, next_present = present;
  for (Staged& s : staged) {
    if (s.id == kNone) {
      s.id = static_cast<RuleId>(names.size() + fresh++);
      ++next_present;
    } else if (s.patterns == nullptr) {
      --next_present;
    }
  }
  if (next_present > options.compile.max_rules) {
    return absl::ResourceExhaustedError(Cat("the change would leave ", next_present,
                                            " rules, more than CompileOptions::max_rules (",
                                            options.compile.max_rules, ")"));
  }
  if (names.full(fresh)) {
    return absl::ResourceExhaustedError(Cat("a LiveMatcher issues at most ",
                                            NameStore::kChunk * NameStore::kMaxChunks,
                                            " rule ids; recreate it from its Rules()"));
  }

  // The recent level after the change: every id changed after the mid
  // level that is present. When the change only removes rules of the older
  // levels, the current recent program still holds.
  const LiveSnapshot& now = *current.load();
  absl::flat_hash_map<RuleId, const Staged*> by_id;
  bool recompile = false;
  for (const Staged& s : staged) {
    by_id[s.id] = &s;
    recompile |= s.patterns != nullptr || now.recent.Find(s.id) != kNone;
  }
  auto rule = [&](RuleId id, std::string_view* name) -> const Alternatives& {
    auto it = by_id.find(id);
    if (it != by_id.end()) {
      *name = it->second->name;
      return it->second->patterns;
    }
    *name = names.Get(id);
    return table.Get(id);
  };
  LiveLevel recent = now.recent;
  if (recompile) {
    std::vector<RuleId> ids;
    if (now.recent.ids) {
      for (const RuleId id : *now.recent.ids) {
        if (!by_id.contains(id)) ids.push_back(id);
      }
    }
    for (const Staged& s : staged) {
      if (s.patterns != nullptr) ids.push_back(s.id);
    }
    std::sort(ids.begin(), ids.end());
    recent = LiveLevel();
    if (!ids.empty()) {
      auto program = std::make_shared<Program>();
      EVMATCH_RETURN_IF_ERROR(CompileRules(options, ids, rule, program.get()));
      recent.Set(*base, std::move(program), std::move(ids));
    }
  }

  // Commit: nothing below fails.
  ++version;
  for (const Staged& s : staged) {
    if (s.id >= names.size()) {
      names.Append(s.name);
      index.emplace(s.name, s.id);
    } else if (s.patterns == nullptr) {
      index.erase(ToAbsl(s.name));
    }
    table.Set(s.id, s.patterns);
    auto [it, fresh] = changed.try_emplace(s.id, version);
    if (fresh || it->second <= mid_version) ++recent_changes;
    it->second = version;
    if (const uint32_t in_base = base->Find(s.id); in_base != kNone) SetBit(mask, in_base);
    if (const uint32_t in_mid = mid.Find(s.id); in_mid != kNone) SetBit(mid_mask, in_mid);
  }
  present = next_present;
  Publish(Snapshot(std::move(recent)));
  Reclaim(garbage);
  MaybeStartMerge();
  return absl::OkStatus();
}

absl::Status LiveState::Replace(const RuleSet& rules) {
  Garbage garbage;
  std::lock_guard<std::mutex> lock(mu);
  return ApplyLocked(LiveMatcher::Changes::Between(RulesLocked(), rules), &garbage);
}

void LiveState::MaybeStartMerge() {
  if (!options.background_merge || merging) return;
  const bool major = changed.size() >= MergeThreshold();
  if (!major && recent_changes < RecentThreshold()) return;
  if (merger.joinable()) merger.join();  // finished: `merging` is clear
  merging = true;
  merger = std::thread([this, major] {
    (void)(major ? Merge() : MergeChanges());
    std::lock_guard<std::mutex> lock(mu);
    merging = false;
  });
}

void LiveState::PublishFirst(std::shared_ptr<LiveBase> first) {
  present = first->ids.size();
  base = std::move(first);
  mask.assign(Words(present), 0);
  Publish(Snapshot(LiveLevel()));
}

absl::Status LiveState::Checkpoint(const std::string& path) {
  RuleTable rules;
  std::shared_ptr<const LiveBase> current_base;
  bool base_is_current;
  {
    std::lock_guard<std::mutex> lock(mu);
    rules = table.Share();
    current_base = base;
    base_is_current = changed.empty();
  }
  // The rules present in that copy, ascending: with no change since the
  // base, exactly the base's, and its program is theirs.
  std::vector<RuleId> ids;
  for (RuleId id = 0; id < rules.size(); ++id) {
    if (rules.Get(id) != nullptr) ids.push_back(id);
  }
  Program compiled;
  if (!base_is_current) EVMATCH_RETURN_IF_ERROR(CompileFrom(rules, ids, &compiled));
  ImageSources sources;
  sources.present = true;
  for (RuleId id : ids) {
    for (const Pattern& pattern : *rules.Get(id)) sources.patterns.push_back(pattern.ToJson());
    sources.rule_ends.push_back(static_cast<uint32_t>(sources.patterns.size()));
  }
  rules = RuleTable();
  std::string image;
  WriteImage(base_is_current ? current_base->program : compiled, &sources, &image);
  SealImage(&image);
  return WriteFileWhole(path, image);
}

absl::Status LiveState::Merge() {
  std::lock_guard<std::mutex> merge_lock(merge_mu);
  RuleTable rules;
  auto next = std::make_shared<LiveBase>();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (changed.empty()) return absl::OkStatus();
    rules = table.Share();
    next->version = version;
  }
  // Every rule present at that version, compiled with no lock held.
  for (RuleId id = 0; id < rules.size(); ++id) {
    if (rules.Get(id) != nullptr) next->ids.push_back(id);
  }
  absl::Status status = CompileFrom(rules, next->ids, &next->program);
  next->IndexFields();
  rules = RuleTable();  // the chunks no writer has replaced yet stay shared
  std::weak_ptr<const LiveBase> previous;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (status.ok()) {
      // The changes made since the copy become the new mid level.
      for (auto it = changed.begin(); it != changed.end();) {
        if (it->second <= next->version) {
          changed.erase(it++);
        } else {
          ++it;
        }
      }
      std::vector<uint64_t> next_mask(Words(next->ids.size()));
      std::vector<RuleId> mid_ids;
      for (const auto& [id, unused] : changed) {
        const uint32_t in_base = next->Find(id);
        if (in_base != kNone) SetBit(next_mask, in_base);
        if (table.Get(id) != nullptr) mid_ids.push_back(id);
      }
      std::sort(mid_ids.begin(), mid_ids.end());
      std::shared_ptr<Program> program;
      if (!mid_ids.empty()) {
        program = std::make_shared<Program>();
        status = CompileFrom(table, mid_ids, program.get());
      }
      if (status.ok()) {
        previous = base;
        base = std::move(next);
        mask = std::move(next_mask);
        mid = LiveLevel();
        if (program != nullptr) mid.Set(*base, std::move(program), std::move(mid_ids));
        mid_version = version;
        mid_mask.assign(Words(mid.size()), 0);
        recent_changes = 0;
        ++merges;
        Publish(Snapshot(LiveLevel()));
      }
    }
    last_merge = status;
  }
  // The previous base is freed here, not by the next writer: readers leave
  // its snapshots within an event or a batch.
  for (int wait = 0; wait < 1000 && !previous.expired(); ++wait) {
    Garbage garbage;
    {
      std::lock_guard<std::mutex> lock(mu);
      Reclaim(&garbage);
    }
    garbage.clear();
    if (!previous.expired()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return status;
}

absl::Status LiveState::MergeChanges() {
  std::lock_guard<std::mutex> merge_lock(merge_mu);
  RuleTable rules;
  uint64_t at = 0;
  std::shared_ptr<const LiveBase> at_base;
  std::vector<RuleId> ids;  // every changed id present at `at`
  {
    std::lock_guard<std::mutex> lock(mu);
    if (recent_changes == 0) return absl::OkStatus();
    rules = table.Share();
    at = version;
    at_base = base;
    for (const auto& [id, unused] : changed) {
      if (table.Get(id) != nullptr) ids.push_back(id);
    }
  }
  std::sort(ids.begin(), ids.end());
  auto program = std::make_shared<Program>();
  absl::Status status;
  if (!ids.empty()) status = CompileFrom(rules, ids, program.get());
  rules = RuleTable();
  Garbage garbage;
  std::lock_guard<std::mutex> lock(mu);
  // A major merge since the copy took these changes into its base.
  if (status.ok() && base != at_base) return absl::OkStatus();
  LiveLevel next_mid;
  if (status.ok() && !ids.empty()) next_mid.Set(*base, std::move(program), std::move(ids));
  // The changes made since the copy become the recent level.
  std::vector<uint64_t> next_mid_mask(Words(next_mid.size()));
  std::vector<RuleId> recent_ids;
  size_t later = 0;
  for (const auto& [id, changed_at] : changed) {
    if (changed_at <= at) continue;
    ++later;
    if (const uint32_t in_mid = next_mid.Find(id); in_mid != kNone) SetBit(next_mid_mask, in_mid);
    if (table.Get(id) != nullptr) recent_ids.push_back(id);
  }
  std::sort(recent_ids.begin(), recent_ids.end());
  LiveLevel recent;
  if (status.ok() && !recent_ids.empty()) {
    auto recent_program = std::make_shared<Program>();
    status = CompileFrom(table, recent_ids, recent_program.get());
    if (status.ok()) recent.Set(*base, std::move(recent_program), std::move(recent_ids));
  }
  last_merge = status;
  if (!status.ok()) return status;
  mid = std::move(next_mid);
  mid_mask = std::move(next_mid_mask);
  mid_version = at;
  recent_changes = later;
  ++minor_merges;
  Publish(Snapshot(std::move(recent)));
  Reclaim(&garbage);
  return absl::OkStatus();
}

LiveReaderSlot* LiveState::SlotOf(const ScratchState& s) const {
  for (const LiveRegistration& r : s.live_slots) {
    if (r.live == serial) return r.slot.get();
  }
  return nullptr;
}

absl::Status LiveState::Prepare(ScratchState& s) const {
  LiveReaderSlot* slot = SlotOf(s);
  if (slot == nullptr) {
    auto fresh = std::make_shared<LiveReaderSlot>();
    {
      std::lock_guard<std::mutex> lock(registry_mu);
      slots.push_back(fresh);
    }
    s.live_slots.push_back({serial, fresh});
    slot = fresh.get();
  }
  slot->epoch.store(epoch.load());
  const LiveSnapshot& snapshot = *current.load();
  const absl::Status status =
      FitScratch(serial, snapshot, s)
          ? PrepareParser(snapshot.base->program, s)
          : absl::ResourceExhaustedError(
                "cannot allocate the match scratch for this LiveMatcher (out of memory)");
  slot->epoch.store(0, std::memory_order_release);
  return status;
}

template <typename Run>
MatchStatus LiveState::Read(ScratchState& s, Run&& run) const {
  LiveReaderSlot* slot = SlotOf(s);
  if (slot == nullptr) return MatchStatus::kScratchMismatch;
  slot->epoch.store(epoch.load());
  const LiveSnapshot& snapshot = *current.load();
  const MatchStatus status =
      FitScratch(serial, snapshot, s) ? run(snapshot) : MatchStatus::kScratchMismatch;
  slot->epoch.store(0, std::memory_order_release);
  return status;
}

}  // namespace internal

EVMATCH_ABI_NAMESPACE_BEGIN

using internal::LiveSnapshot;
using internal::LiveState;

LiveMatcher::Changes::Changes(const PatternOptions& options) : options_(options) {}

absl::Status LiveMatcher::Changes::Put(std::string_view name,
                                       absl::Span<const std::string_view> patterns_json) {
  RuleSet rules(options_);
  for (std::string_view json : patterns_json) EVMATCH_RETURN_IF_ERROR(rules.Add(name, json));
  if (rules.size() == 0) {
    return internal::MakePatternError(
        absl::StatusCode::kInvalidArgument,
        {std::string(name), "", 0, "A rule needs at least one pattern"});
  }
  changes_.push_back({std::string(name), rules.patterns(0)});
  return absl::OkStatus();
}

absl::Status LiveMatcher::Changes::Put(std::string_view name, absl::Span<const Pattern> patterns) {
  if (name.empty() || patterns.empty()) {
    return internal::MakePatternError(
        absl::StatusCode::kInvalidArgument,
        {std::string(name), "", 0,
         name.empty() ? "Rule name must not be empty" : "A rule needs at least one pattern"});
  }
  changes_.push_back({std::string(name), {patterns.begin(), patterns.end()}});
  return absl::OkStatus();
}

void LiveMatcher::Changes::Remove(std::string_view name) {
  changes_.push_back({std::string(name), {}});
}

LiveMatcher::Changes LiveMatcher::Changes::Between(const RuleSet& before, const RuleSet& after) {
  Changes changes(after.options());
  absl::flat_hash_map<absl::string_view, size_t> old_rules;
  for (size_t i = 0; i < before.size(); ++i) old_rules.emplace(internal::ToAbsl(before.name(i)), i);
  absl::flat_hash_set<absl::string_view> kept;
  for (size_t i = 0; i < after.size(); ++i) {
    const std::vector<Pattern>& patterns = after.patterns(i);
    auto it = old_rules.find(internal::ToAbsl(after.name(i)));
    if (it != old_rules.end()) {
      kept.insert(internal::ToAbsl(after.name(i)));
      const std::vector<Pattern>& old = before.patterns(it->second);
      const bool same =
          old.size() == patterns.size() &&
          std::equal(old.begin(), old.end(), patterns.begin(),
                     [](const Pattern& a, const Pattern& b) { return a.ToJson() == b.ToJson(); });
      if (same) continue;
    }
    changes.changes_.push_back({std::string(after.name(i)), patterns});
  }
  for (size_t i = 0; i < before.size(); ++i) {
    if (!kept.contains(internal::ToAbsl(before.name(i)))) changes.Remove(before.name(i));
  }
  return changes;
}

LiveMatcher::LiveMatcher(std::unique_ptr<LiveState> state) : state_(std::move(state)) {}
LiveMatcher::~LiveMatcher() = default;

absl::StatusOr<std::unique_ptr<LiveMatcher>> LiveMatcher::Create(const RuleSet& rules,
                                                                 const LiveOptions& options) {
  auto state = std::make_unique<LiveState>(options);
  auto base = std::make_shared<internal::LiveBase>();
  EVMATCH_RETURN_IF_ERROR(internal::CompileProgram(rules, options.compile, &base->program));
  base->program.kernel = internal::BestKernel();
  base->IndexFields();
  for (size_t i = 0; i < rules.size(); ++i) {
    const RuleId id = state->names.Append(rules.name(i));
    state->index.emplace(rules.name(i), id);
    state->table.Set(id, std::make_shared<const std::vector<Pattern>>(rules.patterns(i)));
    base->ids.push_back(id);
  }
  state->PublishFirst(std::move(base));
  return std::unique_ptr<LiveMatcher>(new LiveMatcher(std::move(state)));
}

absl::StatusOr<std::unique_ptr<LiveMatcher>> LiveMatcher::Restore(const std::string& path,
                                                                  const LiveOptions& options) {
  auto named = [&path](const absl::Status& status) { return internal::WithPath(path, status); };
  std::string_view image;
  std::shared_ptr<const void> owner;
  EVMATCH_RETURN_IF_ERROR(internal::MapImageFile(path, &image, &owner));
  auto state = std::make_unique<LiveState>(options);
  auto base = std::make_shared<internal::LiveBase>();
  internal::ImageSources sources;
  if (absl::Status status = internal::ReadImage(image, std::move(owner), &base->program, &sources);
      !status.ok()) {
    return named(status);
  }
  if (!sources.present) {
    return named(absl::InvalidArgumentError(
        "the image holds no patterns (Matcher::Save and evmatch compile write none); "
        "LiveMatcher::Restore reads what LiveMatcher::Checkpoint writes"));
  }
  const internal::StringList& names = base->program.rule_names;
  if (names.size() > options.compile.max_rules || state->names.full(names.size())) {
    return named(absl::ResourceExhaustedError(
        internal::Cat("the image has ", names.size(), " rules, more than the limit of ",
                      options.compile.max_rules, " (CompileOptions::max_rules)")));
  }
  // Its options are those it was compiled with; the set's apply from now on.
  base->program.options = options.compile;
  base->program.kernel = internal::BestKernel();
  base->IndexFields();
  uint32_t first = 0;
  for (size_t r = 0; r < names.size(); ++r) {
    const std::string_view name = names[r];
    const uint32_t end = sources.rule_ends[r];
    if (end == first || !state->index.emplace(name, RuleId(r)).second) {
      return named(absl::DataLossError(
          internal::Cat("rule \"", name, "\" has no patterns or repeats a name")));
    }
    auto patterns = std::make_shared<std::vector<Pattern>>();
    for (uint32_t k = first; k < end; ++k) {
      absl::StatusOr<Pattern> pattern = Pattern::Parse(sources.patterns[k], options.patterns);
      if (!pattern.ok()) {
        return named(
            absl::Status(pattern.status().code(),
                         internal::Cat("rule \"", name, "\": ", pattern.status().message())));
      }
      patterns->push_back(*std::move(pattern));
    }
    first = end;
    const RuleId id = state->names.Append(name);
    state->table.Set(id, std::move(patterns));
    base->ids.push_back(id);
  }
  state->PublishFirst(std::move(base));
  return std::unique_ptr<LiveMatcher>(new LiveMatcher(std::move(state)));
}

absl::Status LiveMatcher::Checkpoint(const std::string& path) { return state_->Checkpoint(path); }

absl::Status LiveMatcher::Put(std::string_view name, std::string_view pattern_json) {
  return Put(name, absl::MakeConstSpan(&pattern_json, 1));
}

absl::Status LiveMatcher::Put(std::string_view name,
                              absl::Span<const std::string_view> patterns_json) {
  Changes changes(state_->options.patterns);
  EVMATCH_RETURN_IF_ERROR(changes.Put(name, patterns_json));
  return state_->Apply(changes);
}

absl::Status LiveMatcher::Remove(std::string_view name) {
  Changes changes(state_->options.patterns);
  changes.Remove(name);
  return state_->Apply(changes);
}

absl::Status LiveMatcher::Apply(const Changes& changes) { return state_->Apply(changes); }

absl::Status LiveMatcher::Replace(const RuleSet& rules) { return state_->Replace(rules); }

absl::Status LiveMatcher::Merge() { return state_->Merge(); }

std::optional<RuleId> LiveMatcher::FindRule(std::string_view name) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->index.find(internal::ToAbsl(name));
  if (it == state_->index.end()) return std::nullopt;
  return it->second;
}

RuleSet LiveMatcher::Rules() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->RulesLocked();
}

std::vector<Pattern> LiveMatcher::patterns(std::string_view name) const {
  std::lock_guard<std::mutex> lock(state_->mu);
  auto it = state_->index.find(internal::ToAbsl(name));
  if (it == state_->index.end()) return {};
  return *state_->table.Get(it->second);
}

std::string_view LiveMatcher::rule_name(RuleId id) const {
  return id < state_->names.size() ? state_->names.Get(id) : std::string_view();
}

LiveMatcher::Stats LiveMatcher::stats() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  Stats stats;
  stats.rules = state_->present;
  stats.base_rules = state_->base->ids.size();
  stats.delta_rules = state_->changed.size();
  stats.version = state_->version;
  stats.merges = state_->merges;
  stats.minor_merges = state_->minor_merges;
  stats.merging = state_->merging;
  stats.last_merge = state_->last_merge;
  return stats;
}

absl::Status LiveMatcher::PrepareScratch(Scratch& scratch) const {
  return state_->Prepare(internal::MatcherAccess::StateOf(scratch));
}

MatchStatus LiveMatcher::Match(std::string_view json, size_t capacity, Scratch& scratch,
                               MatchMode mode) const {
  internal::ScratchState& s = internal::MatcherAccess::StateOf(scratch);
  const internal::ScratchClaim claim(s);
  if (!claim.held()) return MatchStatus::kScratchBusy;
  return state_->Read(s, [&](const LiveSnapshot& snapshot) {
    return snapshot.base->program.kernel->run_live(snapshot.View(), json, capacity, mode, s);
  });
}

MatchStatus LiveMatcher::MatchBatch(std::string_view input, size_t capacity, Scratch& scratch,
                                    absl::FunctionRef<void(const BatchEvent&)> on_event,
                                    MatchMode mode) const {
  internal::ScratchState& s = internal::MatcherAccess::StateOf(scratch);
  const internal::ScratchClaim claim(s);
  if (!claim.held()) return MatchStatus::kScratchBusy;
  return state_->Read(s, [&](const LiveSnapshot& snapshot) {
    return snapshot.base->program.kernel->run_live_batch(snapshot.View(), input, capacity, mode, s,
                                                         on_event);
  });
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
