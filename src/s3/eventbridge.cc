// Notification configurations as EventBridge patterns.

#include <simdjson.h>

#include <map>
#include <vector>

#include "evmatch/s3.h"
#include "json/json_tree.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace s3 {
namespace {

using internal::Cat;

// Per concrete type (ParseEventName bit order), what EventBridge sends for it.
constexpr EventBridgeFields kFields[] = {
    {"Object Created", "PutObject", ""},
    {"Object Created", "POST Object", ""},
    {"Object Created", "CopyObject", ""},
    {"Object Created", "CompleteMultipartUpload", ""},
    {"Object Deleted", "DeleteObject", "Permanently Deleted"},
    {"Object Deleted", "DeleteObject", "Delete Marker Created"},
    {"Object Restore Initiated", "", ""},
    {"Object Restore Completed", "", ""},
    {"Object Restore Expired", "", ""},
    {"", "", ""},  // Replication: not sent to EventBridge
    {"", "", ""},
    {"", "", ""},
    {"", "", ""},
    {"Object Deleted", "Lifecycle Expiration", "Permanently Deleted"},
    {"Object Deleted", "Lifecycle Expiration", "Delete Marker Created"},
    {"Object Tags Added", "", ""},
    {"Object Tags Deleted", "", ""},
    {"Object Storage Class Changed", "", ""},
    {"Object Access Tier Changed", "", ""},
    {"Object ACL Updated", "", ""},
    {"", "", ""},  // ReducedRedundancyLostObject
};

std::string Json(std::string_view s) {
  std::string out;
  internal::AppendJsonString(&out, s);
  return out;
}

std::string EscapeWildcard(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

// The key condition's array elements for `prefix` and `suffix` (decoded).
std::string KeyValues(const std::string& prefix, const std::string& suffix) {
  if (suffix.empty()) return "{\"prefix\":" + Json(prefix) + "}";
  if (prefix.empty()) return "{\"suffix\":" + Json(suffix) + "}";
  std::string values =
      "{\"wildcard\":" + Json(EscapeWildcard(prefix) + "*" + EscapeWildcard(suffix)) + "}";
  // Keys shorter than prefix + suffix in which the two overlap by o bytes.
  for (size_t o = 1; o <= std::min(prefix.size(), suffix.size()); ++o) {
    if (prefix.compare(prefix.size() - o, o, suffix, 0, o) == 0) {
      values += "," + Json(prefix + suffix.substr(o));
    }
  }
  return values;
}

}  // namespace

std::optional<EventBridgeFields> EventBridgeFieldsOf(EventSet type) {
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (type == (EventSet{1} << i)) {
      if (kFields[i].detail_type.empty()) return std::nullopt;
      return kFields[i];
    }
  }
  return std::nullopt;
}

absl::StatusOr<std::string> EventBridgePattern(const Configuration& config,
                                               std::string_view bucket) {
  // Per detail-type: the (reason, deletion-type) pairs configured, and all
  // pairs there are.
  struct Group {
    std::vector<const EventBridgeFields*> wanted, all;
  };
  std::map<std::string_view, Group> groups;
  for (size_t i = 0; i < std::size(kFields); ++i) {
    if (kFields[i].detail_type.empty()) {
      if (config.event_set & (EventSet{1} << i)) {
        return absl::InvalidArgumentError(Cat(
            "EventBridge does not send ", EventNames(EventSet{1} << i).front(),
            " events; configuration \"", config.id, "\" has no EventBridge equivalent"));
      }
      continue;
    }
    Group& g = groups[kFields[i].detail_type];
    g.all.push_back(&kFields[i]);
    if (config.event_set & (EventSet{1} << i)) g.wanted.push_back(&kFields[i]);
  }
  absl::StatusOr<std::string> prefix = DecodeKey(config.prefix);
  if (!prefix.ok()) return prefix.status();
  absl::StatusOr<std::string> suffix = DecodeKey(config.suffix);
  if (!suffix.ok()) return suffix.status();
  for (const std::string* decoded : {&*prefix, &*suffix}) {
    if (!simdjson::validate_utf8(decoded->data(), decoded->size())) {
      return absl::InvalidArgumentError(Cat(
          "Configuration \"", config.id, "\" has a filter that decodes to bytes that are not "
          "UTF-8; an EventBridge pattern cannot hold it"));
    }
  }

  // Branches of the pattern: detail-types (JSON strings) and extra detail
  // fields. Detail-types wanted entirely share the first branch.
  struct Branch {
    std::string types, detail;
  };
  std::vector<Branch> branches(1);
  for (const auto& [type, g] : groups) {
    if (g.wanted.empty()) continue;
    if (g.wanted.size() == g.all.size()) {
      branches.front().types += (branches.front().types.empty() ? "" : ",") + Json(type);
      continue;
    }
    for (const EventBridgeFields* f : g.wanted) {
      Branch b{Json(type), ",\"reason\":[" + Json(f->reason) + "]"};
      if (!f->deletion_type.empty()) {
        b.detail += ",\"deletion-type\":[" + Json(f->deletion_type) + "]";
      }
      branches.push_back(std::move(b));
    }
  }
  if (branches.front().types.empty()) branches.erase(branches.begin());

  std::string detail = "\"bucket\":{\"name\":[" + Json(bucket) + "]}";
  if (!prefix->empty() || !suffix->empty()) {
    detail += ",\"object\":{\"key\":[" + KeyValues(*prefix, *suffix) + "]}";
  }
  if (branches.size() == 1) {
    return "{\"source\":[\"aws.s3\"],\"detail-type\":[" + branches.front().types +
           "],\"detail\":{" + detail + branches.front().detail + "}}";
  }
  std::string pattern = "{\"source\":[\"aws.s3\"],\"detail\":{" + detail + "},\"$or\":[";
  for (size_t i = 0; i < branches.size(); ++i) {
    const Branch& b = branches[i];
    pattern += std::string(i ? "," : "") + "{\"detail-type\":[" + b.types + "]";
    if (!b.detail.empty()) pattern += ",\"detail\":{" + b.detail.substr(1) + "}";
    pattern += "}";
  }
  return pattern + "]}";
}

}  // namespace s3
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
