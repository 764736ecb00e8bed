// Matcher::Match: one On Demand walk of the event, then a check of the
// triggered sub-rules.
//
// This file is compiled once per simdjson kernel (match_fallback.cc,
// match_haswell.cc), each time inside namespace EVMATCH_KERNEL and with that
// kernel's compiler flags; matcher.cc picks the best kernel the CPU runs.
//
// Walk. Keys are appended to the dot-joined path in the scratch and looked up
// in the program's path table; a key that starts no rule path is skipped
// unread (On Demand skips it structurally). Values at a rule field become
// leaves; each leaf is run through its field's indexes, which report the
// predicates it satisfies (hits) or, for anything-but, excludes. A hit wakes
// the sub-rules registered under its predicate; the first value of a field
// wakes the sub-rules registered on that field's presence.
//
// Check. A woken sub-rule holds when each condition has a candidate leaf (a
// hit, a value not excluded, any value for exists:true) or may be absent
// (exists:false and no value at the field), and one candidate per condition
// can be chosen pairwise array-consistent (SPEC D4).
//
// Invariants: nothing here allocates once the scratch's vectors have grown to
// the sizes an event needs; every list is cleared, not freed, per event.

#include <simdjson.h>

#ifdef __AVX2__
#include <immintrin.h>
#endif

#ifndef EVMATCH_KERNEL
#error "define EVMATCH_KERNEL (a simdjson implementation name) before including"
#endif

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>

#include "absl/base/attributes.h"
#include "compile/program.h"
#include "runtime/kernel.h"
#include "runtime/scratch.h"
#include "unicode/case_fold.h"
#include "util/strings.h"

namespace evmatch::internal::EVMATCH_KERNEL {
namespace {

namespace od = simdjson::EVMATCH_KERNEL::ondemand;
using Parser = od::parser;

// The kernel-free parts, given internal linkage in each kernel's namespace
// (each kernel's translation unit has its own compiler flags, so no inline
// function may be shared between them).
#include "runtime/decide.inc"

// Makes sub-rule `id` a candidate of this event, once.
inline void Wake(ScratchState& s, SubRuleId id) {
  if (s.sub_rule_epoch[id] == s.epoch) return;
  s.sub_rule_epoch[id] = s.epoch;
  s.candidates.push_back(id);
}
#include "runtime/ndjson_framing.inc"

class Walker {
 public:
  // With `keep` (per field of `program`: kNone or not), the values read at
  // the fields it marks are kept in ScratchState::replay.
  Walker(const Program& program, ScratchState& s, MatchMode mode, const FieldId* keep = nullptr)
      : p_(program), s_(s), lazy_(mode == MatchMode::kLazy), keep_(keep) {}

  // Matches a value another program's walk read, as if this walk had read
  // it at its field `field`.
  void Replay(const ReplayRecord& r, FieldId field) {
    const FieldIndex& f = p_.fields[field];
    context_ = r.context;
    const uint32_t leaf = NewLeaf(field);
    if (r.dead) {
      s_.leaves[leaf].dead = true;
      s_.any_dead = true;
    }
    switch (r.kind) {
      case ReplayRecord::Kind::kString:
        MatchString(f, r.text, leaf, &r.hash);
        return;
      case ReplayRecord::Kind::kNumber: {
        DecimalView number;
        bool parsed = false;
        auto exact = [&]() -> const DecimalView& {
          if (!parsed) {
            if (s_.digits.size() < r.text.size()) s_.digits.resize(r.text.size());
            ParseDecimal(r.text, s_.digits.data(), &number);
            parsed = true;
          }
          return number;
        };
        MatchNumber(f, r.approx, exact, leaf);
        return;
      }
      case ReplayRecord::Kind::kTrue:
        for (const Entry& e : f.trues) Record(e, leaf);
        return;
      case ReplayRecord::Kind::kFalse:
        for (const Entry& e : f.falses) Record(e, leaf);
        return;
      case ReplayRecord::Kind::kNull:
        for (const Entry& e : f.nulls) Record(e, leaf);
        return;
    }
  }

  MatchStatus Run(std::string_view json, size_t capacity) {
    od::document doc;
    if (static_cast<Parser*>(s_.parser.get())
            ->iterate(simdjson::padded_string_view(json.data(), json.size(), capacity))
            .get(doc)) {
      return MatchStatus::kInvalidJson;
    }
    return Run(doc, /*whole_input=*/true);
  }

  // Walks a document (or a document of a stream) that has not been read yet.
  // When the document is the whole input, nothing may follow it.
  template <typename Document>
  MatchStatus Run(Document& doc, bool whole_input) {
    od::object root;
    if (auto e = doc.get_object().get(root)) return StatusOf(e);
    MatchStatus status = WalkObject(root, 0, 1);
    if (status != MatchStatus::kOk || lazy_ || !whole_input) return status;
    const char* where = nullptr;
    if (!doc.current_location().get(where)) return MatchStatus::kInvalidJson;
    return MatchStatus::kOk;
  }

