// File: evmatch/evmatch.h
// -----------------------------------------------------------------------------
// evmatch matches JSON events against Amazon EventBridge event patterns with
// the service's semantics: exact values, prefix, suffix, equals-ignore-case,
// wildcard, every anything-but form, numeric ranges, exists, cidr, `$or`,
// nested objects and arrays (docs/semantics.md states the whole language).
//
// This header is the pattern front end and the AWS-compatible evaluation
// entry point:
//
//   * `Pattern::Parse` validates one pattern and returns an immutable,
//     shareable `Pattern`, or an `absl::Status` carrying the AWS reason text
//     and a `PatternError` payload (JSON Pointer and byte offset).
//   * `RuleSet` collects named patterns; a name may carry several patterns
//     (the rule matches when any of them does).
//   * `TestEventPattern` mirrors `aws events test-event-pattern`.
//   * `Matcher::Compile` turns a RuleSet into one immutable automaton;
//     `Matcher::Match` evaluates an event against every rule at once, with a
//     caller-owned `Scratch` per thread and no heap allocation per event.
//
// Example:
//
//   absl::StatusOr<evmatch::Pattern> pattern = evmatch::Pattern::Parse(
//       R"({"source":["aws.s3"],"detail":{"object":{"key":[{"suffix":".jpg"}]}}})");
//   if (!pattern.ok()) {
//     std::optional<evmatch::PatternError> where =
//         evmatch::GetPatternError(pattern.status());
//     ...  // where->reason, where->json_pointer, where->offset
//   }
//   absl::StatusOr<bool> hit = evmatch::TestEventPattern(pattern_json, event);
//
// IMPORTANT: no function in this header throws. Errors are `absl::Status`
// values with canonical codes: `InvalidArgument` for malformed patterns or
// events, `ResourceExhausted` for exceeded limits (the message names the
// limit). Functions are thread-compatible; `Pattern` is immutable and safe to
// share between threads.

#ifndef EVMATCH_EVMATCH_H_
#define EVMATCH_EVMATCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "evmatch/abi.h"

namespace evmatch {

namespace internal {
struct PatternAst;
struct Program;
struct ScratchState;
struct MatcherAccess;
}  // namespace internal

EVMATCH_ABI_NAMESPACE_BEGIN

// Dense rule numbers, in order of first addition to the RuleSet.
using RuleId = uint32_t;

// Bytes that must be readable after the end of an event passed to
// Matcher::Match (simdjson's SIMDJSON_PADDING).
inline constexpr size_t kPadding = 64;

// Limits and dialect switches for pattern validation. Every limit is a
// per-call value (no globals); the defaults are EventBridge's (docs/semantics.md,
// "Limits").
struct PatternOptions {
  // Longest pattern text accepted, in bytes (EventBridge API: 4096).
  size_t max_pattern_bytes = 4096;
  // Deepest nesting of objects and arrays in a pattern.
  int max_depth = 64;
  // Most leaf conditions (field arrays) one pattern may contain.
  size_t max_leaf_fields = 256;
  // Most rule combinations a pattern's `$or` arrays may expand to.
  size_t max_or_combinations = 1000;
  // Highest wildcard complexity accepted; 0 means unlimited.
  int max_wildcard_complexity = 10;
  // When true, numbers in `numeric` and numeric `anything-but` conditions must
  // lie in -5e9..5e9 with at most 6 fractional digits (the documented AWS
  // contract) instead of the default binary64 magnitude bound.
  bool aws_numeric_limits = false;
};

// Limits applied to events.
struct EventOptions {
  // Largest event accepted, in bytes (EventBridge: 1 MiB).
  size_t max_event_bytes = size_t{1} << 20;
  // Deepest nesting of objects and arrays in an event.
  int max_event_depth = 64;
};

// Where and why a pattern was rejected. Attached as a payload to every
// pattern error returned by this library.
struct PatternError {
  std::string rule_name;     // empty when the pattern was parsed unnamed
  std::string json_pointer;  // RFC 6901 pointer into the pattern ("" = root)
  size_t offset = 0;         // byte offset into the pattern (or rules) text
  std::string reason;        // the AWS reason text, e.g. "Empty arrays are not allowed"
};

// Returns the `PatternError` carried by `status`, or nullopt when `status` is
// OK or did not come from pattern validation.
EVMATCH_EXPORT std::optional<PatternError> GetPatternError(const absl::Status& status);

// Why an event was rejected: byte offset into the event and a description.
struct EventError {
  size_t offset = 0;
  std::string reason;
};

// Returns the `EventError` carried by `status`, or nullopt when `status` is
// OK or is not an event error.
EVMATCH_EXPORT std::optional<EventError> GetEventError(const absl::Status& status);

// One validated EventBridge pattern. Immutable; copies share the parsed form,
// so copying is cheap and a `Pattern` may be used from any thread.
class EVMATCH_EXPORT Pattern {
 public:
  // Parses and validates `json` (UTF-8 text of a JSON object).
  //
  // Errors (each with a `PatternError` payload):
  //   InvalidArgument   - malformed JSON or any pattern rule violated; the
  //                       reason is the EventBridge text where AWS has one.
  //   ResourceExhausted - a limit of `options` exceeded; the reason names it.
  // Allocates; never throws.
  static absl::StatusOr<Pattern> Parse(std::string_view json,
                                       const PatternOptions& options = {});

