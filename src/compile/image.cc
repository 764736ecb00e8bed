// Program <-> image (see image.h; the format is in docs/persistence.md).

#include "compile/image.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "pattern/cidr.h"
#include "unicode/case_fold.h"
#include "util/strings.h"

namespace evmatch::internal {

// Header, 64 bytes:
//   0  magic "EVMATCH\0"      8
//   8  format version          u32
//  12  byte-order mark         u32 0x01020304 as the writer stored it
//  16  image size              u64, header included
//  24  checksum                u64, XXH3-64 of every other byte (Checksum)
//  32  zero                    32 bytes
// then the body, a sequence of 8-byte aligned items (docs/persistence.md).
namespace {

constexpr uint32_t kByteOrderMark = 0x01020304;
constexpr size_t kChecksumBegin = 24, kChecksumEnd = 32;

template <typename T>
void Put(std::string* out, const T& value) {
  static_assert(std::is_trivially_copyable_v<T>);
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

}  // namespace

// Reads and writes the parts of the indexes that images hold in place.
struct ImageAccess {
  using TrieNode = ByteTrie::Node;

  static const Array<TrieNode>& nodes(const ByteTrie& t) { return t.nodes_; }
  static const Array<unsigned char>& edge_bytes(const ByteTrie& t) { return t.edge_bytes_; }
  static const Array<uint32_t>& edge_targets(const ByteTrie& t) { return t.edge_targets_; }
  static const Array<Entry>& entries(const ByteTrie& t) { return t.entries_; }
  static void Adopt(ByteTrie* t, Array<TrieNode> nodes, Array<unsigned char> edge_bytes,
                    Array<uint32_t> edge_targets, Array<Entry> entries) {
    t->build_edges_.clear();
    t->build_entries_.clear();
    t->nodes_ = std::move(nodes);
    t->edge_bytes_ = std::move(edge_bytes);
    t->edge_targets_ = std::move(edge_targets);
    t->entries_ = std::move(entries);
    t->entry_count_ = t->entries_.size();
  }
  static const std::vector<std::pair<NumericRange, Entry>>& ranges(const IntervalIndex& n) {
    return n.ranges_;
  }
};

namespace {

// The sizes of the structs an image stores as they lie in memory; an image
// written where any differs is refused.
std::vector<uint32_t> Layout() {
  return {sizeof(Predicate),
          sizeof(ConditionPred),
          sizeof(Condition),
          sizeof(SubRule),
          sizeof(TriggerGroup),
          sizeof(Entry),
          sizeof(ImageAccess::TrieNode),
          sizeof(StringTable<Entry>::Slot),
          sizeof(StringTable<uint32_t>::Slot)};
}

// ------------------------------------------------------------------ writing

class Writer {
 public:
  explicit Writer(std::string* out) : out_(out) {}

  void U64(uint64_t v) { Put(out_, v); }
  template <typename T>
  void Items(const T* data, size_t n) {
    U64(n);
    out_->append(reinterpret_cast<const char*>(data), n * sizeof(T));
    out_->append((8 - out_->size() % 8) % 8, '\0');
  }
  template <typename T>
  void Items(const Array<T>& a) {
    Items(a.data(), a.size());
  }
  void String(std::string_view s) { Items(s.data(), s.size()); }

  template <typename T>
  void Table(const StringTable<T>& t) {
    U64(t.seed());
    U64(t.size());
    Items(t.tags());
    Items(t.slots());
    Items(t.keys());
    Items(t.spill());
  }
  void Trie(const ByteTrie& t) {
    Items(ImageAccess::nodes(t));
    Items(ImageAccess::edge_bytes(t));
    Items(ImageAccess::edge_targets(t));
    Items(ImageAccess::entries(t));
  }
  void EntryOf(const Entry& e) {
    U64(e.pred);
    U64(e.exclude ? 1 : 0);
  }

