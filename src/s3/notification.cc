// Bucket notification configurations: parsing, S3's validation, and the
// overlap rule (SPEC C.2, C.3).

#include <algorithm>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "evmatch/s3.h"
#include "json/json_tree.h"
#include "util/aws_error.h"
#include "util/status_macros.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace s3 {
namespace {

using internal::Cat;
using internal::JsonMember;
using internal::JsonValue;

constexpr size_t kMaxFilterValue = 1024;

struct Kind {
  std::string_view list;  // "QueueConfigurations"
  std::string_view arn;   // "QueueArn"
  std::string_view service;
  DestinationType type;
};
constexpr Kind kKinds[] = {
    {"QueueConfigurations", "QueueArn", "sqs", DestinationType::kQueue},
    {"TopicConfigurations", "TopicArn", "sns", DestinationType::kTopic},
    {"LambdaFunctionConfigurations", "LambdaFunctionArn", "lambda", DestinationType::kLambda},
};

class Parser {
 public:
  absl::Status Error(std::string_view code, std::string_view text) const {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, code, text, " (at ",
                              pointer_.empty() ? "/" : pointer_, ")");
  }
  absl::Status Malformed(std::string_view what) const {
    return Error("MalformedXML", Cat("The configuration is not well formed: ", what));
  }

  // Runs `f` with the pointer extended by `token`.
  template <typename F>
  absl::Status At(std::string_view token, F&& f) {
    const size_t size = pointer_.size();
    internal::AppendPointerToken(&pointer_, token);
    absl::Status status = f();
    pointer_.resize(size);
    return status;
  }

