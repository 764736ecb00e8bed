// S3 notifications: SPEC C.1-C.5 cases, and the overlap check against a
// brute-force pairwise reference on random configurations.

#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "evmatch/evmatch.h"
#include "evmatch/s3.h"

namespace {

namespace s3 = evmatch::s3;

// A configuration document with one queue configuration per entry.
struct Entry {
  std::string id;
  std::vector<std::string> events;
  std::string prefix, suffix;  // "-" = no rule
  const char* list = "QueueConfigurations";
};

std::string Document(const std::vector<Entry>& entries) {
  std::string json = "{";
  bool first_list = true;
  for (const char* list : {"QueueConfigurations", "TopicConfigurations",
                           "LambdaFunctionConfigurations"}) {
    std::string items;
    for (const Entry& e : entries) {
      if (std::string(e.list) != list) continue;
      const std::string arn_key = std::string(list) == "QueueConfigurations" ? "QueueArn"
                                  : std::string(list) == "TopicConfigurations"
                                      ? "TopicArn"
                                      : "LambdaFunctionArn";
      const std::string service = arn_key == "QueueArn" ? "sqs" : arn_key == "TopicArn" ? "sns" : "lambda";
      std::string item = "{\"Id\":\"" + e.id + "\",\"" + arn_key + "\":\"arn:aws:" + service +
                         ":us-east-1:123456789012:" + e.id + "\",\"Events\":[";
      for (size_t i = 0; i < e.events.size(); ++i) item += (i ? ",\"" : "\"") + e.events[i] + "\"";
      item += "]";
      std::string rules;
      if (e.prefix != "-") rules += "{\"Name\":\"prefix\",\"Value\":\"" + e.prefix + "\"}";
      if (e.suffix != "-") {
        rules += std::string(rules.empty() ? "" : ",") + "{\"Name\":\"suffix\",\"Value\":\"" +
                 e.suffix + "\"}";
      }
      if (!rules.empty()) item += ",\"Filter\":{\"Key\":{\"FilterRules\":[" + rules + "]}}";
      items += (items.empty() ? "" : ",") + item + "}";
    }
    if (items.empty()) continue;
    json += (first_list ? "\"" : ",\"") + std::string(list) + "\":[" + items + "]";
    first_list = false;
  }
  return json + "}";
}

std::string ErrorOf(const std::string& json) {
  absl::StatusOr<s3::NotificationConfiguration> c = s3::ParseNotificationConfiguration(json);
  return c.ok() ? "ok" : std::string(c.status().message());
}

constexpr const char* kAmbiguous =
    "InvalidArgument: Configuration is ambiguously defined. Cannot have overlapping suffixes in "
    "two rules if the prefixes are overlapping for the same event type.";

bool Ambiguous(const std::vector<Entry>& entries) {
  const std::string error = ErrorOf(Document(entries));
  if (error == "ok") return false;
  INFO(error);
  CHECK(error.rfind(kAmbiguous, 0) == 0);
  return true;
}

}  // namespace

TEST_CASE("event names and families (SPEC C.1, C.5 item 6)", "[s3]") {
  const s3::EventSet created = *s3::ParseEventName("s3:ObjectCreated:*");
  CHECK(s3::EventNames(created) ==
        std::vector<std::string>{"s3:ObjectCreated:Put", "s3:ObjectCreated:Post",
                                 "s3:ObjectCreated:Copy",
                                 "s3:ObjectCreated:CompleteMultipartUpload"});
  CHECK((*s3::ParseEventName("s3:ObjectRestore:*") & *s3::ParseEventName("s3:ObjectRestore:Delete")) != 0);
  CHECK((created & *s3::ParseEventName("s3:ObjectRemoved:*")) == 0);
  for (const char* single : {"s3:LifecycleTransition", "s3:IntelligentTiering", "s3:ObjectAcl:Put",
                             "s3:ReducedRedundancyLostObject"}) {
    INFO(single);
    absl::StatusOr<s3::EventSet> set = s3::ParseEventName(single);
    REQUIRE(set.ok());
    CHECK(s3::EventNames(*set) == std::vector<std::string>{single});
  }
  for (const char* bad : {"s3:ObjectAcl:*", "s3:LifecycleTransition:*", "s3:TestEvent",
                          "s3:ObjectCreated", "ObjectCreated:Put", "s3:objectcreated:put",
                          "s3:ObjectCreated:Put ", "s3:*"}) {
    INFO(bad);
    CHECK(s3::ParseEventName(bad).status().message().rfind(
              "InvalidArgument: The event is not supported for notifications", 0) == 0);
  }
  CHECK(s3::RecordEventType("ObjectCreated:Put") == *s3::ParseEventName("s3:ObjectCreated:Put"));
  CHECK(s3::RecordEventType("ObjectAcl:Put") == *s3::ParseEventName("s3:ObjectAcl:Put"));
  CHECK(s3::RecordEventType("ObjectCreated:*") == 0);
  CHECK(s3::RecordEventType("s3:ObjectCreated:Put") == 0);
}

