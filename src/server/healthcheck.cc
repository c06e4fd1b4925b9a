// server/healthcheck: a blocking HTTP/1.1 GET of /readyz on loopback with one overall deadline.
// Plain sockets on purpose: the probe runs every few seconds in a container and must not pull
// the server's event loop or libcurl's start-up into each run.
#include "server/healthcheck.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <optional>

namespace authgent::server {
namespace {

using Clock = std::chrono::steady_clock;

class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

// Waits until `fd` is ready for `events` or the deadline passes.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    int n = poll(&p, 1, static_cast<int>(left.count()));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) return false;
  }
}

// Fills `storage` with address:port; false when the address is not an IP literal.
bool MakeAddress(const std::string& address, int port, sockaddr_storage& storage, socklen_t& len) {
  std::memset(&storage, 0, sizeof storage);
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

// The status line's code, or nullopt with `error` set.
std::optional<int> GetReadyz(const std::string& address, int port, Clock::time_point deadline,
                             std::string& error) {
  sockaddr_storage storage;
  socklen_t len = 0;
  if (!MakeAddress(address, port, storage, len)) {
    error = "BIND_ADDRESS " + address + " is not an IP address";
    return std::nullopt;
  }
  Socket socket(::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (connect(socket.fd(), reinterpret_cast<sockaddr*>(&storage), len) != 0 &&
      errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    return std::nullopt;
  }
  if (!WaitFor(socket.fd(), POLLOUT, deadline)) {
    error = "connect: timed out";
    return std::nullopt;
  }
  int so_error = 0;
  socklen_t so_len = sizeof so_error;
  getsockopt(socket.fd(), SOL_SOCKET, SO_ERROR, &so_error, &so_len);
  if (so_error != 0) {
    error = std::string("connect: ") + std::strerror(so_error);
    return std::nullopt;
  }
  const std::string request =
      "GET /readyz HTTP/1.1\r\nHost: localhost\r\nUser-Agent: authgent-healthcheck\r\n"
      "Connection: close\r\n\r\n";
  if (send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    error = "send failed";
    return std::nullopt;
  }
  // "HTTP/1.1 200 " is all the probe reads; the reason code in the body goes to the log anyway.
  std::string head;
  char buffer[512];
  while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
    if (!WaitFor(socket.fd(), POLLIN, deadline)) {
      error = "no answer in time";
      return std::nullopt;
    }
    ssize_t n = recv(socket.fd(), buffer, sizeof buffer, 0);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
    if (n <= 0) break;
    head.append(buffer, static_cast<size_t>(n));
  }
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0 || head[8] != ' ') {
    error = "not an HTTP answer";
    return std::nullopt;
  }
  int code = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') {
      error = "not an HTTP answer";
      return std::nullopt;
    }
    code = code * 10 + (head[i] - '0');
  }
  return code;
}

}  // namespace

std::string ProbeAddress(const std::string& bind_address) {
  if (bind_address == "0.0.0.0" || bind_address.empty()) return "127.0.0.1";
  if (bind_address == "::" || bind_address == "[::]") return "::1";
  return bind_address;
}

int RunHealthcheck(const Config& config, std::chrono::milliseconds timeout) {
  if (config.port == 0) {
    std::cerr << "authgent healthcheck: PORT is 0 (a free port chosen at start): name the port\n";
    return 1;
  }
  std::string address = ProbeAddress(config.bind_address);
  std::string error;
  std::optional<int> code = GetReadyz(address, config.port, Clock::now() + timeout, error);
  std::string where = address + ":" + std::to_string(config.port);
  if (!code) {
    std::cerr << "authgent healthcheck: " << where << ": " << error << "\n";
    return 1;
  }
  if (*code != 200) {
    std::cerr << "authgent healthcheck: " << where << ": not ready (HTTP " << *code << ")\n";
    return 1;
  }
  std::cerr << "authgent healthcheck: " << where << ": ready\n";
  return 0;
}

}  // namespace authgent::server
