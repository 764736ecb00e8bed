// RuleSet -> Program.
//
// Every pattern is already expanded into conjunctions (one per `$or`
// combination). Each conjunction becomes a sub-rule; each of its leaf
// conditions names a field (interned dot-joined path) and the OR of its
// matchers, which become predicates deduplicated by (field, canonical matcher
// JSON) so that a value shared by many rules is looked up once per event.
//
// Trigger choice. A sub-rule is checked only when one designated condition
// may hold:
//   * a condition whose predicates are all positive (exact, prefix, ...) is
//     triggered by hits of those predicates; among such conditions the one
//     whose predicates are used by the fewest sub-rules is chosen, so rules
//     sharing a common value are woken by their rarest value instead;
//   * otherwise a condition without exists:false is triggered by the
//     presence of any value at its field (anything-but, exists:true);
//   * a sub-rule made only of exists:false conditions is checked always.
// Every choice is sound: a sub-rule that matches satisfies its designated
// condition, so it is triggered.

#include <algorithm>
#include <memory>

#include "compile/program.h"
#include "pattern/parse.h"
#include "unicode/case_fold.h"
#include "util/strings.h"

namespace evmatch::internal {

// ------------------------------------------------------------------ Program

size_t Program::MemoryBytes() const {
  size_t bytes = sizeof(Program) + rule_names.owned_bytes();
  for (const std::string& p : field_paths) bytes += sizeof(std::string) + p.capacity();
  for (const PathNode& node : path_nodes) {
    bytes += sizeof(PathNode) +
             node.children.capacity() * (sizeof(std::pair<std::string, uint32_t>) + 1) +
             node.few_children.capacity() * sizeof(PathNode::FewChild);
  }
  for (const FieldIndex& f : fields) {
    bytes += sizeof(FieldIndex);
    bytes += f.strings.memory_bytes() + f.numbers.memory_bytes() + f.case_exact.memory_bytes();
    bytes += f.trues.owned_bytes() + f.falses.owned_bytes() + f.nulls.owned_bytes();
    bytes += f.prefixes.memory_bytes() + f.suffixes.memory_bytes() +
             f.case_prefixes.memory_bytes() + f.case_suffixes.memory_bytes() +
             f.wildcard_heads.memory_bytes() + f.wildcard_tails.memory_bytes() +
             f.wildcard_middles.memory_bytes() + f.numeric.memory_bytes();
    bytes += f.case_patterns.capacity() * sizeof(CaseEntry) +
             f.wildcards.capacity() * sizeof(WildcardEntry) + f.presence_triggers.owned_bytes();
  }
  bytes += preds.owned_bytes() + condition_preds.owned_bytes() + conditions.owned_bytes() +
           sub_rules.owned_bytes() + group_begin.owned_bytes() + trigger_groups.owned_bytes() +
           trigger_rules.owned_bytes() + always.owned_bytes();
  return bytes;
}

namespace {

PredKind KindOf(const Matcher& m) {
  switch (m.kind) {
    case MatchKind::kExists:
      return m.exists ? PredKind::kExistsTrue : PredKind::kExistsFalse;
    case MatchKind::kAnythingBut:
    case MatchKind::kAnythingButPrefix:
    case MatchKind::kAnythingButSuffix:
    case MatchKind::kAnythingButIgnoreCase:
    case MatchKind::kAnythingButWildcard:
      return PredKind::kAnythingBut;
    default:
      return PredKind::kPositive;
  }
}

std::string NumberKey(const Decimal& d) {
  std::string key;
  AppendDecimalKey(d.view(), &key);
  return key;
}

void AddWildcard(FieldIndex* f, const WildcardPattern& w, Entry entry) {
  f->wildcards.push_back({w, entry});
  f->has_wildcard = true;
}

// Files every wildcard of `f` under its most selective literal segment: the
// one fewest of the field's patterns share, preferring anchored ends and then
// length on ties.
void FileWildcardSegments(FieldIndex* f) {
  absl::flat_hash_map<std::string, uint32_t> shared;
  for (const WildcardEntry& w : f->wildcards) {
    std::vector<std::string_view> distinct;
    for (const std::string& seg : w.pattern.segments) {
      if (seg.empty() || std::find(distinct.begin(), distinct.end(), seg) != distinct.end()) {
        continue;
      }
      distinct.push_back(seg);
      ++shared[seg];
    }
  }
  for (uint32_t index = 0; index < f->wildcards.size(); ++index) {
    const std::vector<std::string>& segs = f->wildcards[index].pattern.segments;
    size_t best = segs.size();
    auto better = [&](size_t a, size_t b) {  // is segment a better than b?
      if (b == segs.size()) return true;
      const uint32_t sa = shared[segs[a]], sb = shared[segs[b]];
      if (sa != sb) return sa < sb;
      const bool anchored_a = a == 0 || a + 1 == segs.size();
      const bool anchored_b = b == 0 || b + 1 == segs.size();
      if (anchored_a != anchored_b) return anchored_a;
      return segs[a].size() > segs[b].size();
    };
    for (size_t i = 0; i < segs.size(); ++i) {
      if (!segs[i].empty() && better(i, best)) best = i;
    }
    const Entry filed{index, false};
    if (best == segs.size()) {
      f->wildcard_always.push_back(index);
    } else if (best == 0) {
      f->wildcard_heads.Add(segs[0], false, filed);
    } else if (best + 1 == segs.size()) {
      f->wildcard_tails.Add(segs[best], true, filed);
    } else {
      f->wildcard_middles.Add(segs[best], filed);
    }
  }
}

void AddCase(FieldIndex* f, const std::string& pattern, Entry entry, int anchor) {
  const auto index = static_cast<uint32_t>(f->case_patterns.size());
  std::string key;
  const bool ascii = AppendCaseKey(pattern, &key);
  f->case_patterns.push_back({pattern, entry, ascii});
  f->has_case = true;
  if (anchor == 0) {
    f->case_exact[key].push_back(index);
  } else if (anchor < 0) {
    f->case_prefixes.Add(key, false, {index, false});
  } else {
    f->case_suffixes.Add(key, true, {index, false});
  }
}

// Adds predicate `pred` (matcher m) to the indexes of field `f`.
void IndexPredicate(FieldIndex* f, const Matcher& m, PredId pred) {
  const Entry hit{pred, false};
  const Entry exclude{pred, true};
  switch (m.kind) {
    case MatchKind::kExact:
      switch (m.value.type) {
        case ScalarType::kString:
          break;  // filed by InternPredicate
        case ScalarType::kNumber: f->numbers[NumberKey(m.numbers[0])].push_back(hit); break;
        case ScalarType::kTrue: f->trues.push_back(hit); break;
        case ScalarType::kFalse: f->falses.push_back(hit); break;
        case ScalarType::kNull: f->nulls.push_back(hit); break;
      }
      break;
    case MatchKind::kPrefix: f->prefixes.Add(m.strings[0], false, hit); break;
    case MatchKind::kSuffix: f->suffixes.Add(m.strings[0], true, hit); break;
    case MatchKind::kEqualsIgnoreCase: AddCase(f, m.strings[0], hit, 0); break;
    case MatchKind::kPrefixIgnoreCase: AddCase(f, m.strings[0], hit, -1); break;
    case MatchKind::kSuffixIgnoreCase: AddCase(f, m.strings[0], hit, 1); break;
    case MatchKind::kWildcard: AddWildcard(f, m.wildcards[0], hit); break;
    case MatchKind::kNumeric: f->numeric.Add(*m.range, hit); break;
    case MatchKind::kCidr: f->cidrs.emplace_back(*m.cidr, hit); break;
    case MatchKind::kExists: break;
    case MatchKind::kAnythingBut:
      for (const std::string& s : m.strings) f->strings[s].push_back(exclude);
      for (const Decimal& d : m.numbers) f->numbers[NumberKey(d)].push_back(exclude);
      break;
    case MatchKind::kAnythingButPrefix:
      for (const std::string& s : m.strings) f->prefixes.Add(s, false, exclude);
      break;
    case MatchKind::kAnythingButSuffix:
      for (const std::string& s : m.strings) f->suffixes.Add(s, true, exclude);
      break;
    case MatchKind::kAnythingButIgnoreCase:
      for (const std::string& s : m.strings) AddCase(f, s, exclude, 0);
      break;
    case MatchKind::kAnythingButWildcard:
      for (const WildcardPattern& w : m.wildcards) AddWildcard(f, w, exclude);
      break;
  }
}

}  // namespace

FieldId InternField(Program* p, std::string_view path) {
  uint32_t node = 0;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    const std::string segment = std::string(
        path.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    auto [it, inserted] = p->path_nodes[node].children.try_emplace(segment, 0);
    if (inserted) {
      it->second = static_cast<uint32_t>(p->path_nodes.size());
      p->path_nodes.emplace_back();  // invalidates `it`'s node reference only
    }
    node = p->path_nodes[node].children.find(segment)->second;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  PathNode& leaf = p->path_nodes[node];
  if (leaf.field == kNone) {
    leaf.field = static_cast<FieldId>(p->field_paths.size());
    p->field_paths.emplace_back(path);
    p->fields.emplace_back();
  }
  return leaf.field;
}

void FinishPaths(Program* p) {
  for (PathNode& node : p->path_nodes) {
    if (node.children.size() > PathNode::kFewChildren) continue;
    node.few_children.clear();
    for (const auto& [name, child] : node.children) {
      node.few_children.push_back(
          {KeyHead(name), name.size() > 8 ? KeyTail(name) : 0, name, child});
    }
  }
}

void FileWildcards(FieldIndex* f) {
  FileWildcardSegments(f);
  f->wildcard_heads.Finalize();
  f->wildcard_tails.Finalize();
  f->wildcard_middles.Finalize();
}

void FinishField(FieldIndex* f) {
  f->prefixes.Finalize();
  f->suffixes.Finalize();
  f->case_prefixes.Finalize();
  f->case_suffixes.Finalize();
  f->numeric.Finalize();
  f->strings.Finalize();
  f->numbers.Finalize();
  f->case_exact.Finalize();
}

namespace {

class Compiler {
 public:
  Compiler(const CompileOptions& options, Program* program)
      : options_(options), p_(program) {}

  absl::Status Run(const RuleSet& rules) {
    if (rules.size() > options_.max_rules) {
      return absl::ResourceExhaustedError(
          Cat("Rule set has ", rules.size(), " rules, more than the limit of ",
              options_.max_rules, " (CompileOptions::max_rules)"));
    }
    p_->options = options_;
    for (size_t r = 0; r < rules.size(); ++r) {
      p_->rule_names.push_back(rules.name(r));
      for (const Pattern& pattern : rules.patterns(r)) {
        for (const auto& conjunction : AstOf(pattern).conjunctions) {
          AddSubRule(static_cast<RuleId>(r), conjunction);
        }
      }
    }
    ChooseTriggers();
    FinishPaths(p_);
    for (FieldIndex& f : p_->fields) {
      FileWildcards(&f);
      FinishField(&f);
    }
    const size_t bytes = p_->MemoryBytes();
    if (bytes > options_.max_program_bytes) {
      return absl::ResourceExhaustedError(
          Cat("Compiled program needs about ", bytes, " bytes, more than the limit of ",
              options_.max_program_bytes,
              " (CompileOptions::max_program_bytes)"));
    }
    return absl::OkStatus();
  }

 private:
  PredId InternPredicate(FieldId field, const Matcher& m) {
    if (m.kind == MatchKind::kExact && m.value.type == ScalarType::kString) {
      // The field's string table holds the exact predicate of each value
      // (its one entry that is not an exclusion): found there, it needs no
      // key of its own, the common case of rules that list many values.
      auto& entries = p_->fields[field].strings[m.value.text];
      for (const Entry& e : entries) {
        if (!e.exclude) return e.pred;
      }
      const auto pred = static_cast<PredId>(p_->preds.size());
      p_->preds.push_back({field, PredKind::kPositive});
      entries.push_back({pred, false});
      pred_users_.push_back(0);
      pred_condition_.push_back(kNone);
      return pred;
    }
    std::string key = Cat(field, ":");
    AppendMatcherJson(&key, m);
    auto [it, inserted] = pred_ids_.try_emplace(std::move(key), 0);
    if (inserted) {
      it->second = static_cast<PredId>(p_->preds.size());
      p_->preds.push_back({field, KindOf(m)});
      IndexPredicate(&p_->fields[field], m, it->second);
      pred_users_.push_back(0);
      pred_condition_.push_back(kNone);
    }
    return it->second;
  }

  void AddSubRule(RuleId rule, const std::vector<LeafCondition>& conjunction) {
    SubRule s;
    s.rule = rule;
    s.cond_begin = static_cast<uint32_t>(p_->conditions.size());
    for (const LeafCondition& leaf : conjunction) {
      Condition c;
      c.field = InternField(p_, leaf.path);
      c.absence_ok = false;
      c.pred_begin = static_cast<uint32_t>(p_->condition_preds.size());
      const auto condition = static_cast<uint32_t>(p_->conditions.size());
      for (const Matcher& m : *leaf.matchers) {
        PredId pred = InternPredicate(c.field, m);
        if (p_->preds[pred].kind == PredKind::kExistsFalse) c.absence_ok = true;
        if (pred_condition_[pred] != condition) {  // once per condition
          pred_condition_[pred] = condition;
          p_->condition_preds.push_back({pred, p_->preds[pred].kind});
          ++pred_users_[pred];
        }
      }
      c.pred_end = static_cast<uint32_t>(p_->condition_preds.size());
      p_->conditions.push_back(c);
    }
    s.cond_end = static_cast<uint32_t>(p_->conditions.size());
    p_->sub_rules.push_back(s);
  }

  void ChooseTriggers() {
    const size_t n_preds = p_->preds.size();
    std::vector<std::vector<SubRuleId>> by_pred(n_preds);
    for (SubRuleId id = 0; id < p_->sub_rules.size(); ++id) {
      const SubRule& s = p_->sub_rules[id];
      uint32_t best = kNone;
      uint64_t best_cost = ~uint64_t{0};
      uint32_t presence = kNone;
      for (uint32_t c = s.cond_begin; c < s.cond_end; ++c) {
        const Condition& cond = p_->conditions[c];
        bool all_positive = true;
        uint64_t cost = 0;
        for (uint32_t k = cond.pred_begin; k < cond.pred_end; ++k) {
          const PredId pred = p_->condition_preds[k].pred;
          all_positive &= p_->preds[pred].kind == PredKind::kPositive;
          cost += pred_users_[pred];
        }
        if (all_positive && cost < best_cost) {
          best = c;
          best_cost = cost;
        }
        if (!cond.absence_ok && presence == kNone) presence = c;
      }
      // The guards: the two most selective single-predicate positive
      // conditions other than the trigger's.
      PredId* guards = p_->sub_rules.mutable_at(id).guards;
      for (uint32_t c = s.cond_begin; c < s.cond_end; ++c) {
        const Condition& cond = p_->conditions[c];
        if (c == best || cond.pred_end - cond.pred_begin != 1) continue;
        PredId pred = p_->condition_preds[cond.pred_begin].pred;
        if (p_->preds[pred].kind != PredKind::kPositive) continue;
        for (int g = 0; g < 2 && pred != kNone; ++g) {
          if (guards[g] == kNone || pred_users_[pred] < pred_users_[guards[g]]) {
            std::swap(guards[g], pred);
          }
        }
      }
      if (best != kNone && s.cond_end - s.cond_begin == 2) {
        // The trigger and a sibling that must be absent ("exists": false
        // alone), the shape of rules that list values and exclude a field.
        const Condition& other =
            p_->conditions[best == s.cond_begin ? s.cond_begin + 1 : s.cond_begin];
        bool absent_only = true;
        for (uint32_t k = other.pred_begin; k < other.pred_end; ++k) {
          absent_only &= p_->condition_preds[k].kind == PredKind::kExistsFalse;
        }
        if (absent_only) {
          p_->sub_rules.mutable_at(id).shortcut = SubRule::Shortcut::kWokenUnlessPresent;
          p_->sub_rules.mutable_at(id).absent = other.field;
        }
      }
      if (s.cond_end - s.cond_begin == 1) {
        const Condition& only = p_->conditions[s.cond_begin];
        bool exists_only = true;
        for (uint32_t k = only.pred_begin; k < only.pred_end; ++k) {
          exists_only &= p_->condition_preds[k].kind == PredKind::kExistsTrue;
        }
        const PredId first = p_->condition_preds[only.pred_begin].pred;
        if (best != kNone || (presence != kNone && exists_only)) {
          p_->sub_rules.mutable_at(id).shortcut = SubRule::Shortcut::kWoken;
        } else if (presence != kNone && only.pred_end - only.pred_begin == 1 &&
                   p_->preds[first].kind == PredKind::kAnythingBut) {
          p_->sub_rules.mutable_at(id).shortcut = SubRule::Shortcut::kUnlessExcluded;
          p_->sub_rules.mutable_at(id).only = first;
        }
      }
      if (best != kNone) {
        const Condition& cond = p_->conditions[best];
        for (uint32_t k = cond.pred_begin; k < cond.pred_end; ++k) {
          by_pred[p_->condition_preds[k].pred].push_back(id);
        }
      } else if (presence != kNone) {
        p_->fields[p_->conditions[presence].field].presence_triggers.push_back(id);
      } else {
        p_->always.push_back(id);
      }
    }
    p_->group_begin.assign(n_preds + 1, 0);
    for (size_t pred = 0; pred < n_preds; ++pred) {
      p_->group_begin.mutable_at(pred) = static_cast<uint32_t>(p_->trigger_groups.size());
      std::vector<SubRuleId>& ids = by_pred[pred];
      auto guard = [&](SubRuleId id) { return p_->sub_rules[id].guards[0]; };
      // By guard, then in sub-rule order (the order they are read in).
      std::sort(ids.begin(), ids.end(), [&](SubRuleId a, SubRuleId b) {
        return std::pair(guard(a), a) < std::pair(guard(b), b);
      });
      for (size_t i = 0; i < ids.size(); ++i) {
        if (i == 0 || guard(ids[i]) != guard(ids[i - 1])) {
          p_->trigger_groups.push_back(
              {guard(ids[i]), static_cast<uint32_t>(p_->trigger_rules.size())});
        }
        p_->trigger_rules.push_back(ids[i]);
      }
    }
    p_->group_begin.mutable_at(n_preds) = static_cast<uint32_t>(p_->trigger_groups.size());
    p_->trigger_groups.push_back({kNone, static_cast<uint32_t>(p_->trigger_rules.size())});
  }

  const CompileOptions& options_;
  Program* p_;
  absl::flat_hash_map<std::string, PredId> pred_ids_;
  std::vector<uint32_t> pred_users_;      // conditions using each predicate
  std::vector<uint32_t> pred_condition_;  // the last condition that listed it
};

}  // namespace

absl::Status CompileProgram(const RuleSet& rules, const CompileOptions& options,
                            Program* program) {
  Compiler compiler(options, program);
  return compiler.Run(rules);
}

}  // namespace evmatch::internal
