// The immutable Program a Matcher runs: every rule of a RuleSet expanded into
// sub-rules (one per `$or` combination), their leaf conditions reduced to
// deduplicated predicates on numbered fields, and per-field value indexes
// that turn one event value into the predicates it satisfies in time that
// depends on the matches, not on the number of rules.
//
// Vocabulary:
//   field      a dot-joined leaf path some rule names ("detail.state").
//   predicate  one matcher on one field, shared by every rule that uses it.
//              Positive predicates are satisfied by a value (exact, prefix,
//              numeric, ...); anything-but predicates hold for every value of
//              the field that no index entry excludes; exists predicates
//              depend only on the presence of values.
//   condition  one leaf of a sub-rule: a field and the OR of its predicates.
//   trigger    the predicate hits (or field presences) that make a sub-rule
//              worth checking. Each sub-rule is registered under exactly one
//              of its conditions, the most selective one, so a common value
//              such as "source": "aws.ec2" does not wake every rule that
//              mentions it.

#ifndef EVMATCH_SRC_COMPILE_PROGRAM_H_
#define EVMATCH_SRC_COMPILE_PROGRAM_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "compile/indexes.h"
#include "evmatch/evmatch.h"
#include "pattern/ast.h"
#include "util/strings.h"

namespace evmatch::internal {

using FieldId = uint32_t;
using SubRuleId = uint32_t;

struct WildcardEntry {
  WildcardPattern pattern;
  Entry entry;
};

struct CaseEntry {
  std::string pattern;  // the value as written (verified with D16)
  Entry entry;
  bool ascii;           // ASCII patterns need no verification against ASCII values
};

// Everything one field's values are checked against.
struct FieldIndex {
  StringTable<Entry> strings;
  StringTable<Entry> numbers;  // AppendDecimalKey
  Array<Entry> trues, falses, nulls;
  ByteTrie prefixes, suffixes;  // suffixes keyed reversed
  // equals-ignore-case keyed by case key; prefix/suffix forms in tries of
  // case keys whose entries index `case_patterns`.
  StringTable<uint32_t> case_exact;
  ByteTrie case_prefixes, case_suffixes;
  std::vector<CaseEntry> case_patterns;
  // Wildcards, each filed under its most selective literal segment: the
  // head (trie), the tail (reversed trie) or a middle segment (substring
  // automaton); patterns of stars alone are checked always. Entries index
  // `wildcards`; candidates are verified with WildcardPattern::Matches.
  ByteTrie wildcard_heads, wildcard_tails;
  SubstringIndex wildcard_middles;
  std::vector<uint32_t> wildcard_always;
  std::vector<WildcardEntry> wildcards;
  IntervalIndex numeric;
  std::vector<std::pair<CidrBlock, Entry>> cidrs;
  Array<SubRuleId> presence_triggers;  // sub-rules woken by any value

