// Pattern validation: JSON text -> JsonValue tree -> PatternObject.
//
// The walk follows event-ruler's JsonRuleCompiler check by check, so the
// first violation found is the one AWS reports and carries AWS's text. Every
// error names the JSON Pointer and byte offset of the offending token: the
// value for type errors, the key for "only one key" errors, the extra element
// for "too many" errors. Recursion follows the pattern's nesting, which the
// JSON layer has already bounded by PatternOptions::max_depth.

#include "pattern/parse.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <utility>

#include "util/strings.h"
#include "json/json_tree.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace evmatch::internal {
namespace {

using Type = JsonValue::Type;

constexpr std::string_view kOr = "$or";

// Reserved words that may not name a field inside an `$or` branch.
constexpr std::string_view kReservedInOr[] = {
    "exactly", "equals-ignore-case", "prefix", "suffix", "anything-but",
    "exists", "wildcard", "numeric", "cidr", "=", "<", "<=", ">", ">=",
    "regex", "not-wildcard", "not-equals-ignore-case", "date-after",
    "date-on-or-after", "date-before", "date-on-or-before", "in-date-range",
    "ip-address-in-range", "ip-address-not-in-range"};

constexpr std::string_view kAnythingButMixed =
    "Inside anything but list, either all values are number or string, mixed "
    "type is not supported";
constexpr std::string_view kAnythingButShape =
    "Value of anything-but must be an array or single string/number value.";
constexpr std::string_view kAnythingButIgnoreCaseType =
    "Inside anything-but/equals-ignore-case list, number|start|null|boolean is "
    "not supported.";
constexpr std::string_view kOnlyOneKey = "Only one key allowed in match expression";
constexpr std::string_view kTooManyNumeric = "Too many elements in numeric expression";

bool IsReservedInOr(std::string_view key) {
  return std::find(std::begin(kReservedInOr), std::end(kReservedInOr), key) !=
         std::end(kReservedInOr);
}

class Parser {
 public:
  explicit Parser(const PatternOptions& options) : options_(options) {}

  absl::Status Parse(std::string_view text, PatternObject* root) {
    if (text.size() > options_.max_pattern_bytes) {
      return Limit(options_.max_pattern_bytes,
                   Cat("Event pattern is ", text.size(),
                                " bytes, more than the limit of ",
                                options_.max_pattern_bytes,
                                " bytes (PatternOptions::max_pattern_bytes)"));
    }
    JsonValue doc;
    JsonParseError error;
    if (!ParseJsonTree(text, options_.max_depth, &doc, &error)) {
      if (error.kind == JsonParseError::Kind::kDepth) {
        return Limit(error.offset,
                     Cat("Event pattern ", error.reason, " (PatternOptions::max_depth)"));
      }
      return Invalid(error.offset, error.reason);
    }
    return ParseDocument(doc, root);
  }

  // The checks that follow the JSON parse, on a tree whose offsets are those
  // of the pattern's text.
  absl::Status ParseDocument(const JsonValue& doc, PatternObject* root) {
    if (!doc.is_object()) return Invalid(doc.offset, "Filter is not an object");
    size_t combinations = 1;
    EVMATCH_RETURN_IF_ERROR(
        ParseObject(doc, /*inside_or=*/false, root, &combinations));
    if (combinations > options_.max_or_combinations) {
      pointer_ = last_or_pointer_;
      return Limit(last_or_offset_,
                   Cat("Event pattern expands to ",
                                combinations == kSaturated
                                    ? std::string("more than 2^64")
                                    : Cat(combinations),
                                " $or combinations, more than the limit of ",
                                options_.max_or_combinations,
                                " (PatternOptions::max_or_combinations)"));
    }
    return absl::OkStatus();
  }

 private:
  // Keeps pointer_ in step with the walk.
  class Step {
   public:
    Step(Parser* p, std::string_view token) : p_(p), size_(p->pointer_.size()) {
      AppendPointerToken(&p_->pointer_, token);
    }
    Step(Parser* p, size_t index) : Step(p, Cat(index)) {}
    ~Step() { p_->pointer_.resize(size_); }
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;

