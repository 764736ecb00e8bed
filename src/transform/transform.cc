// InputTransform: PutTargets' checks, a template compiled into segments, and
// the segments written out against an indexed event (docs/transform.md).

#include "evmatch/transform.h"

#include <simdjson.h>

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/cord.h"
#include "transform/event_index.h"
#include "transform/json_path.h"
#include "util/errors.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace evmatch {
namespace internal {

struct Segment {
  enum class Kind : uint8_t {
    kLiteral,
    kPath,
    kRuleName,
    kRuleArn,
    kIngestionTime,
    kEvent,
    kEventJson
  };
  // Where a placeholder stands: a JSON value of a JSON template, inside a
  // string of a JSON template, or anywhere in a string template.
  enum class Place : uint8_t { kValue, kInString, kText };
  Kind kind = Kind::kLiteral;
  Place place = Place::kText;
  uint32_t begin = 0, size = 0;  // kLiteral: bytes of the template
  uint32_t path = 0;             // kPath: index into CompiledTransform::paths
};

struct CompiledTransform {
  enum class Kind : uint8_t { kWholeEvent, kConstant, kPath, kTemplate };
  Kind kind = Kind::kWholeEvent;
  std::string text;             // Input, or InputTemplate
  std::vector<JsonPath> paths;  // InputPath: one; InputTransformer: one per map entry
  std::vector<Segment> segments;
  bool json_template = false;
};

namespace {

constexpr char kTargetInputErrorUrl[] = "evmatch/TargetInputError";
constexpr size_t kMaxInputBytes = 8192;
constexpr size_t kMaxPathBytes = 256;
constexpr size_t kMaxPaths = 100;
constexpr size_t kMaxNameBytes = 256;

absl::Status InputError(const TargetInputError& e) {
  std::string message = e.reason;
  if (!e.field.empty()) Append(&message, " (", e.field, ", offset ", e.offset, ")");
  absl::Status status(absl::StatusCode::kInvalidArgument, message);
  status.SetPayload(kTargetInputErrorUrl,
                    absl::Cord(EncodePayload(e.offset, e.target_id, e.field, e.reason)));
  return status;
}

bool IsMapKeyChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool IsPlaceholderChar(char c) { return IsMapKeyChar(c) || c == '.'; }

// The first byte of `text` from `from` on that is not JSON whitespace, or 0.
char NextToken(std::string_view text, size_t from) {
  while (from < text.size() && IsJsonSpace(text[from])) ++from;
  return from < text.size() ? text[from] : '\0';
}

// `text` (valid UTF-8) as the inside of a JSON string literal.
void AppendJsonEscaped(std::string* out, std::string_view text) {
  const size_t at = out->size();
  AppendJsonString(out, text);
  out->pop_back();
  out->erase(at, 1);
}

// Removes the quotation marks of the minified JSON at out[at..] (escaped
// ones stay).
void StripQuotes(std::string* out, size_t at) {
  size_t w = at;
  for (size_t r = at; r < out->size(); ++r) {
    const char c = (*out)[r];
    if (c == '\\' && r + 1 < out->size()) {
      (*out)[w++] = c;
      (*out)[w++] = (*out)[++r];
    } else if (c != '"') {
      (*out)[w++] = c;
    }
  }
  out->resize(w);
}

using Place = Segment::Place;

// Non-const `event`: objects and arrays go through its minified-value memo.
void AppendNode(TransformEventState& event, uint32_t node, Place place, std::string* out) {
  const EventNode& n = event.nodes[node];
  const std::string_view text = event.Text(n);
  switch (n.type) {
    case NodeType::kString:
      out->append(place == Place::kValue ? text : text.substr(1, text.size() - 2));
      return;
    case NodeType::kObject:
    case NodeType::kArray: {
      if (event.minified_node != node) {
        event.minified.clear();
        AppendMinified(&event.minified, text);
        event.minified_node = node;
      }
      const size_t at = out->size();
      out->append(event.minified);
      if (place == Place::kText) StripQuotes(out, at);
      return;
    }
    default:
      out->append(text);
  }
}

// Appends what `path` selects; false when a definite path selects nothing
// (nothing appended).
bool AppendPath(TransformEventState& event, const JsonPath& path, Place place, std::string* out) {
  if (path.definite) {
    bool found = false;
    SelectNodes(event, path, 0, 0, [&](uint32_t node) {
      AppendNode(event, node, place, out);
      found = true;
    });
    return found;
  }
  const size_t at = out->size();
  out->push_back('[');
  SelectNodes(event, path, 0, 0, [&](uint32_t node) {
    if (out->size() > at + 1) out->push_back(',');
    AppendNode(event, node, Place::kValue, out);
  });
  out->push_back(']');
  if (place == Place::kText) StripQuotes(out, at);  // as for any array
  return true;
}

void AppendContext(std::string_view value, Place place, std::string* out) {
  switch (place) {
    case Place::kValue:
      AppendJsonString(out, value);
      return;
    case Place::kInString:
      AppendJsonEscaped(out, value);
      return;
    case Place::kText:
      out->append(value);
      return;
  }
}

// <aws.events.event>: the envelope without "detail", "detail-type" spelled
// "detailType".
void AppendEnvelope(const TransformEventState& event, std::string* out) {
  out->push_back('{');
  bool first = true;
  for (uint32_t c = event.nodes[0].first; c != kNoNode; c = event.nodes[c].next) {
    const EventNode& member = event.nodes[c];
    const std::string_view key = event.Key(member);
    if (key == "detail") continue;
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(out, key == "detail-type" ? std::string_view("detailType") : key);
    out->push_back(':');
    AppendMinified(out, event.Text(member));
  }
  out->push_back('}');
}

bool IsJson(TransformEventState& event, std::string_view text) {
  event.check_buffer.assign(text);
  event.check_buffer.resize(text.size() + simdjson::SIMDJSON_PADDING, ' ');
  simdjson::dom::element root;
  return event.checker.parse(event.check_buffer.data(), text.size(), false).get(root) ==
         simdjson::SUCCESS;
}

// PutTargets' checks of one target's input, each compiling what it checks.
// Errors name the target and carry a TargetInputError payload.
class TargetChecker {
 public:
  explicit TargetChecker(std::string_view target_id) : target_id_(target_id) {}