 private:
  std::string* out_;
};

void WriteField(const FieldIndex& f, Writer& w) {
  w.Table(f.strings);
  w.Table(f.numbers);
  w.Table(f.case_exact);
  w.Items(f.trues);
  w.Items(f.falses);
  w.Items(f.nulls);
  w.Trie(f.prefixes);
  w.Trie(f.suffixes);
  w.Trie(f.case_prefixes);
  w.Trie(f.case_suffixes);
  w.U64(f.case_patterns.size());
  for (const CaseEntry& c : f.case_patterns) {
    w.String(c.pattern);
    w.EntryOf(c.entry);
  }
  w.U64(f.wildcards.size());
  for (const WildcardEntry& wc : f.wildcards) {
    w.U64(wc.pattern.segments.size());
    for (const std::string& segment : wc.pattern.segments) w.String(segment);
    w.EntryOf(wc.entry);
  }
  const auto& ranges = ImageAccess::ranges(f.numeric);
  w.U64(ranges.size());
  for (const auto& [range, entry] : ranges) {
    w.U64(uint64_t{range.has_low} | uint64_t{range.low_open} << 1 | uint64_t{range.has_high} << 2 |
          uint64_t{range.high_open} << 3);
    w.String(range.has_low ? range.low.ToString() : "");
    w.String(range.has_high ? range.high.ToString() : "");
    w.EntryOf(entry);
  }
  w.U64(f.cidrs.size());
  for (const auto& [block, entry] : f.cidrs) {
    w.String(block.text);
    w.EntryOf(entry);
  }
  w.Items(f.presence_triggers);
}

// XXH3-64 of every byte but the checksum's own: the header's first 24 bytes
// seed the hash of everything after the checksum.
uint64_t Checksum(std::string_view image) {
  return XXH3_64bits_withSeed(image.data() + kChecksumEnd, image.size() - kChecksumEnd,
                              XXH3_64bits(image.data(), kChecksumBegin));
}

// ------------------------------------------------------------------ reading

class Reader {
 public:
  explicit Reader(std::string_view image) : image_(image), pos_(kImageHeaderBytes) {}

  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  size_t pos() const { return pos_; }
  size_t remaining() const { return image_.size() - pos_; }
  bool at_end() const { return pos_ == image_.size(); }

  // Refuses the image, naming what was read and where; false.
  bool Fail(size_t at, std::string_view what) {
    if (status_.ok()) {
      status_ = absl::DataLossError(Cat("Invalid matcher image at offset ", at, ": ", what));
    }
    return false;
  }

  bool U64(uint64_t* v, std::string_view what) {
    if (!ok()) return false;
    if (image_.size() - pos_ < 8) return Fail(pos_, Cat("truncated in ", what));
    std::memcpy(v, image_.data() + pos_, 8);
    pos_ += 8;
    return true;
  }
  // A count that must not exceed `limit`.
  bool Count(uint64_t* n, uint64_t limit, std::string_view what) {
    const size_t at = pos_;
    if (!U64(n, what)) return false;
    if (*n > limit) return Fail(at, Cat(what, ": ", *n, " is more than ", limit));
    return true;
  }
  // A view of the next item's elements, in place.
  template <typename T>
  bool Items(Array<T>* out, std::string_view what) {
    const size_t at = pos_;
    uint64_t n = 0;
    if (!U64(&n, what)) return false;
    if (n > (image_.size() - pos_) / sizeof(T)) {
      return Fail(at, Cat("truncated in ", what, " (", n, " elements)"));
    }
    *out = Array<T>::View(reinterpret_cast<const T*>(image_.data() + pos_), n);
    pos_ += n * sizeof(T);
    pos_ += std::min<size_t>((8 - pos_ % 8) % 8, image_.size() - pos_);
    return true;
  }
  bool String(std::string_view* s, std::string_view what) {
    Array<char> chars;
    if (!Items(&chars, what)) return false;
    *s = {chars.data(), chars.size()};
    return true;
  }
  bool EntryOf(Entry* e, uint64_t preds, std::string_view what) {
    const size_t at = pos_;
    uint64_t pred = 0, exclude = 0;
    if (!U64(&pred, what) || !U64(&exclude, what)) return false;
    if (pred >= preds || exclude > 1) return Fail(at, Cat(what, ": invalid index entry"));
    *e = {static_cast<PredId>(pred), exclude == 1};
    return true;
  }

