// evmatch/s3.h: S3 event notifications: event types and
// their families, object key encoding, bucket notification configurations
// validated as S3 validates them, and sequencer ordering for idempotent
// consumers.
//
// Example:
//
//   absl::StatusOr<evmatch::s3::NotificationConfiguration> config =
//       evmatch::s3::ParseNotificationConfiguration(json);
//   if (!config.ok()) { /* S3's error text, naming the configurations */ }
//
// Errors are absl::Status; where S3 has an error code the status carries it
// (evmatch::GetAwsError, evmatch/aws_error.h) and the message starts with it
// ("InvalidArgument: Configuration is ambiguously defined. ...").

#ifndef EVMATCH_S3_H_
#define EVMATCH_S3_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "evmatch/abi.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace s3 {

// A set of concrete S3 event types (ObjectCreated:Put, ObjectRemoved:Delete,
// LifecycleTransition, ...), one bit each. A configured family wildcard
// ("s3:ObjectCreated:*") is the set of its members.
using EventSet = uint32_t;

// The set a configured event name stands for: "s3:ObjectCreated:*",
// "s3:ObjectCreated:Put", "s3:LifecycleTransition", ... Case-sensitive as in
// S3. InvalidArgument "InvalidArgument: The event is not supported for
// notifications" for anything else (s3:TestEvent, a singleton with ":*", a
// family without a member).
EVMATCH_EXPORT absl::StatusOr<EventSet> ParseEventName(std::string_view name);
// The concrete type of a record's eventName ("ObjectCreated:Put", without
// "s3:"), or 0 when it is not one.
EVMATCH_EXPORT EventSet RecordEventType(std::string_view event_name);
// Every concrete type's configured name ("s3:ObjectCreated:Put", ...).
EVMATCH_EXPORT std::vector<std::string> EventNames(EventSet events);

// Object keys as S3 writes them into event records: space as
// "+", "/" and A-Z a-z 0-9 - _ . * ~ kept, every other byte as %XX.
EVMATCH_EXPORT std::string EncodeKey(std::string_view key);
// The inverse: "+" is a space, %XX a byte (upper or lower case hex, %2F
// included). InvalidArgument naming the offset for "%" not followed by two
// hex digits; the result need not be UTF-8 (keys are bytes).
EVMATCH_EXPORT absl::StatusOr<std::string> DecodeKey(std::string_view encoded);

enum class DestinationType : uint8_t { kQueue, kTopic, kLambda };

// One QueueConfiguration, TopicConfiguration or LambdaFunctionConfiguration.
struct EVMATCH_EXPORT Configuration {
  std::string id;  // "Id" (S3 invents one when absent; so do we: "config-<n>")
  DestinationType type = DestinationType::kQueue;
  std::string arn;                  // QueueArn, TopicArn or LambdaFunctionArn
  std::vector<std::string> events;  // as given
  EventSet event_set = 0;
  std::string prefix, suffix;       // encoded form; "" when absent

  // Whether a record (concrete type, encoded key) fires this configuration.
  bool Matches(EventSet record_type, std::string_view encoded_key) const;
};

// A bucket's notification configuration (PutBucketNotificationConfiguration
// body, JSON as the AWS CLI and SDKs write it).
struct EVMATCH_EXPORT NotificationConfiguration {
  std::vector<Configuration> configurations;  // queue, then topic, then lambda
  bool eventbridge = false;                   // EventBridgeConfiguration present
};

// Parses and validates `json` as S3 does. Errors (InvalidArgument, message
// prefixed with S3's code): malformed JSON or shape (with the JSON pointer),
// unknown event names, filter rule names other than prefix/suffix
// (case-insensitive; normalised), two prefix or two suffix rules ("Cannot
// specify more than one prefix rule in a filter."), a value over 1,024
// characters, an ARN that cannot be parsed ("The ARN could not be parsed"),
// duplicate Ids, and two configurations whose event types, prefixes and
// suffixes all overlap ("Configuration is ambiguously defined. Cannot have
// overlapping suffixes in two rules if the prefixes are overlapping for the
// same event type." followed by the two Ids). The overlap check is
// O(total length of prefixes and suffixes x event types), not quadratic.
EVMATCH_EXPORT absl::StatusOr<NotificationConfiguration> ParseNotificationConfiguration(
    std::string_view json);

// Routes records to the configuration they fire. S3's overlap rule leaves
// at most one configuration per (event type, key), so a record fires at
// most one. Built once from a validated configuration, of which it keeps
// no reference; Route never allocates and its time depends on the key's
// length, not on the number of configurations. Immutable and thread-safe
// once built.
class EVMATCH_EXPORT Router {
 public:
  // `config` must come from ParseNotificationConfiguration.
  explicit Router(const NotificationConfiguration& config);

