#include "federation/testing/tls_document_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "core/temp_dir.h"

namespace authgent::federation::testing {
namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "TlsDocumentServer: %s\n", what);
  std::abort();
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext || X509_add_ext(cert, ext, -1) != 1) Fail("cannot add a certificate extension");
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, issued by `issuer` (itself when null) and signed with
// `issuer_key`, valid from an hour ago for a day.
X509* MakeCertificate(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key,
                      long serial) {
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 24 * 3600);
  X509_set_pubkey(cert, key);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509* signer = issuer ? issuer : cert;
  X509_set_issuer_name(cert, X509_get_subject_name(signer));
  AddExtension(cert, signer, NID_subject_key_identifier, "hash");
  if (!issuer) {
    AddExtension(cert, signer, NID_basic_constraints, "critical,CA:TRUE");
    AddExtension(cert, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert, signer, NID_authority_key_identifier, "keyid");
    AddExtension(cert, signer, NID_basic_constraints, "critical,CA:FALSE");
    AddExtension(cert, signer, NID_ext_key_usage, "serverAuth");
    AddExtension(cert, signer, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
  }
  if (X509_sign(cert, issuer_key, EVP_sha256()) == 0) Fail("cannot sign a certificate");
  return cert;
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

}  // namespace

struct TlsDocumentServer::Tls {
  SSL_CTX* ctx = nullptr;
  ~Tls() { SSL_CTX_free(ctx); }
};

TlsDocumentServer::TlsDocumentServer() : tls_(std::make_unique<Tls>()) {
  // A client that gave up (a timeout test) closes before the answer is written.
  signal(SIGPIPE, SIG_IGN);
  EVP_PKEY* ca_key = EVP_EC_gen("P-256");
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!ca_key || !key) Fail("cannot make keys");
  X509* ca = MakeCertificate(ca_key, "authgent test CA", nullptr, ca_key, 1);
  X509* cert = MakeCertificate(key, "localhost", ca, ca_key, 2);
  ca_file_ = MakeTempDir("authgent-tls") + "/ca.pem";
  FILE* f = std::fopen(ca_file_.c_str(), "w");
  if (!f || PEM_write_X509(f, ca) != 1) Fail("cannot write the CA file");
  std::fclose(f);
  tls_->ctx = SSL_CTX_new(TLS_server_method());
  if (!tls_->ctx || SSL_CTX_use_certificate(tls_->ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey(tls_->ctx, key) != 1) {
    Fail("cannot set up TLS");
  }
  X509_free(cert);
  X509_free(ca);
  EVP_PKEY_free(key);
  EVP_PKEY_free(ca_key);

  listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Fail("cannot listen on 127.0.0.1");
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TlsDocumentServer::~TlsDocumentServer() {
  stopping_ = true;
  acceptor_.join();
  close(listen_fd_);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
}

std::string TlsDocumentServer::Url(const std::string& path) const {
  return "https://localhost:" + std::to_string(port_) + path;
}

void TlsDocumentServer::Serve(const std::string& path, ScriptedAnswer answer) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_[path] = std::move(answer);
}

int TlsDocumentServer::Requests(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_[path];
}

void TlsDocumentServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) continue;
    int fd = accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    connections_.emplace_back([this, fd] { Handle(fd); });
  }
}

void TlsDocumentServer::Handle(int fd) {
  timeval timeout{5, 0};  // a client that never speaks does not hold the test
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  SSL* ssl = SSL_new(tls_->ctx);
  SSL_set_fd(ssl, fd);
  std::string request;
  if (SSL_accept(ssl) == 1) {
    char buf[4096];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 16384) {
      int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
    }
  }
  size_t start = request.find(' '), end = request.find(' ', start + 1);
  if (start != std::string::npos && end != std::string::npos) {
    std::string path = request.substr(start + 1, end - start - 1);
    ScriptedAnswer answer{404, {{"Content-Type", "text/plain"}}, "not found", 0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++requests_[path];
      if (auto it = answers_.find(path); it != answers_.end()) answer = it->second;
    }
    auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(answer.delay_ms);
    while (!stopping_ && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::string out =
        "HTTP/1.1 " + std::to_string(answer.status) + " " + Reason(answer.status) + "\r\n";
    for (const auto& [name, value] : answer.headers) out += name + ": " + value + "\r\n";
    out +=
        "Content-Length: " + std::to_string(answer.body.size()) + "\r\nConnection: close\r\n\r\n";
    out += answer.body;
    SSL_write(ssl, out.data(), static_cast<int>(out.size()));
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  close(fd);
}

}  // namespace authgent::federation::testing