TEST_CASE("key encoding and decoding (SPEC C.4, C.5 items 3-4, D15)", "[s3]") {
  CHECK(s3::EncodeKey("red flower.jpg") == "red+flower.jpg");
  CHECK(s3::EncodeKey("a@b") == "a%40b");
  CHECK(s3::EncodeKey("this im + age") == "this+im+%2B+age");
  CHECK(s3::EncodeKey("x=1") == "x%3D1");
  CHECK(s3::EncodeKey("testupload/dir1/testfile.txt") == "testupload/dir1/testfile.txt");
  CHECK(s3::EncodeKey("A-Z_a.z*~09") == "A-Z_a.z*~09");
  CHECK(s3::EncodeKey("caf\xc3\xa9") == "caf%C3%A9");
  CHECK(*s3::DecodeKey("a%40b") == "a@b");
  CHECK(*s3::DecodeKey("this+im+%2B+age") == "this im + age");
  CHECK(*s3::DecodeKey("dir%2Ffile") == "dir/file");
  CHECK(*s3::DecodeKey("dir/file") == "dir/file");
  CHECK(*s3::DecodeKey("caf%c3%a9") == "caf\xc3\xa9");
  for (const char* bad : {"%zz", "a%4", "a%", "%g0"}) {
    INFO(bad);
    CHECK(s3::DecodeKey(bad).status().code() == absl::StatusCode::kInvalidArgument);
  }
  CHECK(s3::DecodeKey("ab%zz").status().message().find("offset 2") != std::string::npos);
  std::mt19937 rng(4);
  for (int i = 0; i < 2000; ++i) {
    std::string key(rng() % 20, '\0');
    for (char& c : key) c = static_cast<char>(rng());
    CHECK(*s3::DecodeKey(s3::EncodeKey(key)) == key);
  }
}

TEST_CASE("filters apply to the encoded key (SPEC C.2, C.5 item 3)", "[s3]") {
  absl::StatusOr<s3::NotificationConfiguration> c = s3::ParseNotificationConfiguration(
      Document({{"files", {"s3:ObjectCreated:*"}, "a+b/", "file.txt"}}));
  REQUIRE(c.ok());
  const s3::Configuration& config = c->configurations.front();
  const s3::EventSet put = s3::RecordEventType("ObjectCreated:Put");
  CHECK(config.Matches(put, s3::EncodeKey("a b/my file.txt")));
  CHECK_FALSE(config.Matches(put, "a b/my file.txt"));
  CHECK_FALSE(config.Matches(s3::RecordEventType("ObjectRemoved:Delete"),
                             s3::EncodeKey("a b/my file.txt")));
  // Prefix and suffix may overlap in the key.
  absl::StatusOr<s3::NotificationConfiguration> ab =
      s3::ParseNotificationConfiguration(Document({{"ab", {"s3:ObjectCreated:Put"}, "ab", "b"}}));
  REQUIRE(ab.ok());
  CHECK(ab->configurations.front().Matches(put, "ab"));
  CHECK_FALSE(ab->configurations.front().Matches(put, "a"));
}