 private:
  static MatchStatus StatusOf(simdjson::error_code e) {
    return e == simdjson::DEPTH_ERROR ? MatchStatus::kDepthExceeded
                                      : MatchStatus::kInvalidJson;
  }

  // The key of `field`, read in place unless it holds an escape, and its
  // KeyHead; *dotted is set when it holds a '.'. The key lies inside the
  // padded input, so words may be read past its closing quote.
  static simdjson::error_code KeyOf(od::field& field, std::string_view* key, uint64_t* head,
                                    bool* dotted) {
    const char* raw = field.key().raw();
    size_t length = 0;
    bool escaped = false;
#ifdef __AVX2__
    // 32 bytes at a time (the haswell kernel): most keys end in the first.
    for (;; length += 32) {
      const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(raw + length));
      auto mask = [&](char c) {
        return static_cast<uint32_t>(
            _mm256_movemask_epi8(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8(c))));
      };
      const uint32_t quote = mask('"');
      const uint32_t below_quote = quote == 0 ? ~uint32_t{0} : (quote & -quote) - 1;
      escaped |= (mask('\\') & below_quote) != 0;
      *dotted |= (mask('.') & below_quote) != 0;
      if (quote != 0) {
        length += static_cast<size_t>(std::countr_zero(quote));
        break;
      }
      if (escaped) break;
    }
    if (!escaped) {
      uint64_t word;
      std::memcpy(&word, raw, 8);
      *head = length >= 8 ? word : word & ((uint64_t{1} << (8 * length)) - 1);
    }
#else
    if constexpr (std::endian::native == std::endian::little) {
      // Eight bytes at a time: the lowest flagged byte of each kind is exact
      // (a false flag can only sit above a true one), which is all the
      // comparisons with the quote's position need.
      for (;; length += 8) {
        uint64_t word;
        std::memcpy(&word, raw + length, 8);
        const uint64_t quote = ZeroBytes(word ^ Broadcast('"'));
        const uint64_t backslash = ZeroBytes(word ^ Broadcast('\\'));
        const uint64_t dot = ZeroBytes(word ^ Broadcast('.'));
        const uint64_t below_quote = quote == 0 ? ~uint64_t{0} : (quote & -quote) - 1;
        escaped |= (backslash & below_quote) != 0;
        *dotted |= (dot & below_quote) != 0;
        if (length == 0) *head = quote == 0 ? word : word & (below_quote >> 7);
        if (quote != 0) {
          length += static_cast<size_t>(std::countr_zero(quote)) / 8;
          break;
        }
        if (escaped) break;
      }
    } else {
      for (; raw[length] != '"'; ++length) {
        escaped |= raw[length] == '\\';
        *dotted |= raw[length] == '.';
        if (escaped) break;
      }
      *head = KeyHead(std::string_view(raw, length));
    }
#endif
    if (escaped) {
      if (auto e = field.unescaped_key().get(*key)) return e;
      *head = KeyHead(*key);
      *dotted = key->find('.') != std::string_view::npos;
      return simdjson::SUCCESS;
    }
    *key = std::string_view(raw, length);
    return simdjson::SUCCESS;
  }

  static constexpr uint64_t Broadcast(char c) {
    return 0x0101010101010101ull * static_cast<unsigned char>(c);
  }
  // 0x80 in every byte of `v` that is zero (and possibly above one that is).
  static constexpr uint64_t ZeroBytes(uint64_t v) {
    return (v - 0x0101010101010101ull) & ~v & 0x8080808080808080ull;
  }

  // The path-trie node reached from `node` by `key` (split at '.' when
  // `dotted`), or kNone. `head` is KeyHead(key).
  uint32_t Child(uint32_t node, std::string_view key, uint64_t head, bool dotted) const {
    if (!dotted) return DirectChild(node, key, head);
    while (true) {
      const size_t dot = key.find('.');
      const std::string_view part = key.substr(0, dot);
      node = DirectChild(node, part, KeyHead(part));
      if (node == kNone || dot == std::string_view::npos) return node;
      key.remove_prefix(dot + 1);
    }
  }

  uint32_t DirectChild(uint32_t node, std::string_view part, uint64_t head) const {
    const PathNode& n = p_.path_nodes[node];
    if (n.children.size() <= PathNode::kFewChildren) {
      for (const PathNode::FewChild& c : n.few_children) {
        if (c.head == head && c.name.size() == part.size() &&
            (part.size() <= 8 || (c.tail == KeyTail(part) &&
                                  (part.size() <= 16 || std::memcmp(c.name.data() + 8,
                                                                    part.data() + 8,
                                                                    part.size() - 16) == 0)))) {
          return c.node;
        }
      }
      return kNone;
    }
    auto it = n.children.find(ToAbsl(part));
    return it == n.children.end() ? kNone : it->second;
  }

