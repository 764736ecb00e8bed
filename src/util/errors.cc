// Status payloads. A payload is the error's fields joined by NUL bytes under
// a type URL of our own; GetPatternError/GetEventError decode them.

#include "util/errors.h"

#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "util/strings.h"
#include "absl/strings/str_split.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace {

using internal::Append;
using internal::Cat;

constexpr char kPatternErrorUrl[] = "evmatch/PatternError";
constexpr char kEventErrorUrl[] = "evmatch/EventError";

// The offset and the lengths of the rule name and pointer come first, so the
// fields themselves may hold any byte (a key may contain NUL).
std::string Encode(const PatternError& e) {
  constexpr std::string_view kNul("\0", 1);
  return Cat(e.offset, kNul, e.rule_name.size(), kNul, e.json_pointer.size(), kNul,
             e.rule_name, e.json_pointer, e.reason);
}

std::optional<PatternError> Decode(const absl::Cord& cord) {
  const std::string flat(cord);
  std::vector<absl::string_view> parts =
      absl::StrSplit(flat, absl::MaxSplits(absl::string_view("\0", 1), 3));
  PatternError e;
  size_t name_size = 0, pointer_size = 0;
  if (parts.size() != 4 || !absl::SimpleAtoi(parts[0], &e.offset) ||
      !absl::SimpleAtoi(parts[1], &name_size) || !absl::SimpleAtoi(parts[2], &pointer_size) ||
      parts[3].size() < name_size || parts[3].size() - name_size < pointer_size) {
    return std::nullopt;
  }
  e.rule_name = std::string(parts[3].substr(0, name_size));
  e.json_pointer = std::string(parts[3].substr(name_size, pointer_size));
  e.reason = std::string(parts[3].substr(name_size + pointer_size));
  return e;
}

}  // namespace

std::optional<PatternError> GetPatternError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kPatternErrorUrl);
  if (!payload) return std::nullopt;
  return Decode(*payload);
}

std::optional<EventError> GetEventError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kEventErrorUrl);
  if (!payload) return std::nullopt;
  std::string flat(*payload);
  size_t nul = flat.find('\0');
  if (nul == std::string::npos) return std::nullopt;
  EventError e;
  if (!absl::SimpleAtoi(absl::string_view(flat).substr(0, nul), &e.offset)) {
    return std::nullopt;
  }
  e.reason = flat.substr(nul + 1);
  return e;
}

EVMATCH_ABI_NAMESPACE_END

namespace internal {

absl::Status MakePatternError(absl::StatusCode code, const PatternError& e) {
  std::string message;
  if (!e.rule_name.empty()) Append(&message, "rule \"", e.rule_name, "\": ");
  Append(&message, e.json_pointer.empty() ? "/" : e.json_pointer, ": ",
                  e.reason, " (offset ", e.offset, ")");
  absl::Status status(code, message);
  status.SetPayload(kPatternErrorUrl, absl::Cord(Encode(e)));
  return status;
}

absl::Status RelocatePatternError(const absl::Status& status,
                                  std::string_view rule_name,
                                  std::string_view pointer_prefix,
                                  size_t offset_base) {
  std::optional<PatternError> e = GetPatternError(status);
  if (!e) return status;
  e->rule_name = std::string(rule_name);
  e->json_pointer = Cat(pointer_prefix, e->json_pointer);
  e->offset += offset_base;
  return MakePatternError(status.code(), *e);
}

absl::Status MakeEventError(absl::StatusCode code, const EventError& e) {
  absl::Status status(code, Cat("Parameter Event is not valid. ",
                                         e.reason, " (offset ", e.offset, ")"));
  status.SetPayload(kEventErrorUrl,
                    absl::Cord(Cat(e.offset, std::string_view("\0", 1),
                                            e.reason)));
  return status;
}

}  // namespace internal
}  // namespace evmatch