  bool has_case = false, has_wildcard = false;
};

enum class PredKind : uint8_t { kPositive, kAnythingBut, kExistsTrue, kExistsFalse };

struct Predicate {
  FieldId field;
  PredKind kind;
};

// A predicate of a condition, with its kind beside it: deciding a sub-rule
// then reads the condition's predicates in one place.
struct ConditionPred {
  PredId pred;
  PredKind kind;
};

struct Condition {
  FieldId field;
  uint32_t pred_begin, pred_end;  // into Program::condition_preds
  bool absence_ok;                // lists exists:false
};

struct SubRule {
  RuleId rule;
  uint32_t cond_begin, cond_end;  // into Program::conditions
  // The predicates of the two most selective single-predicate positive
  // conditions other than the trigger's (kNone when fewer), which must have
  // a hit for the sub-rule to hold: a woken sub-rule whose guard has no hit
  // is dropped with a lookup. Kept in the sub-rule itself, so that checking
  // them reads no other memory than the hit stamps.
  PredId guards[2] = {kNone, kNone};
  // With Shortcut::kUnlessExcluded, the anything-but predicate.
  PredId only = kNone;
  // With Shortcut::kWokenUnlessPresent, the field that must be absent.
  FieldId absent = kNone;
  // A shortcut past CheckSubRule for sub-rules of one condition, valid when
  // no repeated key killed a value of the event (kCheck: none).
  enum class Shortcut : uint8_t {
    kCheck,
    kWoken,               // its trigger condition alone: being woken is the match
    kUnlessExcluded,      // one anything-but predicate, `only`, woken by the
                          // field's presence: a match when no value was excluded,
                          // none when the field's only value was
    kWokenUnlessPresent,  // its positive trigger condition and one condition
                          // of exists:false alone, on `absent`: a match when
                          // that field has no value
  };
  Shortcut shortcut = Shortcut::kCheck;
};

// A predicate's triggers that share their first guard (kNone: none). They
// are woken together when the guard has a hit and skipped together when it
// has none: a common predicate ("source": "aws.ec2") with many sub-rules
// costs a look per distinct guard, not per sub-rule. The group's sub-rules
// are Program::trigger_rules[begin, next group's begin).
struct TriggerGroup {
  PredId guard;
  uint32_t begin;
};

// A node of the path trie. Rule paths are split at '.', and so are event
// keys, which makes {"a.b": ...} and {"a": {"b": ...}} the same path (SPEC
// A.2) for patterns and events alike. Node 0 is the root.
struct PathNode {
  FieldId field = kNone;  // a rule names exactly this path
  absl::flat_hash_map<std::string, uint32_t> children;
  // The same children when there are at most kFewChildren of them, scanned
  // linearly (cheaper than hashing for the usual handful) and compared a
  // word at a time: KeyHead, then KeyTail for names of 9 to 16 bytes.
  static constexpr size_t kFewChildren = 8;
  struct FewChild {
    uint64_t head, tail;
    std::string name;
    uint32_t node;
  };
  std::vector<FewChild> few_children;
};

// The first eight bytes of `key` (fewer: zero-filled) as one word.
inline uint64_t KeyHead(std::string_view key) {
  uint64_t head = 0;
  std::memcpy(&head, key.data(), std::min<size_t>(key.size(), 8));
  return head;
}

// The last eight bytes of `key`, which must have more than eight.
inline uint64_t KeyTail(std::string_view key) {
  uint64_t tail;
  std::memcpy(&tail, key.data() + key.size() - 8, 8);
  return tail;
}

// The arrays that grow with the rules are Arrays and StringLists, which a
// loaded image holds in place (compile/image.h); the rest is rebuilt on load.
struct Program {
  StringList rule_names;
  std::vector<PathNode> path_nodes = std::vector<PathNode>(1);
  std::vector<std::string> field_paths;
  std::vector<FieldIndex> fields;
  Array<Predicate> preds;
  Array<ConditionPred> condition_preds;
  Array<Condition> conditions;
  Array<SubRule> sub_rules;
  // The sub-rules registered under a condition listing predicate p, in the
  // groups trigger_groups[group_begin[p], group_begin[p + 1]). A hit
  // predicate's groups are read after the walk, when every guard's hits are
  // known: a common value ("source": "aws.ec2") wakes only the rules whose
  // most selective other condition holds too. trigger_groups ends with a
  // sentinel whose begin is trigger_rules.size().
  Array<uint32_t> group_begin;  // CSR, preds.size() + 1
  Array<TriggerGroup> trigger_groups;
  Array<SubRuleId> trigger_rules;
  Array<SubRuleId> always;  // sub-rules with nothing to trigger on
  CompileOptions options;
  const struct Kernel* kernel = nullptr;  // simdjson kernel Match runs on
  // A loaded image the arrays above view (compile/image.h); null when they
  // own their memory. Declared last: destroyed after them.
  std::shared_ptr<const void> image;

  size_t MemoryBytes() const;
};

// The field of `path` (a dot-joined leaf path), added to `p` if new.
FieldId InternField(Program* p, std::string_view path);
// Files the wildcards of `f` in its head, tail and middle indexes and
// freezes those.
void FileWildcards(FieldIndex* f);
// Freezes the other indexes of `f`, and the path trie's short child lists.
void FinishField(FieldIndex* f);
void FinishPaths(Program* p);

// The depth a parser for `p`'s events needs: the root object's level and
// max_event_depth below it (at least one, whatever the options say, so that
// an event is refused by the walk's depth check, not by the parser).
inline size_t ParserDepth(const Program& p) {
  return static_cast<size_t>(std::max(p.options.max_event_depth, 1)) + 1;
}

// Builds the program for `rules`. Errors: ResourceExhausted when a limit of
// `options` is exceeded.
absl::Status CompileProgram(const RuleSet& rules, const CompileOptions& options,
                            Program* program);

}  // namespace evmatch::internal

#endif  // EVMATCH_SRC_COMPILE_PROGRAM_H_