   private:
    Parser* p_;
    size_t size_;
  };

  absl::Status Invalid(size_t offset, std::string_view reason) const {
    return MakePatternError(absl::StatusCode::kInvalidArgument,
                            {"", pointer_, offset, std::string(reason)});
  }
  absl::Status Limit(size_t offset, std::string_view reason) const {
    return MakePatternError(absl::StatusCode::kResourceExhausted,
                            {"", pointer_, offset, std::string(reason)});
  }
  absl::Status Invalid(const JsonValue& at, std::string_view reason) const {
    return Invalid(at.offset, reason);
  }

  absl::Status ParseObject(const JsonValue& object, bool inside_or,
                           PatternObject* out, size_t* combinations) {
    if (object.members.empty()) {
      return Invalid(object, "Empty objects are not allowed");
    }
    size_t product = 1;
    // Sized exactly: a million-rule set keeps a tree per rule.
    out->fields.reserve(object.members.size());
    for (const JsonMember& member : object.members) {
      Step step(this, member.key);
      const JsonValue& value = member.value;
      PatternField field;
      field.key = member.key;
      size_t factor = 1;
      if (member.key == kOr) {
        field.type = PatternField::Type::kOr;
        EVMATCH_RETURN_IF_ERROR(ParseOr(value, &field, &factor));
      } else {
        if (inside_or && IsReservedInOr(member.key)) {
          return Invalid(member.key_offset,
                         Cat(member.key,
                                      " is Ruler reserved fieldName which "
                                      "cannot be used inside $or."));
        }
        if (value.is_object()) {
          field.type = PatternField::Type::kObject;
          field.children.emplace_back();
          EVMATCH_RETURN_IF_ERROR(
              ParseObject(value, inside_or, &field.children.back(), &factor));
        } else if (value.is_array()) {
          field.type = PatternField::Type::kLeaf;
          if (++leaf_fields_ > options_.max_leaf_fields) {
            return Limit(value.offset,
                         Cat("Event pattern has more than ",
                                      options_.max_leaf_fields,
                                      " fields (PatternOptions::max_leaf_fields)"));
          }
          EVMATCH_RETURN_IF_ERROR(ParseLeaf(value, &field.matchers));
        } else {
          return Invalid(value, Cat("\"", member.key,
                                             "\" must be an object or an array"));
        }
      }
      product = SaturatingProduct(product, factor);
      out->fields.push_back(std::move(field));
    }
    *combinations = product;
    return absl::OkStatus();
  }

  static constexpr size_t kSaturated = ~size_t{0};

  static size_t SaturatingProduct(size_t a, size_t b) {
    if (a != 0 && b > kSaturated / a) return kSaturated;
    return a * b;
  }

  absl::Status ParseOr(const JsonValue& value, PatternField* out,
                       size_t* combinations) {
    if (!value.is_array()) {
      return Invalid(value, "It must be an Array followed with $or.");
    }
    last_or_pointer_ = pointer_;
    last_or_offset_ = value.offset;
    size_t sum = 0;
    out->children.reserve(value.elements.size());
    for (size_t i = 0; i < value.elements.size(); ++i) {
      Step step(this, i);
      const JsonValue& branch = value.elements[i];
      if (!branch.is_object()) {
        return Invalid(branch,
                       "Only JSON object is allowed in array of $or relationship.");
      }
      out->children.emplace_back();
      size_t branch_combinations = 1;
      EVMATCH_RETURN_IF_ERROR(ParseObject(branch, /*inside_or=*/true,
                                          &out->children.back(),
                                          &branch_combinations));
      sum = branch_combinations > kSaturated - sum ? kSaturated
                                                   : sum + branch_combinations;
    }
    if (value.elements.size() < 2) {
      return Invalid(value,
                     "There must have at least 2 Objects in $or relationship.");
    }
    *combinations = sum;
    return absl::OkStatus();
  }

