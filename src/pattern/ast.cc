// Printing and expansion of PatternObject trees.

#include "pattern/ast.h"

#include "util/strings.h"
#include "json/json_tree.h"

namespace evmatch::internal {
namespace {

void AppendStrings(std::string* out, const std::vector<std::string>& values,
                   bool list) {
  if (list) out->push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, values[i]);
  }
  if (list) out->push_back(']');
}

std::vector<std::string> WildcardValues(const Matcher& m) {
  std::vector<std::string> values;
  for (const WildcardPattern& w : m.wildcards) values.push_back(w.ToValue());
  return values;
}

void AppendRange(std::string* out, const NumericRange& r) {
  out->append("{\"numeric\":[");
  if (r.has_low && r.has_high && !r.low_open && !r.high_open && r.low == r.high) {
    Append(out, "\"=\",", r.low.ToString());
  } else {
    if (r.has_low) {
      Append(out, r.low_open ? "\">\"," : "\">=\",", r.low.ToString());
      if (r.has_high) out->push_back(',');
    }
    if (r.has_high) {
      Append(out, r.high_open ? "\"<\"," : "\"<=\",", r.high.ToString());
    }
  }
  out->append("]}");
}

}  // namespace

void AppendMatcherJson(std::string* out, const Matcher& m) {
  auto wrap = [&](std::string_view op, const std::vector<std::string>& values,
                  bool list) {
    Append(out, "{\"", op, "\":");
    AppendStrings(out, values, list);
    out->push_back('}');
  };
  auto wrap_ignore_case = [&](std::string_view op, const std::string& value) {
    Append(out, "{\"", op, "\":{\"equals-ignore-case\":");
    AppendJsonString(out, value);
    out->append("}}");
  };
  auto wrap_anything_but = [&](std::string_view op,
                               const std::vector<std::string>& values) {
    Append(out, "{\"anything-but\":{\"", op, "\":");
    AppendStrings(out, values, m.list_form);
    out->append("}}");
  };
  switch (m.kind) {
    case MatchKind::kExact:
      switch (m.value.type) {
        case ScalarType::kString: AppendJsonString(out, m.value.text); break;
        case ScalarType::kNumber: out->append(m.numbers[0].ToString()); break;
        case ScalarType::kTrue: out->append("true"); break;
        case ScalarType::kFalse: out->append("false"); break;
        case ScalarType::kNull: out->append("null"); break;
      }
      break;
    case MatchKind::kPrefix: wrap("prefix", m.strings, false); break;
    case MatchKind::kSuffix: wrap("suffix", m.strings, false); break;
    case MatchKind::kPrefixIgnoreCase: wrap_ignore_case("prefix", m.strings[0]); break;
    case MatchKind::kSuffixIgnoreCase: wrap_ignore_case("suffix", m.strings[0]); break;
    case MatchKind::kEqualsIgnoreCase: wrap("equals-ignore-case", m.strings, false); break;
    case MatchKind::kWildcard: wrap("wildcard", WildcardValues(m), false); break;
    case MatchKind::kNumeric: AppendRange(out, *m.range); break;
    case MatchKind::kExists:
      Append(out, "{\"exists\":", m.exists ? "true" : "false", "}");
      break;
    case MatchKind::kCidr: wrap("cidr", {m.cidr->text}, false); break;
    case MatchKind::kAnythingBut:
      out->append("{\"anything-but\":");
      if (m.anything_but_numbers) {
        if (m.list_form) out->push_back('[');
        for (size_t i = 0; i < m.numbers.size(); ++i) {
          if (i > 0) out->push_back(',');
          out->append(m.numbers[i].ToString());
        }
        if (m.list_form) out->push_back(']');
      } else {
        AppendStrings(out, m.strings, m.list_form);
      }
      out->push_back('}');
      break;
    case MatchKind::kAnythingButPrefix: wrap_anything_but("prefix", m.strings); break;
    case MatchKind::kAnythingButSuffix: wrap_anything_but("suffix", m.strings); break;
    case MatchKind::kAnythingButIgnoreCase:
      wrap_anything_but("equals-ignore-case", m.strings);
      break;
    case MatchKind::kAnythingButWildcard:
      wrap_anything_but("wildcard", WildcardValues(m));
      break;
  }
}

namespace {

// Appends the items as a JSON array, each written by `append`.
template <typename T>
void AppendArray(std::string* out, const std::vector<T>& items,
                 void (*append)(std::string*, const T&)) {
  out->push_back('[');
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out->push_back(',');
    append(out, items[i]);
  }
  out->push_back(']');
}

void AppendObject(std::string* out, const PatternObject& object) {
  out->push_back('{');
  for (size_t i = 0; i < object.fields.size(); ++i) {
    const PatternField& f = object.fields[i];
    if (i > 0) out->push_back(',');
    AppendJsonString(out, f.key);
    out->push_back(':');
    switch (f.type) {
      case PatternField::Type::kObject:
        AppendObject(out, f.children[0]);
        break;
      case PatternField::Type::kOr:
        AppendArray(out, f.children, AppendObject);
        break;
      case PatternField::Type::kLeaf:
        AppendArray(out, f.matchers, AppendMatcherJson);
        break;
    }
  }
  out->push_back('}');
}

using Conjunction = std::vector<LeafCondition>;

void Put(Conjunction* c, const std::string& path, const std::vector<Matcher>* m) {
  for (LeafCondition& leaf : *c) {
    if (leaf.path == path) {
      leaf.matchers = m;
      return;
    }
  }
  c->push_back({path, m});
}

// `prefix` is the dot-joined path of `object`; at the root (`at_root`) there
// is none, so an empty top-level key still counts as a step.
void ExpandObject(const PatternObject& object, const std::string& prefix, bool at_root,
                  std::vector<Conjunction>* out) {
  for (const PatternField& f : object.fields) {
    if (f.type == PatternField::Type::kOr) {
      std::vector<Conjunction> current = std::move(*out);
      out->clear();
      for (const PatternObject& branch : f.children) {
        std::vector<Conjunction> forked = current;
        if (forked.empty()) forked.emplace_back();
        ExpandObject(branch, prefix, at_root, &forked);
        for (Conjunction& c : forked) out->push_back(std::move(c));
      }
      continue;
    }
    std::string path = at_root ? f.key : Cat(prefix, ".", f.key);
    if (f.type == PatternField::Type::kObject) {
      ExpandObject(f.children[0], path, false, out);
    } else {
      if (out->empty()) out->emplace_back();
      for (Conjunction& c : *out) Put(&c, path, &f.matchers);
    }
  }
}

}  // namespace

bool NumericRange::Contains(const Decimal& value) const {
  if (has_low) {
    int c = value.Compare(low);
    if (c < 0 || (c == 0 && low_open)) return false;
  }
  if (has_high) {
    int c = value.Compare(high);
    if (c > 0 || (c == 0 && high_open)) return false;
  }
  return true;
}

std::string PrintPattern(const PatternObject& root) {
  std::string out;
  AppendObject(&out, root);
  return out;
}

std::vector<std::vector<LeafCondition>> ExpandPattern(const PatternObject& root) {
  std::vector<Conjunction> out;
  ExpandObject(root, "", true, &out);
  // Kept with the tree for the rule's lifetime: no spare capacity.
  out.shrink_to_fit();
  for (Conjunction& c : out) c.shrink_to_fit();
  return out;
}

}  // namespace evmatch::internal
