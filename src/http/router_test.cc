#include "http/router.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace authgent::http {
namespace {

Request Make(std::string method, std::string path) {
  Request r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.request_id = "rid";
  return r;
}

Router MakeRouter() {
  Router router;
  router.Add("GET", "/doc", [](const Request&) { return Response::Json(200, {{"a", 1}}); },
             {.cors = true});
  router.Add("POST", "/form", [](const Request&) { return Response::Json(200, {{"ok", true}}); });
  router.Add("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("secret detail"); },
             {.blocking = true});
  return router;
}

TEST(Router, UnknownPathIs404WithJsonBody) {
  Response r = MakeRouter().Dispatch(Make("GET", "/nope"));
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":"not_found","error_description":"no such endpoint"})");
}

TEST(Router, WrongMethodIs405WithAllow) {
  Response r = MakeRouter().Dispatch(Make("DELETE", "/form"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Get("Allow"), "POST");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "method_not_allowed");
  Response doc = MakeRouter().Dispatch(Make("POST", "/doc"));
  EXPECT_EQ(doc.status, 405);
  EXPECT_EQ(doc.Get("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(doc.Get("Access-Control-Allow-Origin"), "*");
}

TEST(Router, CorsPathsAnswerPreflightAndCarryAllowOrigin) {
  Router router = MakeRouter();
  Response pre = router.Dispatch(Make("OPTIONS", "/doc"));
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre.Get("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(pre.Get("Access-Control-Allow-Headers"),
            "Authorization, Content-Type, MCP-Protocol-Version");
  EXPECT_FALSE(pre.Has("Access-Control-Allow-Credentials"));
  EXPECT_EQ(router.Dispatch(Make("GET", "/doc")).Get("Access-Control-Allow-Origin"), "*");
  // Paths without CORS neither answer preflight nor carry the header.
  Response form = router.Dispatch(Make("OPTIONS", "/form"));
  EXPECT_EQ(form.status, 405);
  EXPECT_FALSE(form.Has("Access-Control-Allow-Origin"));
}

TEST(Router, ConditionallyBlockingRoutesAskPerRequest) {
  Router router;
  bool stale = false;
  router.Add("GET", "/cached", [](const Request&) { return Response::Json(200, {}); },
             {.blocking_when = [&](const Request&) { return stale; }});
  EXPECT_FALSE(router.IsBlocking(Make("GET", "/cached")));
  stale = true;
  EXPECT_TRUE(router.IsBlocking(Make("GET", "/cached")));
}

TEST(Router, HeadFollowsGet) {
  EXPECT_EQ(MakeRouter().Dispatch(Make("HEAD", "/doc")).status, 200);
}

TEST(Router, ThrowingHandlerIsAGeneric500) {
  Router router = MakeRouter();
  EXPECT_TRUE(router.IsBlocking(Make("GET", "/boom")));
  EXPECT_FALSE(router.IsBlocking(Make("GET", "/doc")));
  Response r = router.Dispatch(Make("GET", "/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "server_error");
}

}  // namespace
}  // namespace authgent::http
