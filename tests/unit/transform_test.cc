// Target input shaping (evmatch/transform.h): SPEC B.1-B.2's cases with the
// outputs AWS recorded, PutTargets' checks with their texts, and a random
// property: a JSON template of unquoted placeholders always gives JSON that
// holds each selected value unchanged.

#include "evmatch/transform.h"

#include <simdjson.h>

#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

namespace {

using evmatch::InputTransform;
using evmatch::TargetInput;
using evmatch::TransformStatus;

constexpr char kEvent[] = R"({
  "version": "0", "id": "e-1", "detail-type": "core.update-account-command",
  "source": "core.update-account-command", "account": "111111111111",
  "time": "2024-05-13T12:27:30Z", "region": "us-east-1", "resources": [],
  "detail": {"command": "update-account",
             "payload": {"acc_id": "0a787ecb-4015", "sf_id": "baz"},
             "levels": ["HIGH"], "states": ["ACTIVE", "INACTIVE"], "enabled": true,
             "count": 1.50, "quote": "say \"hi\""}})";

const evmatch::TransformContext kContext = {
    "my-rule", "arn:aws:events:us-east-1:111111111111:rule/bus/my-rule", "2024-05-13T12:27:31Z"};

TargetInput Transformer(std::vector<std::pair<std::string, std::string>> paths,
                        std::string input_template) {
  TargetInput input;
  input.input_transformer = TargetInput::Transformer{std::move(paths), std::move(input_template)};
  return input;
}

// Applies `input` to `event`; fails the test if it does not compile.
std::pair<TransformStatus, std::string> Shape(const TargetInput& input,
                                              const std::string& event = kEvent) {
  absl::StatusOr<InputTransform> shape = InputTransform::Compile("t1", input);
  INFO(shape.status().ToString());
  REQUIRE(shape.ok());
  evmatch::TransformEvent parsed;
  REQUIRE(parsed.Parse(event).ok());
  std::string out = "stale";
  const TransformStatus status = shape->Apply(parsed, kContext, &out);
  return {status, out};
}

std::string Delivered(const TargetInput& input, const std::string& event = kEvent) {
  auto [status, out] = Shape(input, event);
  INFO(out);
  CHECK(status == TransformStatus::kOk);
  return out;
}

