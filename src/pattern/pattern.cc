// Public glue for Pattern and RuleSet.

#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "evmatch/evmatch.h"
#include "util/strings.h"
#include "json/json_tree.h"
#include "pattern/ast.h"
#include "pattern/parse.h"
#include "util/errors.h"
#include "util/status_macros.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN

using internal::AppendPointerToken;
using internal::Cat;
using internal::JsonValue;
using internal::MakePatternError;
using internal::RelocatePatternError;

const internal::PatternAst& AstOf(const Pattern& pattern) { return *pattern.ast_; }

Pattern::Pattern(std::shared_ptr<const internal::PatternAst> ast)
    : ast_(std::move(ast)) {}

absl::StatusOr<Pattern> Pattern::Parse(std::string_view json,
                                       const PatternOptions& options) {
  auto ast = std::make_shared<internal::PatternAst>();
  EVMATCH_RETURN_IF_ERROR(internal::ParsePatternTree(json, options, &ast->root));
  ast->conjunctions = internal::ExpandPattern(ast->root);
  return Pattern(std::move(ast));
}

std::string Pattern::ToJson() const { return internal::PrintPattern(ast_->root); }

size_t Pattern::combinations() const { return ast_->conjunctions.size(); }

RuleSet::RuleSet(const PatternOptions& options) : options_(options) {}

void RuleSet::AddParsed(std::string_view name, Pattern pattern) {
  auto [it, inserted] = index_.try_emplace(std::string(name), rules_.size());
  if (inserted) {
    rules_.push_back({std::string(name), {std::move(pattern)}});
  } else {
    rules_[it->second].patterns.push_back(std::move(pattern));
  }
}

absl::Status RuleSet::Add(std::string_view name, std::string_view pattern_json) {
  if (name.empty()) {
    return MakePatternError(absl::StatusCode::kInvalidArgument,
                            {"", "", 0, "Rule name must not be empty"});
  }
  absl::StatusOr<Pattern> pattern = Pattern::Parse(pattern_json, options_);
  if (!pattern.ok()) return RelocatePatternError(pattern.status(), name, "", 0);
  AddParsed(name, *std::move(pattern));
  return absl::OkStatus();
}

absl::Status RuleSet::AddRules(std::string_view rules_json,
                               std::vector<absl::Status>* errors) {
  auto document_error = [](size_t offset, std::string pointer, std::string reason) {
    return MakePatternError(absl::StatusCode::kInvalidArgument,
                            {"", std::move(pointer), offset, std::move(reason)});
  };
  JsonValue doc;
  internal::JsonParseError parse_error;
  if (!internal::ParseJsonTree(rules_json, options_.max_depth + 2, &doc,
                               &parse_error)) {
    return document_error(parse_error.offset, "", parse_error.reason);
  }
  if (!doc.is_object()) {
    return document_error(doc.offset, "",
                          "A rules document must be a JSON object mapping rule "
                          "names to patterns");
  }
  // Validate everything first so that without `errors` nothing is added on
  // failure.
  std::vector<std::pair<std::string, Pattern>> parsed;
  absl::Status first;
  auto report = [&](absl::Status status) {
    if (first.ok()) first = status;
    if (errors != nullptr) errors->push_back(std::move(status));
  };
  absl::flat_hash_set<absl::string_view> names;  // views of doc's keys
  names.reserve(doc.members.size());
  for (const internal::JsonMember& member : doc.members) {
    std::string pointer;
    AppendPointerToken(&pointer, member.key);
    const bool duplicate = !names.insert(internal::ToAbsl(member.key)).second;
    if (duplicate || member.key.empty()) {
      report(RelocatePatternError(
          document_error(member.key_offset, pointer,
                         duplicate ? "Duplicate rule name in rules document"
                                   : "Rule name must not be empty"),
          member.key, "", 0));
      continue;
    }
    std::vector<std::pair<const JsonValue*, std::string>> alternatives;
    if (member.value.is_object()) {
      alternatives.emplace_back(&member.value, pointer);
    } else if (member.value.is_array() && !member.value.elements.empty()) {
      for (size_t i = 0; i < member.value.elements.size(); ++i) {
        alternatives.emplace_back(&member.value.elements[i],
                                  Cat(pointer, "/", i));
      }
    } else {
      report(RelocatePatternError(
          document_error(member.value.offset, pointer,
                         "A rule must be a pattern object or a non-empty array "
                         "of pattern objects"),
          member.key, "", 0));
      continue;
    }
    for (const auto& [value, value_pointer] : alternatives) {
      absl::StatusOr<Pattern> pattern = Pattern::Parse(
          rules_json.substr(value->offset, value->end - value->offset), options_);
      if (!pattern.ok()) {
        report(RelocatePatternError(pattern.status(), member.key, value_pointer,
                                    value->offset));
        continue;
      }
      parsed.emplace_back(member.key, *std::move(pattern));
    }
  }
  if (!first.ok() && errors == nullptr) return first;
  for (auto& [name, pattern] : parsed) AddParsed(name, std::move(pattern));
  return first;
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