 private:
  std::string_view image_;
  size_t pos_;
  absl::Status status_;
};

// The byte of a bool member as stored, which must be 0 or 1 before the
// member is read as a bool.
template <typename T>
uint8_t ByteOf(const T& object, size_t offset) {
  uint8_t b;
  std::memcpy(&b, reinterpret_cast<const char*>(&object) + offset, 1);
  return b;
}

bool ValidEntries(Reader& r, const Array<Entry>& entries, uint64_t limit, size_t at,
                  std::string_view what) {
  for (const Entry& e : entries) {
    if (e.pred >= limit || ByteOf(e, offsetof(Entry, exclude)) > 1) {
      return r.Fail(at, Cat(what, ": invalid index entry"));
    }
  }
  return true;
}

// Each value of a table is an Entry of a predicate below `limit`, or (case
// tables) an index below `limit`.
template <typename T>
bool ValidValue(const T& v, uint64_t limit) {
  if constexpr (std::is_same_v<T, Entry>) {
    return v.pred < limit && ByteOf(v, offsetof(Entry, exclude)) <= 1;
  } else {
    return v < limit;
  }
}

template <typename T>
bool ReadTable(Reader& r, uint64_t limit, StringTable<T>* table, std::string_view what) {
  using Slot = typename StringTable<T>::Slot;
  const size_t at = r.pos();
  uint64_t seed = 0, size = 0;
  Array<uint32_t> tags;
  Array<Slot> slots;
  Array<char> keys;
  Array<T> spill;
  if (!r.U64(&seed, what) || !r.U64(&size, what) || !r.Items(&tags, what) ||
      !r.Items(&slots, what) || !r.Items(&keys, what) || !r.Items(&spill, what)) {
    return false;
  }
  // A list: every slot used. A hashed table: at least one empty slot (tag
  // 0), so that every probe ends.
  const bool list = slots.size() <= StringTable<T>::kFew;
  uint64_t used = 0;
  for (size_t i = 0; i < slots.size() && tags.size() == slots.size(); ++i) {
    if (!list && tags[i] == 0) continue;
    ++used;
    const Slot& s = slots[i];
    if (s.key_begin > keys.size() || s.key_size > keys.size() - s.key_begin || s.count == 0 ||
        (s.count > 1 && (s.spill > spill.size() || s.count > spill.size() - s.spill)) ||
        !ValidValue(s.first, limit)) {
      return r.Fail(at, Cat(what, ": invalid slot ", i));
    }
  }
  if (tags.size() != slots.size() || used != size || (!list && used == slots.size())) {
    return r.Fail(at, Cat(what, ": invalid table shape"));
  }
  for (const T& v : spill) {
    if (!ValidValue(v, limit)) return r.Fail(at, Cat(what, ": invalid value"));
  }
  table->Adopt(seed, size, std::move(tags), std::move(slots), std::move(keys), std::move(spill));
  return true;
}

bool ReadTrie(Reader& r, uint64_t limit, ByteTrie* trie, std::string_view what) {
  const size_t at = r.pos();
  Array<ImageAccess::TrieNode> nodes;
  Array<unsigned char> edge_bytes;
  Array<uint32_t> edge_targets;
  Array<Entry> entries;
  if (!r.Items(&nodes, what) || !r.Items(&edge_bytes, what) || !r.Items(&edge_targets, what) ||
      !r.Items(&entries, what)) {
    return false;
  }
  if (edge_bytes.size() != edge_targets.size() || (nodes.empty() && !entries.empty())) {
    return r.Fail(at, Cat(what, ": invalid trie shape"));
  }
  for (const auto& n : nodes) {
    if (n.edge_begin > n.edge_end || n.edge_end > edge_bytes.size() ||
        n.entry_begin > n.entry_end || n.entry_end > entries.size()) {
      return r.Fail(at, Cat(what, ": invalid trie node"));
    }
  }
  for (uint32_t target : edge_targets) {
    if (target >= nodes.size()) return r.Fail(at, Cat(what, ": invalid trie edge"));
  }
  if (!ValidEntries(r, entries, limit, at, what)) return false;
  ImageAccess::Adopt(trie, std::move(nodes), std::move(edge_bytes), std::move(edge_targets),
                     std::move(entries));
  return true;
}

// Counts of what indexes may refer to.
struct Limits {
  uint64_t rules, fields, preds, sub_rules;
};

bool ReadField(Reader& r, const Limits& n, FieldIndex* f) {
  if (!ReadTable(r, n.preds, &f->strings, "string values") ||
      !ReadTable(r, n.preds, &f->numbers, "number values")) {
    return false;
  }
  // Case tables index the case patterns, read after them: checked below.
  if (!ReadTable(r, ~uint64_t{0} >> 1, &f->case_exact, "equals-ignore-case values")) return false;
  size_t at = r.pos();
  if (!r.Items(&f->trues, "true values") || !r.Items(&f->falses, "false values") ||
      !r.Items(&f->nulls, "null values") ||
      !ValidEntries(r, f->trues, n.preds, at, "true values") ||
      !ValidEntries(r, f->falses, n.preds, at, "false values") ||
      !ValidEntries(r, f->nulls, n.preds, at, "null values")) {
    return false;
  }
  if (!ReadTrie(r, n.preds, &f->prefixes, "prefixes") ||
      !ReadTrie(r, n.preds, &f->suffixes, "suffixes") ||
      !ReadTrie(r, ~uint64_t{0} >> 1, &f->case_prefixes, "prefixes ignoring case") ||
      !ReadTrie(r, ~uint64_t{0} >> 1, &f->case_suffixes, "suffixes ignoring case")) {
    return false;
  }
  uint64_t count = 0;
  at = r.pos();
  if (!r.Count(&count, r.remaining() / 8, "equals-ignore-case patterns")) return false;
  f->case_patterns.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view pattern;
    CaseEntry c;
    if (!r.String(&pattern, "equals-ignore-case pattern") ||
        !r.EntryOf(&c.entry, n.preds, "equals-ignore-case pattern")) {
      return false;
    }
    std::string key;
    c.pattern = std::string(pattern);
    c.ascii = AppendCaseKey(pattern, &key);
    f->case_patterns.push_back(std::move(c));
  }
  bool indexes_ok = true;
  f->case_exact.ForEach([&](std::string_view, std::span<const uint32_t> indexes) {
    for (uint32_t index : indexes) indexes_ok &= index < count;
  });
  if (!indexes_ok) return r.Fail(at, "equals-ignore-case values: invalid pattern index");
  if (!ValidEntries(r, ImageAccess::entries(f->case_prefixes), count, at,
                    "prefixes ignoring case") ||
      !ValidEntries(r, ImageAccess::entries(f->case_suffixes), count, at,
                    "suffixes ignoring case")) {
    return false;
  }
  f->has_case = count != 0;