// The error `input` compiles to.
absl::Status Refused(const TargetInput& input) {
  absl::StatusOr<InputTransform> shape = InputTransform::Compile("t1", input);
  REQUIRE_FALSE(shape.ok());
  CHECK(shape.status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE(evmatch::GetTargetInputError(shape.status()).has_value());
  CHECK(evmatch::GetTargetInputError(shape.status())->target_id == "t1");
  return shape.status();
}

std::string Reason(const TargetInput& input) {
  return evmatch::GetTargetInputError(Refused(input))->reason;
}

TEST_CASE("no input setting: the whole event, as written", "[transform]") {
  const std::string event = std::string("  ") + kEvent + "\n";
  CHECK(Delivered(TargetInput{}, event) == kEvent);
}

TEST_CASE("Input: a constant, checked as JSON", "[transform]") {
  TargetInput input;
  input.input = R"({"fixed": [1, 2]})";
  CHECK(Delivered(input) == R"({"fixed": [1, 2]})");
  input.input = R"({"fixed": )";
  CHECK_THAT(Reason(input), Catch::StartsWith("Input for target t1 is not valid JSON"));
  input.input = std::string(8193, ' ');
  CHECK(Reason(input) == "Input for target t1 is 8193 bytes; at most 8192 are allowed");
}

TEST_CASE("InputPath: the selected value as JSON (AWS-recorded)", "[transform]") {
  TargetInput input;
  input.input_path = "$.detail.payload";
  CHECK(Delivered(input) == R"({"acc_id":"0a787ecb-4015","sf_id":"baz"})");
  input.input_path = "$.detail.payload.sf_id";
  CHECK(Delivered(input) == R"("baz")");
  input.input_path = "$.detail.count";
  CHECK(Delivered(input) == "1.50");  // numbers as written
  input.input_path = "$";
  CHECK(Delivered(input).substr(0, 19) == R"({"version":"0","id")");
  input.input_path = "$['detail'][\"levels\"][0]";
  CHECK(Delivered(input) == R"("HIGH")");
  input.input_path = "$.detail.states[*]";
  CHECK(Delivered(input) == R"(["ACTIVE","INACTIVE"])");
  input.input_path = "$.detail.payload.*";
  CHECK(Delivered(input) == R"(["0a787ecb-4015","baz"])");
  input.input_path = "$.detail.missing[*]";
  CHECK(Delivered(input) == "[]");
  for (const char* missing : {"$.detail.nothing", "$.detail.states[2]", "$.detail.command.x",
                              "$.detail[0]", "$.resources[0]"}) {
    input.input_path = missing;
    CHECK(Shape(input).first == TransformStatus::kPathNotFound);
  }
}

TEST_CASE("JSONPath outside the subset is refused with the offset", "[transform]") {
  TargetInput input;
  for (const auto& [path, offset] :
       std::vector<std::pair<std::string, size_t>>{{"detail", 0},
                                                   {"$.", 2},
                                                   {"$.a[", 4},
                                                   {"$.a[x]", 4},
                                                   {"$['a]", 2},
                                                   {"$.a b", 3},
                                                   {"$[99999999999]", 2},
                                                   {"$..a", 2}}) {
    input.input_path = path;
    const absl::Status status = Refused(input);
    INFO(path << ": " << status.ToString());
    CHECK(evmatch::GetTargetInputError(status)->field == "InputPath");
    CHECK(evmatch::GetTargetInputError(status)->offset == offset);
    CHECK_THAT(std::string(status.message()),
               Catch::StartsWith("InputPath for target t1 is not a supported JSONPath"));
  }
  input.input_path = "$." + std::string(255, 'a');
  CHECK_THAT(Reason(input), Catch::Contains("at most 256"));
}

TEST_CASE("only one of the three options (AWS text)", "[transform]") {
  TargetInput input = Transformer({}, R"("x")");
  input.input_path = "$.detail";
  CHECK(Reason(input) ==
        "Only one of Input, InputPath, or InputTransformer must be provided for target t1.");
  input.input_transformer.reset();
  input.input = "{}";
  CHECK(Reason(input) ==
        "Only one of Input, InputPath, or InputTransformer must be provided for target t1.");
}

TEST_CASE("string template: values inserted raw (AWS-recorded)", "[transform]") {
  const std::vector<std::pair<std::string, std::string>> paths = {
      {"detail-type", "$.detail-type"}, {"timestamp", "$.time"}, {"command", "$.detail.command"}};
  CHECK(
      Delivered(Transformer(
          paths,
          R"("Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>")")) ==
      R"("Event of core.update-account-command type, at time 2024-05-13T12:27:30Z, info extracted from detail update-account")");
  // A path that selects nothing: empty.
  CHECK(Delivered(Transformer({{"detail-type", "$.detail-type"}, {"command", "$.detail.none"}},
                              R"("Event of <detail-type> type, detail <command>")")) ==
        R"("Event of core.update-account-command type, detail ")");
  // Starting characters of JSON inside the quotes do not make it a JSON template.
  CHECK(Delivered(Transformer(paths, R"("{[/Check for event of <detail-type> type")")) ==
        R"("{[/Check for event of core.update-account-command type")");
  // Objects and arrays lose their quotes; booleans and numbers as written.
  CHECK(Delivered(Transformer({{"p", "$.detail.payload"},
                               {"l", "$.detail.levels"},
                               {"s", "$.detail.states"},
                               {"e", "$.detail.enabled"},
                               {"n", "$.detail.count"}},
                              "<p> <l> <s> <e> <n>")) ==
        "{acc_id:0a787ecb-4015,sf_id:baz} [HIGH] [ACTIVE,INACTIVE] true 1.50");
  // Escapes stay as the event wrote them.
  CHECK(Delivered(Transformer({{"q", "$.detail.quote"}}, R"("<q>")")) == R"("say \"hi\"")");
}

TEST_CASE("JSON template (AWS-recorded)", "[transform]") {
  const std::vector<std::pair<std::string, std::string>> paths = {
      {"detail-type", "$.detail-type"}, {"timestamp", "$.time"}, {"command", "$.detail.command"}};
  const std::string tpl =
      R"({"detailType": <detail-type>,  "time": <timestamp>, "command": <command>})";
  CHECK(
      Delivered(Transformer(paths, tpl)) ==
      R"({"detailType": "core.update-account-command",  "time": "2024-05-13T12:27:30Z", "command": "update-account"})");
  // A missing value unquoted: the empty string.
  CHECK(
      Delivered(Transformer({{"detail-type", "$.detail-type"},
                             {"timestamp", "$.time"},
                             {"command", "$.detail.notinmessage"}},
                            tpl)) ==
      R"({"detailType": "core.update-account-command",  "time": "2024-05-13T12:27:30Z", "command": ""})");
  // Quoted or not, a string comes out the same; several in one string.
  CHECK(
      Delivered(Transformer({{"id", "$.detail.payload.acc_id"}},
                            R"({"a": <id>, "b": "<id>", "c": "users/<id>/second/<id>"})")) ==
      R"({"a": "0a787ecb-4015", "b": "0a787ecb-4015", "c": "users/0a787ecb-4015/second/0a787ecb-4015"})");
  // Objects, arrays, booleans, numbers as JSON.
  CHECK(
      Delivered(Transformer({{"p", "$.detail.payload"},
                             {"e", "$.detail.enabled"},
                             {"n", "$.detail.count"},
                             {"s", "$.detail.states"}},
                            R"({"p": <p>, "e": <e>, "n": <n>, "s": <s>})")) ==
      R"({"p": {"acc_id":"0a787ecb-4015","sf_id":"baz"}, "e": true, "n": 1.50, "s": ["ACTIVE","INACTIVE"]})");
  // An object inside quotes is not JSON: not delivered.
  auto [status, out] =
      Shape(Transformer({{"payload", "$.detail.payload"}}, R"({"payload": "<payload>"})"));
  CHECK(status == TransformStatus::kInvalidJson);
  CHECK(out == R"({"payload": "{"acc_id":"0a787ecb-4015","sf_id":"baz"}"})");
  // A template that is not JSON around its placeholders is not delivered either.
  CHECK(Shape(Transformer({{"c", "$.detail.command"}}, R"({"c": <c>,})")).first ==
        TransformStatus::kInvalidJson);
}

TEST_CASE("predefined placeholders (AWS-recorded)", "[transform]") {
  CHECK(
      Delivered(Transformer(
          {},
          R"("Message <aws.events.rule-arn> <aws.events.rule-name> <aws.events.event.ingestion-time>")")) ==
      R"("Message arn:aws:events:us-east-1:111111111111:rule/bus/my-rule my-rule 2024-05-13T12:27:31Z")");
  CHECK(Delivered(Transformer(
            {},
            R"({"rule": <aws.events.rule-name>, "at": "t=<aws.events.event.ingestion-time>"})")) ==
        R"({"rule": "my-rule", "at": "t=2024-05-13T12:27:31Z"})");
  const std::string both = Delivered(Transformer(
      {},
      R"({"originalEvent": <aws.events.event>, "originalEventJson": <aws.events.event.json>})"));
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  REQUIRE(parser.parse(both).get(root) == simdjson::SUCCESS);
  simdjson::dom::object envelope = root["originalEvent"].get_object();
  CHECK(envelope["detailType"].get_string().value() == "core.update-account-command");
  CHECK(envelope["detail-type"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(envelope["detail"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(envelope["account"].get_string().value() == "111111111111");
  CHECK(root["originalEventJson"]["detail"]["payload"]["sf_id"].get_string().value() == "baz");
  CHECK(root["originalEventJson"]["detail-type"].get_string().value() ==
        "core.update-account-command");
}

TEST_CASE("template checks (AWS texts where AWS has one)", "[transform]") {
  const std::vector<std::pair<std::string, std::string>> paths = {{"detail-type", "$.detail-type"}};
  CHECK(Reason(Transformer(
            paths, R"("Event of <detail-type> type, with not defined key <notdefinedkey>")")) ==
        "InputTemplate for target t1 contains invalid placeholder notdefinedkey.");
  const absl::Status bad = Refused(Transformer(paths, R"({"k": <nope>})"));
  CHECK(evmatch::GetTargetInputError(bad)->field == "InputTransformer.InputTemplate");
  CHECK(evmatch::GetTargetInputError(bad)->offset == 6);
  // Text that is not a placeholder stays.
  CHECK(Delivered(Transformer(paths, R"("a < b and c <> d <detail-type>")")) ==
        R"("a < b and c <> d core.update-account-command")");
  // The event placeholders stand as JSON values only.
  CHECK_THAT(Reason(Transformer({}, R"({"e": "<aws.events.event>"})")),
             Catch::Contains("may only stand as a JSON value"));
  CHECK_THAT(Reason(Transformer({}, R"("<aws.events.event.json>")")),
             Catch::Contains("may only stand as a JSON value"));
  // No placeholder in an object key.
  CHECK_THAT(Reason(Transformer(paths, R"({<detail-type>: 1})")), Catch::Contains("object key"));
  CHECK_THAT(Reason(Transformer(paths, R"({"k-<detail-type>" : 1})")),
             Catch::Contains("object key"));
  // Lengths.
  CHECK_THAT(Reason(Transformer(paths, "")), Catch::Contains("must be 1 to 8192"));
  CHECK_THAT(Reason(Transformer(paths, std::string(8193, 'x'))),
             Catch::Contains("must be 1 to 8192"));
}

TEST_CASE("InputPathsMap checks", "[transform]") {
  std::vector<std::pair<std::string, std::string>> many;
  for (int i = 0; i < 100; ++i) many.emplace_back("v" + std::to_string(i), "$.detail");
  CHECK(
      Delivered(Transformer(many, R"("<v99>")")) ==
      R"("{command:update-account,payload:{acc_id:0a787ecb-4015,sf_id:baz},levels:[HIGH],states:[ACTIVE,INACTIVE],enabled:true,count:1.50,quote:say \"hi\"}")");
  many.emplace_back("v100", "$.detail");
  CHECK(Reason(Transformer(many, R"("x")")) ==
        "InputPathsMap for target t1 has 101 entries; at most 100 are allowed");
  const absl::Status dotted = Refused(Transformer({{"aws.x", "$.a"}}, R"("x")"));
  CHECK(evmatch::GetTargetInputError(dotted)->field == "InputTransformer.InputPathsMap.aws.x");
  CHECK(evmatch::GetTargetInputError(dotted)->offset == 3);
  CHECK_THAT(Reason(Transformer({{"", "$.a"}}, R"("x")")), Catch::Contains("1 to 256"));
  CHECK_THAT(Reason(Transformer({{std::string(257, 'k'), "$.a"}}, R"("x")")),
             Catch::Contains("1 to 256"));
  CHECK(Reason(Transformer({{"a", "$.a"}, {"a", "$.b"}}, R"("x")")) ==
        "InputPathsMap for target t1 names \"a\" twice");
  CHECK_THAT(
      Reason(Transformer({{"a", "a.b"}}, R"("x")")),
      Catch::StartsWith("InputTransformer.InputPathsMap.a for target t1 is not a supported"));
}

TEST_CASE("events: escaped and repeated keys, invalid events, no event", "[transform]") {
  TargetInput input;
  input.input_path = "$.ab";
  CHECK(Delivered(input, R"({"a\u0062": 1})") == "1");
  CHECK(Delivered(input, R"({"ab": 1, "ab": [2]})") == "[2]");  // the last one
  absl::StatusOr<InputTransform> shape = InputTransform::Compile("t1", input);
  REQUIRE(shape.ok());
  evmatch::TransformEvent event;
  std::string out;
  CHECK(shape->Apply(event, kContext, &out) == TransformStatus::kNoEvent);
  for (const char* bad : {R"({"ab": tru})", R"({"ab": 1} x)", "[1]", R"({"ab": "\x"})",
                          R"({"ab": 1e999})", R"({"ab": 01})", ""}) {
    INFO(bad);
    const absl::Status status = event.Parse(bad);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK(evmatch::GetEventError(status).has_value());
    CHECK(shape->Apply(event, kContext, &out) == TransformStatus::kNoEvent);
  }
  evmatch::EventOptions options;
  options.max_event_depth = 2;
  CHECK(event.Parse(R"({"a": {"b": {"c": 1}}})", options).code() ==
        absl::StatusCode::kResourceExhausted);
  options.max_event_bytes = 4;
  CHECK(event.Parse(R"({"ab": 1})", options).code() == absl::StatusCode::kResourceExhausted);
  REQUIRE(event.Parse(R"({"ab": 1})").ok());
  CHECK(shape->Apply(event, kContext, &out) == TransformStatus::kOk);
  CHECK(out == "1");
}

TEST_CASE("event numbers: the JSON grammar, and no more than binary64 holds", "[transform]") {
  evmatch::TransformEvent event;
  const std::string digits308 = "1" + std::string(307, '0');
  for (const std::string& good :
       {std::string("0"), std::string("-0"), std::string("-12.25"), std::string("0.000"),
        std::string("1e308"), std::string("2E-999"), digits308, "-" + digits308 + ".5",
        digits308 + "0", std::string("1.7976931348623157e308")}) {
    INFO(good);
    CHECK(event.Parse(R"({"n": )" + good + "}").ok());
  }
  for (const std::string& bad :
       {std::string("1."), std::string("-"), std::string("-01"), std::string("00"),
        std::string(".5"), std::string("1.e5"), std::string("1e"), std::string("+1"),
        std::string("0x10"), "2" + digits308, "-2" + digits308 + ".5", std::string("1.8e308")}) {
    INFO(bad);
    CHECK(event.Parse(R"({"n": )" + bad + "}").code() == absl::StatusCode::kInvalidArgument);
    CHECK(event.Parse(R"({"n": [)" + bad + "]}").code() == absl::StatusCode::kInvalidArgument);
  }
}

// A random JSON value, `depth` levels at most.
std::string RandomValue(std::mt19937_64& rng, int depth) {
  switch (rng() % (depth > 0 ? 7 : 5)) {
    case 0:
      return std::to_string(static_cast<int64_t>(rng() % 2001) - 1000);
    case 1:
      return "\"s" + std::to_string(rng() % 100) + (rng() % 4 == 0 ? "\\\"q\\\\" : "") + "\"";
    case 2:
      return rng() % 2 ? "true" : "false";
    case 3:
      return "null";
    case 4:
      return "-1.25e3";
    case 5: {
      std::string out = "[";
      for (uint64_t i = 0, n = rng() % 4; i < n; ++i) {
        out += (i ? ", " : "") + RandomValue(rng, depth - 1);
      }
      return out + " ]";
    }
    default: {
      std::string out = "{ ";
      for (uint64_t i = 0, n = rng() % 4; i < n; ++i) {
        out += (i ? " ,\"k" : "\"k") + std::to_string(i) + "\" : " + RandomValue(rng, depth - 1);
      }
      return out + "}";
    }
  }
}

TEST_CASE("a JSON template of unquoted placeholders keeps every value (random)", "[transform]") {
  std::mt19937_64 rng(20261203);
  simdjson::dom::parser event_parser, out_parser;
  evmatch::TransformEvent event;
  std::string out;
  for (int round = 0; round < 500; ++round) {
    std::vector<std::string> values;
    std::string json = "{";
    std::vector<std::pair<std::string, std::string>> paths;
    std::string tpl = "{";
    for (int f = 0; f < 5; ++f) {
      values.push_back(RandomValue(rng, 3));
      json += (f ? ",\"f" : "\"f") + std::to_string(f) + "\":" + values.back();
      paths.emplace_back("v" + std::to_string(f), "$.f" + std::to_string(f));
      tpl += (f ? ", \"o" : "\"o") + std::to_string(f) + "\": <v" + std::to_string(f) + ">";
    }
    json += "}";
    tpl += ", \"missing\": <gone>}";
    paths.emplace_back("gone", "$.none");
    absl::StatusOr<InputTransform> shape = InputTransform::Compile("t", Transformer(paths, tpl));
    REQUIRE(shape.ok());
    REQUIRE(event.Parse(json).ok());
    INFO(json << "\n" << out);
    REQUIRE(shape->Apply(event, kContext, &out) == TransformStatus::kOk);
    simdjson::dom::element in_root, out_root;
    REQUIRE(event_parser.parse(json).get(in_root) == simdjson::SUCCESS);
    REQUIRE(out_parser.parse(out).get(out_root) == simdjson::SUCCESS);
    for (int f = 0; f < 5; ++f) {
      // Same value: same minified text.
      CHECK(simdjson::minify(out_root["o" + std::to_string(f)].value()) ==
            simdjson::minify(in_root["f" + std::to_string(f)].value()));
    }
    CHECK(out_root["missing"].get_string().value() == "");
  }
}

}  // namespace
