// Attacks on the HTTP layer itself (docs/security.md, "HTTP"): request smuggling, header games,
// parameter pollution, cross-site registration.
#include <gtest/gtest.h>

#include "flow_helpers.h"

namespace authgent::testing {
namespace {

// What one connection answers to `bytes`: every response read, and whether the server closed it.
struct Answers {
  std::vector<HttpResult> responses;
  bool closed = false;
};
Answers SendRaw(int port, const std::string& bytes) {
  Connection conn(port);
  EXPECT_TRUE(conn.Send(bytes));
  Answers out;
  while (auto r = conn.Read(1500)) out.responses.push_back(*r);
  out.closed = conn.ClosedByPeer(1000);
  return out;
}

constexpr char kHidden[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(AttackHttp, RequestSmugglingThroughTransferEncodingGetsOneAnswerAndAClosedConnection) {
  TestServer server;
  for (const std::string encoding :
       {"identity", "chunked, identity", "xchunked", "gzip", "chunked\r\nTransfer-Encoding: chunked"}) {
    Answers a = SendRaw(server.port(),
                        "POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: " + encoding +
                            "\r\nContent-Type: application/x-www-form-urlencoded\r\n\r\n" + kHidden);
    ASSERT_EQ(a.responses.size(), 1u) << encoding;  // the hidden request is never served
    EXPECT_EQ(a.responses[0].status, 400) << encoding;
    EXPECT_EQ(a.responses[0].Json()["error"], "invalid_request");
    // Beast itself refuses some ("malformed HTTP request"); the rest are refused by name.
    EXPECT_TRUE(a.responses[0].Json()["error_description"] ==
                    "Transfer-Encoding must be chunked (or absent, with Content-Length)" ||
                a.responses[0].Json()["error_description"] == "malformed HTTP request")
        << encoding << ": " << a.responses[0].body;
    EXPECT_EQ(a.responses[0].Header("connection"), "close");
    EXPECT_TRUE(a.closed) << encoding;
  }
  // A real chunked body is still read as one request, and the next one is served after it.
  Answers ok = SendRaw(server.port(),
                       "POST /oauth/token HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n"
                       "Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                       "d\r\ngrant_type=zz\r\n0\r\n\r\n" + std::string(kHidden));
  ASSERT_EQ(ok.responses.size(), 2u);
  EXPECT_EQ(ok.responses[0].status, 401);  // no client: the form was read
  EXPECT_EQ(ok.responses[1].status, 200);
}

TEST(AttackHttp, MissingOrRepeatedHostIs400) {
  TestServer server;
  for (const std::string headers : {"", "Host: a\r\nHost: b\r\n"}) {
    Answers a = SendRaw(server.port(), "GET /healthz HTTP/1.1\r\n" + headers + "\r\n" + kHidden);
    ASSERT_EQ(a.responses.size(), 1u);
    EXPECT_EQ(a.responses[0].status, 400);
    EXPECT_EQ(a.responses[0].Json()["error_description"], "the request needs exactly one Host header");
    EXPECT_TRUE(a.closed);
  }
  // HTTP/1.0 had no Host requirement.
  EXPECT_EQ(SendRaw(server.port(), "GET /healthz HTTP/1.0\r\n\r\n").responses.at(0).status, 200);
}

TEST(AttackHttp, ManySmallHeadersOverTheTotalLimitAre431) {
  TestServer server;
  std::string headers;
  for (int i = 0; i < 78; ++i) headers += "X-Filler-" + std::to_string(i) + ": " + std::string(100, 'a') + "\r\n";
  ASSERT_GT(headers.size(), 8192u);
  ASSERT_LT(headers.size(), 9000u);
  Answers a = SendRaw(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
  ASSERT_EQ(a.responses.size(), 1u);
  EXPECT_EQ(a.responses[0].status, 431);
  EXPECT_EQ(a.responses[0].Json()["error"], "request_header_fields_too_large");
  // Just under the limit is served.
  headers.resize(headers.size() - 1200);
  headers = headers.substr(0, headers.rfind("\r\n") + 2);
  EXPECT_EQ(SendRaw(server.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n")
                .responses.at(0).status,
            200);
}

TEST(AttackHttp, ParameterPollutionWithAnEmptyCopyIsRefused) {
  TestServer server;
  auto machine = AddOperatorClient(server, {.resources = {"https://mcp.example.com/mcp"}});
  for (const std::string body : {"grant_type=&grant_type=client_credentials",
                                 "grant_type=client_credentials&grant_type="}) {
    HttpResult r = Request(server.port(), "POST", "/oauth/token", body,
                           {{"Content-Type", "application/x-www-form-urlencoded"},
                            {"Authorization", Basic(machine.first, machine.second)}});
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(r.Json()["error"], "invalid_request");
    EXPECT_EQ(r.Json()["error_description"], "a parameter is repeated");
  }
}

TEST(AttackHttp, CrossSiteTextPlainFormCannotRegisterAClient) {
  TestServer server;
  const std::string body = R"({"redirect_uris":["https://evil.example/cb"]})";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                           "application/jsonx"}) {
    HttpResult r = Request(server.port(), "POST", "/oauth/register", body, {{"Content-Type", type}});
    EXPECT_EQ(r.status, 400) << type;
    EXPECT_EQ(r.Json()["error"], "invalid_client_metadata");
    EXPECT_EQ(r.Json()["error_description"], "the registration must be sent as application/json");
  }
  EXPECT_EQ(Request(server.port(), "POST", "/oauth/register", body,
                    {{"Content-Type", "application/json; charset=utf-8"}}).status,
            201);
}

}  // namespace
}  // namespace authgent::testing