  MatchStatus WalkObject(od::object& object, uint32_t node, int depth) {
    if (depth > p_.options.max_event_depth) return MatchStatus::kDepthExceeded;
    const size_t seen_begin = s_.seen_keys.size();
    if (++s_.object_serial == 0) {  // wrapped: forget every stamp
      std::fill(s_.node_object.begin(), s_.node_object.end(), 0);
      s_.object_serial = 1;
    }
    const uint32_t serial = s_.object_serial;
    // Lazy mode stops reading the object once every child path of `node` has
    // been seen as a plain key (a dotted key may reach deeper; it does not
    // count).
    const size_t wanted = p_.path_nodes[node].children.size();
    if (lazy_ && wanted == 0) return MatchStatus::kOk;  // no rule path goes on
    size_t found = 0;
    MatchStatus status = MatchStatus::kOk;
    for (auto field_result : object) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) {
        status = StatusOf(e);
        break;
      }
      std::string_view key;
      uint64_t head = 0;
      bool dotted = false;
      if (auto e = KeyOf(field, &key, &head, &dotted)) {
        status = StatusOf(e);
        break;
      }
      const uint32_t child = Child(node, key, head, dotted);
      if (child == kNone) continue;
      // Duplicate key in this object: the last occurrence wins. A plain key
      // reaches a direct child, stamped with this object's serial when seen
      // (nested objects stamp deeper nodes only); dotted keys are compared
      // with the dotted keys seen in this object.
      bool duplicate = false;
      auto kill = [&](LeafRange& range) {
        duplicate = true;
        s_.any_dead |= range.begin != range.end;
        for (uint32_t l = range.begin; l < range.end; ++l) s_.leaves[l].dead = true;
        range.begin = range.end;
      };
      if (!dotted) {
        if (s_.node_object[child] == serial) kill(s_.node_leaves[child]);
        s_.node_object[child] = serial;
      } else {
        for (size_t k = seen_begin; k < s_.seen_keys.size(); ++k) {
          if (s_.seen_keys[k].key == key) kill(s_.seen_keys[k].leaves);
        }
      }
      const auto leaf_begin = static_cast<uint32_t>(s_.leaves.size());
      status = WalkValue(field.value(), child, depth);
      const LeafRange range{leaf_begin, static_cast<uint32_t>(s_.leaves.size())};
      if (!dotted) {
        s_.node_leaves[child] = range;
      } else {
        s_.seen_keys.push_back({key, range});
      }
      if (status != MatchStatus::kOk) break;
      if (!duplicate && !dotted && ++found == wanted && lazy_) break;
    }
    s_.seen_keys.resize(seen_begin);
    return status;
  }

  MatchStatus WalkValue(od::value& value, uint32_t node, int depth) {
    const PathNode& info = p_.path_nodes[node];
    od::json_type type;
    if (auto e = value.type().get(type)) return StatusOf(e);
    switch (type) {
      case od::json_type::object: {
        if (info.children.empty()) return MatchStatus::kOk;
        // Checked before simdjson enters the object, which its parser is
        // sized for only up to max_event_depth.
        if (depth + 1 > p_.options.max_event_depth) return MatchStatus::kDepthExceeded;
        od::object object;
        if (auto e = value.get_object().get(object)) return StatusOf(e);
        return WalkObject(object, node, depth + 1);
      }
      case od::json_type::array: {
        if (depth + 1 > p_.options.max_event_depth) return MatchStatus::kDepthExceeded;
        od::array array;
        if (auto e = value.get_array().get(array)) return StatusOf(e);
        const uint32_t array_id = s_.next_array_id++;
        const uint32_t parent = context_;
        uint32_t index = 0;
        for (auto element_result : array) {
          od::value element;
          if (auto e = std::move(element_result).get(element)) return StatusOf(e);
          context_ = static_cast<uint32_t>(s_.contexts.size());
          s_.contexts.push_back({parent, array_id, index++});
          MatchStatus status = WalkValue(element, node, depth + 1);
          context_ = parent;
          if (status != MatchStatus::kOk) return status;
        }
        return MatchStatus::kOk;
      }
      default:
        if (info.field == kNone) return MatchStatus::kOk;
        return Scalar(value, type, info.field);
    }
  }

  MatchStatus Scalar(od::value& value, od::json_type type, FieldId field) {
    const FieldIndex& f = p_.fields[field];
    const uint32_t leaf = NewLeaf(field);
    switch (type) {
      case od::json_type::string: {
        std::string_view text;
        if (value.get_string().get(text)) return MatchStatus::kInvalidJson;
        if (keep_ == nullptr || keep_[field] == kNone) {
          MatchString(f, text, leaf);
          return MatchStatus::kOk;
        }
        // Kept for the deltas: hash it once for every table it meets.
        const uint64_t seed = NewHashSeed();
        const KeyHash hash{seed, HashKey(text, seed)};
        MatchString(f, text, leaf, &hash);
        Keep(field, leaf, ReplayRecord::Kind::kString, 0, text, hash);
        return MatchStatus::kOk;
      }
      case od::json_type::number: {
        // Most numbers are decided on their binary64 value; the exact
        // decimal (and the token it is parsed from) is read only when that
        // cannot decide.
        bool parsed = false;
        DecimalView number;
        auto parse = [&] {
          const std::string_view token = TrimJsonSpace(value.raw_json_token());
          if (s_.digits.size() < token.size()) s_.digits.resize(token.size());
          parsed = true;
          return ParseDecimal(token, s_.digits.data(), &number);
        };
        auto exact = [&]() -> const DecimalView& {
          if (!parsed) parse();  // a valid number: simdjson parsed it
          return number;
        };
        // simdjson parses JSON numbers strictly and rounds correctly;
        // rounding is monotonic, so a binary64 below (above) a bound's means
        // a value below (above) the bound. Zero, subnormal and extreme
        // results may hide an underflow or a value beyond binary64: those
        // take the exact path, which also decides validity.
        double approx;
        if (value.get_double().get(approx) != simdjson::SUCCESS ||
            !(std::fabs(approx) >= std::numeric_limits<double>::min() &&
              std::fabs(approx) < std::numeric_limits<double>::max())) {
          if (!parse() || ExceedsBinary64(number)) return MatchStatus::kInvalidJson;
          approx = std::numeric_limits<double>::quiet_NaN();
        }
        MatchNumber(f, approx, exact, leaf);
        if (keep_ != nullptr && keep_[field] != kNone) {
          Keep(field, leaf, ReplayRecord::Kind::kNumber, approx,
               TrimJsonSpace(value.raw_json_token()));
        }
        return MatchStatus::kOk;
      }
      default: {
        std::string_view token = TrimJsonSpace(value.raw_json_token());
        const Array<Entry>* entries = nullptr;
        ReplayRecord::Kind kind;
        if (token == "true") {
          entries = &f.trues;
          kind = ReplayRecord::Kind::kTrue;
        } else if (token == "false") {
          entries = &f.falses;
          kind = ReplayRecord::Kind::kFalse;
        } else if (token == "null") {
          entries = &f.nulls;
          kind = ReplayRecord::Kind::kNull;
        } else {
          return MatchStatus::kInvalidJson;
        }
        for (const Entry& e : *entries) Record(e, leaf);
        Keep(field, leaf, kind, 0, {});
        return MatchStatus::kOk;
      }
    }
  }

  // Keeps a value for the delta when its field has a delta field.
  void Keep(FieldId field, uint32_t leaf, ReplayRecord::Kind kind, double approx,
            std::string_view text, KeyHash hash = {}) {
    if (keep_ == nullptr || keep_[field] == kNone) return;
    s_.replay.push_back({field, leaf, 0, false, kind, approx, text, hash});
  }

  uint32_t NewLeaf(FieldId field) {
    if (s_.field_epoch[field] != s_.epoch) {
      s_.field_epoch[field] = s_.epoch;
      s_.field_head[field] = kNone;
      const Array<SubRuleId>& woken = p_.fields[field].presence_triggers;
      s_.candidates.insert(s_.candidates.end(), woken.begin(), woken.end());
    }
    const auto leaf = static_cast<uint32_t>(s_.leaves.size());
    s_.leaves.push_back({field, context_, s_.field_head[field], false});
    s_.field_head[field] = leaf;
    return leaf;
  }

  void MatchString(const FieldIndex& f, std::string_view text, uint32_t leaf,
                   const KeyHash* hash = nullptr) {
    for (const Entry& e : f.strings.Find(text, hash)) Record(e, leaf);
    auto record = [&](const Entry& e) { Record(e, leaf); };
    if (!f.prefixes.empty()) f.prefixes.ForEachPrefix(text, false, record);
    if (!f.suffixes.empty()) f.suffixes.ForEachPrefix(text, true, record);
    if (f.has_case) MatchIgnoringCase(f, text, leaf);
    if (f.has_wildcard) {
      auto check = [&](const Entry& e) {
        const WildcardEntry& w = f.wildcards[e.pred];
        if (w.pattern.Matches(text)) Record(w.entry, leaf);
      };
      f.wildcard_heads.ForEachPrefix(text, false, check);
      f.wildcard_tails.ForEachPrefix(text, true, check);
      // A middle segment may occur several times; each occurrence re-checks
      // the same pattern, which records the same entry (harmless).
      f.wildcard_middles.ForEachOccurrence(text, check);
      for (uint32_t index : f.wildcard_always) check({index, false});
    }
    if (!f.cidrs.empty()) {
      IpAddress address;
      if (ParseIpAddress(text, &address) == IpParse::kOk) {
        for (const auto& [block, e] : f.cidrs) {
          if (block.Contains(address)) Record(e, leaf);
        }
      }
    }
  }

  void MatchIgnoringCase(const FieldIndex& f, std::string_view text, uint32_t leaf) {
    s_.key.clear();
    const bool ascii = AppendCaseKey(text, &s_.key);
    // Equal keys of two ASCII strings already mean a D16 match; otherwise
    // verify (keys can coincide without a match, e.g. STRASSE vs stra\u00dfe).
    auto verify = [&](uint32_t index, CaseAnchor anchor) {
      const CaseEntry& c = f.case_patterns[index];
      if ((ascii && c.ascii) || MatchesIgnoreCase(c.pattern, text, anchor, &s_.workspace)) {
        Record(c.entry, leaf);
      }
    };
    for (uint32_t index : f.case_exact.Find(s_.key)) verify(index, CaseAnchor::kWhole);
    if (!f.case_prefixes.empty()) {
      f.case_prefixes.ForEachPrefix(s_.key, false,
                                    [&](const Entry& e) { verify(e.pred, CaseAnchor::kPrefix); });
    }
    if (!f.case_suffixes.empty()) {
      f.case_suffixes.ForEachPrefix(s_.key, true,
                                    [&](const Entry& e) { verify(e.pred, CaseAnchor::kSuffix); });
    }
  }

  template <typename Exact>
  void MatchNumber(const FieldIndex& f, double approx, Exact& exact, uint32_t leaf) {
    if (!f.numbers.empty()) {
      s_.key.clear();
      AppendDecimalKey(exact(), &s_.key);
      for (const Entry& e : f.numbers.Find(s_.key)) Record(e, leaf);
    }
    f.numeric.ForEach(approx, exact, [&](const Entry& e) { Record(e, leaf); });
  }

  void Record(const Entry& e, uint32_t leaf) {
    const PredId p = e.pred;
    if (s_.preds[p].epoch != s_.epoch) {
      s_.preds[p].epoch = s_.epoch;
      s_.preds[p].hit_head = kNone;
      s_.preds[p].exclude_head = kNone;
    }
    if (e.exclude) {
      s_.excludes.push_back({leaf, s_.preds[p].exclude_head});
      s_.preds[p].exclude_head = static_cast<uint32_t>(s_.excludes.size() - 1);
      return;
    }
    const bool first_hit = s_.preds[p].hit_head == kNone;
    s_.hits.push_back({leaf, s_.preds[p].hit_head});
    s_.preds[p].hit_head = static_cast<uint32_t>(s_.hits.size() - 1);
    // The first hit makes `p`'s sub-rules worth a look after the walk;
    // later hits (more values in an array) would add nothing.
    if (first_hit && p_.group_begin[p] != p_.group_begin[p + 1]) {
      s_.triggered.push_back(p);
    }
  }

  const Program& p_;
  ScratchState& s_;
  const bool lazy_;
  const FieldId* const keep_;
  uint32_t context_ = 0;
};

