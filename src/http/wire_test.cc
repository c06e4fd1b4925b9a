#include "http/wire.h"

#include <gtest/gtest.h>


namespace authgent::http {
namespace {

namespace bhttp = boost::beast::http;

WireRequest Get(std::string target) {
  WireRequest in{bhttp::verb::get, target, 11};
  in.set("Host", "auth.example");
  return in;
}

std::string Serialized(const WireResponse& out) { return out.head + out.body; }

TEST(FromWire, SplitsTheTargetAtTheFirstQuestionMarkAndLowerCasesNames) {
  WireRequest in = Get("/oauth/authorize?a=1?b=2");
  in.set("X-Custom-Header", "Value Kept");
  in.body() = "";
  Request r = FromWire(in, "192.0.2.7");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/oauth/authorize");
  EXPECT_EQ(r.query, "a=1?b=2");
  EXPECT_EQ(r.Header("x-custom-header"), "Value Kept");
  EXPECT_EQ(r.Header("host"), "auth.example");
  EXPECT_EQ(r.remote_address, "192.0.2.7");
}

TEST(FromWire, KeepsASaneRequestIdAndReplacesAnyOther) {
  WireRequest in = Get("/");
  in.set("X-Request-Id", "trace-01.a:b_C");
  EXPECT_EQ(FromWire(in, "").request_id, "trace-01.a:b_C");
  for (const std::string& bad : {std::string("has space"), std::string(129, 'a'),
                                 std::string("semi;colon"), std::string("\xc3\xa9")}) {
    in.set("X-Request-Id", bad);
    std::string id = FromWire(in, "").request_id;
    EXPECT_NE(id, bad);
    EXPECT_EQ(id.size(), 32u) << bad;
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  }
  EXPECT_EQ(FromWire(Get("/"), "").request_id.size(), 32u);
}

TEST(ToWire, AddsTheSecurityHeadersAndTheLength) {
  Request request;
  request.method = "GET";
  request.request_id = "req-1";
  Response response = Response::JsonText(200, R"({"ok":true})");
  std::string text = Serialized(ToWire(response, request, true));
  EXPECT_EQ(text,
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\nX-Request-Id: req-1\r\nContent-Length: 11\r\n\r\n"
            R"({"ok":true})");
}

TEST(ToWire, KeepsTheHandlersCacheControlAndClosesWhenAsked) {
  Request request;
  request.method = "GET";
  request.request_id = "req-2";
  Response response = Response::JsonText(200, "{}");
  response.Set("Cache-Control", "public, max-age=300");
  EXPECT_EQ(Serialized(ToWire(response, request, false)),
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Cache-Control: public, max-age=300\r\nX-Content-Type-Options: nosniff\r\n"
            "X-Request-Id: req-2\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}");
}

TEST(ToWire, AnswersHeadWithTheLengthAndNoBody) {
  Request request;
  request.method = "HEAD";
  request.request_id = "req-3";
  WireResponse out = ToWire(Response::JsonText(200, "0123456789"), request, true);
  EXPECT_NE(out.head.find("\r\nContent-Length: 10\r\n\r\n"), std::string::npos) << out.head;
  EXPECT_EQ(out.body, "");
}

TEST(ToWire, WritesTheHeadersTheServerOwnsItself) {
  Request request;
  request.method = "GET";
  request.request_id = "req-4";
  Response response = Response::JsonText(201, "{}");
  response.Set("content-length", "99");
  response.Set("X-Request-Id", "from-the-handler");
  response.Set("Connection", "keep-alive");
  response.Set("Transfer-Encoding", "chunked");
  response.Set("x-content-type-options", "sniff");
  response.Set("Location", "https://client.example/cb?code=abc");
  EXPECT_EQ(Serialized(ToWire(response, request, false)),
            "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
            "Location: https://client.example/cb?code=abc\r\nCache-Control: no-store\r\n"
            "X-Content-Type-Options: nosniff\r\nX-Request-Id: req-4\r\nConnection: close\r\n"
            "Content-Length: 2\r\n\r\n{}");
}

// A value with CR or LF (say, a redirect built from data that was not checked) must not end the
// header block and start headers or an answer of the client's choosing.
TEST(ToWire, AnswersA500InsteadOfAHeaderThatWouldBreakTheHeaderBlock) {
  Request request;
  request.method = "GET";
  request.path = "/oauth/authorize";
  request.request_id = "req-5";
  const std::string kServerError =
      "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
      "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nX-Request-Id: req-5\r\n"
      "Content-Length: 61\r\n\r\n"
      R"({"error":"server_error","error_description":"internal error"})";
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"Location", "https://a.example/\r\nSet-Cookie: x=1"},
           {"Location", "https://a.example/\nx"},
           {"Location", std::string("a\0b", 3)},
           {"Bad Name", "v"},
           {"Bad:Name", "v"},
           {"", "v"}}) {
    Response response = Response::JsonText(302, "");
    response.Set(name, value);
    EXPECT_EQ(Serialized(ToWire(response, request, true)), kServerError) << name;
  }
}

}  // namespace
}  // namespace authgent::http