  // Compact canonical JSON for this pattern: keys in document order, numbers
  // in shortest exact decimal form, strings minimally escaped. Parsing the
  // result yields a pattern that matches exactly the same events.
  std::string ToJson() const;

  // Number of rule combinations the pattern's `$or` arrays expand to (1 when
  // it has none).
  size_t combinations() const;

 private:
  explicit Pattern(std::shared_ptr<const internal::PatternAst> ast);
  friend const internal::PatternAst& AstOf(const Pattern& pattern);
  friend class RuleSet;  // AddRules builds patterns from its document's tree

  std::shared_ptr<const internal::PatternAst> ast_;
};

// A plain collection of named rules. Each `Add` validates its pattern; a
// rejected pattern leaves the set unchanged. Copyable and movable.
class EVMATCH_EXPORT RuleSet {
 public:
  explicit RuleSet(const PatternOptions& options = {});

  // Validates `pattern_json` and adds it under `name`. Adding under a name
  // already present adds another alternative to that rule.
  // Errors: as `Pattern::Parse`; the payload's `rule_name` is `name`.
  absl::Status Add(std::string_view name, std::string_view pattern_json);
  // Adds an already validated pattern under `name`. Errors: InvalidArgument
  // (with a `PatternError`) when `name` is empty.
  absl::Status Add(std::string_view name, Pattern pattern);

  // Adds every rule of a rules document: a JSON object whose members map a
  // rule name to a pattern or to an array of patterns. Pointers and offsets
  // in errors refer to the rules document.
  //
  // With `errors == nullptr` the first error is returned and nothing is
  // added. Otherwise every invalid pattern appends one status to `*errors`,
  // every valid one is added, and the return value is the first error (or OK).
  // A document that is not such an object is always returned as an error.
  absl::Status AddRules(std::string_view rules_json,
                        std::vector<absl::Status>* errors = nullptr);

  // Number of distinct rule names.
  size_t size() const { return rules_.size(); }
  // Name of rule `index`, in order of first addition. Requires index < size().
  std::string_view name(size_t index) const { return rules_[index].name; }
  // Alternatives of rule `index`. Requires index < size().
  const std::vector<Pattern>& patterns(size_t index) const {
    return rules_[index].patterns;
  }
  const PatternOptions& options() const { return options_; }

 private:
  struct Rule {
    std::string name;
    std::vector<Pattern> patterns;
  };
  void AddParsed(std::string_view name, Pattern pattern);

