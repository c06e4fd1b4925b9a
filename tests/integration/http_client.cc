#include "http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace authgent::testing {

Connection::Connection(int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

namespace {
// Reads more bytes into `buffer`; false on timeout, error or EOF.
bool ReadMore(int fd, std::string& buffer, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char chunk[16384];
  ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer.append(chunk, static_cast<size_t>(n));
  return true;
}
}  // namespace

std::optional<HttpResult> Connection::Read(int timeout_ms) {
  size_t header_end;
  while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    if (!ReadMore(fd_, buffer_, timeout_ms)) return std::nullopt;
  }
  HttpResult result;
  std::string head = buffer_.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string status_line = head.substr(0, line_end);
  if (status_line.size() < 12) return std::nullopt;
  result.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t end = head.find("\r\n", pos);
    if (end == std::string::npos) end = head.size();
    std::string line = head.substr(pos, end - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      if (name == "set-cookie") result.set_cookies.push_back(value);
      result.headers[name] = value;
    }
    pos = end + 2;
  }
  size_t length = result.headers.count("content-length")
                      ? std::stoul(result.headers["content-length"])
                      : 0;
  size_t body_start = header_end + 4;
  while (buffer_.size() < body_start + length) {
    if (!ReadMore(fd_, buffer_, timeout_ms)) return std::nullopt;
  }
  result.body = buffer_.substr(body_start, length);
  buffer_.erase(0, body_start + length);
  return result;
}

bool Connection::ClosedByPeer(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return false;
  char c;
  return ::recv(fd_, &c, 1, MSG_PEEK) == 0;
}

HttpResult Request(int port, const std::string& method, const std::string& path,
                   const std::string& body, const std::map<std::string, std::string>& headers) {
  Connection conn(port);
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  if (!body.empty() || method == "POST") req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  if (!conn.ok() || !conn.Send(req)) return {};
  auto result = conn.Read();
  return result ? *result : HttpResult{};
}

HttpResult Get(int port, const std::string& path, const std::map<std::string, std::string>& headers) {
  return Request(port, "GET", path, "", headers);
}

}  // namespace authgent::testing
