// Near-miss hints. Each test rewrites the event's value the way a common
// mistake would have changed it (case, whitespace, URL encoding, a number
// quoted) and asks the evaluator whether the rewritten value satisfies the
// condition; the others look at the event around a missing path.

#include "explain/hints.h"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "number/decimal.h"
#include "pattern/cidr.h"
#include "unicode/case_fold.h"
#include "util/strings.h"

namespace evmatch::internal {
namespace {

// Leaves scanned per condition, and keys compared per missing step.
constexpr size_t kMaxScanned = 64;

std::string Quoted(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return Cut(out, 60);
}

// True when a leaf holding `value` (instead of the event's) satisfies one of
// `matchers`.
bool WouldSatisfy(const std::vector<Matcher>& matchers, const JsonValue& value) {
  EventLeaf leaf;
  leaf.value = &value;
  if (value.is_number()) {
    std::optional<Decimal> number = Decimal::FromJson(value.text);
    if (!number || number->ExceedsBinary64()) return false;
    leaf.number = *number;
  }
  return std::any_of(matchers.begin(), matchers.end(),
                     [&](const Matcher& m) { return LeafSatisfies(m, leaf); });
}

JsonValue StringValue(std::string text) {
  JsonValue v;
  v.type = JsonValue::Type::kString;
  v.text = std::move(text);
  return v;
}

std::string_view Trim(std::string_view s) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `s` URL-decoded as S3 encodes keys ("+" a space, %XX a byte); false when
// it holds nothing to decode or a malformed escape.
bool UrlDecode(std::string_view s, std::string* out) {
  if (s.find_first_of("%+") == std::string_view::npos) return false;
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out->push_back(' ');
    } else if (s[i] == '%') {
      const int high = i + 1 < s.size() ? HexDigit(s[i + 1]) : -1;
      const int low = i + 2 < s.size() ? HexDigit(s[i + 2]) : -1;
      if (high < 0 || low < 0) return false;
      out->push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else {
      out->push_back(s[i]);
    }
  }
  return true;
}

// The case-insensitive form of a string condition that would match `s`.
std::string IgnoreCaseForm(const Matcher& m, std::string_view s) {
  switch (m.kind) {
    case MatchKind::kExact:
      if (m.value.type == ScalarType::kString &&
          MatchesIgnoreCase(m.value.text, s, CaseAnchor::kWhole)) {
        return Cat("{\"equals-ignore-case\": ", Quoted(m.value.text), "}");
      }
      break;
    case MatchKind::kPrefix:
      if (MatchesIgnoreCase(m.strings[0], s, CaseAnchor::kPrefix)) {
        return Cat("{\"prefix\": {\"equals-ignore-case\": ", Quoted(m.strings[0]), "}}");
      }
      break;
    case MatchKind::kSuffix:
      if (MatchesIgnoreCase(m.strings[0], s, CaseAnchor::kSuffix)) {
        return Cat("{\"suffix\": {\"equals-ignore-case\": ", Quoted(m.strings[0]), "}}");
      }
      break;
    default:
      break;
  }
  return "";
}

bool Numeric(const Matcher& m) {
  return (m.kind == MatchKind::kExact && m.value.type == ScalarType::kNumber) ||
         m.kind == MatchKind::kNumeric;
}

// Lower case without '-', '_' and spaces: "detail-type" and "detailType" agree.
std::string KeyShape(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '-' || c == '_' || c == ' ') continue;
    out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return out;
}

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

bool NearKey(std::string_view wanted, std::string_view key) {
  if (KeyShape(wanted) == KeyShape(key)) return true;
  if (wanted.size() < 4 || key.size() < 4) return false;
  const size_t limit = std::min(wanted.size(), key.size()) < 8 ? 1 : 2;
  return EditDistance(wanted, key) <= limit;
}

// Adds `object` and the objects inside arrays in it (arrays are transparent).
void CollectObjects(const JsonValue& value, std::vector<const JsonValue*>* out) {
  if (value.is_object()) {
    out->push_back(&value);
  } else if (value.is_array()) {
    for (const JsonValue& element : value.elements) CollectObjects(element, out);
  }
}

// The keys of the object at [object.offset, object.end) of `text`, which a
// PartialTree does not keep: the object is read again, nothing below its
// keys built.
std::vector<std::string> KeysOf(const JsonValue& object, std::string_view text) {
  static const internal::PathSet kNothing;
  JsonValue again;
  JsonParseError error;
  PartialTree keys_only;
  keys_only.paths = &kNothing;
  keys_only.keys = true;
  std::vector<std::string> keys;
  // The event was parsed within its depth limit; this object lies inside it.
  if (ParseJsonTree(text.substr(object.offset, object.end - object.offset), 1024, &again, &error,
                    &keys_only)) {
    for (const JsonMember& member : again.members) keys.push_back(member.key);
  }
  return keys;
}