  PatternOptions options_;
  std::vector<Rule> rules_;
  absl::flat_hash_map<std::string, size_t> index_;  // name -> position in rules_
};

// Evaluates one pattern against one event the way `aws events
// test-event-pattern` does. The event must be a JSON object; the envelope
// fields (`id`, `source`, ...) are not required.
//
// Returns true or false, or:
//   a pattern error (see `Pattern::Parse`, payload `PatternError`);
//   InvalidArgument "Parameter Event is not valid." with an `EventError`
//     payload when the event is not a JSON object, is malformed, holds invalid
//     UTF-8 or a number beyond the binary64 range;
//   ResourceExhausted with an `EventError` payload when the event exceeds
//     `event_options`.
// This entry point re-parses its inputs on every call; it is meant for tools
// and tests, not for hot paths.
EVMATCH_EXPORT absl::StatusOr<bool> TestEventPattern(
    std::string_view pattern_json, std::string_view event_json,
    const PatternOptions& pattern_options = {},
    const EventOptions& event_options = {});

// Evaluates an already parsed pattern against an event; errors as above.
EVMATCH_EXPORT absl::StatusOr<bool> TestEventPattern(const Pattern& pattern,
                                      std::string_view event_json,
                                      const EventOptions& event_options = {});

// Limits of a compiled Matcher.
struct CompileOptions {
  // Most rules (names) a Matcher accepts.
  size_t max_rules = size_t{10} << 20;
  // Most bytes the compiled program may occupy (approximate).
  size_t max_program_bytes = size_t{4} << 30;
  // Largest event Match accepts; a Scratch is sized for it.
  size_t max_event_bytes = size_t{1} << 20;
  // Deepest nesting of objects and arrays in an event, checked where the
  // walk enters: along the paths rules name. Values no rule reaches are
  // skipped without recursion, whatever their depth.
  int max_event_depth = 64;
};

// Result of one Match call. Cheap to return; never ignore it.
enum class MatchStatus : uint8_t {
  kOk = 0,
  kInvalidJson,          // malformed JSON, invalid UTF-8, or not an object
  kInsufficientPadding,  // capacity < json.size() + kPadding
  kEventTooLarge,        // json.size() > CompileOptions::max_event_bytes
  kDepthExceeded,        // nesting deeper than CompileOptions::max_event_depth
                         // where a rule path leads
  kScratchMismatch,      // the Scratch was not prepared for this Matcher
  kScratchBusy,          // the Scratch is in use by another call (debug builds
                         // detect this: another thread, or a MatchBatch callback)
};

// How much of an event Match reads. Both modes give the same matches for
// every event that is valid JSON with unique keys (a dotted key such as
// "a.b" after a key "a" of the same object repeats it: both spell path a.b);
// they differ on what is checked and how far the event is read.
enum class MatchMode : uint8_t {
  // Reads the event to its end: it must be one JSON object, structurally
  // valid and valid UTF-8, with nothing after it, so a malformed event is
  // reported even where no rule looks. Numbers, strings and literals are
  // checked where a rule reads them.
  kComplete = 0,
  // Reads only what the rules need: an object is left as soon as every key
  // some rule path continues with has been seen, so the walk usually stops
  // well before the end of the event. simdjson's first stage still checks
  // UTF-8 and string framing over the whole event, but malformed JSON or
  // trailing bytes after the stopping point go unreported, and of a key
  // repeated in one object the first occurrence may decide (kComplete: the
  // last one; for "a.b" after "a", both).
  kLazy,
};

// One event of a MatchBatch call.
struct BatchEvent {
  size_t index;   // 0-based position among the events of the buffer
  size_t offset;  // byte offset of the event's first byte in the buffer
  MatchStatus status;
  // On kOk, the matching rules, ascending, each once; empty otherwise. Valid
  // during the callback only.
  absl::Span<const RuleId> matches;
};

// Converts a MatchStatus to an absl::Status (OK for kOk). Never allocates for
// kOk.
EVMATCH_EXPORT absl::Status ToStatus(MatchStatus status);
// A stable, human-readable name for `status` ("ok", "invalid JSON", ...).
EVMATCH_EXPORT const char* MatchStatusName(MatchStatus status);

// Per-thread mutable state for Matcher::Match. Owns every buffer Match
// touches. Movable, not copyable. A Scratch may serve several Matchers once
// prepared for each, but only one call at a time: debug builds answer an
// overlapping Match, MatchBatch or MatchDocument with kScratchBusy.
class EVMATCH_EXPORT Scratch {
 public:
  Scratch();
  Scratch(Scratch&&) noexcept;
  Scratch& operator=(Scratch&&) noexcept;
  ~Scratch();
  Scratch(const Scratch&) = delete;  // owns large buffers
  Scratch& operator=(const Scratch&) = delete;

  // Rules matched by the last successful Match, ascending, each once. Valid
  // until the next Match with this Scratch.
  absl::Span<const RuleId> matches() const;

 private:
  friend class Matcher;
  friend struct internal::MatcherAccess;
  std::unique_ptr<internal::ScratchState> state_;
};

// An immutable, compiled set of rules. Thread-safe: share one Matcher across
// threads, each with its own Scratch. Movable, not copyable.
class EVMATCH_EXPORT Matcher {
 public:
  // Compiles every pattern of `rules`. Errors: ResourceExhausted when a limit
  // of `options` is exceeded. Allocates; compile time and memory grow
  // linearly with the rules for exact, prefix, suffix and anything-but
  // conditions.
  static absl::StatusOr<Matcher> Compile(const RuleSet& rules,
                                         const CompileOptions& options = {});

