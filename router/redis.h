// A synchronous Redis connection (hiredis) for the router: commands are
// argument vectors, sent one at a time or pipelined, and every failure is an
// absl::Status that names the command and, for a reply error, keeps Redis's
// text.

#ifndef EVMATCH_ROUTER_REDIS_H_
#define EVMATCH_ROUTER_REDIS_H_

#include <charconv>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct redisContext;
struct redisReply;

namespace evmatch_router {

struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string unix_socket;  // used instead of host:port when set
  // ACL user and password (AUTH); empty password: no AUTH.
  std::string username;
  std::string password;
  int timeout_ms = 5000;  // connect and reply timeout (BLOCK must stay below it)
};

// One reply. Views stay valid while the Reply lives.
class Reply {
 public:
  Reply() = default;
  explicit Reply(redisReply* reply);
  Reply(Reply&&) noexcept = default;
  Reply& operator=(Reply&&) noexcept = default;

  bool is_nil() const;
  bool is_error() const;
  bool is_array() const;
  bool is_integer() const;
  // String, status and error replies: the text; "" otherwise.
  std::string_view text() const;
  long long integer() const;
  size_t size() const;  // array elements
  // Element i of an array reply, borrowed from this one.
  const redisReply* element(size_t i) const;

  static std::string_view TextOf(const redisReply* r);
  static bool IsNil(const redisReply* r);

 private:
  struct Free {
    void operator()(redisReply* r) const;
  };
  std::unique_ptr<redisReply, Free> reply_;
};

// The value of field `name` in a stream entry's flat field list (the first
// one when the name repeats), or nullopt. Borrowed from `fields`.
std::optional<std::string_view> FieldValue(const redisReply* fields, std::string_view name);

// The first word of a Redis error ("WRONGTYPE", "NOPERM", "OOM", ...).
std::string_view ErrorCode(std::string_view error_text);

// A reply error as a status, `what` naming the command and key:
// Unavailable when Redis cannot serve for now (LOADING its data after a
// restart, BUSY with a script, MASTERDOWN, TRYAGAIN), PermissionDenied for
// NOPERM, FailedPrecondition otherwise.
absl::Status ReplyErrorStatus(std::string_view what, std::string_view error_text);

class RedisConnection {
 public:
  // Connects and authenticates. Errors: Unavailable (cannot connect),
  // PermissionDenied (AUTH refused).
  static absl::StatusOr<std::unique_ptr<RedisConnection>> Connect(const RedisEndpoint& endpoint);
  ~RedisConnection();

  // Sends one command and waits for its reply. A reply error is a reply, not
  // a failed status; the status fails when the connection does (Unavailable).
  absl::StatusOr<Reply> Command(const std::vector<std::string>& args);
  // Pipelining: queue commands, then read their replies in order.
  void Append(const std::vector<std::string>& args);
  // Writes `resp`, `commands` commands in RESP (AppendResp), straight to the
  // socket after what Append queued: the text is not copied again. Their
  // replies follow with NextReply. Unavailable when the write fails.
  absl::Status Send(std::string_view resp, size_t commands);
  absl::StatusOr<Reply> NextReply();
  // Commands queued or sent whose replies are not read yet.
  size_t queued() const { return queued_; }

  // Command with a reply error turned into a failed status naming the
  // command (ReplyErrorStatus).
  absl::StatusOr<Reply> Check(const std::vector<std::string>& args);

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  absl::Status ContextError(std::string_view what) const;

  redisContext* context_;
  size_t queued_ = 0;
};

namespace resp_internal {
// Bytes of "*<n>\r\n" or "$<n>\r\n".
inline size_t HeaderSize(size_t n) {
  size_t digits = 1;
  for (; n >= 10; n /= 10) ++digits;
  return digits + 3;
}
inline char* WriteHeader(char* p, char kind, size_t n) {
  *p++ = kind;
  p = std::to_chars(p, p + 20, n).ptr;
  *p++ = '\r';
  *p++ = '\n';
  return p;
}
}  // namespace resp_internal

// Appends one command to `*out` in RESP (an array of bulk strings), ready for
// RedisConnection::Send: many commands go out with one write. The text is
// measured first and written in place.
template <typename Range>
void AppendResp(std::string* out, const Range& args) {
  size_t size = resp_internal::HeaderSize(std::size(args));
  for (const auto& arg : args) {
    const size_t n = std::string_view(arg).size();
    size += resp_internal::HeaderSize(n) + n + 2;
  }
  const size_t at = out->size();
  out->resize(at + size);
  char* p = resp_internal::WriteHeader(out->data() + at, '*', std::size(args));
  for (const auto& arg : args) {
    const std::string_view a(arg);
    p = resp_internal::WriteHeader(p, '$', a.size());
    if (!a.empty()) std::memcpy(p, a.data(), a.size());
    p += a.size();
    *p++ = '\r';
    *p++ = '\n';
  }
}
inline void AppendResp(std::string* out, std::initializer_list<std::string_view> args) {
  AppendResp<std::initializer_list<std::string_view>>(out, args);
}

// "XADD orders": the command and its key, for messages.
std::string Describe(const std::vector<std::string>& args);

}  // namespace evmatch_router

#endif  // EVMATCH_ROUTER_REDIS_H_
