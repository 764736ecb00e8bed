// Arbitrary bytes as a target's input settings and an event:
//
//   <template or path>\n#\n<name> <path>\n...\n#\n<event>
//
// The first part is tried as an InputTransformer's InputTemplate (with the
// listed InputPathsMap), as an InputPath and as an Input. Nothing may crash;
// whatever Apply delivers for a JSON template, an InputPath or an Input must
// be JSON (an Input exactly as given).

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "evmatch/transform.h"

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

bool IsJson(std::string_view text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  return parser.parse(simdjson::padded_string(text)).get(root) == simdjson::SUCCESS;
}

std::vector<std::string_view> Split(std::string_view text, std::string_view separator) {
  std::vector<std::string_view> parts;
  for (size_t at = 0;;) {
    const size_t next = text.find(separator, at);
    parts.push_back(text.substr(at, next == std::string_view::npos ? next : next - at));
    if (next == std::string_view::npos) return parts;
    at = next + separator.size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 16384) return 0;
  const std::vector<std::string_view> parts =
      Split(std::string_view(reinterpret_cast<const char*>(data), size), "\n#\n");
  const std::string_view first = parts[0];
  const std::string_view event_json = parts.size() > 2 ? parts[2] : "{}";

  evmatch::TargetInput::Transformer transformer;
  transformer.input_template = std::string(first);
  if (parts.size() > 1) {
    for (std::string_view line : Split(parts[1], "\n")) {
      const size_t space = line.find(' ');
      if (space == std::string_view::npos) continue;
      transformer.input_paths_map.emplace_back(line.substr(0, space), line.substr(space + 1));
    }
  }
  evmatch::TargetInput as_template, as_path, as_input;
  as_template.input_transformer = transformer;
  as_path.input_path = std::string(first);
  as_input.input = std::string(first);

  evmatch::TransformEvent event;
  const bool parsed = event.Parse(event_json).ok();
  const evmatch::TransformContext context{"rule \"r\"", "arn:aws:events:::rule/r", "2026-12-03"};
  const size_t json_start = std::string_view(first).find_first_not_of(" \t\r\n");
  const bool json_template = json_start != std::string_view::npos &&
                             (first[json_start] == '{' || first[json_start] == '[');
  std::string out;
  for (const evmatch::TargetInput* input : {&as_template, &as_path, &as_input}) {
    absl::StatusOr<evmatch::InputTransform> shape = evmatch::InputTransform::Compile("t", *input);
    if (!shape.ok()) {
      Check(evmatch::GetTargetInputError(shape.status()).has_value());
      continue;
    }
    const evmatch::TransformStatus status = shape->Apply(event, context, &out);
    if (!parsed) {
      Check(status == evmatch::TransformStatus::kNoEvent);
      continue;
    }
    if (status != evmatch::TransformStatus::kOk) continue;
    if (input == &as_input) {
      Check(out == first);
    } else if (input == &as_path || json_template) {
      Check(IsJson(out));
    }
  }
  return 0;
}
