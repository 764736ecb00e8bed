// The reference evaluator: a direct transcription of SPEC section A over a
// fully materialised event. It is the oracle the compiled matcher is tested
// against, so it favours clarity over speed everywhere.

#ifndef EVMATCH_SRC_REFERENCE_EVALUATE_H_
#define EVMATCH_SRC_REFERENCE_EVALUATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/status/statusor.h"
#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "pattern/ast.h"

namespace evmatch::internal {

// A scalar of the event with its dot-joined path and, for every array it sits
// in, (array id, element index): two leaves are array-consistent when they
// agree on the index of every array they share (SPEC D4).
struct EventLeaf {
  std::string path;
  const JsonValue* value = nullptr;
  Decimal number;  // for numbers
  // (array, index) of every array element the leaf lies in, outermost
  // first; most leaves lie in at most two arrays.
  absl::InlinedVector<std::pair<uint32_t, uint32_t>, 2> trail;
  // RFC 6901 pointer, when parsed with record_pointers: a slice of the
  // event's pointer text (ReferenceEvent::pointer).
  uint32_t pointer_begin = 0, pointer_size = 0;
};

// True when the event scalar `leaf` satisfies `m`. exists:false never does:
// absence is the caller's to decide.
bool LeafSatisfies(const Matcher& m, const EventLeaf& leaf);

// True when `a` and `b` agree on the index of every array they share.
bool Consistent(const EventLeaf& a, const EventLeaf& b);

// True when the condition accepts absence (lists exists:false).
bool AbsenceAllowed(const LeafCondition& condition);

class ReferenceEvent {
 public:
  // Parses and flattens an event. Errors: InvalidArgument (not a JSON object,
  // malformed, invalid UTF-8, a number beyond binary64) or ResourceExhausted
  // (size or depth limits), each with an EventError payload.
  // With `record_pointers`, every leaf and array also gets its JSON Pointer
  // (for explanations; the evaluation does not need them). With `paths`,
  // only leaves at those dot-joined paths are recorded: the set must hold
  // every prefix of each path too ("a", "a.b" for "a.b.c"); a pattern is
  // evaluated correctly when it names no other path.
  static absl::StatusOr<ReferenceEvent> Parse(std::string_view json, const EventOptions& options,
                                              bool record_pointers = false,
                                              const PathSet* paths = nullptr);

  ReferenceEvent(ReferenceEvent&&) = default;
  ReferenceEvent& operator=(ReferenceEvent&&) = default;

  // True when any conjunction of `pattern` is satisfied.
  bool Matches(const PatternAst& pattern) const;

  // For explanations: the leaves at `path` (indexes into leaves()), nullptr
  // when there are none; the parsed event; the pointer of array `id` (with
  // record_pointers).
  const std::vector<size_t>* LeavesAt(const std::string& path) const;
  const std::vector<EventLeaf>& leaves() const { return leaves_; }
  const JsonValue& root() const { return *root_; }
  const std::string& array_pointer(uint32_t id) const { return array_pointers_[id]; }
  // The pointer of `leaf` (parsed with record_pointers).
  std::string_view pointer(const EventLeaf& leaf) const {
    return std::string_view(leaf_pointers_).substr(leaf.pointer_begin, leaf.pointer_size);
  }
  // One array-consistent choice of a leaf from each list, or false.
  static bool ConsistentChoice(const std::vector<std::vector<const EventLeaf*>>& choices,
                               std::vector<const EventLeaf*>* chosen);

 private:
  ReferenceEvent() = default;
  // Records the leaves below `value`, whose dot-joined path is `*path` (a
  // buffer the walk extends and restores); at
  // the root (`at_root`) there is no path yet, so that an empty top-level
  // key still counts as a step ({"": {"a": 1}} is ".a", not "a").
  void Flatten(const JsonValue& value, std::string* path, bool at_root,
               std::vector<std::pair<uint32_t, uint32_t>>* trail, std::string* pointer);
  bool MatchesConjunction(const std::vector<LeafCondition>& conjunction) const;

  std::unique_ptr<JsonValue> root_;  // stable address: leaves point into it
  std::vector<EventLeaf> leaves_;
  std::unordered_map<std::string, std::vector<size_t>> by_path_;
  // Flatten: the list of the last leaf's path (map values do not move).
  std::vector<size_t>* last_leaves_ = nullptr;
  std::string last_path_;
  uint32_t next_array_id_ = 0;
  bool record_pointers_ = false;
  std::string leaf_pointers_;  // every leaf's pointer, one after the other
  std::vector<std::string> array_pointers_;                 // by array id, with record_pointers
};

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_REFERENCE_EVALUATE_H_