  absl::Status ParseLeaf(const JsonValue& array, std::vector<Matcher>* out) {
    if (array.elements.empty()) {
      return Invalid(array, "Empty arrays are not allowed");
    }
    out->reserve(array.elements.size());
    for (size_t i = 0; i < array.elements.size(); ++i) {
      Step step(this, i);
      const JsonValue& v = array.elements[i];
      Matcher m;
      switch (v.type) {
        case Type::kObject:
          EVMATCH_RETURN_IF_ERROR(ParseMatchExpression(v, &m));
          break;
        case Type::kString:
          m.value.type = ScalarType::kString;
          m.value.text = v.text;
          break;
        case Type::kNumber:
          m.value.type = ScalarType::kNumber;
          m.numbers.emplace_back();
          EVMATCH_RETURN_IF_ERROR(ReadNumber(v, /*aws_limited=*/false, &m.numbers[0]));
          break;
        case Type::kTrue:
          m.value.type = ScalarType::kTrue;
          break;
        case Type::kFalse:
          m.value.type = ScalarType::kFalse;
          break;
        case Type::kNull:
          m.value.type = ScalarType::kNull;
          break;
        case Type::kArray:
          return Invalid(v, "Match value must be String, number, true, false, or null");
      }
      out->push_back(std::move(m));
    }
    return absl::OkStatus();
  }

  // D1: every pattern number is finite and within binary64 magnitude (or, with
  // aws_numeric_limits, within the documented contract where it applies).
  absl::Status ReadNumber(const JsonValue& v, bool aws_limited, Decimal* out) {
    *out = *Decimal::FromJson(v.text);  // validated by the JSON layer
    if (aws_limited && options_.aws_numeric_limits) {
      if (out->ExceedsAwsNumericLimits()) {
        return Invalid(v, Cat("Value must be between -5.0E9 and 5.0E9 "
                                       "with at most 6 decimal places: ",
                                       v.text));
      }
    } else if (out->ExceedsBinary64()) {
      return Invalid(v, Cat("Cannot compare number : ", v.text));
    }
    return absl::OkStatus();
  }

  // The members after the first of a match expression are an error.
  absl::Status CheckSingleKey(const JsonValue& object, std::string_view reason) {
    if (object.members.size() > 1) {
      const JsonMember& extra = object.members[1];
      Step step(this, extra.key);
      return Invalid(extra.key_offset, reason);
    }
    return absl::OkStatus();
  }

  absl::Status ParseMatchExpression(const JsonValue& object, Matcher* m) {
    if (object.members.empty()) {
      return Invalid(object, "Match expression name not found");
    }
    const JsonMember& op = object.members[0];
    const JsonValue& v = op.value;
    std::string_view extra_key_reason = kOnlyOneKey;
    {
      Step step(this, op.key);
      if (op.key == "prefix" || op.key == "suffix") {
        EVMATCH_RETURN_IF_ERROR(ParsePrefixSuffix(op.key, v, m));
      } else if (op.key == "equals-ignore-case") {
        if (!v.is_string()) {
          return Invalid(v, "equals-ignore-case match pattern must be a string");
        }
        m->kind = MatchKind::kEqualsIgnoreCase;
        m->strings.push_back(v.text);
      } else if (op.key == "wildcard") {
        if (!v.is_string()) return Invalid(v, "wildcard match pattern must be a string");
        m->kind = MatchKind::kWildcard;
        m->wildcards.emplace_back();
        EVMATCH_RETURN_IF_ERROR(ParseWildcardValue(v, &m->wildcards.back()));
      } else if (op.key == "numeric") {
        m->kind = MatchKind::kNumeric;
        auto range = std::make_shared<NumericRange>();
        EVMATCH_RETURN_IF_ERROR(ParseNumeric(v, range.get()));
        m->range = std::move(range);
        extra_key_reason = kTooManyNumeric;  // event-ruler's text for both
      } else if (op.key == "anything-but") {
        EVMATCH_RETURN_IF_ERROR(ParseAnythingBut(v, m));
        extra_key_reason = kTooManyNumeric;
      } else if (op.key == "exists") {
        if (v.type != Type::kTrue && v.type != Type::kFalse) {
          return Invalid(v, "exists match pattern must be either true or false.");
        }
        m->kind = MatchKind::kExists;
        m->exists = v.type == Type::kTrue;
      } else if (op.key == "cidr") {
        if (!v.is_string()) return Invalid(v, "prefix match pattern must be a string");
        m->kind = MatchKind::kCidr;
        std::string reason;
        auto cidr = std::make_shared<CidrBlock>();
        if (!ParseCidr(v.text, cidr.get(), &reason)) return Invalid(v, reason);
        m->cidr = std::move(cidr);
      } else {
        return Invalid(op.key_offset, Cat("Unrecognized match type ", op.key));
      }
    }
    return CheckSingleKey(object, extra_key_reason);
  }