TEST_CASE("configuration validation (SPEC C.2, C.5 item 2)", "[s3]") {
  absl::StatusOr<s3::NotificationConfiguration> ok = s3::ParseNotificationConfiguration(R"({
    "QueueConfigurations": [{"Id": "q", "QueueArn": "arn:aws:sqs:us-east-1:1:q",
      "Events": ["s3:ObjectCreated:*"],
      "Filter": {"Key": {"FilterRules": [{"Name": "PREFIX", "Value": "images/"},
                                          {"Name": "Suffix", "Value": ""}]}}}],
    "LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:1:function:f",
      "Events": ["s3:ObjectRemoved:Delete"]}],
    "EventBridgeConfiguration": {}
  })");
  REQUIRE(ok.ok());
  CHECK(ok->eventbridge);
  REQUIRE(ok->configurations.size() == 2);
  CHECK(ok->configurations[0].prefix == "images/");
  CHECK(ok->configurations[0].suffix.empty());
  CHECK(ok->configurations[1].id == "config-2");
  CHECK(ok->configurations[1].type == s3::DestinationType::kLambda);

  auto queue = [](const std::string& inner) {
    return R"({"QueueConfigurations":[{"QueueArn":"arn:aws:sqs:us-east-1:1:q",)" + inner + "}]}";
  };
  CHECK(ErrorOf(queue(R"("Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"a"},{"Name":"Prefix","Value":"b"}]}})")) ==
        "InvalidArgument: Cannot specify more than one prefix rule in a filter. (at "
        "/QueueConfigurations/0/Filter/Key/FilterRules/1)");
  CHECK(ErrorOf(queue(R"("Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"suffix","Value":"a"},{"Name":"suffix","Value":"b"}]}})"))
            .rfind("InvalidArgument: Cannot specify more than one suffix rule in a filter.", 0) == 0);
  CHECK(ErrorOf(queue(R"("Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"infix","Value":"a"}]}})")) ==
        "InvalidArgument: filter rule name must be either prefix or suffix (at "
        "/QueueConfigurations/0/Filter/Key/FilterRules/0)");
  CHECK(ErrorOf(queue(R"("Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":")" +
                      std::string(1025, 'a') + "\"}]}}"))
            .rfind("InvalidArgument: The filter rule value is longer than 1024 characters", 0) == 0);
  CHECK(ErrorOf(queue(R"("Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":")" +
                      std::string(1024, 'a') + "\"}]}}")) == "ok");
  CHECK(ErrorOf(queue(R"("Events":["s3:ObjectCreated:Get"])")) ==
        "InvalidArgument: The event is not supported for notifications (at "
        "/QueueConfigurations/0/Events/0)");
  CHECK(ErrorOf(R"({"QueueConfigurations":[{"QueueArn":"not-an-arn","Events":["s3:ObjectCreated:*"]}]})") ==
        "InvalidArgument: The ARN could not be parsed (at /QueueConfigurations/0/QueueArn)");
  CHECK(ErrorOf(R"({"TopicConfigurations":[{"TopicArn":"arn:aws:sqs:us-east-1:1:q","Events":["s3:ObjectCreated:*"]}]})")
            .rfind("InvalidArgument: The ARN could not be parsed", 0) == 0);
  CHECK(ErrorOf(queue(R"("Events":[])")).rfind("MalformedXML:", 0) == 0);
  CHECK(ErrorOf(R"({"QueueConfiguration":[]})").rfind("MalformedXML:", 0) == 0);
  CHECK(ErrorOf(R"({"QueueConfigurations":[{"Events":["s3:ObjectCreated:*"]}]})")
            .rfind("MalformedXML: The configuration is not well formed: missing QueueArn", 0) == 0);
  CHECK(ErrorOf("{").rfind("MalformedXML: The configuration is not valid JSON", 0) == 0);
  CHECK(ErrorOf(Document({{"same", {"s3:ObjectCreated:Put"}, "a", "-"},
                          {"same", {"s3:ObjectRemoved:*"}, "a", "-"}}))
            .rfind("InvalidArgument: Same ID used for multiple configurations", 0) == 0);
  CHECK(ErrorOf("{}") == "ok");
}

