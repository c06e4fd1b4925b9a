#include "federation/http_fetcher.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

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
  EXPECT_EQ(r.status().message(), "refused to connect to 127.0.0.1 (loopback) for https://127.0.0.1:" +
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

}  // namespace
}  // namespace authgent::federation