  if (!r.Count(&count, r.remaining() / 8, "wildcards")) return false;
  f->wildcards.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    WildcardEntry w;
    uint64_t segments = 0;
    at = r.pos();
    if (!r.Count(&segments, r.remaining() / 8, "wildcard")) return false;
    if (segments == 0) return r.Fail(at, "wildcard without segments");
    for (uint64_t k = 0; k < segments; ++k) {
      std::string_view segment;
      if (!r.String(&segment, "wildcard segment")) return false;
      w.pattern.segments.emplace_back(segment);
    }
    if (!r.EntryOf(&w.entry, n.preds, "wildcard")) return false;
    f->wildcards.push_back(std::move(w));
  }
  f->has_wildcard = count != 0;
  FileWildcards(f);

  if (!r.Count(&count, r.remaining() / 8, "numeric ranges")) return false;
  for (uint64_t i = 0; i < count; ++i) {
    at = r.pos();
    uint64_t flags = 0;
    std::string_view low, high;
    Entry entry;
    if (!r.U64(&flags, "numeric range") || !r.String(&low, "numeric range") ||
        !r.String(&high, "numeric range") || !r.EntryOf(&entry, n.preds, "numeric range")) {
      return false;
    }
    NumericRange range;
    range.has_low = flags & 1;
    range.low_open = flags & 2;
    range.has_high = flags & 4;
    range.high_open = flags & 8;
    std::optional<Decimal> lo = range.has_low ? Decimal::FromJson(low) : Decimal();
    std::optional<Decimal> hi = range.has_high ? Decimal::FromJson(high) : Decimal();
    if (flags > 15 || !lo || !hi) return r.Fail(at, "invalid numeric range");
    range.low = std::move(*lo);
    range.high = std::move(*hi);
    f->numeric.Add(range, entry);
  }

