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
  auto [it, inserted] = index_.try_emplace(internal::ToAbsl(name), rules_.size());
  if (inserted) {
    rules_.push_back({std::string(name), {std::move(pattern)}});
  } else {
    rules_[it->second].patterns.push_back(std::move(pattern));
  }
}

namespace {

absl::Status EmptyNameError() {
  return MakePatternError(absl::StatusCode::kInvalidArgument,
                          {"", "", 0, "Rule name must not be empty"});
}

}  // namespace

absl::Status RuleSet::Add(std::string_view name, std::string_view pattern_json) {
  if (name.empty()) return EmptyNameError();
  absl::StatusOr<Pattern> pattern = Pattern::Parse(pattern_json, options_);
  if (!pattern.ok()) return RelocatePatternError(pattern.status(), name, "", 0);
  AddParsed(name, *std::move(pattern));
  return absl::OkStatus();
}

absl::Status RuleSet::Add(std::string_view name, Pattern pattern) {
  if (name.empty()) return EmptyNameError();
  AddParsed(name, std::move(pattern));
  return absl::OkStatus();
}

absl::Status RuleSet::AddRules(std::string_view rules_json,
                               std::vector<absl::Status>* errors) {
  auto document_error = [](size_t offset, std::string pointer, std::string reason) {
    return MakePatternError(absl::StatusCode::kInvalidArgument,
                            {"", std::move(pointer), offset, std::move(reason)});
  };
  // Every rule is validated before any is added, so that without `errors`
  // nothing is added on failure. The document is parsed once, a member at a
  // time: each pattern is validated from its member's tree, which is then
  // dropped, so memory holds the rules and not the document's tree as well.
  // New names go into index_ as they are seen (one hash lookup per rule) and
  // come out again if the document is refused.
  const size_t old_size = rules_.size();
  std::vector<Rule> added;                               // at old_size + i
  std::vector<std::pair<size_t, Pattern>> alternatives;  // for rules there before
  absl::flat_hash_set<size_t> extended;                  // those rules
  absl::flat_hash_set<std::string> refused;              // names seen with no valid pattern
  std::vector<absl::Status> found;
  auto visit = [&](const internal::JsonMember& member) {
    std::string pointer;
    AppendPointerToken(&pointer, member.key);
    auto it = index_.find(internal::ToAbsl(member.key));
    const bool existing = it != index_.end() && it->second < old_size;
    const bool duplicate = existing ? !extended.insert(it->second).second
                                    : it != index_.end() || refused.contains(member.key);
    if (duplicate || member.key.empty()) {
      found.push_back(
          RelocatePatternError(document_error(member.key_offset, pointer,
                                              duplicate ? "Duplicate rule name in rules document"
                                                        : "Rule name must not be empty"),
                               member.key, "", 0));
      if (!duplicate) refused.insert(member.key);
      return;
    }
    const JsonValue& value = member.value;
    std::vector<Pattern> patterns;
    if (!value.is_object() && !(value.is_array() && !value.elements.empty())) {
      found.push_back(RelocatePatternError(
          document_error(value.offset, pointer,
                         "A rule must be a pattern object or a non-empty array "
                         "of pattern objects"),
          member.key, "", 0));
    } else {
      const bool single = value.is_object();
      const size_t count = single ? 1 : value.elements.size();
      for (size_t i = 0; i < count; ++i) {
        const JsonValue& alternative = single ? value : value.elements[i];
        std::string_view text =
            rules_json.substr(alternative.offset, alternative.end - alternative.offset);
        auto ast = std::make_shared<internal::PatternAst>();
        absl::Status status = internal::ParsePatternValue(alternative, text, options_, &ast->root);
        if (!status.ok()) {
          found.push_back(RelocatePatternError(
              status, member.key, single ? pointer : Cat(pointer, "/", i), alternative.offset));
          continue;
        }
        ast->conjunctions = internal::ExpandPattern(ast->root);
        patterns.push_back(Pattern(std::move(ast)));
      }
    }
    if (existing) {
      for (Pattern& p : patterns) alternatives.emplace_back(it->second, std::move(p));
    } else if (patterns.empty()) {
      refused.insert(member.key);
    } else {
      index_.emplace(member.key, old_size + added.size());
      added.push_back({member.key, std::move(patterns)});
    }
  };
  JsonValue doc;
  internal::JsonParseError parse_error;
  absl::Status refused_document;
  if (!internal::ParseJsonMembers(rules_json, options_.max_depth + 2, &doc, &parse_error, visit)) {
    refused_document = document_error(parse_error.offset, "", parse_error.reason);
  } else if (!doc.is_object()) {
    refused_document = document_error(doc.offset, "",
                                      "A rules document must be a JSON object mapping "
                                      "rule names to patterns");
  }
  if (!refused_document.ok() || (!found.empty() && errors == nullptr)) {
    for (const Rule& rule : added) index_.erase(rule.name);
    return refused_document.ok() ? found.front() : refused_document;
  }
  absl::Status first = found.empty() ? absl::OkStatus() : found.front();
  if (errors != nullptr) {
    errors->insert(errors->end(), std::make_move_iterator(found.begin()),
                   std::make_move_iterator(found.end()));
  }
  rules_.insert(rules_.end(), std::make_move_iterator(added.begin()),
                std::make_move_iterator(added.end()));
  for (auto& [position, pattern] : alternatives) {
    rules_[position].patterns.push_back(std::move(pattern));
  }
  return first;
}

EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
