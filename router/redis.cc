#include "redis.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "text.h"

namespace evmatch_router {

using evmatch_cli::Cat;

Reply::Reply(redisReply* reply) : reply_(reply) {}

void Reply::Free::operator()(redisReply* r) const { freeReplyObject(r); }

bool Reply::is_nil() const { return IsNil(reply_.get()); }
bool Reply::is_error() const { return reply_ && reply_->type == REDIS_REPLY_ERROR; }
bool Reply::is_array() const { return reply_ && reply_->type == REDIS_REPLY_ARRAY; }
bool Reply::is_integer() const { return reply_ && reply_->type == REDIS_REPLY_INTEGER; }
std::string_view Reply::text() const { return TextOf(reply_.get()); }
long long Reply::integer() const { return is_integer() ? reply_->integer : 0; }
size_t Reply::size() const { return is_array() ? reply_->elements : 0; }
const redisReply* Reply::element(size_t i) const { return reply_->element[i]; }

std::string_view Reply::TextOf(const redisReply* r) {
  if (r == nullptr) return {};
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_ERROR:
      return std::string_view(r->str, r->len);
    default:
      return {};
  }
}

bool Reply::IsNil(const redisReply* r) { return r == nullptr || r->type == REDIS_REPLY_NIL; }

std::optional<std::string_view> FieldValue(const redisReply* fields, std::string_view name) {
  if (fields == nullptr || fields->type != REDIS_REPLY_ARRAY) return std::nullopt;
  for (size_t i = 0; i + 1 < fields->elements; i += 2) {
    if (Reply::TextOf(fields->element[i]) == name) return Reply::TextOf(fields->element[i + 1]);
  }
  return std::nullopt;
}

std::string_view ErrorCode(std::string_view error_text) {
  return error_text.substr(0, error_text.find(' '));
}

absl::Status ReplyErrorStatus(std::string_view what, std::string_view error_text) {
  std::string message = Cat(what, ": ", error_text);
  const std::string_view code = ErrorCode(error_text);
  if (code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" || code == "TRYAGAIN") {
    return absl::UnavailableError(message);
  }
  if (code == "NOPERM") return absl::PermissionDeniedError(message);
  return absl::FailedPreconditionError(message);
}

std::string Describe(const std::vector<std::string>& args) {
  if (args.empty()) return "(no command)";
  std::string text = args[0];
  // The key: XADD/XACK/XRANGE/XTRIM/XPENDING/XCLAIM name it first; for
  // XREADGROUP it follows STREAMS.
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[0] == "XREADGROUP" && args[i] == "STREAMS" && i + 1 < args.size()) {
      return text + " " + args[i + 1];
    }
  }
  if (args[0] != "XREADGROUP" && args[0] != "AUTH" && args.size() > 1) {
    text += " " + (args[0] == "XGROUP" && args.size() > 2 ? args[2] : args[1]);
  }
  return text;
}

absl::StatusOr<std::unique_ptr<RedisConnection>> RedisConnection::Connect(
    const RedisEndpoint& endpoint) {
  timeval timeout{endpoint.timeout_ms / 1000, (endpoint.timeout_ms % 1000) * 1000};
  redisContext* context =
      endpoint.unix_socket.empty()
          ? redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timeout)
          : redisConnectUnixWithTimeout(endpoint.unix_socket.c_str(), timeout);
  std::string where =
      endpoint.unix_socket.empty() ? Cat(endpoint.host, ":", endpoint.port) : endpoint.unix_socket;
  if (context == nullptr) return absl::ResourceExhaustedError("cannot allocate a Redis context");
  std::unique_ptr<RedisConnection> connection(new RedisConnection(context));
  if (context->err != 0) {
    return absl::UnavailableError(Cat("cannot connect to Redis at ", where, ": ", context->errstr));
  }
  redisSetTimeout(context, timeout);
  redisEnableKeepAlive(context);
  if (!endpoint.password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!endpoint.username.empty()) auth.push_back(endpoint.username);
    auth.push_back(endpoint.password);
    absl::StatusOr<Reply> reply = connection->Command(auth);
    if (!reply.ok()) return reply.status();
    if (reply->is_error()) {
      return absl::PermissionDeniedError(
          Cat("Redis at ", where, " refused AUTH as user '",
              endpoint.username.empty() ? "default" : endpoint.username, "': ", reply->text()));
    }
  }
  return connection;
}

RedisConnection::~RedisConnection() { redisFree(context_); }

absl::Status RedisConnection::ContextError(std::string_view what) const {
  return absl::UnavailableError(Cat("Redis connection lost during ", what, ": ",
                                    context_->err != 0 ? context_->errstr : "no reply"));
}

void RedisConnection::Append(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  redisAppendCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data());
  ++queued_;
}

absl::Status RedisConnection::Send(std::string_view resp, size_t commands) {
  // What Append queued comes first: it waits in hiredis's buffer.
  for (int done = 0; done == 0;) {
    if (redisBufferWrite(context_, &done) != REDIS_OK) return ContextError("a write");
  }
  while (!resp.empty()) {
    ssize_t n = ::send(context_->fd, resp.data(), resp.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::UnavailableError(Cat("Redis connection lost during a write: ",
                                        n < 0 ? std::strerror(errno) : "nothing written"));
    }
    resp.remove_prefix(static_cast<size_t>(n));
  }
  queued_ += commands;
  return absl::OkStatus();
}

absl::StatusOr<Reply> RedisConnection::NextReply() {
  void* raw = nullptr;
  if (queued_ > 0) --queued_;
  if (context_->err != 0 || redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
    return ContextError("a reply");
  }
  return Reply(static_cast<redisReply*>(raw));
}

absl::StatusOr<Reply> RedisConnection::Command(const std::vector<std::string>& args) {
  if (queued_ > 0) {
    // Its reply would be taken for theirs.
    return absl::FailedPreconditionError(
        Cat(Describe(args), ": the replies of ", queued_, " pipelined commands are not read yet"));
  }
  Append(args);
  absl::StatusOr<Reply> reply = NextReply();
  if (!reply.ok()) return ContextError(Describe(args));
  return reply;
}

absl::StatusOr<Reply> RedisConnection::Check(const std::vector<std::string>& args) {
  absl::StatusOr<Reply> reply = Command(args);
  if (!reply.ok() || !reply->is_error()) return reply;
  return ReplyErrorStatus(Describe(args), reply->text());
}

}  // namespace evmatch_router
