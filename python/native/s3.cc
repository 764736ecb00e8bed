// evmatch.s3: notification configurations validated and routed as S3 does,
// records read from notification messages, object keys encoded and decoded.

#include "evmatch/s3.h"

#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "bindings.h"
#include "common.h"

namespace evmatch_python {
namespace {

namespace s3 = evmatch::s3;

// Calls `on_record` for each record of a notification message (JSON text,
// bytes or a dict), read from a padded copy; raises for a message of none of
// RecordReader's shapes.
void ReadRecords(py::handle message, absl::FunctionRef<void(const s3::Record&)> on_record) {
  JsonText text(message);
  std::string buffer;
  buffer.reserve(text.view().size() + evmatch::kPadding);
  buffer.assign(text.view());
  s3::RecordReader reader;
  if (absl::Status s = reader.Read(buffer, buffer.capacity(), on_record); !s.ok()) Raise(s);
}

const char* TypeName(s3::DestinationType type) {
  switch (type) {
    case s3::DestinationType::kQueue:
      return "queue";
    case s3::DestinationType::kTopic:
      return "topic";
    case s3::DestinationType::kLambda:
      return "lambda";
  }
  return "";
}

// A validated configuration and the router built from it.
class NotificationConfiguration {
 public:
  explicit NotificationConfiguration(py::handle value) {
    JsonText text(value);
    absl::StatusOr<s3::NotificationConfiguration> config =
        s3::ParseNotificationConfiguration(text.view());
    if (!config.ok()) Raise(config.status());
    config_ = *std::move(config);
    router_.emplace(config_);
  }

  const std::vector<s3::Configuration>& configurations() const { return config_.configurations; }
  bool eventbridge() const { return config_.eventbridge; }

  // The configuration a record of `event_name` ("ObjectCreated:Put") for
  // `encoded_key` fires, or None.
  py::object Route(std::string_view event_name, std::string_view encoded_key) const {
    std::optional<size_t> hit = router_->Route(s3::RecordEventType(event_name), encoded_key);
    if (!hit) return py::none();
    return py::cast(config_.configurations[*hit]);
  }

  // Per record of `message`: what `evmatch s3 route` prints for it.
  py::list RouteMessage(py::handle message) const {
    py::list out;
    ReadRecords(message, [&](const s3::Record& r) {
      py::dict entry;
      entry["record"] = out.size();
      py::list ids;
      if (r.shape == s3::Record::Shape::kTestEvent) {
        entry["test_event"] = true;
      } else {
        entry["eventName"] = py::str(r.event_name.data(), r.event_name.size());
        entry["key"] = py::str(r.key.data(), r.key.size());
        // EventBridge events are not routed by notification configurations.
        if (r.shape == s3::Record::Shape::kNotification) {
          if (std::optional<size_t> hit = router_->Route(r.type, r.key)) {
            ids.append(py::str(config_.configurations[*hit].id));
          }
        }
      }
      entry["bucket"] = py::str(r.bucket.data(), r.bucket.size());
      entry["configurations"] = ids;
      out.append(entry);
    });
    return out;
  }

