// Runs the data-driven conformance cases under tests/conformance/cases.
//
// Each file holds {"cases": [...]} where a case is
//   {"name", "pattern", "event", "match": true|false}  or
//   {"name", "pattern", "error": <AWS reason>, "pointer": <JSON Pointer>,
//    "code": "ResourceExhausted" (optional, default InvalidArgument)}.
// A pattern or event written as a JSON string is used as raw text (for
// duplicate keys, trailing bytes and the like); otherwise the value's text as
// it stands in the file is used. truth_table.json holds SPEC A.6 as rows x
// columns and expands to one case per cell.
//
// Every matching case is also run through the canonical printer: the printed
// pattern must parse, print identically, and give the same result. A second
// test runs every case through the `evmatch test-event-pattern` binary and
// checks its stdout, stderr and exit code the way a shell user sees them.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "json/json_tree.h"
#include "support/compare_compiled.h"
#include "support/explain_invariants.h"

namespace {

using evmatch::internal::JsonValue;

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

const JsonValue* Member(const JsonValue& object, std::string_view key) {
  for (const auto& m : object.members) {
    if (m.key == key) return &m.value;
  }
  return nullptr;
}

// The text a case means by `value`: raw text for strings, else as written.
std::string TextOf(const std::string& file, const JsonValue& value) {
  if (value.is_string()) return value.text;
  return file.substr(value.offset, value.end - value.offset);
}

void CheckMatch(const std::string& pattern, const std::string& event, bool expected) {
  INFO("pattern: " << pattern);
  INFO("event: " << event);
  absl::StatusOr<bool> result = evmatch::TestEventPattern(pattern, event);
  REQUIRE(result.ok());
  CHECK(*result == expected);

  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  REQUIRE(parsed.ok());
  std::string canonical = parsed->ToJson();
  INFO("canonical: " << canonical);
  absl::StatusOr<evmatch::Pattern> reparsed = evmatch::Pattern::Parse(canonical);
  REQUIRE(reparsed.ok());
  CHECK(reparsed->ToJson() == canonical);
  absl::StatusOr<bool> again = evmatch::TestEventPattern(*reparsed, event);
  REQUIRE(again.ok());
  CHECK(*again == expected);
}

void CheckError(const std::string& pattern, const std::string& reason,
                const std::string& pointer, absl::StatusCode code) {
  INFO("pattern: " << pattern);
  absl::StatusOr<evmatch::Pattern> parsed = evmatch::Pattern::Parse(pattern);
  REQUIRE_FALSE(parsed.ok());
  CHECK(parsed.status().code() == code);
  std::optional<evmatch::PatternError> error =
      evmatch::GetPatternError(parsed.status());
  REQUIRE(error.has_value());
  CHECK(error->reason == reason);
  CHECK(error->json_pointer == pointer);
  CHECK(error->offset <= pattern.size());
}

// RuleSet::AddRules validates a document's patterns from the document's own
// parse: `pattern` alone, and as the second alternative of a rule, must give
// what Pattern::Parse gives it, the error's pointer and offset moved to where
// the pattern stands in the document. Returns false when the document itself
// is refused (a pattern that is not JSON on its own, or too deep for it).
bool CheckInDocument(const std::string& pattern) {
  INFO("pattern: " << pattern);
  absl::StatusOr<evmatch::Pattern> alone = evmatch::Pattern::Parse(pattern);
  const std::string first = R"({"z":[1]})";
  // A rule's value that is not an object is read as the rule's list of
  // alternatives (or refused): such a pattern is tried as an alternative only.
  const size_t start = pattern.find_first_not_of(" \t\r\n");
  const bool object = start != std::string::npos && pattern[start] == '{';
  for (const bool alternative : {false, true}) {
    if (!alternative && !object) continue;
    const std::string head = alternative ? R"({"s":{"y":[2]},"r":[)" + first + "," : R"({"r":)";
    const std::string doc = head + pattern + (alternative ? "]}" : "}");
    INFO("document: " << doc);
    evmatch::RuleSet rules;
    std::vector<absl::Status> errors;
    absl::Status status = rules.AddRules(doc, &errors);
    if (!status.ok() && errors.empty()) {
      CHECK_FALSE(alone.ok());  // refused as a document: the pattern is not JSON
      return false;
    }
    if (alone.ok()) {
      REQUIRE(errors.empty());
      REQUIRE(rules.size() == (alternative ? 2 : 1));
      const std::vector<evmatch::Pattern>& patterns = rules.patterns(alternative ? 1 : 0);
      REQUIRE(patterns.size() == (alternative ? 2 : 1));
      CHECK(patterns.back().ToJson() == alone->ToJson());
      continue;
    }
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].code() == alone.status().code());
    const std::optional<evmatch::PatternError> want = evmatch::GetPatternError(alone.status());
    const std::optional<evmatch::PatternError> got = evmatch::GetPatternError(errors[0]);
    REQUIRE(want.has_value());
    REQUIRE(got.has_value());
    CHECK(got->rule_name == "r");
    CHECK(got->reason == want->reason);
    CHECK(got->json_pointer == (alternative ? "/r/1" : "/r") + want->json_pointer);
    CHECK(got->offset == head.size() + want->offset);
    // The rule keeps its valid alternative; the other rule is untouched.
    CHECK(rules.size() == (alternative ? 2 : 0));
  }
  return true;
}

