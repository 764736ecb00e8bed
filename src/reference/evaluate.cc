// Reference semantics (SPEC A.3-A.6, D1, D2, D4, D5, D10, D16):
//
// * The event is flattened into scalar leaves keyed by dot-joined paths;
//   arrays are transparent (nested arrays too) but recorded in each leaf's
//   trail. Duplicate keys in an event object: the last occurrence wins.
// * A conjunction holds when every leaf condition holds at once with
//   array-consistent leaves: a condition is met either by absence (it lists
//   exists:false and no leaf has its path) or by one leaf that satisfies one
//   of its matchers, and the leaves chosen for different conditions must be
//   pairwise consistent. The search below tries every choice (backtracking),
//   which is exponential only in the number of conditions.

#include "reference/evaluate.h"

#include <algorithm>
#include <memory>
#include <unordered_set>

#include "util/strings.h"
#include "unicode/case_fold.h"
#include "util/errors.h"

namespace evmatch::internal {
namespace {

// Objects with at most this many members find duplicate keys by comparing.
constexpr size_t kFewMembers = 8;

using Type = JsonValue::Type;

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

}  // namespace

bool Consistent(const EventLeaf& a, const EventLeaf& b) {
  for (const auto& [array, index] : a.trail) {
    for (const auto& [other_array, other_index] : b.trail) {
      if (array == other_array && index != other_index) return false;
    }
  }
  return true;
}

bool AbsenceAllowed(const LeafCondition& condition) {
  return std::any_of(condition.matchers->begin(), condition.matchers->end(),
                     [](const Matcher& m) { return m.kind == MatchKind::kExists && !m.exists; });
}

bool LeafSatisfies(const Matcher& m, const EventLeaf& leaf) {
  const JsonValue& v = *leaf.value;
  const bool is_string = v.is_string();
  const std::string& s = v.text;
  switch (m.kind) {
    case MatchKind::kExact:
      switch (m.value.type) {
        case ScalarType::kString: return is_string && s == m.value.text;
        case ScalarType::kNumber: return v.is_number() && leaf.number == m.numbers[0];
        case ScalarType::kTrue: return v.type == Type::kTrue;
        case ScalarType::kFalse: return v.type == Type::kFalse;
        case ScalarType::kNull: return v.type == Type::kNull;
      }
      return false;
    case MatchKind::kPrefix: return is_string && StartsWith(s, m.strings[0]);
    case MatchKind::kSuffix: return is_string && EndsWith(s, m.strings[0]);
    case MatchKind::kPrefixIgnoreCase:
      return is_string && MatchesIgnoreCase(m.strings[0], s, CaseAnchor::kPrefix);
    case MatchKind::kSuffixIgnoreCase:
      return is_string && MatchesIgnoreCase(m.strings[0], s, CaseAnchor::kSuffix);
    case MatchKind::kEqualsIgnoreCase:
      return is_string && MatchesIgnoreCase(m.strings[0], s, CaseAnchor::kWhole);
    case MatchKind::kWildcard: return is_string && m.wildcards[0].Matches(s);
    case MatchKind::kNumeric: return v.is_number() && m.range->Contains(leaf.number);
    case MatchKind::kExists: return m.exists;
    case MatchKind::kCidr: {
      IpAddress address;
      return is_string && ParseIpAddress(s, &address) == IpParse::kOk && m.cidr->Contains(address);
    }
    case MatchKind::kAnythingBut:
      if (m.anything_but_numbers) {
        return !v.is_number() ||
               std::none_of(m.numbers.begin(), m.numbers.end(),
                            [&](const Decimal& d) { return d == leaf.number; });
      }
      return !is_string || std::find(m.strings.begin(), m.strings.end(), s) ==
                               m.strings.end();
    case MatchKind::kAnythingButPrefix:
      return !is_string || std::none_of(m.strings.begin(), m.strings.end(),
                                        [&](const std::string& p) { return StartsWith(s, p); });
    case MatchKind::kAnythingButSuffix:
      return !is_string || std::none_of(m.strings.begin(), m.strings.end(),
                                        [&](const std::string& p) { return EndsWith(s, p); });
    case MatchKind::kAnythingButIgnoreCase:
      return !is_string ||
             std::none_of(m.strings.begin(), m.strings.end(), [&](const std::string& p) {
               return MatchesIgnoreCase(p, s, CaseAnchor::kWhole);
             });
    case MatchKind::kAnythingButWildcard:
      return !is_string ||
             std::none_of(m.wildcards.begin(), m.wildcards.end(),
                          [&](const WildcardPattern& w) { return w.Matches(s); });
  }
  return false;
}

absl::StatusOr<ReferenceEvent> ReferenceEvent::Parse(std::string_view json,
                                                     const EventOptions& options,
                                                     bool record_pointers, const PathSet* paths) {
  if (json.size() > options.max_event_bytes) {
    return MakeEventError(absl::StatusCode::kResourceExhausted,
                          {options.max_event_bytes,
                           Cat("Event is ", json.size(),
                                        " bytes, more than the limit of ",
                                        options.max_event_bytes,
                                        " bytes (EventOptions::max_event_bytes)")});
  }
  ReferenceEvent event;
  event.root_ = std::make_unique<JsonValue>();
  JsonParseError error;
  // With `paths`, only what they name is built; the rest is validated.
  PartialTree partial;
  partial.paths = paths;
  if (!ParseJsonTree(json, options.max_event_depth, event.root_.get(), &error, &partial)) {
    const bool depth = error.kind == JsonParseError::Kind::kDepth;
    return MakeEventError(depth ? absl::StatusCode::kResourceExhausted
                                : absl::StatusCode::kInvalidArgument,
                          {error.offset, depth ? Cat("Event ", error.reason,
                                                   " (EventOptions::max_event_depth)")
                                               : error.reason});
  }
  if (!event.root_->is_object()) {
    return MakeEventError(absl::StatusCode::kInvalidArgument,
                          {event.root_->offset, "The event is not a JSON object"});
  }
  if (partial.huge_number_offset != std::string::npos) {
    return MakeEventError(
        absl::StatusCode::kInvalidArgument,
        {partial.huge_number_offset, Cat("Number out of range: ", partial.huge_number)});
  }
  std::vector<std::pair<uint32_t, uint32_t>> trail;
  event.record_pointers_ = record_pointers;
  // The tree holds the members on `paths` only: Flatten takes all it has.
  std::string path, pointer;
  event.Flatten(*event.root_, &path, /*at_root=*/true, &trail, &pointer);
  event.last_leaves_ = nullptr;
  return event;
}

void ReferenceEvent::Flatten(const JsonValue& v, std::string* path, bool at_root,
                             std::vector<std::pair<uint32_t, uint32_t>>* trail,
                             std::string* pointer) {
  const size_t pointer_size = pointer->size(), path_size = path->size();
  switch (v.type) {
    case Type::kObject: {
      // Walk backwards so the last occurrence of a duplicate key wins. The
      // few members of most objects are compared with each other; many are
      // hashed.
      const size_t n = v.members.size();
      std::unordered_set<std::string_view> seen;
      if (n > kFewMembers) seen.reserve(n);
      for (size_t i = n; i-- > 0;) {
        const JsonMember& m = v.members[i];
        if (n > kFewMembers) {
          if (!seen.insert(m.key).second) continue;
        } else if (std::any_of(v.members.begin() + static_cast<std::ptrdiff_t>(i) + 1,
                               v.members.end(),
                               [&](const JsonMember& later) { return later.key == m.key; })) {
          continue;
        }
        if (!at_root) path->push_back('.');
        path->append(m.key);
        if (record_pointers_) AppendPointerToken(pointer, m.key);
        Flatten(m.value, path, false, trail, pointer);
        pointer->resize(pointer_size);
        path->resize(path_size);
      }
      return;
    }
    case Type::kArray: {
      const uint32_t id = next_array_id_++;
      if (record_pointers_) array_pointers_.push_back(*pointer);
      for (size_t i = 0; i < v.elements.size(); ++i) {
        trail->emplace_back(id, static_cast<uint32_t>(i));
        if (record_pointers_) Append(pointer, "/", i);
        Flatten(v.elements[i], path, at_root, trail, pointer);
        pointer->resize(pointer_size);
        trail->pop_back();
      }
      return;
    }
    default: {
      EventLeaf leaf;
      leaf.path = *path;
      leaf.value = &v;
      if (v.is_number()) leaf.number = *Decimal::FromJson(v.text);
      leaf.trail.assign(trail->begin(), trail->end());
      if (record_pointers_) {
        leaf.pointer_begin = static_cast<uint32_t>(leaf_pointers_.size());
        leaf.pointer_size = static_cast<uint32_t>(pointer->size());
        leaf_pointers_ += *pointer;
      }
      // The elements of an array of objects give runs of leaves at one path.
      if (last_leaves_ == nullptr || *path != last_path_) {
        last_leaves_ = &by_path_[*path];
        last_path_ = *path;
      }
      last_leaves_->push_back(leaves_.size());
      leaves_.push_back(std::move(leaf));
    }
  }
}

const std::vector<size_t>* ReferenceEvent::LeavesAt(const std::string& path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : &it->second;
}

bool ReferenceEvent::ConsistentChoice(const std::vector<std::vector<const EventLeaf*>>& choices,
                                      std::vector<const EventLeaf*>* chosen) {
  // Depth-first search, the shortest lists first.
  std::vector<size_t> order(choices.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return choices[a].size() < choices[b].size(); });
  chosen->assign(choices.size(), nullptr);
  auto search = [&](auto& self, size_t k) -> bool {
    if (k == order.size()) return true;
    for (const EventLeaf* leaf : choices[order[k]]) {
      bool consistent = true;
      for (size_t j = 0; j < k && consistent; ++j) {
        consistent = Consistent(*(*chosen)[order[j]], *leaf);
      }
      if (!consistent) continue;
      (*chosen)[order[k]] = leaf;
      if (self(self, k + 1)) return true;
    }
    return false;
  };
  return search(search, 0);
}

bool ReferenceEvent::MatchesConjunction(
    const std::vector<LeafCondition>& conjunction) const {
  // Candidate leaves per condition that cannot be met by absence.
  std::vector<std::vector<const EventLeaf*>> choices;
  for (const LeafCondition& condition : conjunction) {
    const std::vector<size_t>* at = LeavesAt(condition.path);
    if (at == nullptr) {
      if (AbsenceAllowed(condition)) continue;
      return false;
    }
    std::vector<const EventLeaf*> candidates;
    for (size_t index : *at) {
      const EventLeaf& leaf = leaves_[index];
      if (std::any_of(condition.matchers->begin(), condition.matchers->end(),
                      [&](const Matcher& m) { return LeafSatisfies(m, leaf); })) {
        candidates.push_back(&leaf);
      }
    }
    if (candidates.empty()) return false;
    choices.push_back(std::move(candidates));
  }
  std::vector<const EventLeaf*> chosen;
  return ConsistentChoice(choices, &chosen);
}

bool ReferenceEvent::Matches(const PatternAst& pattern) const {
  return std::any_of(pattern.conjunctions.begin(), pattern.conjunctions.end(),
                     [&](const auto& c) { return MatchesConjunction(c); });
}

}  // namespace evmatch::internal
