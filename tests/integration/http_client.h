// tests/integration/http_client: a deliberately small HTTP/1.1 client on raw sockets, so tests
// can send exactly the bytes they mean (oversized headers, half a request, pipelining).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace authgent::testing {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names (the last line of each name)
  std::vector<std::string> set_cookies;        // every Set-Cookie line, in order
  std::string body;
  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One open connection to 127.0.0.1:port.
class Connection {
 public:
  explicit Connection(int port);
  ~Connection();
  bool ok() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  // Reads one response (Content-Length framed). nullopt on timeout or close before a full one.
  std::optional<HttpResult> Read(int timeout_ms = 5000);
  // True when the server has closed the connection (reads EOF) within timeout_ms.
  bool ClosedByPeer(int timeout_ms = 2000);

 private:
  int fd_ = -1;
  std::string buffer_;
};

// Convenience: one request on a fresh connection.
HttpResult Get(int port, const std::string& path,
               const std::map<std::string, std::string>& headers = {});
HttpResult Request(int port, const std::string& method, const std::string& path,
                   const std::string& body = "", const std::map<std::string, std::string>& headers = {});

}  // namespace authgent::testing