TEST_CASE("the overlap matrix (SPEC C.3, C.5 item 1)", "[s3]") {
  CHECK(Ambiguous({{"a", {"s3:ObjectCreated:*"}, "-", "-"},
                   {"b", {"s3:ObjectCreated:Put"}, "images", "-"}}));
  CHECK(Ambiguous({{"a", {"s3:ObjectCreated:*"}, "-", "jpg"},
                   {"b", {"s3:ObjectCreated:Put"}, "-", "pg"}}));
  CHECK_FALSE(Ambiguous({{"a", {"s3:ObjectCreated:Put"}, "images", ".jpg"},
                         {"b", {"s3:ObjectCreated:Put"}, "images", ".png"}}));
  CHECK_FALSE(Ambiguous({{"a", {"s3:ObjectCreated:Put"}, "images/", "-"},
                         {"b", {"s3:ObjectCreated:Put"}, "logs/", "-"}}));
  CHECK_FALSE(Ambiguous({{"a", {"s3:ObjectCreated:Put"}, "image/", "-"},
                         {"b", {"s3:ObjectRemoved:*"}, "image/", "-"}}));
  CHECK(Ambiguous({{"a", {"s3:ObjectCreated:*"}, "-", "-"},
                   {"b", {"s3:ObjectCreated:Put"}, "-", "-"}}));
  Entry lambda{"b", {"s3:ObjectCreated:Put"}, "x/", "-", "LambdaFunctionConfigurations"};
  CHECK(Ambiguous({{"a", {"s3:ObjectCreated:Put"}, "x", "-"}, lambda}));
  CHECK(Ambiguous({{"a", {"s3:ObjectCreated:Put"}, "x", ".jpg"},
                   {"b", {"s3:ObjectCreated:Put"}, "x", ".jpg"}}));
  CHECK(Ambiguous({{"a", {"s3:ObjectCreated:Put"}, "images/", ".jpg"},
                   {"b", {"s3:ObjectCreated:Put"}, "-", ".jpg"}}));
  // The error names both configurations.
  CHECK(ErrorOf(Document({{"first", {"s3:ObjectCreated:*"}, "-", "-"},
                          {"second", {"s3:ObjectRemoved:*"}, "-", "-"},
                          {"third", {"s3:ObjectCreated:Copy"}, "logs/", "-"}})) ==
        std::string(kAmbiguous) + " (configurations \"first\" and \"third\")");
}

TEST_CASE("overlap check agrees with a brute-force pairwise reference", "[s3]") {
  const std::vector<std::string> events = {"s3:ObjectCreated:*", "s3:ObjectCreated:Put",
                                           "s3:ObjectCreated:Copy", "s3:ObjectRemoved:*",
                                           "s3:ObjectRemoved:Delete", "s3:LifecycleTransition"};
  const std::vector<std::string> affixes = {"-", "", "a", "ab", "b", "ba", "abc", "c", "bc"};
  auto overlaps = [](const std::string& x, const std::string& y, bool suffix) {
    const std::string a = x == "-" ? "" : x, b = y == "-" ? "" : y;
    const size_t n = std::min(a.size(), b.size());
    return suffix ? a.compare(a.size() - n, n, b, b.size() - n, n) == 0
                  : a.compare(0, n, b, 0, n) == 0;
  };
  std::mt19937 rng(8);
  int ambiguous = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::vector<Entry> entries;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      Entry e{"c" + std::to_string(i), {events[rng() % events.size()]},
              affixes[rng() % affixes.size()], affixes[rng() % affixes.size()]};
      if (rng() % 3 == 0) e.events.push_back(events[rng() % events.size()]);
      entries.push_back(e);
    }
    bool expected = false;
    for (int i = 0; i < n && !expected; ++i) {
      for (int j = i + 1; j < n && !expected; ++j) {
        const s3::EventSet ei = *s3::ParseEventName(entries[i].events[0]) |
                                *s3::ParseEventName(entries[i].events.back());
        const s3::EventSet ej = *s3::ParseEventName(entries[j].events[0]) |
                                *s3::ParseEventName(entries[j].events.back());
        expected = (ei & ej) && overlaps(entries[i].prefix, entries[j].prefix, false) &&
                   overlaps(entries[i].suffix, entries[j].suffix, true);
      }
    }
    INFO(Document(entries));
    REQUIRE(Ambiguous(entries) == expected);
    ambiguous += expected;
  }
  CHECK(ambiguous > 300);
  CHECK(ambiguous < 2700);
}

