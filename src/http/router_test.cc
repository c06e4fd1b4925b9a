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

TEST(Router, UnknownPathHandlerAnswersOnlyUnknownPaths) {
  Router router = MakeRouter();
  router.SetUnknownPathHandler(
      [](const Request& r) { return Response::Error(503, "temporarily_unavailable", r.path); });
  Response unknown = router.Dispatch(Make("POST", "/nope"));
  EXPECT_EQ(unknown.status, 503);
  EXPECT_NE(unknown.body.find("/nope"), std::string::npos);
  EXPECT_EQ(router.Place(Make("POST", "/nope")), Placement::kInline);
  EXPECT_EQ(router.Dispatch(Make("GET", "/doc")).status, 200);
  EXPECT_EQ(router.Dispatch(Make("GET", "/form")).status, 405);
}

// Where a request runs is decided by its own method's options: a blocking GET does not send the
// POST beside it to a worker, and an asynchronous POST does not make the GET asynchronous.
TEST(Router, PlacementIsPerMethod) {
  Router router;
  router.Add("GET", "/page", [](const Request&) { return Response::Json(200, {}); },
             {.blocking = true});
  router.Add("POST", "/page", [](const Request&) { return Response::Json(200, {}); },
             {.async_when = [](const Request&) { return true; },
              .async_handler = [](const Request&) -> AsyncStep { return Response::Json(202, {}); }});
  router.Add("PUT", "/page", [](const Request&) { return Response::Json(200, {}); });
  EXPECT_EQ(router.Place(Make("GET", "/page")), Placement::kWorker);
  EXPECT_EQ(router.Place(Make("HEAD", "/page")), Placement::kWorker);
  EXPECT_EQ(router.Place(Make("POST", "/page")), Placement::kAsync);
  EXPECT_EQ(router.Place(Make("PUT", "/page")), Placement::kInline);
  EXPECT_EQ(router.Place(Make("DELETE", "/page")), Placement::kInline);  // 405
  EXPECT_EQ(std::get<Response>(router.DispatchAsync(Make("POST", "/page"))).status, 202);
  EXPECT_EQ(router.Dispatch(Make("DELETE", "/page")).status, 405);
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
  EXPECT_EQ(router.Place(Make("GET", "/cached")), Placement::kInline);
  stale = true;
  EXPECT_EQ(router.Place(Make("GET", "/cached")), Placement::kWorker);
}

TEST(Router, HeadFollowsGet) {
  EXPECT_EQ(MakeRouter().Dispatch(Make("HEAD", "/doc")).status, 200);
}

TEST(Router, ThrowingHandlerIsAGeneric500) {
  Router router = MakeRouter();
  EXPECT_EQ(router.Place(Make("GET", "/boom")), Placement::kWorker);
  EXPECT_EQ(router.Place(Make("GET", "/doc")), Placement::kInline);
  EXPECT_EQ(router.Place(Make("GET", "/nope")), Placement::kInline);
  Response r = router.Dispatch(Make("GET", "/boom"));
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "server_error");
}

// A route with an asynchronous handler: "now" answers at once, "later" waits for a Resume,
// "worker" asks for the pool, and "throw" throws at each of those points.
Router MakeAsyncRouter(bool* asked) {
  Router router;
  router.Add(
      "POST", "/async", [](const Request&) { return Response::Json(200, {{"sync", true}}); },
      {.cors = true,
       .async_when = [asked](const Request& r) { *asked = true; return r.body != "sync"; },
       .async_handler = [](const Request& r) -> AsyncStep {
         if (r.body == "now") return Response::Json(200, {{"now", true}});
         if (r.body == "throw") throw std::runtime_error("secret detail");
         if (r.body == "worker") return OnWorker{[] { return Response::Json(200, {{"w", 1}}); }};
         if (r.body == "start throws") {
           return Suspended{[](Resume) { throw std::runtime_error("secret detail"); }};
         }
         return Suspended{[&r](Resume resume) {
           resume([&r]() -> Response {
             if (r.body == "finish throws") throw std::runtime_error("secret detail");
             return Response::Json(200, {{"later", true}});
           });
         }};
       }});
  return router;
}

Request Post(std::string body) {
  Request r = Make("POST", "/async");
  r.body = std::move(body);
  return r;
}

// Runs a suspended step the way the server does and returns the response it leads to.
Response Resumed(const AsyncStep& step) {
  Finish finish;
  std::get<Suspended>(step).start([&](Finish f) {
    if (!finish) finish = std::move(f);  // the first Resume counts
  });
  return finish();
}

TEST(Router, AsyncRoutesAreAskedPerRequestAndAnswerWithCors) {
  bool asked = false;
  Router router = MakeAsyncRouter(&asked);
  EXPECT_EQ(router.Place(Post("sync")), Placement::kInline);
  EXPECT_TRUE(asked);
  EXPECT_EQ(router.Place(Post("now")), Placement::kAsync);
  Request preflight = Post("now");
  preflight.method = "OPTIONS";
  EXPECT_EQ(router.Place(preflight), Placement::kInline);
  EXPECT_EQ(router.Dispatch(preflight).status, 204);
  preflight.method = "GET";
  EXPECT_EQ(router.Place(preflight), Placement::kInline);
  AsyncStep wrong_method = router.DispatchAsync(preflight);
  EXPECT_EQ(std::get<Response>(wrong_method).status, 405);

  Request now = Post("now");
  AsyncStep step = router.DispatchAsync(now);
  ASSERT_TRUE(std::holds_alternative<Response>(step));
  EXPECT_EQ(std::get<Response>(step).body, R"({"now":true})");
  EXPECT_EQ(std::get<Response>(step).Get("Access-Control-Allow-Origin"), "*");

  Request later = Post("later");
  Response resumed = Resumed(router.DispatchAsync(later));
  EXPECT_EQ(resumed.body, R"({"later":true})");
  EXPECT_EQ(resumed.Get("Access-Control-Allow-Origin"), "*");

  Request worker = Post("worker");
  step = router.DispatchAsync(worker);
  ASSERT_TRUE(std::holds_alternative<OnWorker>(step));
  Response on_worker = std::get<OnWorker>(step).run();
  EXPECT_EQ(on_worker.body, R"({"w":1})");
  EXPECT_EQ(on_worker.Get("Access-Control-Allow-Origin"), "*");
}

TEST(Router, AThrowAnywhereInAnAsyncHandlerIsAGeneric500WithCors) {
  bool asked = false;
  Router router = MakeAsyncRouter(&asked);
  Request thrown = Post("throw");
  AsyncStep step = router.DispatchAsync(thrown);
  ASSERT_TRUE(std::holds_alternative<Response>(step));
  std::vector<Response> answers = {std::get<Response>(step)};
  Request start_throws = Post("start throws");
  answers.push_back(Resumed(router.DispatchAsync(start_throws)));
  Request finish_throws = Post("finish throws");
  answers.push_back(Resumed(router.DispatchAsync(finish_throws)));
  for (const Response& r : answers) {
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, R"({"error":"server_error","error_description":"internal error"})");
    EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), "*");
  }
}

}  // namespace
}  // namespace authgent::http
