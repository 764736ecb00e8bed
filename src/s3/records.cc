// Notification messages through simdjson On Demand, one pass over each
// object's fields in whatever order they come.

#include <simdjson.h>

#include "evmatch/evmatch.h"
#include "evmatch/s3.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace s3 {
namespace {

namespace od = simdjson::ondemand;
using internal::Cat;

// Status for a simdjson error at `what`.
absl::Status Bad(std::string_view what, simdjson::error_code e) {
  return absl::InvalidArgumentError(
      Cat("Not an S3 notification message: ", what, ": ", simdjson::error_message(e)));
}

#define EVMATCH_S3_TRY(expr, what)              \
  do {                                          \
    if (auto _e = (expr)) return Bad(what, _e); \
  } while (0)

template <typename V>
absl::Status String(V&& v, std::string_view what, std::string_view* out) {
  EVMATCH_S3_TRY(std::forward<V>(v).get_string().get(*out), what);
  return absl::OkStatus();
}

absl::Status Size(od::value v, std::string_view what, std::optional<uint64_t>* out) {
  uint64_t size = 0;
  EVMATCH_S3_TRY(v.get_uint64().get(size), what);
  *out = size;
  return absl::OkStatus();
}

// Calls f(key, value) for each field of `object`.
template <typename F>
absl::Status Fields(od::object object, std::string_view what, F&& f) {
  for (auto field : object) {
    std::string_view key;
    EVMATCH_S3_TRY(field.unescaped_key().get(key), what);
    od::value value;
    EVMATCH_S3_TRY(field.value().get(value), what);
    if (absl::Status s = f(key, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

template <typename F>
absl::Status Object(od::value v, std::string_view what, F&& f) {
  od::object object;
  EVMATCH_S3_TRY(v.get_object().get(object), what);
  return Fields(object, what, std::forward<F>(f));
}

// s3.object / detail.object.
absl::Status ObjectFields(od::value v, bool eventbridge, Record* r) {
  return Object(v, "object", [&](std::string_view k, od::value& x) -> absl::Status {
    if (k == "key") return String(x, "object.key", &r->key);
    if (k == "size") return Size(x, "object.size", &r->size);
    if (k == (eventbridge ? "etag" : "eTag")) return String(x, "object.eTag", &r->etag);
    if (k == (eventbridge ? "version-id" : "versionId")) {
      return String(x, "object.versionId", &r->version_id);
    }
    if (k == "sequencer") return String(x, "object.sequencer", &r->sequencer);
    return absl::OkStatus();
  });
}

absl::Status BucketFields(od::value v, Record* r) {
  return Object(v, "bucket", [&](std::string_view k, od::value& x) -> absl::Status {
    return k == "name" ? String(x, "bucket.name", &r->bucket) : absl::OkStatus();
  });
}

absl::Status NotificationRecord(od::value v, Record* r) {
  *r = Record{};
  absl::Status status =
      Object(v, "Records[]", [&](std::string_view k, od::value& x) -> absl::Status {
        if (k == "eventName") return String(x, "eventName", &r->event_name);
        if (k == "eventVersion") return String(x, "eventVersion", &r->event_version);
        if (k == "awsRegion") return String(x, "awsRegion", &r->region);
        if (k == "eventTime") return String(x, "eventTime", &r->time);
        if (k != "s3") return absl::OkStatus();
        return Object(x, "s3", [&](std::string_view k2, od::value& y) -> absl::Status {
          if (k2 == "configurationId") return String(y, "s3.configurationId", &r->configuration_id);
          if (k2 == "bucket") return BucketFields(y, r);
          if (k2 == "object") return ObjectFields(y, false, r);
          return absl::OkStatus();
        });
      });
  r->type = RecordEventType(r->event_name);
  return status;
}

}  // namespace

struct RecordReader::Impl {
  od::parser parser;
};

RecordReader::RecordReader() : impl_(std::make_unique<Impl>()) {}
RecordReader::RecordReader(RecordReader&&) noexcept = default;
RecordReader& RecordReader::operator=(RecordReader&&) noexcept = default;
RecordReader::~RecordReader() = default;

absl::Status RecordReader::Read(std::string_view json, size_t capacity,
                                absl::FunctionRef<void(const Record&)> on_record) {
  if (capacity < json.size() + kPadding) {
    return absl::FailedPreconditionError(
        Cat("Buffer capacity ", capacity, " is less than the message size plus ", kPadding,
            " bytes of padding"));
  }
  od::document doc;
  EVMATCH_S3_TRY(impl_->parser.iterate(json.data(), json.size(), capacity).get(doc), "message");
  od::object root;
  EVMATCH_S3_TRY(doc.get_object().get(root), "message");
  // One pass: remember what kind of message the fields say it is. Records
  // are reported as they are read.
  bool records = false, test = false, eventbridge = false;
  Record r, top;
  auto field = [&](std::string_view k, od::value& v) -> absl::Status {
    if (k == "Records") {
      records = true;
      od::array array;
      EVMATCH_S3_TRY(v.get_array().get(array), "Records");
      for (auto element : array) {
        od::value item;
        EVMATCH_S3_TRY(element.get(item), "Records[]");
        if (absl::Status s = NotificationRecord(item, &r); !s.ok()) return s;
        r.shape = Record::Shape::kNotification;
        on_record(r);
      }
      return absl::OkStatus();
    }
    if (k == "Event") {
      std::string_view event;
      if (absl::Status s = String(v, "Event", &event); !s.ok()) return s;
      test = event == "s3:TestEvent";
      top.event_name = event;
      return absl::OkStatus();
    }
    if (k == "Bucket") return String(v, "Bucket", &top.bucket);
    if (k == "Time" || k == "time") return String(v, k, &top.time);
    if (k == "region") return String(v, "region", &top.region);
    if (k == "detail-type") {
      eventbridge = true;
      return String(v, "detail-type", &top.event_name);
    }
    if (k == "source") {
      std::string_view source;
      if (absl::Status s = String(v, "source", &source); !s.ok()) return s;
      if (source != "aws.s3") {
        return absl::InvalidArgumentError(
            Cat("Not an S3 notification message: source is '", source, "', not 'aws.s3'"));
      }
      return absl::OkStatus();
    }
    if (k == "detail") {
      return Object(v, "detail", [&](std::string_view k2, od::value& x) -> absl::Status {
        if (k2 == "bucket") return BucketFields(x, &top);
        if (k2 == "object") return ObjectFields(x, true, &top);
        if (k2 == "reason") return String(x, "detail.reason", &top.reason);
        if (k2 == "deletion-type") return String(x, "detail.deletion-type", &top.deletion_type);
        return absl::OkStatus();
      });
    }
    return absl::OkStatus();
  };
  if (absl::Status status = Fields(root, "message", field); !status.ok()) return status;
  if (records) return absl::OkStatus();
  if (test) {
    top.shape = Record::Shape::kTestEvent;
  } else if (eventbridge) {
    top.shape = Record::Shape::kEventBridge;
  } else {
    return absl::InvalidArgumentError(
        "Not an S3 notification message: no Records, no s3:TestEvent Event, no detail-type");
  }
  on_record(top);
  return absl::OkStatus();
}

}  // namespace s3
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