TEST_CASE("overlap check on 10,000 configurations", "[s3]") {
  std::vector<Entry> entries;
  for (int i = 0; i < 10000; ++i) {
    entries.push_back({"c" + std::to_string(i), {"s3:ObjectCreated:*"},
                       "tenant-" + std::to_string(i) + "/", ".jpg"});
  }
  CHECK_FALSE(Ambiguous(entries));
  entries.push_back({"late", {"s3:ObjectCreated:Put"}, "tenant-7", "-"});
  CHECK(ErrorOf(Document(entries)) ==
        std::string(kAmbiguous) + " (configurations \"c7\" and \"late\")");
}

TEST_CASE("sequencers and idempotency (SPEC C.4, C.5 items 5 and 7)", "[s3]") {
  CHECK(s3::CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E50") == 0);
  CHECK(s3::CompareSequencers("0055AED6DCD90281E5", "0055aed6dcd90281e5") == 0);
  CHECK(s3::CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E6") < 0);
  CHECK(s3::CompareSequencers("0055AED6DCD90281E5", "0055AED6DCD90281E501") < 0);
  CHECK(s3::CompareSequencers("0055AED6DCD90281F", "0055AED6DCD90281E5") > 0);
  s3::SequencerTracker tracker;
  using V = s3::SequencerTracker::Verdict;
  CHECK(tracker.Observe("b", "k", "0055AED6DCD90281E5") == V::kNew);
  CHECK(tracker.Observe("b", "k", "0055AED6DCD90281E50") == V::kDuplicate);
  CHECK(tracker.Observe("b", "k", "0055AED6DCD90281E4") == V::kStale);
  CHECK(tracker.Observe("b", "k", "0055AED6DCD90281E6") == V::kNew);
  CHECK(tracker.Observe("b", "k", "0055AED6DCD90281E5") == V::kStale);
  CHECK(tracker.Observe("b", "other", "0055AED6DCD90281E5") == V::kNew);  // per key
  CHECK(tracker.Observe("c", "k", "00") == V::kNew);                       // per bucket
  CHECK(tracker.size() == 3);
}

TEST_CASE("the router agrees with a brute-force scan", "[s3][router]") {
  const std::vector<std::string> events = {"s3:ObjectCreated:*", "s3:ObjectCreated:Put",
                                           "s3:ObjectRemoved:*", "s3:ObjectTagging:Put",
                                           "s3:LifecycleTransition"};
  const std::vector<std::string> records = {"ObjectCreated:Put", "ObjectCreated:Copy",
                                            "ObjectRemoved:Delete", "ObjectTagging:Put",
                                            "LifecycleTransition", "ObjectAcl:Put"};
  std::mt19937 rng(12);
  auto word = [&](size_t max) {
    std::string w(rng() % (max + 1), 'a');
    for (char& c : w) c = "ab/"[rng() % 3];
    return w;
  };
  int routed = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<Entry> entries;
    const int n = static_cast<int>(rng() % 12);
    for (int i = 0; i < n; ++i) {
      entries.push_back({"c" + std::to_string(i), {events[rng() % events.size()]},
                         rng() % 4 ? word(3) : "-", rng() % 3 ? word(2) : "-"});
    }
    absl::StatusOr<s3::NotificationConfiguration> config =
        s3::ParseNotificationConfiguration(Document(entries));
    if (!config.ok()) continue;  // ambiguous: S3 would refuse it
    const s3::Router router(*config);
    for (int k = 0; k < 60; ++k) {
      const std::string key = word(6);
      const s3::EventSet type = s3::RecordEventType(records[rng() % records.size()]);
      std::optional<size_t> expected;
      for (size_t i = 0; i < config->configurations.size(); ++i) {
        if (config->configurations[i].Matches(type, key)) {
          REQUIRE_FALSE(expected.has_value());  // validation leaves at most one
          expected = i;
        }
      }
      INFO(Document(entries) << " key " << key);
      REQUIRE(router.Route(type, key) == expected);
      routed += expected.has_value();
    }
  }
  CHECK(routed > 500);  // the random cases do reach configurations
}

namespace {

struct Read {
  absl::Status status;
  std::vector<s3::Record> records;
  std::vector<std::string> keys;  // copies: the views die with the reader's next Read
};

Read ReadMessage(s3::RecordReader& reader, std::string json) {
  json.reserve(json.size() + evmatch::kPadding);
  Read out;
  out.status = reader.Read(json, json.capacity(), [&](const s3::Record& r) {
    out.records.push_back(r);
    out.keys.emplace_back(r.key);
  });
  return out;
}

}  // namespace

TEST_CASE("reading notification messages (SPEC C.4)", "[s3][records]") {
  s3::RecordReader reader;
  const std::string message = R"({"Records":[{
    "eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-west-2",
    "eventTime":"1970-01-01T00:00:00.000Z","eventName":"ObjectCreated:Put",
    "userIdentity":{"principalId":"AIDAJDPLRKLG7UEXAMPLE"},
    "requestParameters":{"sourceIPAddress":"127.0.0.1"},
    "responseElements":{"x-amz-request-id":"C3D13FE58DE4C810","x-amz-id-2":"FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD"},
    "s3":{"s3SchemaVersion":"1.0","configurationId":"testConfigRule",
          "bucket":{"name":"mybucket","ownerIdentity":{"principalId":"A3NL1KOZZKExample"},"arn":"arn:aws:s3:::mybucket"},
          "object":{"key":"red+flower.jpg","size":1024,"eTag":"d41d8cd98f00b204e9800998ecf8427e",
                    "versionId":"096fKKXTRTtl3on89fVO.nfljtsv6qko","sequencer":"0055AED6DCD90281E5"}}},
    {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"mybucket"},"object":{"key":"a%40b","sequencer":"0055AED6DCD90281E6"}}}]})";
  Read read = ReadMessage(reader, message);
  REQUIRE(read.status.ok());
  REQUIRE(read.records.size() == 2);
  CHECK(read.keys == std::vector<std::string>{"red+flower.jpg", "a%40b"});
  CHECK(*s3::DecodeKey(read.keys[0]) == "red flower.jpg");
  // The second message's views are checked right away, in the callback's copy.
  Read again = ReadMessage(reader, message);
  const s3::Record& first = again.records[0];
  CHECK(first.shape == s3::Record::Shape::kNotification);
  CHECK(first.event_name == "ObjectCreated:Put");
  CHECK(first.type == s3::RecordEventType("ObjectCreated:Put"));
  CHECK(first.event_version == "2.1");
  CHECK(first.region == "us-west-2");
  CHECK(first.time == "1970-01-01T00:00:00.000Z");
  CHECK(first.configuration_id == "testConfigRule");
  CHECK(first.bucket == "mybucket");
  CHECK(first.size == 1024u);
  CHECK(first.etag == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(first.version_id == "096fKKXTRTtl3on89fVO.nfljtsv6qko");
  CHECK(first.sequencer == "0055AED6DCD90281E5");
  const s3::Record& second = again.records[1];
  CHECK(second.type == s3::RecordEventType("ObjectRemoved:Delete"));
  CHECK_FALSE(second.size.has_value());
  CHECK(second.etag.empty());
  CHECK(second.configuration_id.empty());

  Read test = ReadMessage(reader, R"({"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2014-10-13T15:57:02.089Z","Bucket":"bucketname","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"})");
  REQUIRE(test.status.ok());
  REQUIRE(test.records.size() == 1);
  CHECK(test.records[0].shape == s3::Record::Shape::kTestEvent);
  CHECK(test.keys[0].empty());

  Read eb = ReadMessage(reader, R"({"version":"0","id":"17793124-05d4-b198-2fde-7ededc63b103",
    "detail-type":"Object Deleted","source":"aws.s3","account":"111122223333",
    "time":"2021-11-12T00:00:00Z","region":"ca-central-1","resources":["arn:aws:s3:::example-bucket"],
    "detail":{"version":"0","bucket":{"name":"example-bucket"},
              "object":{"key":"example-key","etag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"617f08299329d189"},
              "request-id":"N4N7GDK58NMKJ12R","requester":"123456789012","source-ip-address":"1.2.3.4",
              "reason":"DeleteObject","deletion-type":"Delete Marker Created"}})");
  REQUIRE(eb.status.ok());
  REQUIRE(eb.records.size() == 1);
  CHECK(eb.records[0].shape == s3::Record::Shape::kEventBridge);
  CHECK(eb.keys[0] == "example-key");

  CHECK(ReadMessage(reader, R"({"Records":[{"eventName":1}]})").status.message().rfind(
            "Not an S3 notification message: eventName", 0) == 0);
  CHECK(ReadMessage(reader, R"({"Records":[{"s3":{"object":{"size":"big"}}}]})").status.code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ReadMessage(reader, R"({"hello":"world"})").status.message() ==
        "Not an S3 notification message: no Records, no s3:TestEvent Event, no detail-type");
  CHECK(ReadMessage(reader, R"({"detail-type":"x","source":"aws.ec2"})").status.code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ReadMessage(reader, R"([1,2])").status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(ReadMessage(reader, "{\"Records\":[").status.code() == absl::StatusCode::kInvalidArgument);
  std::string small = R"({"Records":[]})";
  CHECK(reader.Read(small, small.size(), [](const s3::Record&) {}).code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(ReadMessage(reader, R"({"Records":[]})").records.empty());
}

TEST_CASE("EventBridge patterns for notification configurations", "[s3][eventbridge]") {
  auto pattern = [](const std::vector<std::string>& events, const std::string& prefix,
                    const std::string& suffix) {
    absl::StatusOr<s3::NotificationConfiguration> c =
        s3::ParseNotificationConfiguration(Document({{"c", events, prefix, suffix}}));
    REQUIRE(c.ok());
    absl::StatusOr<std::string> p = s3::EventBridgePattern(c->configurations[0], "media");
    return p.ok() ? *p : std::string(p.status().message());
  };
  CHECK(pattern({"s3:ObjectCreated:*"}, "photos/", ".jpg") ==
        R"({"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["media"]},"object":{"key":[{"wildcard":"photos/*.jpg"}]}}})");
  CHECK(pattern({"s3:ObjectCreated:Put"}, "-", "-") ==
        R"({"source":["aws.s3"],"detail-type":["Object Created"],"detail":{"bucket":{"name":["media"]},"reason":["PutObject"]}})");
  CHECK(pattern({"s3:ObjectRemoved:*", "s3:ObjectTagging:*"}, "a+b%2A", "-") ==
        R"({"source":["aws.s3"],"detail":{"bucket":{"name":["media"]},"object":{"key":[{"prefix":"a b*"}]}},"$or":[{"detail-type":["Object Tags Added","Object Tags Deleted"]},{"detail-type":["Object Deleted"],"detail":{"reason":["DeleteObject"],"deletion-type":["Permanently Deleted"]}},{"detail-type":["Object Deleted"],"detail":{"reason":["DeleteObject"],"deletion-type":["Delete Marker Created"]}}]})");
  // Prefix and suffix overlapping in short keys: "ab" for prefix "ab", suffix "b".
  CHECK(pattern({"s3:ObjectAcl:Put"}, "ab", "b") ==
        R"({"source":["aws.s3"],"detail-type":["Object ACL Updated"],"detail":{"bucket":{"name":["media"]},"object":{"key":[{"wildcard":"ab*b"},"ab"]}}})");
  CHECK(pattern({"s3:Replication:*"}, "-", "-").rfind("EventBridge does not send", 0) == 0);
  // A filter whose percent escapes make invalid UTF-8 (s3_fuzzer finding).
  CHECK(pattern({"s3:ObjectCreated:*"}, "-", "%99") ==
        "Configuration \"c\" has a filter that decodes to bytes that are not UTF-8; an "
        "EventBridge pattern cannot hold it");
  for (const auto& events : std::vector<std::vector<std::string>>{
           {"s3:ObjectCreated:*"}, {"s3:ObjectRemoved:Delete", "s3:LifecycleExpiration:*"},
           {"s3:ObjectRestore:*", "s3:LifecycleTransition", "s3:IntelligentTiering"}}) {
    CHECK(evmatch::Pattern::Parse(pattern(events, "x*y", "%5Cz")).ok());
  }
}

