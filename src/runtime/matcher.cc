// Public glue for Matcher and Scratch.

#include <simdjson.h>

#include <memory>
#include <new>

#include "compile/program.h"
#include "runtime/kernel.h"
#include "runtime/scratch.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

static_assert(kPadding == simdjson::SIMDJSON_PADDING, "kPadding must equal SIMDJSON_PADDING");

const char* MatchStatusName(MatchStatus status) {
  switch (status) {
    case MatchStatus::kOk: return "ok";
    case MatchStatus::kInvalidJson: return "invalid JSON";
    case MatchStatus::kInsufficientPadding: return "insufficient padding";
    case MatchStatus::kEventTooLarge: return "event too large";
    case MatchStatus::kDepthExceeded: return "nesting depth exceeded";
    case MatchStatus::kScratchMismatch: return "scratch not prepared for this matcher";
    case MatchStatus::kScratchBusy: return "scratch in use by another call";
  }
  return "unknown";
}

absl::Status ToStatus(MatchStatus status) {
  switch (status) {
    case MatchStatus::kOk: return absl::OkStatus();
    case MatchStatus::kInvalidJson: return absl::InvalidArgumentError(MatchStatusName(status));
    case MatchStatus::kInsufficientPadding:
    case MatchStatus::kScratchMismatch:
    case MatchStatus::kScratchBusy:
      return absl::FailedPreconditionError(MatchStatusName(status));
    case MatchStatus::kEventTooLarge:
      return absl::ResourceExhaustedError(
          "event too large: more bytes than CompileOptions::max_event_bytes");
    case MatchStatus::kDepthExceeded:
      return absl::ResourceExhaustedError(
          "nesting depth exceeded: deeper than CompileOptions::max_event_depth");
  }
  return absl::UnknownError(MatchStatusName(status));
}

Scratch::Scratch() : state_(std::make_unique<internal::ScratchState>()) {}
Scratch::Scratch(Scratch&&) noexcept = default;
Scratch& Scratch::operator=(Scratch&&) noexcept = default;
Scratch::~Scratch() = default;

absl::Span<const RuleId> Scratch::matches() const { return state_->matches; }

Matcher::Matcher(std::unique_ptr<internal::Program> program)
    : program_(std::move(program)) {}
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
Matcher::~Matcher() = default;

absl::StatusOr<Matcher> Matcher::Compile(const RuleSet& rules,
                                         const CompileOptions& options) {
  auto program = std::make_unique<internal::Program>();
  absl::Status status = internal::CompileProgram(rules, options, program.get());
  if (!status.ok()) return status;
  program->kernel = internal::BestKernel();
  return Matcher(std::move(program));
}

size_t Matcher::rule_count() const { return program_->rule_names.size(); }

std::string_view Matcher::rule_name(RuleId id) const { return program_->rule_names[id]; }

size_t Matcher::memory_bytes() const { return program_->MemoryBytes(); }

absl::Status Matcher::PrepareScratch(Scratch& scratch) const {
#if defined(__cpp_exceptions)
  try {
    return PrepareBuffers(scratch);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        "cannot allocate the match scratch for this Matcher (out of memory)");
  }
#else
  return PrepareBuffers(scratch);  // an allocation failure aborts, as the build asks
#endif
}

absl::Status Matcher::PrepareBuffers(Scratch& scratch) const {
  internal::ScratchState& s = *scratch.state_;
  const internal::Program& p = *program_;
  internal::GrowScratch(p, s);
  return internal::PrepareParser(p, s);
}

MatchStatus Matcher::Match(std::string_view json, size_t capacity, Scratch& scratch,
                           MatchMode mode) const {
  const internal::ScratchClaim claim(*scratch.state_);
  if (!claim.held()) return MatchStatus::kScratchBusy;
  return program_->kernel->run(*program_, json, capacity, mode, *scratch.state_);
}

MatchStatus Matcher::MatchBatch(std::string_view input, size_t capacity, Scratch& scratch,
                                absl::FunctionRef<void(const BatchEvent&)> on_event,
                                MatchMode mode) const {
  const internal::ScratchClaim claim(*scratch.state_);
  if (!claim.held()) return MatchStatus::kScratchBusy;
  return program_->kernel->run_batch(*program_, input, capacity, mode, *scratch.state_,
                                     on_event);
}

EVMATCH_ABI_NAMESPACE_END

namespace internal {

void GrowScratch(const Program& p, ScratchState& s) {
  auto grow = [](auto& v, size_t n) {
    if (v.size() < n) v.resize(n);  // new elements are zero
  };
  grow(s.preds, p.preds.size());
  grow(s.field_epoch, p.fields.size());
  grow(s.field_head, p.fields.size());
  grow(s.sub_rule_epoch, p.sub_rules.size());
  grow(s.matched_bits, MatchedWords(p.rule_names.size()));
  grow(s.node_object, p.path_nodes.size());
  grow(s.node_leaves, p.path_nodes.size());
  auto reserve = [](auto& v, size_t n) {
    if (v.capacity() < n) v.reserve(n);
  };
  reserve(s.matches, p.rule_names.size());
  reserve(s.candidates, std::min<size_t>(p.sub_rules.size(), 4096));
  reserve(s.triggered, std::min<size_t>(p.preds.size(), 1024));
  reserve(s.leaves, 1024);
  reserve(s.contexts, 1024);
  reserve(s.hits, 1024);
  reserve(s.excludes, 256);
  reserve(s.seen_keys, 256);
  reserve(s.key, 1024);
  grow(s.digits, 1024);
  reserve(s.workspace, 2048);
  reserve(s.condition_leaves, 256);
  reserve(s.condition_ranges, 256);
  reserve(s.choice, 64);
}

absl::Status PrepareParser(const Program& p, ScratchState& s) {
  if (!s.parser.Prepare(p.kernel, p.options.max_event_bytes, ParserDepth(p))) {
    return absl::ResourceExhaustedError(Cat("cannot allocate a parser for events of up to ",
                                            p.options.max_event_bytes,
                                            " bytes (CompileOptions::max_event_bytes)"));
  }
  return absl::OkStatus();
}

bool ScratchFits(const Program& p, const ScratchState& s) {
  return s.preds.size() >= p.preds.size() && s.field_epoch.size() >= p.fields.size() &&
         s.sub_rule_epoch.size() >= p.sub_rules.size() &&
         s.matched_bits.size() >= MatchedWords(p.rule_names.size()) &&
         s.node_object.size() >= p.path_nodes.size() && s.node_leaves.size() >= p.path_nodes.size();
}

}  // namespace internal
}  // namespace evmatch
