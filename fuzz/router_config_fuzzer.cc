// Arbitrary bytes as an evmatch-router configuration. Nothing may crash; a
// refusal must say where ("<source>:<line>:<column>: "); an accepted
// configuration must be whole: every target compiled, every limit within
// its range, and the enabled rules exactly those of the rule set.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "config.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

// "fuzz.json:<digits>:<digits>: "
bool HasPosition(std::string_view message) {
  constexpr std::string_view kSource = "fuzz.json:";
  if (message.substr(0, kSource.size()) != kSource) return false;
  size_t i = kSource.size();
  for (int part = 0; part < 2; ++part) {
    size_t digits = 0;
    while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i, ++digits;
    if (digits == 0 || i >= message.size() || message[i] != ':') return false;
    ++i;
  }
  return i < message.size() && message[i] == ' ';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<evmatch_router::RouterConfig> config =
      evmatch_router::ParseConfig(text, "fuzz.json");
  if (!config.ok()) {
    Check(config.status().code() == absl::StatusCode::kInvalidArgument);
    Check(HasPosition(
        std::string_view(config.status().message().data(), config.status().message().size())));
    return 0;
  }
  Check(!config->bus.stream.empty());
  Check(config->bus.max_receive_count >= 1 && config->bus.batch_size >= 1);
  Check(config->bus.retry_base_ms <= config->bus.retry_max_ms);
  size_t enabled = 0;
  for (const evmatch_router::RuleConfig& rule : config->rules) {
    if (rule.enabled) {
      Check(rule.name == config->rule_set.name(enabled));
      ++enabled;
    }
    Check(rule.targets.size() <= 5);
    for (const evmatch_router::TargetConfig& target : rule.targets) {
      Check(target.input.has_value());
      Check(!target.stream.empty());
      Check(target.max_retry_attempts >= 0 && target.max_retry_attempts <= 185);
      Check(target.max_event_age_seconds >= 60 && target.max_event_age_seconds <= 86'400);
    }
  }
  Check(enabled == config->rule_set.size());
  return 0;
}