void* NewParser(size_t capacity, size_t max_depth) {
  auto* parser = new Parser();
  if (parser->allocate(capacity, max_depth) != simdjson::SUCCESS) {
    delete parser;
    return nullptr;
  }
#ifdef SIMDJSON_THREADS_ENABLED
  // Streams stay on the calling thread: a Scratch serves one thread.
  parser->threaded = false;
#endif
  return parser;
}

void DeleteParser(void* parser) { delete static_cast<Parser*>(parser); }

MatchStatus RunMatch(const Program& p, std::string_view json, size_t capacity, MatchMode mode,
                     ScratchState& s);
MatchStatus RunBatch(const Program& p, std::string_view input, size_t capacity, MatchMode mode,
                     ScratchState& s, BatchCallback on_event);
MatchStatus RunLive(const LiveView& v, std::string_view json, size_t capacity, MatchMode mode,
                    ScratchState& s);
MatchStatus RunLiveBatch(const LiveView& v, std::string_view input, size_t capacity, MatchMode mode,
                         ScratchState& s, BatchCallback on_event);

}  // namespace

extern const Kernel kKernel;
const Kernel kKernel = {SIMDJSON_STRINGIFY(EVMATCH_KERNEL),
                        NewParser,
                        DeleteParser,
                        RunMatch,
                        RunBatch,
                        RunLive,
                        RunLiveBatch};