  if (!r.Count(&count, r.remaining() / 8, "CIDR blocks")) return false;
  for (uint64_t i = 0; i < count; ++i) {
    at = r.pos();
    std::string_view text;
    Entry entry;
    if (!r.String(&text, "CIDR block") || !r.EntryOf(&entry, n.preds, "CIDR block")) return false;
    CidrBlock block;
    std::string reason;
    if (!ParseCidr(text, &block, &reason)) return r.Fail(at, Cat("invalid CIDR block: ", reason));
    f->cidrs.emplace_back(std::move(block), entry);
  }

  at = r.pos();
  if (!r.Items(&f->presence_triggers, "presence triggers")) return false;
  for (SubRuleId id : f->presence_triggers) {
    if (id >= n.sub_rules) return r.Fail(at, "presence triggers: invalid sub-rule");
  }
  f->numeric.Finalize();
  return true;
}

bool Valid(uint32_t id, uint64_t limit) { return id == kNone || id < limit; }

// The program's own arrays, checked against each other.
bool ReadRules(Reader& r, Program* p, Limits* n) {
  size_t at = r.pos();
  if (!r.Items(&p->preds, "predicates")) return false;
  n->preds = p->preds.size();
  for (const Predicate& pred : p->preds) {
    if (pred.field >= n->fields || pred.kind > PredKind::kExistsFalse) {
      return r.Fail(at, "invalid predicate");
    }
  }
  at = r.pos();
  if (!r.Items(&p->condition_preds, "condition predicates")) return false;
  for (const ConditionPred& c : p->condition_preds) {
    if (c.pred >= n->preds || c.kind != p->preds[c.pred].kind) {
      return r.Fail(at, "invalid condition predicate");
    }
  }
  at = r.pos();
  if (!r.Items(&p->conditions, "conditions")) return false;
  for (const Condition& c : p->conditions) {
    if (c.field >= n->fields || c.pred_begin >= c.pred_end ||
        c.pred_end > p->condition_preds.size() || ByteOf(c, offsetof(Condition, absence_ok)) > 1) {
      return r.Fail(at, "invalid condition");
    }
  }
  at = r.pos();
  if (!r.Items(&p->sub_rules, "sub-rules")) return false;
  n->sub_rules = p->sub_rules.size();
  for (const SubRule& s : p->sub_rules) {
    bool ok = s.rule < n->rules && s.cond_begin < s.cond_end &&
              s.cond_end <= p->conditions.size() && Valid(s.guards[0], n->preds) &&
              Valid(s.guards[1], n->preds) && Valid(s.only, n->preds) && Valid(s.absent, n->fields);
    switch (s.shortcut) {
      case SubRule::Shortcut::kCheck:
      case SubRule::Shortcut::kWoken:
        break;
      case SubRule::Shortcut::kUnlessExcluded:
        ok &= s.only != kNone;
        break;
      case SubRule::Shortcut::kWokenUnlessPresent:
        ok &= s.absent != kNone;
        break;
      default:
        ok = false;
    }
    if (!ok) return r.Fail(at, "invalid sub-rule");
  }
  at = r.pos();
  if (!r.Items(&p->group_begin, "trigger group offsets") ||
      !r.Items(&p->trigger_groups, "trigger groups") ||
      !r.Items(&p->trigger_rules, "triggered sub-rules")) {
    return false;
  }
  // Group offsets per predicate, then groups whose sub-rule offsets ascend
  // to a sentinel at the end of the sub-rules.
  if (p->group_begin.size() != n->preds + 1 || p->group_begin[0] != 0 ||
      p->trigger_groups.empty() || p->group_begin.back() != p->trigger_groups.size() - 1 ||
      !std::is_sorted(p->group_begin.begin(), p->group_begin.end()) ||
      p->trigger_groups[0].begin != 0 ||
      p->trigger_groups.back().begin != p->trigger_rules.size() ||
      !std::is_sorted(
          p->trigger_groups.begin(), p->trigger_groups.end(),
          [](const TriggerGroup& a, const TriggerGroup& b) { return a.begin < b.begin; })) {
    return r.Fail(at, "invalid trigger groups");
  }
  for (const TriggerGroup& g : p->trigger_groups) {
    if (!Valid(g.guard, n->preds)) return r.Fail(at, "invalid trigger group");
  }
  for (SubRuleId id : p->trigger_rules) {
    if (id >= n->sub_rules) return r.Fail(at, "invalid triggered sub-rule");
  }
  at = r.pos();
  if (!r.Items(&p->always, "unconditional sub-rules")) return false;
  for (SubRuleId id : p->always) {
    if (id >= n->sub_rules) return r.Fail(at, "invalid unconditional sub-rule");
  }
  return true;
}

absl::Status ReadHeader(std::string_view image) {
  if (image.size() < 8 || std::memcmp(image.data(), kImageMagic, 8) != 0) {
    return absl::InvalidArgumentError(
        "Not an evmatch matcher image (no EVMATCH header; write one with Matcher::Serialize "
        "or evmatch compile)");
  }
  if (image.size() < kImageHeaderBytes) {
    return absl::DataLossError(
        Cat("Matcher image is truncated: ", image.size(), " bytes, less than its header"));
  }
  uint32_t version, mark;
  uint64_t size, checksum;
  std::memcpy(&version, image.data() + 8, 4);
  std::memcpy(&mark, image.data() + 12, 4);
  std::memcpy(&size, image.data() + 16, 8);
  std::memcpy(&checksum, image.data() + 24, 8);
  if (mark != kByteOrderMark) {
    return absl::InvalidArgumentError(
        "Matcher image was written on a machine of the other byte order; compile the rules "
        "again on this one");
  }
  if (version != kImageVersion) {
    return absl::InvalidArgumentError(Cat("Matcher image has format version ", version,
                                          "; this library reads version ", kImageVersion,
                                          ": compile the rules again"));
  }
  if (size != image.size()) {
    return absl::DataLossError(Cat("Matcher image is ", image.size(),
                                   " bytes where its header says ", size,
                                   ": truncated or extended"));
  }
  if (Checksum(image) != checksum) {
    return absl::DataLossError("Matcher image fails its checksum: corrupted");
  }
  return absl::OkStatus();
}

}  // namespace