#ifdef EVMATCH_CLI_PATH
// Runs the CLI on `pattern` and `event` (passed through files) and returns
// its exit code, stdout and stderr.
struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

std::string WriteTemp(const std::string& name, const std::string& content) {
  std::filesystem::path path = std::filesystem::temp_directory_path() /
                               (name + "." + std::to_string(getpid()));
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

CliResult RunCli(const std::string& pattern, const std::string& event) {
  const std::string pattern_file = WriteTemp("evmatch_pattern", pattern);
  const std::string event_file = WriteTemp("evmatch_event", event);
  const std::string out_file = pattern_file + ".out";
  const std::string err_file = pattern_file + ".err";
  const std::string command = std::string("'") + EVMATCH_CLI_PATH +
                              "' test-event-pattern --event-pattern 'file://" +
                              pattern_file + "' --event 'file://" + event_file +
                              "' >'" + out_file + "' 2>'" + err_file + "'";
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadFile(out_file);
  result.err = ReadFile(err_file);
  for (const auto& f : {pattern_file, event_file, out_file, err_file}) {
    std::filesystem::remove(f);
  }
  return result;
}

void CheckCliMatch(const std::string& pattern, const std::string& event, bool expected) {
  INFO("pattern: " << pattern);
  INFO("event: " << event);
  CliResult r = RunCli(pattern, event);
  CHECK(r.exit_code == (expected ? 0 : 1));
  CHECK(r.out == (expected ? "{\"Result\": true}\n" : "{\"Result\": false}\n"));
  CHECK(r.err.empty());
}

void CheckCliError(const std::string& pattern, const std::string& reason) {
  INFO("pattern: " << pattern);
  CliResult r = RunCli(pattern, "{}");
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("InvalidEventPatternException: Event pattern is not valid. Reason: " +
                        reason + "\n",
                    0) == 0);
}

#endif  // EVMATCH_CLI_PATH

// How a case is checked: through the library's reference evaluator, through
// the compiled matcher, through the CLI binary, by explaining it, or by its
// pattern's place in a rules document.
enum class Via { kLibrary, kCompiled, kCli, kExplain, kDocument };

size_t g_in_documents = 0;  // Via::kDocument: patterns checked inside a document

evmatch_test::ExplainCounts g_explained;

// Every match case seen through Via::kCompiled, for the all-at-once check.
struct MatchCase {
  std::string pattern, event;
  bool expected;
};
std::vector<MatchCase>* g_compiled_cases = nullptr;

void Match(Via via, const std::string& pattern, const std::string& event, bool expected) {
  if (via == Via::kDocument) {
    g_in_documents += CheckInDocument(pattern) ? 1 : 0;
    return;
  }
  if (via == Via::kLibrary) {
    CheckMatch(pattern, event, expected);
    return;
  }
  if (via == Via::kExplain) {
    INFO("expected: " << expected);
    evmatch_test::CheckExplanation(pattern, event, {}, &g_explained);
    return;
  }
  if (via == Via::kCompiled) {
    // A one-rule Matcher on each kernel, both modes, Match and MatchBatch,
    // agreeing with the reference, which must give the case's verdict.
    INFO("pattern: " << pattern << "\nevent: " << event);
    absl::StatusOr<bool> reference = evmatch::TestEventPattern(pattern, event);
    REQUIRE(reference.ok());
    CHECK(*reference == expected);
    CHECK(evmatch_test::CompareCompiled({pattern}, {event}, {}) > 0);
    g_compiled_cases->push_back({pattern, event, expected});
    return;
  }
#ifdef EVMATCH_CLI_PATH
  CheckCliMatch(pattern, event, expected);
#endif
}

JsonValue LoadCases(const std::filesystem::path& path, std::string* text) {
  *text = ReadFile(path);
  JsonValue doc;
  evmatch::internal::JsonParseError error;
  INFO(path.string() << ": " << error.reason);
  REQUIRE(evmatch::internal::ParseJsonTree(*text, 1000, &doc, &error));
  return doc;
}

