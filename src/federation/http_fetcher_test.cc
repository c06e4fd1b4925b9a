#include "federation/http_fetcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "federation/testing/tls_document_server.h"

namespace authgent::federation {
namespace {

// A loopback port with a bound socket that does not listen: a connection to it is refused at
// once. Nothing here connects outside 127.0.0.1 and ::1.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~ClosedPort() { close(fd_); }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

FetchLimits Guarded(bool allow_loopback) {
  FetchLimits limits;
  limits.timeout_ms = 2000;
  limits.addresses = AddressPolicy{.allow_loopback = allow_loopback};
  return limits;
}

TEST(GuardedFetch, RefusesALoopbackAddressBeforeConnecting) {
  ClosedPort port;
  CurlFetcher fetcher(Guarded(false));
  auto r = fetcher.Get("https://127.0.0.1:" + std::to_string(port.port()) + "/client.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "refused to connect to 127.0.0.1 (loopback) for https://127.0.0.1:" +
                std::to_string(port.port()) + "/client.json");
}

TEST(GuardedFetch, RefusesANameThatResolvesToLoopback) {
  ClosedPort port;
  CurlFetcher fetcher(Guarded(false));
  auto r = fetcher.Get("https://localhost:" + std::to_string(port.port()) + "/client.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("(loopback) for https://localhost:"), std::string::npos)
      << r.status().message();
}

TEST(GuardedFetch, RefusesPlainHttp) {
  ClosedPort port;
  CurlFetcher fetcher(Guarded(true));
  auto r = fetcher.Get("http://127.0.0.1:" + std::to_string(port.port()) + "/client.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "only https URLs may be fetched: http://127.0.0.1:" +
                                      std::to_string(port.port()) + "/client.json");
}

TEST(GuardedFetch, AdmittedLoopbackIsConnectedTo) {
  // With loopback admitted the guard lets the connection through; the closed port refuses it.
  ClosedPort port;
  CurlFetcher fetcher(Guarded(true));
  auto r = fetcher.Get("https://127.0.0.1:" + std::to_string(port.port()) + "/client.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().message();
}

TEST(GuardedFetch, AnUnguardedFetchStillReachesLoopback) {
  // The upstream identity provider may be on the operator's own network: no guard there.
  ClosedPort port;
  FetchLimits limits;
  limits.timeout_ms = 2000;
  CurlFetcher fetcher(limits);
  auto r = fetcher.Get("http://127.0.0.1:" + std::to_string(port.port()) + "/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable) << r.status().message();
}

// Over real TLS, from the test's own HTTPS server on 127.0.0.1.
class GuardedHttpsFetch : public ::testing::Test {
 protected:
  FetchLimits Limits(bool allow_loopback = true) {
    FetchLimits limits = Guarded(allow_loopback);
    limits.max_body_bytes = 5 * 1024;
    limits.timeout_ms = 1500;
    limits.ca_file = server_.ca_file();
    return limits;
  }
  testing::TlsDocumentServer server_;
};

TEST_F(GuardedHttpsFetch, ReadsADocumentAndItsCachingHeaders) {
  server_.Serve("/client.json", {200,
                                 {{"Content-Type", "application/json"},
                                  {"Cache-Control", "public, max-age=120"},
                                  {"Expires", "Thu, 01 Jan 2032 00:00:00 GMT"}},
                                 R"({"client_id":"x"})",
                                 0});
  CurlFetcher fetcher(Limits());
  auto r = fetcher.Get(server_.Url("/client.json"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, R"({"client_id":"x"})");
  EXPECT_EQ(r->content_type, "application/json");
  EXPECT_EQ(r->cache_control, "public, max-age=120");
  EXPECT_EQ(r->expires, 1956528000);
}

TEST_F(GuardedHttpsFetch, WithoutLoopbackAdmittedTheServerIsNeverReached) {
  server_.Serve("/client.json", {200, {{"Content-Type", "application/json"}}, "{}", 0});
  CurlFetcher fetcher(Limits(false));
  auto r = fetcher.Get(server_.Url("/client.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server_.Requests("/client.json"), 0);
}

TEST_F(GuardedHttpsFetch, RedirectsAreAnsweredNotFollowed) {
  server_.Serve("/moved", {302, {{"Location", server_.Url("/client.json")}}, "", 0});
  CurlFetcher fetcher(Limits());
  auto r = fetcher.Get(server_.Url("/moved"));
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(server_.Requests("/client.json"), 0);
}

TEST_F(GuardedHttpsFetch, OversizeAndSlowAnswersFail) {
  server_.Serve("/big", {200, {{"Content-Type", "application/json"}}, std::string(6000, ' '), 0});
  server_.Serve("/slow", {200, {{"Content-Type", "application/json"}}, "{}", 5000});
  CurlFetcher fetcher(Limits());
  auto big = fetcher.Get(server_.Url("/big"));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(big.status().message(),
            "response from " + server_.Url("/big") + " exceeds the size limit");
  auto slow = fetcher.Get(server_.Url("/slow"));
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(slow.status().message().find("Timeout was reached"), std::string::npos)
      << slow.status().message();
}

TEST_F(GuardedHttpsFetch, AnUntrustedCertificateFails) {
  server_.Serve("/client.json", {200, {{"Content-Type", "application/json"}}, "{}", 0});
  FetchLimits limits = Limits();
  limits.ca_file = "";  // the system's CAs, which never issued the test server's certificate
  CurlFetcher fetcher(limits);
  auto r = fetcher.Get(server_.Url("/client.json"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace authgent::federation