  absl::Status Document(const JsonValue& root, NotificationConfiguration* out) {
    if (!root.is_object()) return Malformed("expected an object");
    for (const Kind& kind : kKinds) {
      for (const JsonMember& m : root.members) {
        if (m.key != kind.list) continue;
        EVMATCH_RETURN_IF_ERROR(At(m.key, [&] { return List(m.value, kind, out); }));
      }
    }
    for (const JsonMember& m : root.members) {
      if (m.key == "EventBridgeConfiguration") {
        if (!m.value.is_object()) {
          return At(m.key, [&] { return Malformed("EventBridgeConfiguration is an object"); });
        }
        out->eventbridge = true;
      } else if (std::none_of(std::begin(kKinds), std::end(kKinds),
                              [&](const Kind& k) { return k.list == m.key; })) {
        return At(m.key, [&] { return Malformed(Cat("unknown field ", m.key)); });
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status List(const JsonValue& list, const Kind& kind, NotificationConfiguration* out) {
    if (!list.is_array()) return Malformed(Cat(kind.list, " is an array"));
    for (size_t i = 0; i < list.elements.size(); ++i) {
      Configuration c;
      c.type = kind.type;
      EVMATCH_RETURN_IF_ERROR(
          At(std::to_string(i), [&] { return One(list.elements[i], kind, &c); }));
      if (c.id.empty()) c.id = Cat("config-", out->configurations.size() + 1);
      out->configurations.push_back(std::move(c));
    }
    return absl::OkStatus();
  }

  absl::Status One(const JsonValue& v, const Kind& kind, Configuration* c) {
    if (!v.is_object()) return Malformed("a configuration is an object");
    bool have_arn = false, have_events = false;
    for (const JsonMember& m : v.members) {
      EVMATCH_RETURN_IF_ERROR(At(m.key, [&]() -> absl::Status {
        if (m.key == "Id") {
          if (!m.value.is_string()) return Malformed("Id is a string");
          c->id = m.value.text;
        } else if (m.key == kind.arn) {
          if (!m.value.is_string() || !ArnParses(m.value.text, kind.service)) {
            return Error("InvalidArgument", "The ARN could not be parsed");
          }
          c->arn = m.value.text;
          have_arn = true;
        } else if (m.key == "Events") {
          have_events = true;
          return Events(m.value, c);
        } else if (m.key == "Filter") {
          return Filter(m.value, c);
        } else {
          return Malformed(Cat("unknown field ", m.key));
        }
        return absl::OkStatus();
      }));
    }
    if (!have_arn) return Malformed(Cat("missing ", kind.arn));
    if (!have_events) return Malformed("missing Events");
    return absl::OkStatus();
  }

  // arn:partition:service:region:account:resource, service as expected.
  static bool ArnParses(std::string_view arn, std::string_view service) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (parts.size() < 5) {
      const size_t colon = arn.find(':', start);
      if (colon == std::string_view::npos) return false;
      parts.push_back(arn.substr(start, colon - start));
      start = colon + 1;
    }
    return parts[0] == "arn" && !parts[1].empty() && parts[2] == service &&
           start < arn.size();
  }

  absl::Status Events(const JsonValue& v, Configuration* c) {
    if (!v.is_array() || v.elements.empty()) return Malformed("Events is a non-empty array");
    for (size_t i = 0; i < v.elements.size(); ++i) {
      EVMATCH_RETURN_IF_ERROR(At(std::to_string(i), [&]() -> absl::Status {
        const JsonValue& e = v.elements[i];
        if (!e.is_string()) return Malformed("an event is a string");
        absl::StatusOr<EventSet> set = ParseEventName(e.text);
        if (!set.ok()) {
          return Error("InvalidArgument", "The event is not supported for notifications");
        }
        c->events.push_back(e.text);
        c->event_set |= *set;
        return absl::OkStatus();
      }));
    }
    return absl::OkStatus();
  }

  absl::Status Filter(const JsonValue& v, Configuration* c) {
    if (!v.is_object()) return Malformed("Filter is an object");
    for (const JsonMember& key : v.members) {
      EVMATCH_RETURN_IF_ERROR(At(key.key, [&]() -> absl::Status {
        if (key.key != "Key" || !key.value.is_object()) {
          return Malformed("Filter holds one Key object");
        }
        for (const JsonMember& rules : key.value.members) {
          EVMATCH_RETURN_IF_ERROR(At(rules.key, [&] { return FilterRules(rules, c); }));
        }
        return absl::OkStatus();
      }));
    }
    return absl::OkStatus();
  }

  absl::Status FilterRules(const JsonMember& rules, Configuration* c) {
    if (rules.key != "FilterRules" || !rules.value.is_array()) {
      return Malformed("Key holds a FilterRules array");
    }
    bool have_prefix = false, have_suffix = false;
    for (size_t i = 0; i < rules.value.elements.size(); ++i) {
      EVMATCH_RETURN_IF_ERROR(At(std::to_string(i), [&]() -> absl::Status {
        const JsonValue& rule = rules.value.elements[i];
        const JsonValue* name = nullptr;
        const JsonValue* value = nullptr;
        if (rule.is_object()) {
          for (const JsonMember& m : rule.members) {
            if (m.key == "Name") name = &m.value;
            if (m.key == "Value") value = &m.value;
            if (m.key != "Name" && m.key != "Value") return Malformed(Cat("unknown field ", m.key));
          }
        }
        if (name == nullptr || value == nullptr || !name->is_string() || !value->is_string()) {
          return Malformed("a filter rule is {\"Name\": string, \"Value\": string}");
        }
        const std::string lower = absl::AsciiStrToLower(name->text);
        if (lower != "prefix" && lower != "suffix") {
          return Error("InvalidArgument", "filter rule name must be either prefix or suffix");
        }
        if (value->text.size() > kMaxFilterValue) {
          return Error("InvalidArgument",
                       Cat("The filter rule value is longer than ", kMaxFilterValue,
                           " characters"));
        }
        bool& seen = lower == "prefix" ? have_prefix : have_suffix;
        if (seen) {
          return Error("InvalidArgument",
                       Cat("Cannot specify more than one ", lower, " rule in a filter."));
        }
        seen = true;
        (lower == "prefix" ? c->prefix : c->suffix) = value->text;
        return absl::OkStatus();
      }));
    }
    return absl::OkStatus();
  }

  std::string pointer_;
};

// Reversed suffixes of the configurations currently "open" in the overlap
// sweep, with counts so that they can be removed again.
class SuffixTrie {
 public:
  SuffixTrie() : nodes_(1) {}
  void Add(std::string_view suffix, int delta) {
    size_t node = 0;
    nodes_[node].below += delta;
    for (size_t i = suffix.size(); i-- > 0;) {
      auto [it, inserted] = nodes_[node].children.try_emplace(suffix[i], nodes_.size());
      if (inserted) nodes_.emplace_back();
      node = it->second;
      nodes_[node].below += delta;
    }
    nodes_[node].here += delta;
  }
  // Whether an open suffix is a suffix of `suffix` or has it as a suffix.
  bool Overlaps(std::string_view suffix) const {
    size_t node = 0;
    if (nodes_[node].here > 0) return true;
    for (size_t i = suffix.size(); i-- > 0;) {
      auto it = nodes_[node].children.find(suffix[i]);
      if (it == nodes_[node].children.end()) return false;
      node = it->second;
      if (nodes_[node].here > 0) return true;
    }
    return nodes_[node].below > 0;
  }

 private:
  struct Node {
    std::map<char, size_t> children;
    int here = 0;   // open suffixes ending at this node
    int below = 0;  // open suffixes at or below it
  };
  std::vector<Node> nodes_;
};

// Whether one of `a` and `b` is a suffix of the other.
bool SuffixesOverlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(a.size() - n) == b.substr(b.size() - n);
}

// Two configurations that S3 refuses together, if any: per event type, the
// configurations sorted by prefix are swept with a stack of those whose
// prefix is a prefix of the current one, their suffixes in a trie.
std::optional<std::pair<size_t, size_t>> FindOverlap(const std::vector<Configuration>& configs) {
  for (int bit = 0; bit < 32; ++bit) {
    std::vector<size_t> group;
    for (size_t i = 0; i < configs.size(); ++i) {
      if (configs[i].event_set & (EventSet{1} << bit)) group.push_back(i);
    }
    if (group.size() < 2) continue;
    std::sort(group.begin(), group.end(), [&](size_t a, size_t b) {
      return std::tie(configs[a].prefix, a) < std::tie(configs[b].prefix, b);
    });
    SuffixTrie open;
    std::vector<size_t> stack;
    for (size_t i : group) {
      const Configuration& c = configs[i];
      while (!stack.empty() && c.prefix.rfind(configs[stack.back()].prefix, 0) != 0) {
        open.Add(configs[stack.back()].suffix, -1);
        stack.pop_back();
      }
      if (open.Overlaps(c.suffix)) {
        for (size_t j : stack) {  // name the partner (error path only)
          if (SuffixesOverlap(configs[j].suffix, c.suffix)) {
            return std::make_pair(std::min(i, j), std::max(i, j));
          }
        }
      }
      open.Add(c.suffix, +1);
      stack.push_back(i);
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<NotificationConfiguration> ParseNotificationConfiguration(std::string_view json) {
  JsonValue root;
  internal::JsonParseError error;
  if (!internal::ParseJsonTree(json, 64, &root, &error)) {
    return internal::AwsError(absl::StatusCode::kInvalidArgument, "MalformedXML",
                              "The configuration is not valid JSON: ", error.reason, " (offset ",
                              error.offset, ")");
  }
  NotificationConfiguration out;
  Parser parser;
  EVMATCH_RETURN_IF_ERROR(parser.Document(root, &out));
  std::map<std::string_view, size_t> ids;
  for (size_t i = 0; i < out.configurations.size(); ++i) {
    if (!ids.emplace(out.configurations[i].id, i).second) {
      return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                                "Same ID used for multiple configurations (\"",
                                out.configurations[i].id, "\")");
    }
  }
  if (auto pair = FindOverlap(out.configurations)) {
    return internal::AwsError(
        absl::StatusCode::kInvalidArgument, "InvalidArgument",
        "Configuration is ambiguously defined. Cannot have overlapping "
        "suffixes in two rules if the prefixes are overlapping for the same event type. "
        "(configurations \"",
        out.configurations[pair->first].id, "\" and \"", out.configurations[pair->second].id,
        "\")");
  }
  return out;
}

}  // namespace s3
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
