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

// Which kind of step `step` is: "answer", "worker" or "suspended".
std::string KindOf(const AsyncStep& step) {
  if (std::holds_alternative<Response>(step)) return "answer";
  return std::holds_alternative<OnWorker>(step) ? "worker" : "suspended";
}

// Runs every step of `step` on this thread, the first Resume counting, and returns the answer.
Response RunSteps(const AsyncStep& step) {
  if (auto* r = std::get_if<Response>(&step)) return *r;
  if (auto* w = std::get_if<OnWorker>(&step)) return RunSteps(w->run());
  Finish finish;
  std::get<Suspended>(step).start([&](Finish f) {
    if (!finish) finish = std::move(f);
  });
  return RunSteps(finish());
}

Response Answer(const Router& router, const Request& request) {
  return RunSteps(router.Dispatch(request));
}

Router MakeRouter() {
  Router router;
  router.Add("GET", "/doc", [](const Request&) { return Response::Json(200, {{"a", 1}}); },
             {.cors = true});
  router.Add("POST", "/form", [](const Request&) { return Response::Json(200, {{"ok", true}}); });
  router.Add("GET", "/boom", OnWorkers([](const Request&) -> Response {
               throw std::runtime_error("secret detail");
             }));
  return router;
}

TEST(Router, UnknownPathIs404WithJsonBody) {
  AsyncStep step = MakeRouter().Dispatch(Make("GET", "/nope"));
  ASSERT_EQ(KindOf(step), "answer");
  const Response& r = std::get<Response>(step);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.Get("Content-Type"), "application/json");
  EXPECT_EQ(r.body, R"({"error":"not_found","error_description":"no such endpoint"})");
}

TEST(Router, UnknownPathHandlerAnswersOnlyUnknownPaths) {
  Router router = MakeRouter();
  router.SetUnknownPathHandler(
      [](const Request& r) { return Response::Error(503, "temporarily_unavailable", r.path); });
  Response unknown = Answer(router, Make("POST", "/nope"));
  EXPECT_EQ(unknown.status, 503);
  EXPECT_NE(unknown.body.find("/nope"), std::string::npos);
  EXPECT_EQ(Answer(router, Make("GET", "/doc")).status, 200);
  EXPECT_EQ(Answer(router, Make("GET", "/form")).status, 405);
}

// Each method of a path has its own handler, and where it runs is that handler's alone: a GET
// on a worker does not send the POST beside it there. HEAD runs GET's handler; the router's own
// answers (405, preflight) are immediate.
TEST(Router, WhereARequestRunsIsItsOwnHandlersStep) {
  Router router;
  router.Add("GET", "/page", OnWorkers([](const Request&) { return Response::Json(200, {}); }));
  router.Add("POST", "/page", [](const Request&) -> AsyncStep {
    return Suspended{[](Resume resume) { resume([] { return Response::Json(202, {}); }); }};
  });
  router.Add("PUT", "/page", [](const Request&) { return Response::Json(200, {}); });
  EXPECT_EQ(KindOf(router.Dispatch(Make("GET", "/page"))), "worker");
  EXPECT_EQ(KindOf(router.Dispatch(Make("HEAD", "/page"))), "worker");
  EXPECT_EQ(KindOf(router.Dispatch(Make("POST", "/page"))), "suspended");
  EXPECT_EQ(KindOf(router.Dispatch(Make("PUT", "/page"))), "answer");
  EXPECT_EQ(KindOf(router.Dispatch(Make("DELETE", "/page"))), "answer");
  EXPECT_EQ(Answer(router, Make("POST", "/page")).status, 202);
  EXPECT_EQ(Answer(router, Make("GET", "/page")).status, 200);
  EXPECT_EQ(Answer(router, Make("DELETE", "/page")).status, 405);
}