void WriteImage(const Program& p, const ImageSources* sources, std::string* out) {
  const size_t begin = out->size();
  out->append(kImageMagic, 8);
  Put(out, kImageVersion);
  Put(out, kByteOrderMark);
  out->append(kImageHeaderBytes - 16, '\0');  // size and checksum: SealImage

  Writer w(out);
  const std::vector<uint32_t> layout = Layout();
  w.Items(layout.data(), layout.size());
  w.U64(p.options.max_rules);
  w.U64(p.options.max_program_bytes);
  w.U64(p.options.max_event_bytes);
  w.U64(static_cast<uint64_t>(p.options.max_event_depth));
  w.Items(p.rule_names.bytes());
  w.Items(p.rule_names.ends());
  w.U64(p.field_paths.size());
  for (const std::string& path : p.field_paths) w.String(path);
  w.Items(p.preds);
  w.Items(p.condition_preds);
  w.Items(p.conditions);
  w.Items(p.sub_rules);
  w.Items(p.group_begin);
  w.Items(p.trigger_groups);
  w.Items(p.trigger_rules);
  w.Items(p.always);
  for (const FieldIndex& f : p.fields) WriteField(f, w);
  w.U64(sources != nullptr ? 1 : 0);
  if (sources != nullptr) {
    w.Items(sources->patterns.bytes());
    w.Items(sources->patterns.ends());
    w.Items(sources->rule_ends);
  }
  const uint64_t size = out->size() - begin;
  std::memcpy(out->data() + begin + 16, &size, 8);
}

void SealImage(std::string* image) {
  if (image->size() < kImageHeaderBytes) return;
  const uint64_t checksum = Checksum(*image);
  std::memcpy(image->data() + 24, &checksum, 8);
}