  absl::Status ParsePrefixSuffix(std::string_view op, const JsonValue& v,
                                 Matcher* m) {
    const bool prefix = op == "prefix";
    if (v.is_string()) {
      m->kind = prefix ? MatchKind::kPrefix : MatchKind::kSuffix;
      m->strings.push_back(v.text);
      return absl::OkStatus();
    }
    if (!v.is_object() || v.members.empty()) {
      return Invalid(v, Cat(op, " match pattern must be a string"));
    }
    const JsonMember& inner = v.members[0];
    {
      Step step(this, inner.key);
      if (inner.key != "equals-ignore-case") {
        return Invalid(inner.key_offset,
                       Cat("Unsupported ", op, " pattern: ", inner.key));
      }
      if (!inner.value.is_string()) {
        return Invalid(inner.value, "equals-ignore-case match pattern must be a string");
      }
    }
    m->kind = prefix ? MatchKind::kPrefixIgnoreCase : MatchKind::kSuffixIgnoreCase;
    m->strings.push_back(inner.value.text);
    return CheckSingleKey(v, kOnlyOneKey);
  }

  absl::Status ParseWildcardValue(const JsonValue& v, WildcardPattern* out) {
    std::string reason;
    if (!ParseWildcard(v.text, out, &reason)) return Invalid(v, reason);
    if (options_.max_wildcard_complexity > 0 &&
        WildcardComplexity(*out) > options_.max_wildcard_complexity) {
      return Invalid(v, kWildcardTooComplex);
    }
    return absl::OkStatus();
  }

  absl::Status ParseNumeric(const JsonValue& v, NumericRange* r) {
    if (!v.is_array()) return Invalid(v, "Value of numeric must be an array.");
    const std::vector<JsonValue>& e = v.elements;
    if (e.empty() || !e[0].is_string()) {
      if (e.empty()) {
        return Invalid(v.offset, "Invalid member in numeric match: ]");
      }
      Step step(this, size_t{0});
      return Invalid(e[0], Cat("Invalid member in numeric match: ",
                                        e[0].TokenText()));
    }
    const std::string& op = e[0].text;
    const bool lower = op == ">" || op == ">=";
    if (op != "=" && !lower && op != "<" && op != "<=") {
      Step step(this, size_t{0});
      return Invalid(e[0], Cat("Unrecognized numeric range operator: ", op));
    }
    Decimal bound;
    EVMATCH_RETURN_IF_ERROR(
        NumericOperand(v, 1, op == "=" ? std::string_view("equals") : op, &bound));
    if (op == "=" || op == "<" || op == "<=") {
      if (e.size() > 2) {
        Step step(this, size_t{2});
        return Invalid(e[2], kTooManyNumeric);
      }
      if (op == "=") {
        r->has_low = r->has_high = true;
        r->low = r->high = bound;
      } else {
        r->has_high = true;
        r->high_open = op == "<";
        r->high = bound;
      }
      return absl::OkStatus();
    }
    r->has_low = true;
    r->low_open = op == ">";
    r->low = bound;
    if (e.size() == 2) return absl::OkStatus();
    {
      Step step(this, size_t{2});
      if (!e[2].is_string()) {
        return Invalid(e[2], Cat("Bad value in numeric range: ",
                                          e[2].TokenText()));
      }
      if (e[2].text != "<" && e[2].text != "<=") {
        return Invalid(e[2], Cat("Bad numeric range operator: ", e[2].text));
      }
    }
    const std::string& top_op = e[2].text;
    Decimal top;
    EVMATCH_RETURN_IF_ERROR(NumericOperand(v, 3, top_op, &top));
    if (e.size() > 4) {
      Step step(this, size_t{4});
      return Invalid(e[4], "Too many terms in numeric range expression");
    }
    if (bound.Compare(top) >= 0) {
      Step step(this, size_t{3});
      return Invalid(e[3], "Bottom must be less than top");
    }
    r->has_high = true;
    r->high_open = top_op == "<";
    r->high = top;
    return absl::OkStatus();
  }