  absl::Status Error(std::string field, size_t offset, std::string reason) const {
    return InputError({std::string(target_id_), std::move(field), offset, std::move(reason)});
  }

  // `Input`: JSON text of at most 8,192 bytes.
  absl::Status Input(const std::string& text, CompiledTransform* out) const {
    if (text.size() > kMaxInputBytes) {
      return Error("Input", kMaxInputBytes,
                   Cat("Input for target ", target_id_, " is ", text.size(),
                       " bytes; at most 8192 are allowed"));
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto e = parser.parse(simdjson::padded_string(text)).get(root)) {
      return Error(
          "Input", 0,
          Cat("Input for target ", target_id_, " is not valid JSON: ", simdjson::error_message(e)));
    }
    out->kind = CompiledTransform::Kind::kConstant;
    out->text = text;
    return absl::OkStatus();
  }

  // A path of InputPath or InputPathsMap (`field` names it).
  absl::Status Path(const std::string& field, std::string_view text, JsonPath* out) const {
    if (text.size() > kMaxPathBytes) {
      return Error(field, kMaxPathBytes,
                   Cat(field, " for target ", target_id_, " is ", text.size(),
                       " bytes; at most 256 are allowed"));
    }
    std::string reason;
    size_t offset = 0;
    if (!ParseJsonPath(text, out, &reason, &offset)) {
      return Error(
          field, offset,
          Cat(field, " for target ", target_id_, " is not a supported JSONPath: ", reason));
    }
    return absl::OkStatus();
  }

  // `InputTransformer`: the map, then the template.
  absl::Status Transformer(const TargetInput::Transformer& t, CompiledTransform* out) const {
    out->kind = CompiledTransform::Kind::kTemplate;
    if (t.input_paths_map.size() > kMaxPaths) {
      return Error("InputTransformer.InputPathsMap", 0,
                   Cat("InputPathsMap for target ", target_id_, " has ", t.input_paths_map.size(),
                       " entries; at most 100 are allowed"));
    }
    Names names;
    for (const auto& [name, text] : t.input_paths_map) {
      const std::string field = Cat("InputTransformer.InputPathsMap.", name);
      size_t bad = 0;
      while (bad < name.size() && IsMapKeyChar(name[bad])) ++bad;
      if (name.empty() || name.size() > kMaxNameBytes || bad < name.size()) {
        return Error(field, bad,
                     Cat("InputPathsMap key \"", name, "\" for target ", target_id_,
                         " must be 1 to 256 characters of A-Z a-z 0-9 _ -"));
      }
      if (!names.emplace(name, static_cast<uint32_t>(out->paths.size())).second) {
        return Error(field, 0,
                     Cat("InputPathsMap for target ", target_id_, " names \"", name, "\" twice"));
      }
      out->paths.emplace_back();
      EVMATCH_RETURN_IF_ERROR(Path(field, text, &out->paths.back()));
    }
    return Template(t.input_template, names, out);
  }

