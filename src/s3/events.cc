// S3 event types, key encoding and sequencers (SPEC C.1, C.4, D15).

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "evmatch/s3.h"
#include "util/aws_error.h"
#include "util/strings.h"

namespace evmatch {
EVMATCH_ABI_NAMESPACE_BEGIN
namespace s3 {
namespace {

struct EventType {
  std::string_view family;  // "ObjectCreated"; the whole name for singletons
  std::string_view member;  // "Put"; "" for singletons
};

// One bit per concrete type, in this order (SPEC C.1).
constexpr std::array<EventType, 21> kTypes = {{
    {"ObjectCreated", "Put"},
    {"ObjectCreated", "Post"},
    {"ObjectCreated", "Copy"},
    {"ObjectCreated", "CompleteMultipartUpload"},
    {"ObjectRemoved", "Delete"},
    {"ObjectRemoved", "DeleteMarkerCreated"},
    {"ObjectRestore", "Post"},
    {"ObjectRestore", "Completed"},
    {"ObjectRestore", "Delete"},
    {"Replication", "OperationFailedReplication"},
    {"Replication", "OperationMissedThreshold"},
    {"Replication", "OperationReplicatedAfterThreshold"},
    {"Replication", "OperationNotTracked"},
    {"LifecycleExpiration", "Delete"},
    {"LifecycleExpiration", "DeleteMarkerCreated"},
    {"ObjectTagging", "Put"},
    {"ObjectTagging", "Delete"},
    {"LifecycleTransition", ""},
    {"IntelligentTiering", ""},
    {"ObjectAcl:Put", ""},
    {"ReducedRedundancyLostObject", ""},
}};

std::string NameOf(const EventType& t) {
  return t.member.empty() ? internal::Cat("s3:", t.family)
                          : internal::Cat("s3:", t.family, ":", t.member);
}

// Whether `name` (without "s3:") is the type `t`.
bool NameIs(std::string_view name, const EventType& t) {
  if (t.member.empty()) return name == t.family;
  return name.size() == t.family.size() + 1 + t.member.size() &&
         name.substr(0, t.family.size()) == t.family && name[t.family.size()] == ':' &&
         name.substr(t.family.size() + 1) == t.member;
}

bool KeptByEncoding(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '*' ||
         c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

absl::StatusOr<EventSet> ParseEventName(std::string_view name) {
  constexpr std::string_view kPrefix = "s3:";
  if (name.substr(0, kPrefix.size()) == kPrefix) {
    const std::string_view rest = name.substr(kPrefix.size());
    EventSet set = 0;
    for (size_t i = 0; i < kTypes.size(); ++i) {
      const EventType& t = kTypes[i];
      const bool exact = NameIs(rest, t);
      const bool family = !t.member.empty() && rest.size() == t.family.size() + 2 &&
                          rest.substr(0, t.family.size()) == t.family &&
                          rest.substr(t.family.size()) == ":*";
      if (exact || family) set |= EventSet{1} << i;
    }
    if (set != 0) return set;
  }
  return internal::AwsError(absl::StatusCode::kInvalidArgument, "InvalidArgument",
                            "The event is not supported for notifications (", name, ")");
}

EventSet RecordEventType(std::string_view event_name) {
  for (size_t i = 0; i < kTypes.size(); ++i) {
    if (NameIs(event_name, kTypes[i])) return EventSet{1} << i;
  }
  return 0;
}

std::vector<std::string> EventNames(EventSet events) {
  std::vector<std::string> names;
  for (size_t i = 0; i < kTypes.size(); ++i) {
    if (events & (EventSet{1} << i)) names.push_back(NameOf(kTypes[i]));
  }
  return names;
}

std::string EncodeKey(std::string_view key) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size());
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    if (KeptByEncoding(c)) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<std::string> DecodeKey(std::string_view encoded) {
  std::string out;
  out.reserve(encoded.size());
  for (size_t i = 0; i < encoded.size(); ++i) {
    const char c = encoded[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c != '%') {
      out.push_back(c);
    } else {
      const int hi = i + 1 < encoded.size() ? HexValue(encoded[i + 1]) : -1;
      const int lo = i + 2 < encoded.size() ? HexValue(encoded[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return absl::InvalidArgumentError(internal::Cat(
            "Invalid percent escape at offset ", i, " of key '", encoded,
            "': '%' must be followed by two hex digits"));
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
  }
  return out;
}

bool Configuration::Matches(EventSet record_type, std::string_view encoded_key) const {
  return (event_set & record_type) != 0 && encoded_key.size() >= prefix.size() &&
         encoded_key.size() >= suffix.size() &&
         encoded_key.substr(0, prefix.size()) == prefix &&
         encoded_key.substr(encoded_key.size() - suffix.size()) == suffix;
}

int CompareSequencers(std::string_view a, std::string_view b) {
  const size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    const char x = i < a.size() ? absl::ascii_toupper(static_cast<unsigned char>(a[i])) : '0';
    const char y = i < b.size() ? absl::ascii_toupper(static_cast<unsigned char>(b[i])) : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

SequencerTracker::Verdict SequencerTracker::Observe(std::string_view bucket,
                                                    std::string_view key,
                                                    std::string_view sequencer) {
  std::string id = internal::Cat(bucket, std::string_view("\0", 1), key);
  auto [it, inserted] = latest_.try_emplace(std::move(id), sequencer);
  if (inserted) return Verdict::kNew;
  const int order = CompareSequencers(sequencer, it->second);
  if (order == 0) return Verdict::kDuplicate;
  if (order < 0) return Verdict::kStale;
  it->second = std::string(sequencer);
  return Verdict::kNew;
}

}  // namespace s3
EVMATCH_ABI_NAMESPACE_END
}  // namespace evmatch