size_t RunCaseFile(const std::filesystem::path& path, Via via) {
  std::string text;
  JsonValue doc = LoadCases(path, &text);
  const JsonValue* cases = Member(doc, "cases");
  REQUIRE(cases != nullptr);
  for (const JsonValue& c : cases->elements) {
    const JsonValue* name = Member(c, "name");
    const JsonValue* pattern = Member(c, "pattern");
    REQUIRE(name != nullptr);
    REQUIRE(pattern != nullptr);
    INFO(path.filename().string() << ": " << name->text);
    if (const JsonValue* error = Member(c, "error")) {
      const JsonValue* pointer = Member(c, "pointer");
      REQUIRE(pointer != nullptr);
      const JsonValue* code = Member(c, "code");
      if (via == Via::kCli) {
#ifdef EVMATCH_CLI_PATH
        CheckCliError(TextOf(text, *pattern), error->text);
#endif
        continue;
      }
      if (via == Via::kDocument) {
        g_in_documents += CheckInDocument(TextOf(text, *pattern)) ? 1 : 0;
        continue;
      }
      // Via::kLibrary checks the error cases; nothing compiles or explains.
      if (via == Via::kCompiled || via == Via::kExplain) continue;
      CheckError(TextOf(text, *pattern), error->text, pointer->text,
                 code != nullptr && code->text == "ResourceExhausted"
                     ? absl::StatusCode::kResourceExhausted
                     : absl::StatusCode::kInvalidArgument);
    } else {
      const JsonValue* event = Member(c, "event");
      const JsonValue* match = Member(c, "match");
      REQUIRE(event != nullptr);
      REQUIRE(match != nullptr);
      Match(via, TextOf(text, *pattern), TextOf(text, *event),
            match->type == JsonValue::Type::kTrue);
    }
  }
  return cases->elements.size();
}

size_t RunTruthTable(const std::filesystem::path& path, Via via) {
  std::string text;
  JsonValue doc = LoadCases(path, &text);
  const JsonValue* columns = Member(doc, "columns");
  const JsonValue* rows = Member(doc, "rows");
  REQUIRE(columns != nullptr);
  REQUIRE(rows != nullptr);
  size_t cells = 0;
  for (const JsonValue& row : rows->elements) {
    const JsonValue* condition = Member(row, "condition");
    const JsonValue* expect = Member(row, "expect");
    REQUIRE(expect->elements.size() == columns->elements.size());
    std::string pattern = "{\"f\":" + TextOf(text, *condition) + "}";
    for (size_t i = 0; i < columns->elements.size(); ++i) {
      const JsonValue& column = columns->elements[i];
      std::string event = column.is_string() && column.text == "missing"
                              ? std::string("{\"g\":1}")
                              : "{\"f\":" + text.substr(column.offset,
                                                         column.end - column.offset) +
                                    "}";
      Match(via, pattern, event, expect->elements[i].type == JsonValue::Type::kTrue);
      ++cells;
    }
  }
  return cells;
}

}  // namespace

size_t RunAll(Via via) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(EVMATCH_CONFORMANCE_DIR)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  size_t total = 0;
  for (const auto& file : files) {
    total += file.filename() == "truth_table.json" ? RunTruthTable(file, via)
                                                   : RunCaseFile(file, via);
  }
  // The suite must not silently shrink (a file dropped or renamed).
  CHECK(files.size() >= 10);
  return total;
}

TEST_CASE("conformance cases", "[conformance]") { CHECK(RunAll(Via::kLibrary) >= 450); }

TEST_CASE("conformance patterns inside a rules document", "[conformance][ruleset]") {
  g_in_documents = 0;
  RunAll(Via::kDocument);
  CHECK(g_in_documents >= 450);  // all but the few that are not JSON on their own
}

TEST_CASE("explanations of every conformance case keep their invariants",
          "[conformance][explain]") {
  g_explained = {};
  RunAll(Via::kExplain);
  CHECK(g_explained.cases >= 350);
  CHECK(g_explained.conditions >= g_explained.cases);
  CHECK(g_explained.removals >= 5);  // most cases have one condition: nothing left
}

TEST_CASE("conformance cases through the compiled matcher", "[conformance][compiled]") {
  std::vector<MatchCase> cases;
  g_compiled_cases = &cases;
  RunAll(Via::kCompiled);
  g_compiled_cases = nullptr;
  REQUIRE(cases.size() >= 350);
  // One Matcher holding every case's pattern at once, matched against every
  // case's event: each rule must give its own case's verdict, and every
  // other (rule, event) pair must agree with the reference.
  std::vector<std::string> patterns, events;
  for (const MatchCase& c : cases) {
    patterns.push_back(c.pattern);
    events.push_back(c.event);
  }
  evmatch::RuleSet rules;
  for (size_t i = 0; i < cases.size(); ++i) {
    REQUIRE(rules.Add("case" + std::to_string(i), cases[i].pattern).ok());
  }
  absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
  REQUIRE(matcher.ok());
  evmatch::Scratch scratch;
  REQUIRE(matcher->PrepareScratch(scratch).ok());
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("pattern: " << cases[i].pattern << "\nevent: " << cases[i].event);
    std::string buffer = cases[i].event;
    buffer.reserve(buffer.size() + evmatch::kPadding);
    REQUIRE(matcher->Match(buffer, buffer.capacity(), scratch) == evmatch::MatchStatus::kOk);
    const auto matches = scratch.matches();
    const bool hit =
        std::find(matches.begin(), matches.end(), static_cast<evmatch::RuleId>(i)) != matches.end();
    CHECK(hit == cases[i].expected);
  }
  CHECK(evmatch_test::CompareCompiled(patterns, events, {}) >= patterns.size() * events.size());
}

#ifdef EVMATCH_CLI_PATH
TEST_CASE("conformance cases through the evmatch CLI", "[conformance][cli]") {
  CHECK(RunAll(Via::kCli) >= 450);
}
#endif