// Hints for a path with no scalar in the event: a near key where the path
// leaves the event, or objects where the pattern expects values.
void MissingPathHints(const std::string& path, const JsonValue& root, std::string_view text,
                      std::vector<std::string>* hints) {
  std::vector<const JsonValue*> level{&root};
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string::npos) dot = path.size();
    const std::string_view step(path.data() + start, dot - start);
    std::vector<const JsonValue*> next;
    bool found = false;
    for (const JsonValue* object : level) {
      for (const JsonMember& member : object->members) {
        if (member.key != step) continue;
        found = true;
        if (dot == path.size()) {
          if (member.value.is_object() ||
              (member.value.is_array() && !member.value.elements.empty())) {
            hints->push_back(Cat("the event has ",
                                 member.value.is_object() ? "an object" : "an array of objects",
                                 " at ", path,
                                 "; a field array matches strings, numbers, true, false and "
                                 "null, not objects (nest the pattern instead)"));
            return;
          }
        }
        CollectObjects(member.value, &next);
      }
    }
    if (!found) {
      size_t compared = 0;
      for (const JsonValue* object : level) {
        if (compared > kMaxScanned) break;
        for (const std::string& key : KeysOf(*object, text)) {
          if (++compared > kMaxScanned) break;
          if (NearKey(step, key)) {
            hints->push_back(Cat("the event has the key ", Quoted(key), " where the pattern names ",
                                 Quoted(step), " (keys are compared exactly)"));
            return;
          }
        }
      }
      return;
    }
    if (dot == path.size() || next.empty()) return;
    level = std::move(next);
    start = dot + 1;
  }
}

void AddOnce(std::vector<std::string>* hints, std::string hint) {
  if (!hint.empty() && std::find(hints->begin(), hints->end(), hint) == hints->end()) {
    hints->push_back(std::move(hint));
  }
}

}  // namespace

std::string Cut(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return Cat(text.substr(0, end), "...");
}

std::vector<std::string> NearMisses(const std::vector<Matcher>& matchers, const std::string& path,
                                    const std::vector<const EventLeaf*>& present,
                                    const JsonValue& root, std::string_view text) {
  std::vector<std::string> hints;
  if (present.empty()) {
    MissingPathHints(path, root, text, &hints);
    return hints;
  }
  const size_t scanned = std::min(present.size(), kMaxScanned);
  for (size_t i = 0; i < scanned; ++i) {
    const JsonValue& value = *present[i]->value;
    for (const Matcher& m : matchers) {
      if (m.kind == MatchKind::kExists && !m.exists) {
        AddOnce(&hints, "the event has this field; {\"exists\": false} asks for its absence");
      }
      if (m.kind == MatchKind::kCidr) {
        IpAddress address;
        if (!value.is_string()) {
          AddOnce(&hints, Cat("cidr matches strings holding IP addresses; the event has ",
                              Cut(value.TokenText(), 60)));
        } else if (ParseIpAddress(value.text, &address) != IpParse::kOk) {
          AddOnce(&hints, Cat(Quoted(value.text),
                              " is not an IP address literal (cidr matches IPv4 and IPv6 "
                              "literals only)"));
        }
      }
      if (value.is_string() && m.kind == MatchKind::kExact && m.value.type == ScalarType::kString &&
          value.text.size() >= 4 && m.value.text.size() >= 4 && value.text.size() < 256 &&
          m.value.text.size() < 256 &&
          !MatchesIgnoreCase(m.value.text, value.text, CaseAnchor::kWhole)) {  // case: below
        const size_t edits = EditDistance(value.text, m.value.text);
        if (edits > 0 && edits <= (std::min(value.text.size(), m.value.text.size()) < 8 ? 1 : 2)) {
          AddOnce(&hints, Cat(Quoted(value.text), " is ", edits, edits == 1 ? " edit" : " edits",
                              " away from ", Quoted(m.value.text), " in the pattern: a typo?"));
        }
      }
      if (value.is_string()) {
        const std::string_view trimmed = Trim(value.text);
        if (std::string form = IgnoreCaseForm(m, value.text); !form.empty()) {
          AddOnce(&hints, Cat(Quoted(value.text), " differs only in case: ", form, " would match"));
        } else if (trimmed.size() != value.text.size() &&
                   !(form = IgnoreCaseForm(m, trimmed)).empty() &&
                   !WouldSatisfy({m}, StringValue(std::string(trimmed)))) {
          AddOnce(&hints, Cat(Quoted(value.text),
                              " differs in case and in leading or trailing whitespace: without "
                              "the whitespace, ",
                              form, " would match"));
        }
        if (Numeric(m) && WouldSatisfy({m}, [&] {
              JsonValue number;
              number.type = JsonValue::Type::kNumber;
              number.text = std::string(Trim(value.text));
              return number;
            }())) {
          AddOnce(&hints, Cat("the event has the string ", Quoted(value.text),
                              "; numbers in a pattern match JSON numbers only"));
        }
      } else if (value.is_number() && WouldSatisfy({m}, StringValue(std::string(value.text)))) {
        AddOnce(&hints,
                Cat("the event has the number ", value.text, "; the pattern asks for a string"));
      }
    }
    if (!value.is_string()) continue;
    const std::string_view trimmed = Trim(value.text);
    if (trimmed.size() != value.text.size() &&
        WouldSatisfy(matchers, StringValue(std::string(trimmed)))) {
      AddOnce(&hints, Cat(Quoted(value.text),
                          " has leading or trailing whitespace; without it the value matches"));
    }
    std::string decoded;
    if (UrlDecode(value.text, &decoded) && WouldSatisfy(matchers, StringValue(decoded))) {
      AddOnce(&hints, Cat(Quoted(value.text), " matches once URL-decoded (", Quoted(decoded),
                          "): S3 notifications carry object keys URL-encoded, EventBridge "
                          "events do not"));
    }
  }
  return hints;
}

}  // namespace evmatch::internal