  // Reads back a matcher written by Serialize or Save, which then matches
  // exactly as the one written, with the options it was compiled with. The
  // image depends on the byte order, the format version and this build's
  // memory layout, not on the CPU (docs/persistence.md). Load copies
  // `image` once; LoadFile maps the file read-only and uses it in place
  // (reading it into memory when it cannot be mapped), so loading costs a
  // pass over the bytes instead of a compile. Errors: InvalidArgument when
  // the bytes are not a matcher image or one this build cannot read (another
  // format version, byte order or layout: compile the rules again); DataLoss
  // when the image is truncated, fails its checksum or is inconsistent, with
  // the offset; LoadFile also the file's errno as a status (NotFound, ...).
  // A hostile image is refused, never read out of bounds.
  static absl::StatusOr<Matcher> Load(std::string_view image);
  static absl::StatusOr<Matcher> LoadFile(const std::string& path);

  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;
  ~Matcher();
  Matcher(const Matcher&) = delete;  // large and immutable: share by reference
  Matcher& operator=(const Matcher&) = delete;

  size_t rule_count() const;
  // Name of rule `id`. Requires id < rule_count().
  std::string_view rule_name(RuleId id) const;
  // Approximate bytes held by the compiled program (a loaded one: besides
  // the image, which LoadFile maps instead of holding).
  size_t memory_bytes() const;

  // The compiled program as bytes for Load: about memory_bytes() of them.
  std::string Serialize() const;
  // Writes Serialize() to `path` through a temporary file in the same
  // directory, synced and renamed over `path`: a reader of `path` sees the
  // old image or the new one, never a part. Errors: the errno of the
  // failing call as a status, naming the path.
  absl::Status Save(const std::string& path) const;

  // Sizes `scratch` for this Matcher (allocates). Call once per thread before
  // Match; calling it again, or for another Matcher, only grows the buffers.
  // Errors: ResourceExhausted when the buffers cannot be allocated (the
  // parser for events of CompileOptions::max_event_bytes, most often); Match
  // with that scratch then answers kScratchMismatch.
  absl::Status PrepareScratch(Scratch& scratch) const;

  // Matches one event: `json` must be readable up to `capacity` bytes, and
  // capacity >= json.size() + kPadding. On kOk, scratch.matches() lists the
  // matching rules. The whole event is read: it must be one JSON object,
  // structurally valid and valid UTF-8, with nothing after it; numbers,
  // strings and literals are checked where a rule reads them
  // (docs/semantics.md, "Validity of events").
  // Never allocates once `scratch` is prepared and has seen an event as
  // large (growth is amortised and kept); never throws.
  [[nodiscard]] MatchStatus Match(std::string_view json, size_t capacity, Scratch& scratch,
                                  MatchMode mode = MatchMode::kComplete) const;

  // Matches every event of `input`, NDJSON: one JSON object per line, blank
  // lines skipped. Calls `on_event` once per event, in order, with exactly
  // what Match would report for that line (a line holding two texts, or part
  // of one, is invalid). `input` must be readable up to `capacity` >=
  // input.size() + kPadding bytes. Well-formed lines are read with
  // simdjson's iterate_many in windows of CompileOptions::max_event_bytes; a
  // malformed line sends the rest of its window through Match line by line,
  // and the batch goes on. Returns kOk, or kInsufficientPadding,
  // kScratchMismatch or kScratchBusy (then no event was reported). The
  // callback must not use `scratch`. The first call with a
  // Scratch allocates the stream parser; events never allocate.
  [[nodiscard]] MatchStatus MatchBatch(std::string_view input, size_t capacity,
                                       Scratch& scratch,
                                       absl::FunctionRef<void(const BatchEvent&)> on_event,
                                       MatchMode mode = MatchMode::kComplete) const;

 private:
  friend struct internal::MatcherAccess;
  explicit Matcher(std::unique_ptr<internal::Program> program);
  absl::Status PrepareBuffers(Scratch& scratch) const;
  std::unique_ptr<internal::Program> program_;
};

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_EVMATCH_H_