  // The index (in config.configurations) of the configuration that a record
  // of `record_type` (RecordEventType) for `encoded_key` (as in the record)
  // fires, or nullopt.
  std::optional<size_t> Route(EventSet record_type, std::string_view encoded_key) const;

 private:
  struct Node {
    std::vector<std::pair<char, uint32_t>> children;  // sorted by byte
    uint32_t suffixes = 0;  // prefix-trie node: root of its suffix trie (0 = none)
    std::vector<std::pair<EventSet, uint32_t>> configs;  // suffix-trie node
  };
  uint32_t Child(uint32_t node, char c) const;
  uint32_t AddChild(uint32_t node, char c);
  std::vector<Node> nodes_;  // node 0: the prefix trie's root; 0 is never a child
};

// One S3 event from a notification message, as views into the reader's
// buffers (valid until its next Read). Fields absent from the message are
// empty (size: nullopt).
struct Record {
  enum class Shape : uint8_t {
    kNotification,  // a Records[] entry (SQS, SNS, Lambda)
    kTestEvent,     // the s3:TestEvent message S3 sends when a configuration is saved
    kEventBridge,   // an EventBridge event from source aws.s3
  };
  Shape shape = Shape::kNotification;
  std::string_view event_name;   // "ObjectCreated:Put"; EventBridge: the detail-type
  EventSet type = 0;             // RecordEventType(event_name); 0 for the others
  std::string_view event_version, region, time, configuration_id;
  std::string_view bucket;
  std::string_view key;          // as in the message: URL-encoded in notifications
  std::optional<uint64_t> size;
  std::string_view etag, version_id, sequencer;
  std::string_view reason, deletion_type;  // EventBridge only
};

// Reads notification messages: {"Records": [...]}, the test event, or an
// EventBridge event, with simdjson On Demand. Reuses its buffers: no
// allocation per message once they are large enough. Not thread-safe; one
// reader per thread.
class EVMATCH_EXPORT RecordReader {
 public:
  RecordReader();
  RecordReader(RecordReader&&) noexcept;
  RecordReader& operator=(RecordReader&&) noexcept;
  ~RecordReader();

  // Calls `on_record` for each record of the message `json`, readable up to
  // `capacity` bytes (capacity >= json.size() + evmatch::kPadding).
  // InvalidArgument for malformed JSON, a message of none of the three
  // shapes, or a field of the wrong type (naming it); FailedPrecondition for
  // too little padding.
  absl::Status Read(std::string_view json, size_t capacity,
                    absl::FunctionRef<void(const Record&)> on_record);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The EventBridge event pattern that selects the events `config` selects as
// a notification configuration, for a bucket that also sends its events to
// EventBridge (source "aws.s3"): the detail-types of its event types (with
// detail.reason and detail.deletion-type where a configuration names only
// some of the events behind one detail-type), detail.bucket.name, and
// detail.object.key with the configuration's prefix and suffix decoded
// (EventBridge events carry keys as written, not URL-encoded). A prefix and
// a suffix together become a wildcard plus the short keys in which they
// overlap. InvalidArgument for event types EventBridge does not send
// (Replication, ReducedRedundancyLostObject) and filters that do not decode
// to UTF-8.
EVMATCH_EXPORT absl::StatusOr<std::string> EventBridgePattern(const Configuration& config,
                                                              std::string_view bucket);

// The EventBridge detail-type, reason and deletion-type ("" when the
// detail-type has none) of a concrete notification type; nullopt for types
// EventBridge does not send.
struct EventBridgeFields {
  std::string_view detail_type, reason, deletion_type;
};
EVMATCH_EXPORT std::optional<EventBridgeFields> EventBridgeFieldsOf(EventSet type);

// Sequencers: hex strings comparable only for the same key; the
// shorter is right-padded with '0', the comparison is case-insensitive.
// Returns <0, 0, >0 as `a` is earlier than, the same as, or later than `b`.
EVMATCH_EXPORT int CompareSequencers(std::string_view a, std::string_view b);

// Tells an at-least-once consumer what a record is, per (bucket, key): new
// (later than anything seen), a duplicate (the same sequencer as the latest
// seen) or stale (earlier than the latest seen: delivered out of order).
// Remembers the latest sequencer of each key; not thread-safe.
class EVMATCH_EXPORT SequencerTracker {
 public:
  enum class Verdict : uint8_t { kNew, kDuplicate, kStale };
  Verdict Observe(std::string_view bucket, std::string_view key, std::string_view sequencer);
  size_t size() const { return latest_.size(); }

 private:
  std::unordered_map<std::string, std::string> latest_;  // bucket + '\0' + key
};

}  // namespace s3
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch

#endif  // EVMATCH_S3_H_
