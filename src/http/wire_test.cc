#include "http/wire.h"

#include <gtest/gtest.h>

#include <sstream>

namespace authgent::http {
namespace {

namespace bhttp = boost::beast::http;

WireRequest Get(std::string target) {
  WireRequest in{bhttp::verb::get, target, 11};
  in.set("Host", "auth.example");
  return in;
}

std::string Serialized(const WireResponse& out) {
  std::ostringstream s;
  s << out;
  return s.str();
}

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
  WireResponse out = ToWire(response, request, false);
  EXPECT_EQ(out[bhttp::field::cache_control], "public, max-age=300");
  EXPECT_EQ(out[bhttp::field::connection], "close");
  EXPECT_FALSE(out.keep_alive());
}

TEST(ToWire, AnswersHeadWithTheLengthAndNoBody) {
  Request request;
  request.method = "HEAD";
  request.request_id = "req-3";
  WireResponse out = ToWire(Response::JsonText(200, "0123456789"), request, true);
  EXPECT_EQ(out[bhttp::field::content_length], "10");
  EXPECT_EQ(out.body(), "");
}

}  // namespace
}  // namespace authgent::http
