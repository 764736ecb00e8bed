// File: evmatch/transform.h
// -----------------------------------------------------------------------------
// What a rule's target receives: EventBridge's three target input options
// (PutTargets' `Input`, `InputPath` and `InputTransformer`) applied to a
// matching event.
//
//   evmatch::TargetInput input;
//   input.input_transformer = {{{"state", "$.detail.state"}},
//                              R"({"instance state": <state>})"};
//   absl::StatusOr<evmatch::InputTransform> shape =
//       evmatch::InputTransform::Compile("my-target", input);
//
//   evmatch::TransformEvent event;            // one per thread, reused
//   if (!event.Parse(event_json).ok()) ...    // once per event
//   std::string payload;                      // reused: no allocation once warm
//   if (shape->Apply(event, {"my-rule", rule_arn, ingestion_time}, &payload) ==
//       evmatch::TransformStatus::kOk) deliver(payload);
//
// Compile validates as PutTargets does, with AWS's texts where AWS has one
// (a TargetInputError payload says which field and where); an error names
// the target. Apply never allocates except to grow `*out`.
//
// docs/transform.md gives the rules: the JSONPath subset, string and JSON
// templates, what each kind of value becomes in each place, the predefined
// placeholders, and when an event is not delivered.

#ifndef EVMATCH_TRANSFORM_H_
#define EVMATCH_TRANSFORM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "evmatch/abi.h"
#include "evmatch/evmatch.h"

namespace evmatch {

namespace internal {
struct TransformEventState;
struct CompiledTransform;
}  // namespace internal

EVMATCH_ABI_NAMESPACE_BEGIN

// One target's input settings, as PutTargets takes them. At most one of the
// three may be set; with none, the target receives the whole event.
struct TargetInput {
  // `Input`: JSON text sent as it is (at most 8,192 bytes).
  std::optional<std::string> input;
  // `InputPath`: a JSONPath (at most 256 bytes) selecting what is sent.
  std::optional<std::string> input_path;
  // `InputTransformer`.
  struct Transformer {
    // `InputPathsMap`: placeholder name -> JSONPath, at most 100 entries.
    std::vector<std::pair<std::string, std::string>> input_paths_map;
    // `InputTemplate`: 1 to 8,192 bytes, with <name> placeholders.
    std::string input_template;
  };
  std::optional<Transformer> input_transformer;
};

// Where and why a TargetInput was refused; the payload of every error
// InputTransform::Compile returns.
struct TargetInputError {
  std::string target_id;
  // "Input", "InputPath", "InputTransformer.InputPathsMap.<name>" or
  // "InputTransformer.InputTemplate"; empty for the choice among them.
  std::string field;
  size_t offset = 0;   // byte offset into that field's text
  std::string reason;  // AWS's text where AWS has one
};

// The TargetInputError carried by `status`, or nullopt.
EVMATCH_EXPORT std::optional<TargetInputError> GetTargetInputError(const absl::Status& status);

// An event parsed for InputTransform::Apply: parse once, apply the
// transforms of every target it goes to. Keeps its buffers from event to
// event. One per thread; movable.
class EVMATCH_EXPORT TransformEvent {
 public:
  TransformEvent();
  ~TransformEvent();
  TransformEvent(TransformEvent&&) noexcept;
  TransformEvent& operator=(TransformEvent&&) noexcept;

  // Copies and indexes `event_json`, a JSON object within `options`' limits.
  // An invalid event gets an EventError payload (InvalidArgument, or
  // ResourceExhausted for a limit), as Matcher's callers see from
  // TestEventPattern; the previous event is then gone.
  absl::Status Parse(std::string_view event_json, const EventOptions& options = {});

 private:
  friend class InputTransform;
  std::unique_ptr<internal::TransformEventState> state_;
};

// What the predefined placeholders stand for.
struct TransformContext {
  std::string_view rule_name;       // <aws.events.rule-name>
  std::string_view rule_arn;        // <aws.events.rule-arn>
  std::string_view ingestion_time;  // <aws.events.event.ingestion-time>, ISO 8601
};

enum class TransformStatus : uint8_t {
  kOk,            // *out holds the payload
  kInvalidJson,   // a JSON template gave text that is not JSON: not delivered
  kPathNotFound,  // the InputPath selects nothing: not delivered
  kNoEvent,       // the TransformEvent holds no event (never parsed, or failed)
};

// "ok", "invalid-json", "path-not-found", "no-event".
EVMATCH_EXPORT const char* TransformStatusName(TransformStatus status);

// A target's input settings, validated and compiled. Immutable and
// thread-safe; copyable (copies share the compiled form).
class EVMATCH_EXPORT InputTransform {
 public:
  // Validates `input` as PutTargets does; `target_id` names the target in
  // errors (InvalidArgument with a TargetInputError payload).
  static absl::StatusOr<InputTransform> Compile(std::string_view target_id,
                                                const TargetInput& input);

  // The payload for `event`, replacing *out. `event` serves as scratch for
  // checking a JSON template's result, hence non-const.
  [[nodiscard]] TransformStatus Apply(TransformEvent& event, const TransformContext& context,
                                      std::string* out) const;

 private:
  explicit InputTransform(std::shared_ptr<const internal::CompiledTransform> compiled);
  std::shared_ptr<const internal::CompiledTransform> compiled_;
};

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_TRANSFORM_H_