TEST_CASE("EventBridge patterns route the same events as the configurations", "[s3][eventbridge]") {
  const std::vector<std::string> events = {
      "s3:ObjectCreated:*", "s3:ObjectCreated:Put", "s3:ObjectCreated:Copy",
      "s3:ObjectRemoved:*", "s3:ObjectRemoved:DeleteMarkerCreated", "s3:LifecycleExpiration:Delete",
      "s3:ObjectTagging:*", "s3:ObjectAcl:Put", "s3:LifecycleTransition"};
  std::vector<s3::EventSet> types;
  for (s3::EventSet bit = 1; bit != 0 && bit < (s3::EventSet{1} << 21); bit <<= 1) {
    if (s3::EventBridgeFieldsOf(bit)) types.push_back(bit);
  }
  REQUIRE(types.size() == 16);
  std::mt19937 rng(21);
  auto word = [&](size_t max) {
    std::string w(rng() % (max + 1), 'a');
    for (char& c : w) c = "ab *"[rng() % 4];
    return w;
  };
  size_t compared = 0, routed = 0;
  for (int trial = 0; trial < 150; ++trial) {
    std::vector<Entry> entries;
    const int n = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < n; ++i) {
      entries.push_back({"c" + std::to_string(i), {events[rng() % events.size()]},
                         rng() % 3 ? s3::EncodeKey(word(3)) : "-",
                         rng() % 2 ? s3::EncodeKey(word(2)) : "-"});
    }
    absl::StatusOr<s3::NotificationConfiguration> config =
        s3::ParseNotificationConfiguration(Document(entries));
    if (!config.ok()) continue;
    const s3::Router router(*config);
    evmatch::PatternOptions options;
    options.max_wildcard_complexity = 0;
    evmatch::RuleSet rules(options);
    for (const s3::Configuration& c : config->configurations) {
      absl::StatusOr<std::string> p = s3::EventBridgePattern(c, "media");
      REQUIRE(p.ok());
      INFO(*p);
      REQUIRE(rules.Add(c.id, *p).ok());
    }
    absl::StatusOr<evmatch::Matcher> matcher = evmatch::Matcher::Compile(rules);
    REQUIRE(matcher.ok());
    evmatch::Scratch scratch;
    REQUIRE(matcher->PrepareScratch(scratch).ok());
    for (int k = 0; k < 80; ++k) {
      const std::string key = word(5);
      const s3::EventSet type = types[rng() % types.size()];
      const s3::EventBridgeFields f = *s3::EventBridgeFieldsOf(type);
      std::string detail = "\"bucket\":{\"name\":\"media\"},\"object\":{\"key\":\"" + key + "\"}";
      if (!f.reason.empty()) detail += ",\"reason\":\"" + std::string(f.reason) + "\"";
      if (!f.deletion_type.empty()) {
        detail += ",\"deletion-type\":\"" + std::string(f.deletion_type) + "\"";
      }
      std::string event = "{\"source\":\"aws.s3\",\"detail-type\":\"" +
                          std::string(f.detail_type) + "\",\"detail\":{" + detail + "}}";
      event.reserve(event.size() + evmatch::kPadding);
      REQUIRE(matcher->Match(event, event.capacity(), scratch) == evmatch::MatchStatus::kOk);
      std::vector<std::string> fired;
      for (evmatch::RuleId id : scratch.matches()) fired.emplace_back(matcher->rule_name(id));
      std::vector<std::string> expected;
      if (std::optional<size_t> hit = router.Route(type, s3::EncodeKey(key))) {
        expected.push_back(config->configurations[*hit].id);
      }
      INFO(Document(entries) << "\nevent " << event);
      REQUIRE(fired == expected);
      ++compared;
      routed += !expected.empty();
    }
  }
  CHECK(compared > 5000);
  CHECK(routed > 300);
}