  // Reads elements[index] of a numeric array as the operand of `op_name`.
  absl::Status NumericOperand(const JsonValue& array, size_t index,
                              std::string_view op_name, Decimal* out) {
    if (index >= array.elements.size()) {
      return Invalid(array.offset,
                     Cat("Value of ", op_name, " must be numeric"));
    }
    Step step(this, index);
    const JsonValue& v = array.elements[index];
    if (!v.is_number()) {
      return Invalid(v, Cat("Value of ", op_name, " must be numeric"));
    }
    return ReadNumber(v, /*aws_limited=*/true, out);
  }

  absl::Status ParseAnythingBut(const JsonValue& v, Matcher* m) {
    m->list_form = v.is_array();
    switch (v.type) {
      case Type::kString:
        m->kind = MatchKind::kAnythingBut;
        m->strings.push_back(v.text);
        return absl::OkStatus();
      case Type::kNumber:
        m->kind = MatchKind::kAnythingBut;
        m->anything_but_numbers = true;
        m->numbers.emplace_back();
        return ReadNumber(v, /*aws_limited=*/true, &m->numbers.back());
      case Type::kArray:
        return ParseAnythingButList(v, m);
      case Type::kObject:
        return ParseAnythingButObject(v, m);
      default:
        return Invalid(v, kAnythingButShape);
    }
  }

  absl::Status ParseAnythingButList(const JsonValue& v, Matcher* m) {
    m->kind = MatchKind::kAnythingBut;
    bool strings = false, numbers = false;
    for (size_t i = 0; i < v.elements.size(); ++i) {
      Step step(this, i);
      const JsonValue& e = v.elements[i];
      if (e.is_string()) {
        strings = true;
        m->strings.push_back(e.text);
      } else if (e.is_number()) {
        numbers = true;
        m->numbers.emplace_back();
        EVMATCH_RETURN_IF_ERROR(ReadNumber(e, /*aws_limited=*/true, &m->numbers.back()));
      } else {
        return Invalid(e, "Inside anything but list, start|null|boolean is not supported.");
      }
    }
    if (strings == numbers) return Invalid(v, kAnythingButMixed);
    m->anything_but_numbers = numbers;
    return absl::OkStatus();
  }

  absl::Status ParseAnythingButObject(const JsonValue& v, Matcher* m) {
    if (v.members.empty()) {
      return Invalid(v, "Anything-But expression name not found");
    }
    EVMATCH_RETURN_IF_ERROR(ParseAnythingButOperator(v.members[0], m));
    return CheckSingleKey(v, kOnlyOneKey);
  }