 private:
  using Names = absl::flat_hash_map<absl::string_view, uint32_t>;  // -> index into paths

  // Cuts `tpl` into literals and placeholders, each placeholder with its
  // place: JSON strings are followed (escapes included) in a JSON template.
  absl::Status Template(const std::string& tpl, const Names& names, CompiledTransform* out) const {
    const std::string field = "InputTransformer.InputTemplate";
    if (tpl.empty() || tpl.size() > kMaxInputBytes) {
      return Error(field, 0,
                   Cat("InputTemplate for target ", target_id_, " is ", tpl.size(),
                       " bytes; it must be 1 to 8192"));
    }
    const char first = NextToken(tpl, 0);
    const bool json = first == '{' || first == '[';
    out->json_template = json;
    out->text = tpl;
    bool in_string = false;
    size_t string_start = 0, literal = 0;
    std::string_view string_placeholder;  // the first placeholder of this string
    auto flush = [&](size_t end) {
      if (end > literal) {
        Segment s;
        s.begin = static_cast<uint32_t>(literal);
        s.size = static_cast<uint32_t>(end - literal);
        out->segments.push_back(s);
      }
    };
    for (size_t i = 0; i < tpl.size();) {
      const char c = tpl[i];
      if (json && in_string && c == '\\') {
        i += 2;
        continue;
      }
      if (json && c == '"') {
        in_string = !in_string;
        if (in_string) {
          string_start = i;
          string_placeholder = {};
        } else if (!string_placeholder.empty() && NextToken(tpl, i + 1) == ':') {
          return AsKey(string_start, string_placeholder);
        }
        ++i;
        continue;
      }
      size_t end = i + 1;
      while (c == '<' && end < tpl.size() && IsPlaceholderChar(tpl[end])) ++end;
      if (c != '<' || end == i + 1 || end >= tpl.size() || tpl[end] != '>') {
        ++i;
        continue;
      }
      const std::string_view name = std::string_view(tpl).substr(i + 1, end - i - 1);
      Segment s;
      s.place = !json       ? Segment::Place::kText
                : in_string ? Segment::Place::kInString
                            : Segment::Place::kValue;
      EVMATCH_RETURN_IF_ERROR(Placeholder(name, names, i, &s));
      if (in_string && string_placeholder.empty()) string_placeholder = name;
      if (s.place == Segment::Place::kValue && NextToken(tpl, end + 1) == ':') {
        return AsKey(i, name);
      }
      flush(i);
      out->segments.push_back(s);
      literal = i = end + 1;
    }
    flush(tpl.size());
    return absl::OkStatus();
  }

  // What placeholder `name` (at byte `at`) stands for, into `s->kind`.
  absl::Status Placeholder(std::string_view name, const Names& names, size_t at, Segment* s) const {
    if (auto it = names.find(ToAbsl(name)); it != names.end()) {
      s->kind = Segment::Kind::kPath;
      s->path = it->second;
    } else if (name == "aws.events.rule-name") {
      s->kind = Segment::Kind::kRuleName;
    } else if (name == "aws.events.rule-arn") {
      s->kind = Segment::Kind::kRuleArn;
    } else if (name == "aws.events.event.ingestion-time") {
      s->kind = Segment::Kind::kIngestionTime;
    } else if (name == "aws.events.event") {
      s->kind = Segment::Kind::kEvent;
    } else if (name == "aws.events.event.json") {
      s->kind = Segment::Kind::kEventJson;
    } else {
      return Error("InputTransformer.InputTemplate", at,
                   Cat("InputTemplate for target ", target_id_, " contains invalid placeholder ",
                       name, "."));
    }
    if ((s->kind == Segment::Kind::kEvent || s->kind == Segment::Kind::kEventJson) &&
        s->place != Segment::Place::kValue) {
      return Error("InputTransformer.InputTemplate", at,
                   Cat("InputTemplate for target ", target_id_, " uses <", name,
                       "> inside a string; it may only stand as a JSON value of a JSON "
                       "template"));
    }
    return absl::OkStatus();
  }

  absl::Status AsKey(size_t at, std::string_view name) const {
    return Error("InputTransformer.InputTemplate", at,
                 Cat("InputTemplate for target ", target_id_, " uses placeholder <", name,
                     "> in an object key; placeholders may stand for values only"));
  }

  std::string_view target_id_;
};

}  // namespace
}  // namespace internal

EVMATCH_ABI_NAMESPACE_BEGIN