TEST(Router, WrongMethodIs405WithAllow) {
  Response r = Answer(MakeRouter(), Make("DELETE", "/form"));
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Get("Allow"), "POST");
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "method_not_allowed");
  Response doc = Answer(MakeRouter(), Make("POST", "/doc"));
  EXPECT_EQ(doc.status, 405);
  EXPECT_EQ(doc.Get("Allow"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(doc.Get("Access-Control-Allow-Origin"), "*");
}

TEST(Router, CorsPathsAnswerPreflightAndCarryAllowOrigin) {
  Router router = MakeRouter();
  Response pre = Answer(router, Make("OPTIONS", "/doc"));
  EXPECT_EQ(pre.status, 204);
  EXPECT_EQ(pre.Get("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(pre.Get("Access-Control-Allow-Methods"), "GET, HEAD, OPTIONS");
  EXPECT_EQ(pre.Get("Access-Control-Allow-Headers"),
            "Authorization, Content-Type, MCP-Protocol-Version");
  EXPECT_FALSE(pre.Has("Access-Control-Allow-Credentials"));
  EXPECT_EQ(Answer(router, Make("GET", "/doc")).Get("Access-Control-Allow-Origin"), "*");
  // Paths without CORS neither answer preflight nor carry the header.
  Response form = Answer(router, Make("OPTIONS", "/form"));
  EXPECT_EQ(form.status, 405);
  EXPECT_FALSE(form.Has("Access-Control-Allow-Origin"));
}

TEST(Router, HeadFollowsGet) {
  EXPECT_EQ(Answer(MakeRouter(), Make("HEAD", "/doc")).status, 200);
}

TEST(Router, ThrowingHandlerIsAGeneric500) {
  Router router = MakeRouter();
  AsyncStep step = router.Dispatch(Make("GET", "/boom"));
  ASSERT_EQ(KindOf(step), "worker");  // it throws only once it runs there
  Response r = RunSteps(step);
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("secret"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(r.body)["error"], "server_error");
}

// A route whose handler's step depends on the request: "now" answers at once, "later" waits for
// a Resume, "worker" asks for the pool, "worker then later" waits for a Resume once the pool ran
// it, "later then later" and "later then worker" go on after their first Resume to another wait
// or to the pool, and "throw" throws at each of those points.
Router MakeStepRouter() {
  Router router;
  router.Add(
      "POST", "/steps",
      [](const Request& r) -> AsyncStep {
        if (r.body == "now") return Response::Json(200, {{"now", true}});
        if (r.body == "throw") throw std::runtime_error("secret detail");
        if (r.body == "worker") return OnWorker{[] { return Response::Json(200, {{"w", 1}}); }};
        if (r.body == "worker throws") {
          return OnWorker{[]() -> AsyncStep { throw std::runtime_error("secret detail"); }};
        }
        if (r.body == "worker then later" || r.body == "worker then start throws") {
          return OnWorker{[&r]() -> AsyncStep {
            return Suspended{[&r](Resume resume) {
              if (r.body == "worker then start throws") throw std::runtime_error("secret detail");
              resume([] { return Response::Json(200, {{"w", 2}}); });
            }};
          }};
        }
        if (r.body.starts_with("later then")) {  // a wait whose Finish leads to another step
          return Suspended{[&r](Resume resume) {
            resume([&r]() -> AsyncStep {
              if (r.body == "later then worker") {
                return OnWorker{[] { return Response::Json(200, {{"w", 3}}); }};
              }
              return Suspended{[&r](Resume again) {
                again([&r]() -> Response {
                  if (r.body == "later then finish throws") {
                    throw std::runtime_error("secret detail");
                  }
                  return Response::Json(200, {{"later", 2}});
                });
              }};
            });
          }};
        }
        if (r.body == "start throws") {
          return Suspended{[](Resume) { throw std::runtime_error("secret detail"); }};
        }
        return Suspended{[&r](Resume resume) {
          resume([&r]() -> Response {
            if (r.body == "finish throws") throw std::runtime_error("secret detail");
            return Response::Json(200, {{"later", true}});
          });
        }};
      },
      {.cors = true});
  return router;
}

Request Post(std::string body) {
  Request r = Make("POST", "/steps");
  r.body = std::move(body);
  return r;
}

TEST(Router, EveryStepAnswersWithCors) {
  Router router = MakeStepRouter();
  Request preflight = Post("now");
  preflight.method = "OPTIONS";
  EXPECT_EQ(Answer(router, preflight).status, 204);
  preflight.method = "GET";
  EXPECT_EQ(Answer(router, preflight).status, 405);

  Request now = Post("now");
  AsyncStep step = router.Dispatch(now);
  ASSERT_EQ(KindOf(step), "answer");
  EXPECT_EQ(std::get<Response>(step).body, R"({"now":true})");
  EXPECT_EQ(std::get<Response>(step).Get("Access-Control-Allow-Origin"), "*");

  Request later = Post("later");
  step = router.Dispatch(later);
  ASSERT_EQ(KindOf(step), "suspended");
  Response resumed = RunSteps(step);
  EXPECT_EQ(resumed.body, R"({"later":true})");
  EXPECT_EQ(resumed.Get("Access-Control-Allow-Origin"), "*");

  // A Finish that leads to another wait, or to a worker: the last step answers, with CORS.
  for (auto [body, answer] : {std::pair{"later then later", R"({"later":2})"},
                              std::pair{"later then worker", R"({"w":3})"}}) {
    Request chained = Post(body);
    Response last = RunSteps(router.Dispatch(chained));
    EXPECT_EQ(last.status, 200) << body;
    EXPECT_EQ(last.body, answer) << body;
    EXPECT_EQ(last.Get("Access-Control-Allow-Origin"), "*") << body;
  }

  Request worker = Post("worker");
  step = router.Dispatch(worker);
  ASSERT_EQ(KindOf(step), "worker");
  Response on_worker = RunSteps(step);
  EXPECT_EQ(on_worker.body, R"({"w":1})");
  EXPECT_EQ(on_worker.Get("Access-Control-Allow-Origin"), "*");

  Request worker_then_later = Post("worker then later");
  step = router.Dispatch(worker_then_later);
  ASSERT_EQ(KindOf(step), "worker");
  AsyncStep after_worker = std::get<OnWorker>(step).run();
  ASSERT_EQ(KindOf(after_worker), "suspended");
  Response resumed_after_worker = RunSteps(after_worker);
  EXPECT_EQ(resumed_after_worker.body, R"({"w":2})");
  EXPECT_EQ(resumed_after_worker.Get("Access-Control-Allow-Origin"), "*");
}

TEST(Router, AThrowAtAnyStepIsAGeneric500WithCors) {
  Router router = MakeStepRouter();
  std::vector<Response> answers;
  for (const char* body : {"throw", "start throws", "finish throws", "worker throws",
                           "worker then start throws", "later then finish throws"}) {
    Request request = Post(body);
    answers.push_back(Answer(router, request));
  }
  for (const Response& r : answers) {
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, R"({"error":"server_error","error_description":"internal error"})");
    EXPECT_EQ(r.Get("Access-Control-Allow-Origin"), "*");
  }
}

// The observer hears of every step, in order: the handler, then a worker's run, or a Resume and
// the Finish it handed over.
TEST(Router, TheStepObserverHearsEveryStep) {
  Router router = MakeStepRouter();
  std::vector<std::pair<std::string, Step>> heard;
  router.SetStepObserver([&](const Request& r, Step s) { heard.emplace_back(r.body, s); });
  for (const char* body :
       {"now", "worker", "later", "worker then later", "later then later", "later then worker"}) {
    Request request = Post(body);
    (void)Answer(router, request);
  }
  std::vector<std::pair<std::string, Step>> expected = {{"now", Step::kHandler},
                                                        {"worker", Step::kHandler},
                                                        {"worker", Step::kWorker},
                                                        {"later", Step::kHandler},
                                                        {"later", Step::kResume},
                                                        {"later", Step::kFinish},
                                                        {"worker then later", Step::kHandler},
                                                        {"worker then later", Step::kWorker},
                                                        {"worker then later", Step::kResume},
                                                        {"worker then later", Step::kFinish},
                                                        {"later then later", Step::kHandler},
                                                        {"later then later", Step::kResume},
                                                        {"later then later", Step::kFinish},
                                                        {"later then later", Step::kResume},
                                                        {"later then later", Step::kFinish},
                                                        {"later then worker", Step::kHandler},
                                                        {"later then worker", Step::kResume},
                                                        {"later then worker", Step::kFinish},
                                                        {"later then worker", Step::kWorker}};
  EXPECT_EQ(heard, expected);
}

}  // namespace
}  // namespace authgent::http