  absl::Status ParseAnythingButOperator(const JsonMember& inner, Matcher* m) {
    const JsonValue& operand = inner.value;
    Step step(this, inner.key);
    m->list_form = operand.is_array();
    if (inner.key == "prefix" || inner.key == "suffix") {
      m->kind = inner.key == "prefix" ? MatchKind::kAnythingButPrefix
                                      : MatchKind::kAnythingButSuffix;
      EVMATCH_RETURN_IF_ERROR(ReadStringOperands(
          operand, "prefix/suffix match pattern must be a string",
          /*allow_empty=*/false, m));
    } else if (inner.key == "equals-ignore-case") {
      m->kind = MatchKind::kAnythingButIgnoreCase;
      if (operand.is_number()) return Invalid(operand, kAnythingButIgnoreCaseType);
      if (!operand.is_string() && !operand.is_array()) {
        return Invalid(operand, kAnythingButShape);
      }
      EVMATCH_RETURN_IF_ERROR(ReadStringOperands(
          operand, kAnythingButIgnoreCaseType, /*allow_empty=*/true, m));
    } else if (inner.key == "wildcard") {
      m->kind = MatchKind::kAnythingButWildcard;
      EVMATCH_RETURN_IF_ERROR(ReadStringOperands(
          operand, "wildcard match pattern must be a string",
          /*allow_empty=*/true, m));
      for (size_t i = 0; i < m->strings.size(); ++i) {
        m->wildcards.emplace_back();
        const JsonValue& at = operand.is_array() ? operand.elements[i] : operand;
        std::optional<Step> element;
        if (operand.is_array()) element.emplace(this, i);
        EVMATCH_RETURN_IF_ERROR(ParseWildcardValue(at, &m->wildcards.back()));
      }
      m->strings.clear();
    } else {
      return Invalid(inner.key_offset,
                     Cat("Unsupported anything-but pattern: ", inner.key));
    }
    return absl::OkStatus();
  }

  // A string or a non-empty array of strings; anything else is `type_error`.
  absl::Status ReadStringOperands(const JsonValue& operand,
                                  std::string_view type_error, bool allow_empty,
                                  Matcher* m) {
    auto read_one = [&](const JsonValue& s, bool in_list) -> absl::Status {
      if (s.is_object() && !in_list) return Invalid(s, kAnythingButShape);
      if (!s.is_string()) return Invalid(s, type_error);
      if (!allow_empty && s.text.empty()) {
        return Invalid(s, "Null prefix/suffix not allowed");
      }
      m->strings.push_back(s.text);
      return absl::OkStatus();
    };
    if (!operand.is_array()) return read_one(operand, false);
    if (operand.elements.empty()) return Invalid(operand, kAnythingButMixed);
    for (size_t i = 0; i < operand.elements.size(); ++i) {
      Step step(this, i);
      EVMATCH_RETURN_IF_ERROR(read_one(operand.elements[i], true));
    }
    return absl::OkStatus();
  }

  const PatternOptions& options_;
  std::string pointer_;
  size_t leaf_fields_ = 0;
  std::string last_or_pointer_;  // the last `$or` seen, blamed for a blow-up
  size_t last_or_offset_ = 0;
};

}  // namespace

absl::Status ParsePatternTree(std::string_view text, const PatternOptions& options,
                              PatternObject* root) {
  Parser parser(options);
  return parser.Parse(text, root);
}

namespace {

// Levels of containers in `v`: 0 for a scalar.
int NestingDepth(const JsonValue& v) {
  int deepest = 0;
  for (const JsonMember& m : v.members) deepest = std::max(deepest, NestingDepth(m.value));
  for (const JsonValue& e : v.elements) deepest = std::max(deepest, NestingDepth(e));
  return v.is_object() || v.is_array() ? deepest + 1 : 0;
}

}  // namespace

absl::Status ParsePatternValue(const JsonValue& value, std::string_view text,
                               const PatternOptions& options, PatternObject* root) {
  if (text.size() <= options.max_pattern_bytes && NestingDepth(value) <= options.max_depth) {
    Parser parser(options);
    if (parser.ParseDocument(value, root).ok()) return absl::OkStatus();
    *root = PatternObject();
  }
  return ParsePatternTree(text, options, root);
}

}  // namespace evmatch::internal