absl::Status ReadImage(std::string_view image, std::shared_ptr<const void> owner, Program* p,
                       ImageSources* sources) {
  if (reinterpret_cast<uintptr_t>(image.data()) % 8 != 0) {
    return absl::InvalidArgumentError("Matcher image is not 8-byte aligned in memory");
  }
  if (absl::Status status = ReadHeader(image); !status.ok()) return status;
  Reader r(image);
  size_t at = r.pos();
  Array<uint32_t> layout;
  if (!r.Items(&layout, "layout")) return r.status();
  const std::vector<uint32_t> expected = Layout();
  if (!std::equal(layout.begin(), layout.end(), expected.begin(), expected.end())) {
    return absl::InvalidArgumentError(
        "Matcher image was written by a build with another memory layout; compile the rules "
        "again with this one");
  }
  uint64_t max_rules = 0, max_program_bytes = 0, max_event_bytes = 0, max_event_depth = 0;
  at = r.pos();
  if (!r.U64(&max_rules, "options") || !r.U64(&max_program_bytes, "options") ||
      !r.U64(&max_event_bytes, "options") || !r.U64(&max_event_depth, "options")) {
    return r.status();
  }
  // simdjson reads documents of up to 4 GiB.
  if (max_event_depth > 1u << 20 || max_event_bytes > 0xffffffff) {
    r.Fail(at, "invalid options");
    return r.status();
  }
  p->options.max_rules = max_rules;
  p->options.max_program_bytes = max_program_bytes;
  p->options.max_event_bytes = max_event_bytes;
  p->options.max_event_depth = static_cast<int>(max_event_depth);

  Limits n{};
  at = r.pos();
  if (!r.Items(&p->rule_names.bytes(), "rule names") ||
      !r.Items(&p->rule_names.ends(), "rule names")) {
    return r.status();
  }
  const Array<uint32_t>& ends = p->rule_names.ends();
  if (!std::is_sorted(ends.begin(), ends.end()) ||
      (ends.empty() ? !p->rule_names.bytes().empty()
                    : ends.back() != p->rule_names.bytes().size())) {
    r.Fail(at, "invalid rule names");
    return r.status();
  }
  n.rules = ends.size();

  uint64_t fields = 0;
  at = r.pos();
  if (!r.Count(&fields, std::min<uint64_t>(r.remaining() / 8, kNone), "fields")) return r.status();
  for (uint64_t i = 0; i < fields; ++i) {
    std::string_view path;
    if (!r.String(&path, "field path")) return r.status();
    if (InternField(p, path) != i) {
      r.Fail(at, Cat("field path \"", path, "\" repeats an earlier one"));
      return r.status();
    }
  }
  FinishPaths(p);
  n.fields = fields;

  if (!ReadRules(r, p, &n)) return r.status();
  for (FieldIndex& f : p->fields) {
    if (!ReadField(r, n, &f)) return r.status();
  }
  at = r.pos();
  uint64_t has_sources = 0;
  if (!r.U64(&has_sources, "sources")) return r.status();
  if (has_sources > 1) {
    r.Fail(at, "invalid sources flag");
    return r.status();
  }
  if (has_sources == 1) {
    ImageSources read;
    read.present = true;
    if (!r.Items(&read.patterns.bytes(), "sources") || !r.Items(&read.patterns.ends(), "sources") ||
        !r.Items(&read.rule_ends, "sources")) {
      return r.status();
    }
    const Array<uint32_t>& pattern_ends = read.patterns.ends();
    const Array<uint32_t>& rule_ends = read.rule_ends;
    if (!std::is_sorted(pattern_ends.begin(), pattern_ends.end()) ||
        (pattern_ends.empty() ? !read.patterns.bytes().empty()
                              : pattern_ends.back() != read.patterns.bytes().size()) ||
        rule_ends.size() != n.rules || !std::is_sorted(rule_ends.begin(), rule_ends.end()) ||
        (rule_ends.empty() ? !pattern_ends.empty() : rule_ends.back() != pattern_ends.size())) {
      r.Fail(at, "invalid sources");
      return r.status();
    }
    if (sources != nullptr) *sources = std::move(read);
  }
  if (!r.at_end()) {
    r.Fail(r.pos(), "bytes after the last field");
    return r.status();
  }
  p->image = std::move(owner);
  return absl::OkStatus();
}

}  // namespace evmatch::internal
