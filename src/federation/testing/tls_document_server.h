// federation/testing/tls_document_server: an HTTPS server on 127.0.0.1 for tests that fetch
// what a stranger would serve (client ID metadata documents, a client's JWKS), with a CA made at
// start-up whose certificate a test trusts through a CA file (FetchLimits::ca_file, CIMD_CA_FILE).
//
// Each path answers as the test scripted it: any status, headers and body, after a delay, so
// that redirects, oversize, slow and non-JSON answers can be served. One thread per connection,
// one request per connection. Test code only: it never listens beyond loopback.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace authgent::federation::testing {

struct ScriptedAnswer {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  std::string body;
  int delay_ms = 0;  // before the answer is written
};

class TlsDocumentServer {
 public:
  TlsDocumentServer();  // listens at once on a free port of 127.0.0.1; aborts the test on failure
  ~TlsDocumentServer();
  TlsDocumentServer(const TlsDocumentServer&) = delete;
  TlsDocumentServer& operator=(const TlsDocumentServer&) = delete;

  int port() const { return port_; }
  // "https://localhost:PORT" + path: the certificate names localhost, 127.0.0.1 and ::1.
  std::string Url(const std::string& path) const;
  // A PEM file holding the CA that issued the server's certificate.
  const std::string& ca_file() const { return ca_file_; }

  void Serve(const std::string& path, ScriptedAnswer answer);
  // How many requests reached `path` (a path without a script answers 404).
  int Requests(const std::string& path);

 private:
  void AcceptLoop();
  void Handle(int fd);

  struct Tls;
  std::unique_ptr<Tls> tls_;
  std::string ca_file_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::map<std::string, ScriptedAnswer> answers_;  // guarded by mu_
  std::map<std::string, int> requests_;            // guarded by mu_
  std::vector<std::thread> connections_;           // guarded by mu_
  std::thread acceptor_;
};

}  // namespace authgent::federation::testing
