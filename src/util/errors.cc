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

}  // namespace

std::optional<PatternError> GetPatternError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kPatternErrorUrl);
  PatternError e;
  if (!payload ||
      !internal::DecodePayload(*payload, &e.offset, &e.rule_name, &e.json_pointer, &e.reason)) {
    return std::nullopt;
  }
  return e;
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
  status.SetPayload(kPatternErrorUrl,
                    absl::Cord(EncodePayload(e.offset, e.rule_name, e.json_pointer, e.reason)));
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

std::string EncodePayload(size_t offset, std::string_view first, std::string_view second,
                          std::string_view rest) {
  constexpr std::string_view kNul("\0", 1);
  return Cat(offset, kNul, first.size(), kNul, second.size(), kNul, first, second, rest);
}

bool DecodePayload(const absl::Cord& payload, size_t* offset, std::string* first,
                   std::string* second, std::string* rest) {
  const std::string flat(payload);
  std::vector<absl::string_view> parts =
      absl::StrSplit(flat, absl::MaxSplits(absl::string_view("\0", 1), 3));
  size_t first_size = 0, second_size = 0;
  if (parts.size() != 4 || !absl::SimpleAtoi(parts[0], offset) ||
      !absl::SimpleAtoi(parts[1], &first_size) || !absl::SimpleAtoi(parts[2], &second_size) ||
      parts[3].size() < first_size || parts[3].size() - first_size < second_size) {
    return false;
  }
  *first = std::string(parts[3].substr(0, first_size));
  *second = std::string(parts[3].substr(first_size, second_size));
  *rest = std::string(parts[3].substr(first_size + second_size));
  return true;
}

}  // namespace internal
}  // namespace evmatch
