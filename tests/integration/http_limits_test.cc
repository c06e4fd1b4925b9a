// The HTTP layer's guarantees over real sockets: limits, errors, keep-alive, request ids.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "http/server.h"
#include "http_client.h"
#include "test_server.h"

namespace authgent::testing {
namespace {

TEST(HttpLimits, UnknownPathAndWrongMethodHaveJsonBodies) {
  TestServer server;
  HttpResult missing = Get(server.port(), "/no/such/thing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.Header("content-type"), "application/json");
  EXPECT_EQ(missing.body, R"({"error":"not_found","error_description":"no such endpoint"})");

  HttpResult wrong = Request(server.port(), "DELETE", "/.well-known/jwks.json");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.Header("allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(wrong.Json()["error"], "method_not_allowed");
}

TEST(HttpLimits, OversizedBodyIs413) {
  TestServer server([](server::RawConfig& raw) { raw.max_body_bytes = "2048"; });
  HttpResult r = Request(server.port(), "POST", "/healthz", std::string(4096, 'x'),
                         {{"Content-Type", "application/x-www-form-urlencoded"}});
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Header("content-type"), "application/json");
  EXPECT_EQ(r.Json()["error"], "payload_too_large");
  EXPECT_EQ(r.Header("connection"), "close");
}

TEST(HttpLimits, BodyAtTheLimitIsAccepted) {
  TestServer server([](server::RawConfig& raw) { raw.max_body_bytes = "2048"; });
  // /healthz has no POST handler: reaching the router (405) proves the body was accepted.
  HttpResult r = Request(server.port(), "POST", "/healthz", std::string(2048, 'x'));
  EXPECT_EQ(r.status, 405);
}

TEST(HttpLimits, OversizedHeadersAre431) {
  TestServer server;
  HttpResult r = Get(server.port(), "/healthz", {{"X-Big", std::string(9000, 'a')}});
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(r.Json()["error"], "request_header_fields_too_large");
}

TEST(HttpLimits, GarbageIs400) {
  TestServer server;
  Connection conn(server.port());
  ASSERT_TRUE(conn.Send("NOT HTTP AT ALL\r\n\r\n"));
  auto r = conn.Read();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->Json()["error"], "invalid_request");
}

TEST(HttpLimits, SlowClientIsDisconnectedAfterTheReadTimeout) {
  TestServer server([](server::RawConfig& raw) { raw.read_timeout = "1"; });
  Connection conn(server.port());
  ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finishes
  EXPECT_TRUE(conn.ClosedByPeer(4000));
}

// A connection that never sends a byte is cut at READ_TIMEOUT, not kept for IDLE_TIMEOUT; one
// that was served stays open as a keep-alive connection past READ_TIMEOUT.
TEST(HttpLimits, SilentConnectionIsCutAtTheReadTimeoutNotTheIdleTimeout) {
  TestServer server([](server::RawConfig& raw) {
    raw.read_timeout = "1";
    raw.idle_timeout = "60";
  });
  Connection silent(server.port());
  Connection served(server.port());
  ASSERT_TRUE(served.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(served.Read()->status, 200);
  EXPECT_TRUE(silent.ClosedByPeer(4000));
  ASSERT_TRUE(served.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto again = served.Read();
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

// Over MAX_CONNECTIONS a new connection gets an immediate 503 and is closed; the open ones keep
// being served, and once one closes a new connection is served again.
TEST(HttpLimits, ConnectionsOverTheLimitAreAnswered503AndClosed) {
  TestServer server([](server::RawConfig& raw) { raw.max_connections = "3"; });
  std::vector<std::unique_ptr<Connection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<Connection>(server.port()));
    ASSERT_TRUE(open.back()->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_EQ(open.back()->Read()->status, 200);
  }
  Connection excess(server.port());
  auto refused = excess.Read();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->Json()["error"], "temporarily_unavailable");
  EXPECT_EQ(refused->Json()["error_description"], "too many connections");
  EXPECT_EQ(refused->Header("retry-after"), "2");
  EXPECT_TRUE(excess.ClosedByPeer(2000));
  ASSERT_TRUE(open[0]->Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(open[0]->Read()->status, 200);
  open.pop_back();  // closes one: a new connection fits again
  HttpResult after;
  for (int i = 0; i < 50 && after.status != 200; ++i) {
    after = Get(server.port(), "/healthz");
    if (after.status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(after.status, 200);
}

TEST(HttpLimits, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestServer server;
  Connection conn(server.port());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = conn.Read();
    ASSERT_TRUE(r.has_value()) << i;
    EXPECT_EQ(r->status, 200);
  }
  // Pipelined requests are answered in order.
  ASSERT_TRUE(conn.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(conn.Read()->status, 200);
  EXPECT_EQ(conn.Read()->status, 404);
}

TEST(HttpLimits, RequestIdIsEchoedWhenSaneAndReplacedOtherwise) {
  TestServer server;
  EXPECT_EQ(Get(server.port(), "/healthz", {{"X-Request-Id", "abc-123.x_y"}}).Header("x-request-id"),
            "abc-123.x_y");
  std::string replaced =
      Get(server.port(), "/healthz", {{"X-Request-Id", "bad id\" <script>"}}).Header("x-request-id");
  EXPECT_EQ(replaced.size(), 32u);
  EXPECT_EQ(replaced.find('<'), std::string::npos);
  EXPECT_EQ(Get(server.port(), "/healthz").Header("x-request-id").size(), 32u);
}

TEST(HttpLimits, ErrorsAreNotCachedAndNotSniffed) {
  TestServer server;
  HttpResult r = Get(server.port(), "/nope");
  EXPECT_EQ(r.Header("cache-control"), "no-store");
  EXPECT_EQ(r.Header("x-content-type-options"), "nosniff");
}

// An http::Server on its own thread with the given router, stopped and joined at the end.
class RawServer {
 public:
  explicit RawServer(const http::Router& router, std::function<void()> after_run = [] {},
                     int io_threads = 1)
      : server_({.bind_address = "127.0.0.1",
                 .port = 0,
                 .io_threads = io_threads,
                 .shutdown_timeout = std::chrono::seconds(1),
                 .access_log = false},
                router) {
    port_ = server_.Listen().value();
    thread_ = std::thread([this, after_run] {
      server_.Run(false);
      after_run();
    });
  }
  ~RawServer() { Stop(); }
  void Stop() {
    server_.Shutdown();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }

 private:
  http::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// Each network thread runs its own connections: new connections go to the threads in turn, and
// every request of a connection is handled on the thread that accepted it. A thread that never
// got a connection still stops with the server.
TEST(HttpLimits, ConnectionsAreSpreadOverTheNetworkThreadsAndStayOnTheirs) {
  std::mutex mu;
  std::map<std::thread::id, int> index;  // a small number per thread, for the answers
  http::Router router;
  router.Add("GET", "/thread", [&](const http::Request&) {
    std::lock_guard lock(mu);
    auto [it, added] = index.emplace(std::this_thread::get_id(), static_cast<int>(index.size()));
    return http::Response::Json(200, {{"thread", it->second}});
  });
  {
    RawServer server(router, [] {}, 3);
    std::vector<std::unique_ptr<Connection>> conns;
    std::vector<int> first;
    for (int i = 0; i < 6; ++i) {
      conns.push_back(std::make_unique<Connection>(server.port()));
      ASSERT_TRUE(conns.back()->Send("GET /thread HTTP/1.1\r\nHost: x\r\n\r\n"));
      auto r = conns.back()->Read();
      ASSERT_TRUE(r.has_value()) << i;
      first.push_back(r->Json()["thread"].get<int>());
    }
    std::set<int> distinct(first.begin(), first.end());
    EXPECT_EQ(distinct.size(), 3u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(first[i], first[i + 3]) << i;  // in turn
    for (int round = 0; round < 3; ++round) {
      for (size_t i = 0; i < conns.size(); ++i) {
        ASSERT_TRUE(conns[i]->Send("GET /thread HTTP/1.1\r\nHost: x\r\n\r\n"));
        auto r = conns[i]->Read();
        ASSERT_TRUE(r.has_value()) << i;
        EXPECT_EQ(r->Json()["thread"].get<int>(), first[i]) << "connection " << i;
      }
    }
  }
  {
    RawServer idle(router, [] {}, 4);
    EXPECT_EQ(Get(idle.port(), "/thread").status, 200);
  }  // three of its four threads never had a connection: Stop() still returns
}

// An asynchronous handler's wait parks no thread and ends wherever its Resume is called: here
// from a thread of the test's own, as a store's writer thread would. A Resume dropped uncalled
// answers 500 instead of leaving the client waiting.
TEST(HttpLimits, AsyncHandlersResumeFromAnyThreadAndAnswer500WhenDropped) {
  std::vector<std::thread> resumers;
  http::Router router;
  router.Add("POST", "/wait", [&resumers](const http::Request& r) -> http::AsyncStep {
    if (r.body == "drop") return http::Suspended{[](http::Resume) {}};
    std::string body = r.body;
    return http::Suspended{[&resumers, body](http::Resume resume) {
      resumers.emplace_back([resume, body] {
        resume([body] { return http::Response::Json(200, {{"echo", body}}); });
      });
    }};
  });
  {
    RawServer server(router);
    HttpResult resumed = Request(server.port(), "POST", "/wait", "from elsewhere");
    EXPECT_EQ(resumed.status, 200);
    EXPECT_EQ(resumed.body, R"({"echo":"from elsewhere"})");
    HttpResult dropped = Request(server.port(), "POST", "/wait", "drop");
    EXPECT_EQ(dropped.status, 500);
    EXPECT_EQ(dropped.Json()["error"], "server_error");
  }
  for (auto& t : resumers) t.join();
}

// A request still waiting when the shutdown timeout stops the server: Run() returns only once
// its Resume has been called (the Resume of a commit that ends late must find the server alive).
TEST(HttpLimits, RunWaitsForRequestsStillSuspendedAfterTheShutdownTimeout) {
  std::mutex mu;
  std::condition_variable cv;
  http::Resume held;
  std::atomic<bool> resumed{false}, resumed_before_run_returned{false};
  http::Router router;
  router.Add("POST", "/wait", [&](const http::Request&) -> http::AsyncStep {
    return http::Suspended{[&](http::Resume resume) {
      std::lock_guard lock(mu);
      held = std::move(resume);
      cv.notify_all();
    }};
  });
  auto server = std::make_unique<RawServer>(
      router, [&] { resumed_before_run_returned = resumed.load(); });
  std::thread client([&, port = server->port()] { (void)Request(port, "POST", "/wait", "x"); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return held != nullptr; });
  }
  std::thread stopper([&] { server->Stop(); });  // the shutdown timeout is 1 s
  std::this_thread::sleep_for(std::chrono::seconds(3));
  resumed = true;
  held([] { return http::Response::Json(200, {}); });
  stopper.join();
  server.reset();  // closes the client's connection, which never got an answer
  client.join();
  EXPECT_TRUE(resumed_before_run_returned.load());
}

}  // namespace
}  // namespace authgent::testing
