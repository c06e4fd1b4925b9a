#include "freezable_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace authgent::testing {

FreezableProxy::FreezableProxy(std::string unix_socket_path) : target_(std::move(unix_socket_path)) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::listen(listener_, 64);
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FreezableProxy::~FreezableProxy() {
  stopping_ = true;
  ::shutdown(listener_, SHUT_RDWR);
  acceptor_.join();
  ::close(listener_);
  std::lock_guard lock(mu_);
  for (auto& t : pumps_) t.join();
}

void FreezableProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd pfd{listener_, POLLIN, 0};
    if (::poll(&pfd, 1, 100) <= 0) continue;
    int client = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    int server = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, target_.c_str(), sizeof addr.sun_path - 1);
    if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(server);
      ::close(client);
      continue;
    }
    std::lock_guard lock(mu_);
    pumps_.emplace_back([this, client, server] { Pump(client, server); });
  }
}

// Copies bytes both ways until either side closes. While frozen it reads nothing, so nothing
// moves, and the sockets stay open.
void FreezableProxy::Pump(int client, int server) {
  char buf[16384];
  while (!stopping_) {
    if (frozen_) {
      ::usleep(20000);
      continue;
    }
    pollfd pfds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(pfds, 2, 50) <= 0) continue;
    bool closed = false;
    for (int i = 0; i < 2 && !closed; ++i) {
      if (!(pfds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      ssize_t n = ::read(pfds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        closed = true;
        break;
      }
      int to = i == 0 ? server : client;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(to, buf + off, static_cast<size_t>(n - off));
        if (w <= 0) {
          closed = true;
          break;
        }
        off += w;
      }
    }
    if (closed) break;
  }
  ::close(client);
  ::close(server);
}

std::string TestPostgresSocket() {
  const char* url = std::getenv("AUTHGENT_TEST_POSTGRES_URL");
  if (!url) return "";
  std::string s = url;
  auto param = [&](const std::string& name) -> std::string {
    size_t at = s.find(name + "=");
    if (at == std::string::npos) return "";
    at += name.size() + 1;
    return s.substr(at, s.find('&', at) - at);
  };
  std::string dir = param("host"), port = param("port");
  if (dir.empty() || port.empty()) return "";
  return dir + "/.s.PGSQL." + port;
}

}  // namespace authgent::testing
