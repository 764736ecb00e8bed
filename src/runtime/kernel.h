// simdjson kernels. On Demand's types depend on the instruction set a
// translation unit is compiled for, so the walker is compiled once per kernel
// (each in its own namespace) and reached through this table; the Matcher
// picks the best kernel the CPU supports when it is compiled.

#ifndef EVMATCH_SRC_RUNTIME_KERNEL_H_
#define EVMATCH_SRC_RUNTIME_KERNEL_H_

#include <algorithm>
#include <cstddef>
#include <string_view>

#include "evmatch/evmatch.h"

namespace evmatch::internal {

struct Program;
struct ScratchState;

using BatchCallback = absl::FunctionRef<void(const BatchEvent&)>;

// A program of rules changed since a LiveMatcher's base. It numbers its
// rules from 0; `ids` turns them into the live set's ids, ascending.
struct LiveDelta {
  const Program* program;  // nullptr: none
  const RuleId* ids;
  const uint64_t* mask;  // bit r: rule r changed again since (nullptr: none did)
  // Per base field, this delta's field of the same path (kNone: none), when
  // every field of the delta has a base field of its path; then the values
  // the base's walk reads are matched against the delta without a second
  // walk. nullptr: the delta names a path the base lacks.
  const uint32_t* replay_fields;
  // Per field of the delta, what a kept value there can fire (LiveQuick):
  // a delta none of whose kept values can fire, and with no `always`
  // sub-rule, matches nothing and is skipped.
  const uint8_t* quick;
  // A bit per hash of every string of the kQuickStrings fields (the kept
  // value's hash, top bits): a clear bit spares the table lookup.
  // nullptr: none.
  const uint64_t* string_filter;
  int string_filter_shift;  // 64 - log2(bits)
};

// The bit of a kept string's hash in LiveDelta::string_filter.
inline bool MayHoldString(const LiveDelta& delta, uint64_t hash) {
  if (delta.string_filter == nullptr) return true;
  const uint64_t bit = hash >> delta.string_filter_shift;
  return (delta.string_filter[bit / 64] >> (bit % 64) & 1) != 0;
}

// What values a delta's field can fire on.
enum LiveQuick : uint8_t {
  kQuickNever = 0,    // nothing: no entry, no presence trigger
  kQuickStrings = 1,  // only strings in its exact table
  kQuickAny = 2,      // anything else: decided by matching
};

// One snapshot of a LiveMatcher as the kernels see it: a base program whose
// rules `mask` hides (bit r: a delta replaces, or the set removed, base rule
// r), and up to two deltas, older first, each hiding its own rules changed
// again in a newer one. The base numbers its rules from 0; `base_ids` turns
// them into the live set's ids, ascending. The caller has grown the scratch
// for every program of the view; the kernels do not check it again.
struct LiveView {
  const Program* base;
  const RuleId* base_ids;
  const uint64_t* mask;
  LiveDelta deltas[2];
  // Per base field: not kNone when a replayable delta reads it (nullptr:
  // no delta is replayable).
  const uint32_t* keep;
};

struct Kernel {
  const char* name;
  // A parser sized for `capacity` bytes and `max_depth` levels, or nullptr.
  void* (*new_parser)(size_t capacity, size_t max_depth);
  void (*delete_parser)(void* parser);
  MatchStatus (*run)(const Program& program, std::string_view json, size_t capacity,
                     MatchMode mode, ScratchState& scratch);
  MatchStatus (*run_batch)(const Program& program, std::string_view input, size_t capacity,
                           MatchMode mode, ScratchState& scratch, BatchCallback on_event);
  // A LiveMatcher's Match: the event is parsed once and walked for the base,
  // then (rewound) for the delta.
  MatchStatus (*run_live)(const LiveView& view, std::string_view json, size_t capacity,
                          MatchMode mode, ScratchState& scratch);
  // A LiveMatcher's MatchBatch, one line at a time.
  MatchStatus (*run_live_batch)(const LiveView& view, std::string_view input, size_t capacity,
                                MatchMode mode, ScratchState& scratch, BatchCallback on_event);
};

// The best kernel the running CPU supports.
const Kernel* BestKernel();
// The kernel called `name`, if it is built in and the CPU runs it.
const Kernel* FindKernel(std::string_view name);

// Owns one kernel's parser.
class KernelParser {
 public:
  KernelParser() = default;
  KernelParser(const KernelParser&) = delete;
  KernelParser& operator=(const KernelParser&) = delete;
  ~KernelParser() { Reset(); }

  // Makes this a parser of `kernel` with at least the given sizes; keeps the
  // current one when it already fits. False when allocation failed (the
  // parser is then empty).
  bool Prepare(const Kernel* kernel, size_t capacity, size_t max_depth) {
    if (kernel_ == kernel && capacity_ >= capacity && depth_ >= max_depth) return true;
    capacity = kernel_ == kernel ? std::max(capacity, capacity_) : capacity;
    max_depth = kernel_ == kernel ? std::max(max_depth, depth_) : max_depth;
    Reset();
    parser_ = kernel->new_parser(capacity, max_depth);
    if (parser_ == nullptr) return false;
    kernel_ = kernel;
    capacity_ = capacity;
    depth_ = max_depth;
    return true;
  }

  void* get() const { return parser_; }
  const Kernel* kernel() const { return kernel_; }
  size_t capacity() const { return capacity_; }
  size_t depth() const { return depth_; }

 private:
  void Reset() {
    if (parser_ != nullptr) kernel_->delete_parser(parser_);
    parser_ = nullptr;
    kernel_ = nullptr;
    capacity_ = depth_ = 0;
  }

  void* parser_ = nullptr;
  const Kernel* kernel_ = nullptr;
  size_t capacity_ = 0, depth_ = 0;
};

// Access to the insides of Matcher and Scratch for the kernels (and, to run
// a Matcher on a chosen kernel, for tests).
struct MatcherAccess {
  static const Program& ProgramOf(const ::evmatch::Matcher& matcher);
  static ScratchState& StateOf(::evmatch::Scratch& scratch);
  static void SetKernel(::evmatch::Matcher& matcher, const Kernel* kernel);
  static ::evmatch::Matcher Make(std::unique_ptr<Program> program);
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_RUNTIME_KERNEL_H_
