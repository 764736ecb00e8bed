// A private redis-server for one test or benchmark: a free port on
// 127.0.0.1, its files in a temporary directory, stopped and removed at the
// end. Without a redis-server installed, the process exits 77, which CTest
// reports as skipped (label `redis`).

#ifndef EVMATCH_TESTS_SUPPORT_REDIS_SERVER_H_
#define EVMATCH_TESTS_SUPPORT_REDIS_SERVER_H_

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "redis.h"
#include "support/temp_dir.h"

namespace evmatch_test {

inline std::string FindRedisServer() {
  for (const char* dir : {"/usr/bin", "/usr/local/bin", "/usr/sbin"}) {
    std::string path = std::string(dir) + "/redis-server";
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return {};
}

// A port nothing listens on now (the kernel's choice for port 0).
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class RedisServer {
 public:
  // Extra redis-server arguments, e.g. {"--appendonly", "yes"}.
  explicit RedisServer(std::vector<std::string> extra = {}) : extra_(std::move(extra)) {
    binary_ = FindRedisServer();
    if (binary_.empty()) {
      std::printf("SKIP: redis-server not found (scripts/bootstrap.sh installs it)\n");
      std::fflush(stdout);
      std::_Exit(77);
    }
    port_ = FreePort();
    Start();
  }
  ~RedisServer() { Stop(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_.path; }

  evmatch_router::RedisEndpoint endpoint() const {
    evmatch_router::RedisEndpoint e;
    e.host = "127.0.0.1";
    e.port = port_;
    return e;
  }

  // A client connection (fails the test's REQUIREs when it cannot connect).
  std::unique_ptr<evmatch_router::RedisConnection> Client() const {
    auto c = evmatch_router::RedisConnection::Connect(endpoint());
    return c.ok() ? *std::move(c) : nullptr;
  }

  // Stops the server (SIGTERM: it writes its AOF and exits) and starts it
  // again on the same port and directory.
  void Restart() {
    Stop();
    Start();
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

 private:
  void Start() {
    std::vector<std::string> args = {binary_,
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir_.path,
                                     "--save",
                                     "",
                                     "--daemonize",
                                     "no",
                                     "--logfile",
                                     dir_.path + "/redis.log"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::fflush(nullptr);  // nothing buffered is written twice
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary_.c_str(), argv.data());
      std::_Exit(127);
    }
    // Ready when it answers PING (up to 10 s).
    for (int i = 0; i < 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto c = evmatch_router::RedisConnection::Connect(endpoint());
      if (!c.ok()) continue;
      auto pong = (*c)->Command({"PING"});
      if (pong.ok() && pong->text() == "PONG") return;
    }
    std::printf("redis-server did not start on port %d; see %s/redis.log\n", port_,
                dir_.path.c_str());
    std::_Exit(1);
  }

  std::vector<std::string> extra_;
  std::string binary_;
  TempDir dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace evmatch_test

#endif  // EVMATCH_TESTS_SUPPORT_REDIS_SERVER_H_