 private:
  s3::NotificationConfiguration config_;
  std::optional<s3::Router> router_;
};

void SetIfPresent(py::dict& d, const char* key, std::string_view value) {
  if (!value.empty()) d[key] = py::str(value.data(), value.size());
}

py::list Records(py::handle message) {
  py::list out;
  ReadRecords(message, [&](const s3::Record& r) {
    static constexpr const char* kShapes[] = {"notification", "test_event", "eventbridge"};
    py::dict d;
    d["shape"] = kShapes[static_cast<int>(r.shape)];
    SetIfPresent(d, "eventName", r.event_name);
    SetIfPresent(d, "eventVersion", r.event_version);
    SetIfPresent(d, "awsRegion", r.region);
    SetIfPresent(d, "eventTime", r.time);
    SetIfPresent(d, "configurationId", r.configuration_id);
    SetIfPresent(d, "bucket", r.bucket);
    SetIfPresent(d, "key", r.key);
    if (r.size) d["size"] = *r.size;
    SetIfPresent(d, "eTag", r.etag);
    SetIfPresent(d, "versionId", r.version_id);
    SetIfPresent(d, "sequencer", r.sequencer);
    SetIfPresent(d, "reason", r.reason);
    SetIfPresent(d, "deletionType", r.deletion_type);
    out.append(d);
  });
  return out;
}

}  // namespace

void AddS3(py::module_& parent) {
  py::module_ module = parent.def_submodule("s3", "S3 event notifications.");
  py::class_<s3::Configuration>(module, "Configuration", R"doc(
One QueueConfiguration, TopicConfiguration or LambdaFunctionConfiguration of a
validated notification configuration.)doc")
      .def_readonly("id", &s3::Configuration::id,
                    "Its Id (S3 invents one when absent; so does evmatch: \"config-<n>\").")
      .def_property_readonly(
          "type", [](const s3::Configuration& c) { return TypeName(c.type); },
          "\"queue\", \"topic\" or \"lambda\".")
      .def_readonly("arn", &s3::Configuration::arn, "QueueArn, TopicArn or LambdaFunctionArn.")
      .def_readonly("events", &s3::Configuration::events, "The event names as given.")
      .def_readonly("prefix", &s3::Configuration::prefix,
                    "The key prefix filter, URL-encoded as S3 compares it (\"\" when none).")
      .def_readonly("suffix", &s3::Configuration::suffix,
                    "The key suffix filter, URL-encoded (\"\" when none).")
      .def(
          "matches",
          [](const s3::Configuration& c, std::string_view event_name,
             std::string_view encoded_key) {
            return c.Matches(s3::RecordEventType(event_name), encoded_key);
          },
          py::arg("event_name"), py::arg("key"),
          "Whether a record of `event_name` (\"ObjectCreated:Put\") for `key` (URL-encoded, "
          "as in the record) fires this configuration.")
      .def(
          "eventbridge_pattern",
          [](const s3::Configuration& c, std::string_view bucket) {
            absl::StatusOr<std::string> pattern = s3::EventBridgePattern(c, bucket);
            if (!pattern.ok()) Raise(pattern.status());
            return *pattern;
          },
          py::arg("bucket"), R"doc(
The EventBridge event pattern selecting the events this configuration selects,
for `bucket` sending its events to EventBridge (keys decoded, as EventBridge
carries them). Raises ValueError for event types EventBridge does not send.)doc")
      .def("__repr__", [](const s3::Configuration& c) {
        return "<evmatch.s3.Configuration " + py::repr(py::str(c.id)).cast<std::string>() + " " +
               TypeName(c.type) + ">";
      });

  py::class_<NotificationConfiguration>(module, "NotificationConfiguration", R"doc(
A bucket's notification configuration (the PutBucketNotificationConfiguration
body as JSON text or a dict), validated as S3 validates it. An invalid one
raises evmatch.AwsError with S3's code and text, e.g. "InvalidArgument:
Configuration is ambiguously defined. ...".)doc")
      .def(py::init<py::handle>(), py::arg("configuration"))
      .def_property_readonly("configurations", &NotificationConfiguration::configurations,
                             "Queue, then topic, then lambda configurations.")
      .def_property_readonly("eventbridge", &NotificationConfiguration::eventbridge,
                             "Whether EventBridgeConfiguration is present.")
      .def("route", &NotificationConfiguration::Route, py::arg("event_name"), py::arg("key"),
           R"doc(
The configuration a record of `event_name` ("ObjectCreated:Put", as in the
record) for `key` (URL-encoded, as in the record) fires, or None. S3's overlap
rule leaves at most one.)doc")
      .def("route_message", &NotificationConfiguration::RouteMessage, py::arg("message"),
           R"doc(
Routes every record of a notification message (Records, the test event, or an
EventBridge event): one dict per record with `evmatch s3 route`'s fields
(record, eventName, bucket, key, configurations: the Ids it fires; test_event
for the test event). EventBridge events fire no configuration.)doc");

  module.def("records", &Records, py::arg("message"), R"doc(
The S3 records of a notification message ({"Records": [...]}, the
s3:TestEvent message, or an EventBridge event from aws.s3), as dicts with the
record's field names (shape, eventName, eventTime, bucket, key, size, eTag,
versionId, sequencer, ...; absent fields are left out). Raises ValueError for a
message of none of these shapes.)doc");
  module.def("encode_key", &s3::EncodeKey, py::arg("key"), R"doc(
An object key as S3 writes it into event records: space as "+", "/" and
A-Z a-z 0-9 - _ . * ~ kept, every other byte as %XX.)doc");
  module.def(
      "decode_key",
      [](std::string_view encoded) {
        absl::StatusOr<std::string> key = s3::DecodeKey(encoded);
        if (!key.ok()) Raise(key.status());
        return py::reinterpret_steal<py::str>(PyUnicode_DecodeUTF8(
            key->data(), static_cast<Py_ssize_t>(key->size()), "surrogateescape"));
      },
      py::arg("encoded"), R"doc(
The key of an encoded record key ("+" a space, %XX a byte). Keys are bytes: one
that is not UTF-8 comes back with surrogate escapes (encode it with
errors="surrogateescape" to get the bytes). Raises ValueError for "%" not
followed by two hex digits.)doc");
  module.def(
      "event_names",
      [](std::string_view name) {
        absl::StatusOr<s3::EventSet> set = s3::ParseEventName(name);
        if (!set.ok()) Raise(set.status());
        return s3::EventNames(*set);
      },
      py::arg("name"), R"doc(
The concrete event types a configured event name stands for:
"s3:ObjectCreated:*" gives every "s3:ObjectCreated:..." type. Raises AwsError
(InvalidArgument) for a name S3 does not accept.)doc");
  module.def("compare_sequencers", &s3::CompareSequencers, py::arg("a"), py::arg("b"), R"doc(
Orders two sequencers of the same key: negative, 0 or positive as `a` is
earlier than, the same as, or later than `b`.)doc");
}

}  // namespace evmatch_python