using internal::Cat;
using internal::CompiledTransform;
using internal::Segment;

std::optional<TargetInputError> GetTargetInputError(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(internal::kTargetInputErrorUrl);
  TargetInputError e;
  if (!payload ||
      !internal::DecodePayload(*payload, &e.offset, &e.target_id, &e.field, &e.reason)) {
    return std::nullopt;
  }
  return e;
}

const char* TransformStatusName(TransformStatus status) {
  switch (status) {
    case TransformStatus::kOk:
      return "ok";
    case TransformStatus::kInvalidJson:
      return "invalid-json";
    case TransformStatus::kPathNotFound:
      return "path-not-found";
    case TransformStatus::kNoEvent:
      return "no-event";
  }
  return "unknown";
}

TransformEvent::TransformEvent() : state_(std::make_unique<internal::TransformEventState>()) {}
TransformEvent::~TransformEvent() = default;
TransformEvent::TransformEvent(TransformEvent&&) noexcept = default;
TransformEvent& TransformEvent::operator=(TransformEvent&&) noexcept = default;

absl::Status TransformEvent::Parse(std::string_view event_json, const EventOptions& options) {
  if (state_ == nullptr) state_ = std::make_unique<internal::TransformEventState>();
  return internal::ParseEvent(event_json, options, state_.get());
}

InputTransform::InputTransform(std::shared_ptr<const CompiledTransform> compiled)
    : compiled_(std::move(compiled)) {}

absl::StatusOr<InputTransform> InputTransform::Compile(std::string_view target_id,
                                                       const TargetInput& input) {
  const internal::TargetChecker check(target_id);
  const int set = int{input.input.has_value()} + int{input.input_path.has_value()} +
                  int{input.input_transformer.has_value()};
  if (set > 1) {
    return check.Error("", 0,
                       Cat("Only one of Input, InputPath, or InputTransformer must be provided "
                           "for target ",
                           target_id, "."));
  }
  auto compiled = std::make_shared<CompiledTransform>();
  absl::Status status;
  if (input.input) {
    status = check.Input(*input.input, compiled.get());
  } else if (input.input_path) {
    compiled->kind = CompiledTransform::Kind::kPath;
    compiled->paths.emplace_back();
    status = check.Path("InputPath", *input.input_path, &compiled->paths[0]);
  } else if (input.input_transformer) {
    status = check.Transformer(*input.input_transformer, compiled.get());
  }
  if (!status.ok()) return status;
  return InputTransform(std::move(compiled));
}

TransformStatus InputTransform::Apply(TransformEvent& event, const TransformContext& context,
                                      std::string* out) const {
  out->clear();
  internal::TransformEventState* s = event.state_.get();
  if (s == nullptr || !s->parsed) return TransformStatus::kNoEvent;
  const CompiledTransform& c = *compiled_;
  switch (c.kind) {
    case CompiledTransform::Kind::kWholeEvent:
      out->append(s->Text(s->nodes[0]));
      return TransformStatus::kOk;
    case CompiledTransform::Kind::kConstant:
      out->append(c.text);
      return TransformStatus::kOk;
    case CompiledTransform::Kind::kPath:
      return internal::AppendPath(*s, c.paths[0], Segment::Place::kValue, out)
                 ? TransformStatus::kOk
                 : TransformStatus::kPathNotFound;
    case CompiledTransform::Kind::kTemplate:
      break;
  }
  for (const Segment& seg : c.segments) {
    switch (seg.kind) {
      case Segment::Kind::kLiteral:
        out->append(c.text, seg.begin, seg.size);
        break;
      case Segment::Kind::kPath:
        if (!internal::AppendPath(*s, c.paths[seg.path], seg.place, out) &&
            seg.place == Segment::Place::kValue) {
          out->append("\"\"");  // a value that is missing: the empty string
        }
        break;
      case Segment::Kind::kRuleName:
        internal::AppendContext(context.rule_name, seg.place, out);
        break;
      case Segment::Kind::kRuleArn:
        internal::AppendContext(context.rule_arn, seg.place, out);
        break;
      case Segment::Kind::kIngestionTime:
        internal::AppendContext(context.ingestion_time, seg.place, out);
        break;
      case Segment::Kind::kEvent:
        internal::AppendEnvelope(*s, out);
        break;
      case Segment::Kind::kEventJson:
        internal::AppendMinified(out, s->Text(s->nodes[0]));
        break;
    }
  }
  if (c.json_template && !internal::IsJson(*s, *out)) return TransformStatus::kInvalidJson;
  return TransformStatus::kOk;
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