namespace {

// How many candidates ahead Drive prefetches a sub-rule (half as many for
// its conditions, a quarter for their predicates).
inline constexpr size_t kPrefetchAhead = 8;

// Checks the scratch, starts a new event, runs `walk` (a Walker -> status
// function), then checks the woken sub-rules.
// `keep`: as Walker's. `keep_contexts`: the array contexts are those of
// an earlier walk of the same event, which `walk` replays. `fitted`: the
// caller has checked that `s` fits `p`.
template <typename Walk>
MatchStatus Drive(const Program& p, ScratchState& s, MatchMode mode, Walk&& walk,
                  const FieldId* keep = nullptr, bool keep_contexts = false, bool fitted = false) {
  if (!fitted && !ScratchFits(p, s)) return MatchStatus::kScratchMismatch;
  if (++s.epoch == 0) {  // wrapped: forget every stamp
    for (auto* v : {&s.field_epoch, &s.sub_rule_epoch}) std::fill(v->begin(), v->end(), 0);
    for (ScratchState::PredState& pred : s.preds) pred.epoch = 0;
    s.epoch = 1;
  }
  s.leaves.clear();
  if (!keep_contexts) {
    s.contexts.clear();
    s.contexts.push_back({0, kNone, 0});  // context 0: outside every array
  }
  s.hits.clear();
  s.excludes.clear();
  s.seen_keys.clear();
  s.candidates.clear();
  s.triggered.clear();
  s.matches.clear();
  s.next_array_id = 0;
  s.any_dead = false;

  Walker walker(p, s, mode, keep);
  MatchStatus status = walk(walker);
  if (status == MatchStatus::kOk) {
    // The triggered sub-rules whose first guard has a hit too, each once
    // (several of its trigger condition's predicates may have hits).
    for (const PredId pred : s.triggered) {
      for (uint32_t g = p.group_begin[pred]; g < p.group_begin[pred + 1]; ++g) {
        const PredId guard = p.trigger_groups[g].guard;
        if (guard != kNone && s.preds[guard].epoch != s.epoch) continue;
        for (uint32_t t = p.trigger_groups[g].begin; t < p.trigger_groups[g + 1].begin; ++t) {
          Wake(s, p.trigger_rules[t]);
        }
      }
    }
    // Each sub-rule is registered in one place only (a predicate's triggers,
    // a field's presence list or `always`), and the last two are read once
    // per event: their sub-rules need no stamp against waking twice.
    s.candidates.insert(s.candidates.end(), p.always.begin(), p.always.end());
    // With many rules a sub-rule, its conditions and their predicates are
    // far apart in memory: ask for them in three steps, a few candidates
    // ahead, while deciding this one.
    const size_t n = s.candidates.size();
    for (size_t i = 0; i < n; ++i) {
      if (i + kPrefetchAhead < n) {
        __builtin_prefetch(&p.sub_rules[s.candidates[i + kPrefetchAhead]]);
      }
      if (i + kPrefetchAhead / 2 < n) {
        const SubRule& next = p.sub_rules[s.candidates[i + kPrefetchAhead / 2]];
        __builtin_prefetch(&p.conditions[next.cond_begin]);
      }
      if (i + kPrefetchAhead / 4 < n) {
        const SubRule& next = p.sub_rules[s.candidates[i + kPrefetchAhead / 4]];
        if (next.shortcut == SubRule::Shortcut::kCheck) {
          __builtin_prefetch(&p.condition_preds[p.conditions[next.cond_begin].pred_begin]);
        }
      }
      const SubRuleId id = s.candidates[i];
      const SubRule& sub = p.sub_rules[id];
      uint64_t& word = s.matched_bits[sub.rule / 64];
      const uint64_t bit = uint64_t{1} << (sub.rule % 64);
      if ((word & bit) != 0 || !Guarded(s, sub)) continue;
      const Quick quick = Shortcut(s, sub);
      if (quick == Quick::kMatch || (quick == Quick::kCheck && CheckSubRule(p, s, id))) {
        word |= bit;
        s.matches.push_back(sub.rule);
      }
    }
    SortMatches(s.matches, s.matched_bits, p.rule_names.size());
  }
  return status;
}

bool ParserFits(const Program& p, const ScratchState& s) {
  return s.parser.kernel() == p.kernel && s.parser.capacity() >= p.options.max_event_bytes &&
         s.parser.depth() >= ParserDepth(p);
}

MatchStatus RunMatch(const Program& p, std::string_view json, size_t capacity, MatchMode mode,
                     ScratchState& s) {
  if (json.size() > p.options.max_event_bytes) return MatchStatus::kEventTooLarge;
  if (capacity < json.size() + kPadding) return MatchStatus::kInsufficientPadding;
  if (!ParserFits(p, s)) return MatchStatus::kScratchMismatch;
  return Drive(p, s, mode, [&](Walker& w) { return w.Run(json, capacity); });
}

// Matches the lines of input[begin, end) one at a time with
// match_line(line, capacity from the line's start) (blank lines are
// skipped; an event's offset is that of its first non-blank byte) and
// returns where the line holding `end - 1` ends (past its '\n').
template <typename MatchLine>
size_t ForEachLine(std::string_view input, size_t capacity, const ScratchState& s,
                   BatchCallback on_event, size_t* index, size_t begin, size_t end,
                   MatchLine&& match_line) {
  size_t pos = begin;
  while (pos < input.size() && pos < end) {
    size_t eol = input.find('\n', pos);
    if (eol == std::string_view::npos) eol = input.size();
    const std::string_view line = input.substr(pos, eol - pos);
    const std::string_view text = TrimJsonSpace(line);
    if (!text.empty()) {
      const size_t offset = pos + static_cast<size_t>(text.data() - line.data());
      const MatchStatus status = match_line(line, capacity - pos);
      BatchEvent event{(*index)++, offset, status, {}};
      if (status == MatchStatus::kOk) event.matches = s.matches;
      on_event(event);
    }
    pos = eol + 1;
  }
  return std::min(pos, input.size());
}

size_t MatchLines(const Program& p, std::string_view input, size_t capacity, MatchMode mode,
                  ScratchState& s, BatchCallback on_event, size_t* index, size_t begin,
                  size_t end) {
  return ForEachLine(input, capacity, s, on_event, index, begin, end,
                     [&](std::string_view line, size_t line_capacity) {
                       return RunMatch(p, line, line_capacity, mode, s);
                     });
}

// The events of `input` through simdjson's iterate_many (in lazy mode, one
// line at a time through MatchLines), in windows of
// max_event_bytes. A text is reported from the stream only when it has its
// line to itself (so results are those of Match on each line). Anything else
// (a malformed text, a text sharing or spanning lines, invalid UTF-8 the
// window's first stage found) sends the rest of that window through
// MatchLines, then streaming resumes on the next line.
MatchStatus RunBatch(const Program& p, std::string_view input, size_t capacity, MatchMode mode,
                     ScratchState& s, BatchCallback on_event) {
  if (capacity < input.size() + kPadding) return MatchStatus::kInsufficientPadding;
  if (!ParserFits(p, s)) return MatchStatus::kScratchMismatch;
  size_t index = 0;
  if (mode == MatchMode::kLazy) {
    // A lazy walk leaves most of an event unread. One Match per line then
    // jumps to the next line break, where the stream would step over every
    // token the walk left (citylots2 EXACT: 2.0x faster; bench/README.md).
    MatchLines(p, input, capacity, mode, s, on_event, &index, 0, input.size());
    return MatchStatus::kOk;
  }
  const size_t window = std::max<size_t>(p.options.max_event_bytes, od::MINIMAL_BATCH_SIZE);
  if (!s.stream_parser.Prepare(p.kernel, window, simdjson::DEFAULT_MAX_DEPTH)) {
    return MatchStatus::kScratchMismatch;
  }
  auto* parser = static_cast<Parser*>(s.stream_parser.get());
  size_t pos = 0;
  while (pos < input.size()) {
    size_t floor = pos;  // every text before this has been reported
    od::document_stream stream;
    if (parser->iterate_many(input.data() + pos, input.size() - pos, window).get(stream) ==
        simdjson::SUCCESS) {
      auto it = stream.begin();
      while (it != stream.end()) {
        const size_t offset = SkipSpace(input, pos + it.current_index());
        if (offset < floor) break;  // the stream failed past the last text
        od::document_reference doc;
        if ((*it).get(doc) != simdjson::SUCCESS) break;
        if (Drive(p, s, mode, [&](Walker& w) { return w.Run(doc, false); }) !=
            MatchStatus::kOk) {
          break;
        }
        ++it;
        // A text is reported from the stream only when a well-formed text
        // follows it on a later line. Near malformed or truncated input the
        // stream may drop bytes between two texts (seen: an unclosed `[`
        // after an object, before invalid UTF-8), so the last text, and one
        // followed by a failure, are left to MatchLines.
        if (!(it != stream.end())) break;
        od::document_reference following;
        if ((*it).get(following) != simdjson::SUCCESS) break;
        const size_t next = SkipSpace(input, pos + it.current_index());
        if (!OwnLine(input, offset, next)) break;
        on_event({index++, offset, MatchStatus::kOk, s.matches});
        floor = next;
      }
    }
    pos = MatchLines(p, input, capacity, mode, s, on_event, &index, floor, floor + window);
  }
  return MatchStatus::kOk;
}

// False when no value the base's walk kept can fire anything in `delta`
// (and it has no sub-rule checked always): it then matches nothing.
bool MayFire(const LiveDelta& delta, const ScratchState& s) {
  if (!delta.program->always.empty()) return true;
  for (const ReplayRecord& r : s.replay) {
    const FieldId field = delta.replay_fields[r.field];
    if (field == kNone) continue;
    switch (delta.quick[field]) {
      case kQuickNever:
        continue;
      case kQuickStrings:
        if (r.kind == ReplayRecord::Kind::kString && MayHoldString(delta, r.hash.value) &&
            !delta.program->fields[field].strings.Find(r.text, &r.hash).empty()) {
          return true;
        }
        continue;
      default:
        return true;
    }
  }
  return false;
}

// The base's matches that no delta hides, and each delta's that no newer
// one hides, merged into live ids in ascending order (each list is
// ascending: the ids are). Deltas whose values the base's walk kept are
// matched first, while the walk's array contexts still stand; a delta that
// reads a path the base lacks walks the rewound document again.
MatchStatus RunLive(const LiveView& v, std::string_view json, size_t capacity, MatchMode mode,
                    ScratchState& s) {
  const Program& base = *v.base;
  if (json.size() > base.options.max_event_bytes) return MatchStatus::kEventTooLarge;
  if (capacity < json.size() + kPadding) return MatchStatus::kInsufficientPadding;
  if (!ParserFits(base, s)) return MatchStatus::kScratchMismatch;
  od::document doc;
  if (static_cast<Parser*>(s.parser.get())
          ->iterate(simdjson::padded_string_view(json.data(), json.size(), capacity))
          .get(doc)) {
    return MatchStatus::kInvalidJson;
  }
  s.replay.clear();
  MatchStatus status = Drive(
      base, s, mode, [&](Walker& w) { return w.Run(doc, true); }, v.keep, false, /*fitted=*/true);
  if (status != MatchStatus::kOk) return status;
  // With many rules, a match's mask word and live id are far apart in
  // memory: ask for them now, read them after the deltas.
  s.live_matches.assign(s.matches.begin(), s.matches.end());
  for (const RuleId r : s.live_matches) {
    __builtin_prefetch(&v.mask[r / 64]);
    __builtin_prefetch(&v.base_ids[r]);
  }
  if (v.keep != nullptr) {
    for (ReplayRecord& r : s.replay) {
      r.context = s.leaves[r.leaf].context;
      r.dead = s.leaves[r.leaf].dead;
    }
  }
  // Each delta that runs fills its own list; one that is absent or skipped
  // found nothing. Replayed deltas run first, while the walk's array
  // contexts stand.
  s.live_delta[0].clear();
  s.live_delta[1].clear();
  bool any = false;
  auto collect = [&](int d) {
    const LiveDelta& delta = v.deltas[d];
    std::vector<RuleId>& found = s.live_delta[d];
    for (const RuleId r : s.matches) {
      if (delta.mask == nullptr || (delta.mask[r / 64] >> (r % 64) & 1) == 0) {
        found.push_back(delta.ids[r]);
      }
    }
    any |= !found.empty();
  };
  for (int d = 0; d < 2; ++d) {
    const LiveDelta& delta = v.deltas[d];
    if (delta.program == nullptr || delta.replay_fields == nullptr || !MayFire(delta, s)) continue;
    status = Drive(
        *delta.program, s, mode,
        [&](Walker& w) {
          for (const ReplayRecord& r : s.replay) {
            const FieldId field = delta.replay_fields[r.field];
            if (field != kNone) w.Replay(r, field);
          }
          return MatchStatus::kOk;
        },
        nullptr, /*keep_contexts=*/true, /*fitted=*/true);
    if (status != MatchStatus::kOk) return status;
    collect(d);
  }
  for (int d = 0; d < 2; ++d) {
    const LiveDelta& delta = v.deltas[d];
    if (delta.program == nullptr || delta.replay_fields != nullptr) continue;
    // The first stage's index is kept: the walk reads only the delta's
    // paths.
    doc.rewind();
    status = Drive(
        *delta.program, s, mode, [&](Walker& w) { return w.Run(doc, true); }, nullptr, false,
        /*fitted=*/true);
    if (status != MatchStatus::kOk) return status;
    collect(d);
  }
  size_t kept = 0;
  for (const RuleId r : s.live_matches) {
    if ((v.mask[r / 64] >> (r % 64) & 1) == 0) s.live_matches[kept++] = v.base_ids[r];
  }
  s.live_matches.resize(kept);
  if (!any) {
    s.matches.swap(s.live_matches);
    return MatchStatus::kOk;
  }
  s.live_merged.clear();
  std::merge(s.live_matches.begin(), s.live_matches.end(), s.live_delta[0].begin(),
             s.live_delta[0].end(), std::back_inserter(s.live_merged));
  s.matches.clear();
  std::merge(s.live_merged.begin(), s.live_merged.end(), s.live_delta[1].begin(),
             s.live_delta[1].end(), std::back_inserter(s.matches));
  return MatchStatus::kOk;
}

MatchStatus RunLiveBatch(const LiveView& v, std::string_view input, size_t capacity, MatchMode mode,
                         ScratchState& s, BatchCallback on_event) {
  if (capacity < input.size() + kPadding) return MatchStatus::kInsufficientPadding;
  if (!ParserFits(*v.base, s)) return MatchStatus::kScratchMismatch;
  size_t index = 0;
  ForEachLine(input, capacity, s, on_event, &index, 0, input.size(),
              [&](std::string_view line, size_t line_capacity) {
                return RunLive(v, line, line_capacity, mode, s);
              });
  return MatchStatus::kOk;
}

}  // namespace
}  // namespace evmatch::internal::EVMATCH_KERNEL

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

// Declared in evmatch/simdjson.h for the caller's simdjson kernel; each
// kernel's translation unit defines the overload for its document type.
MatchStatus MatchDocument(const Matcher& matcher,
                          simdjson::EVMATCH_KERNEL::ondemand::document& document,
                          Scratch& scratch, MatchMode mode) {
  const internal::Program& p = internal::MatcherAccess::ProgramOf(matcher);
  internal::ScratchState& s = internal::MatcherAccess::StateOf(scratch);
  const internal::ScratchClaim claim(s);
  if (!claim.held()) return MatchStatus::kScratchBusy;
  return internal::EVMATCH_KERNEL::Drive(
      p, s, mode,
      [&](internal::EVMATCH_KERNEL::Walker& w) { return w.Run(document, true); });
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
