#include "http/router.h"

#include <algorithm>
#include <exception>

#include "core/log.h"

namespace authgent::http {
namespace {
constexpr char kCorsAllowHeaders[] = "Authorization, Content-Type, MCP-Protocol-Version";
}

Handler OnWorkers(std::function<AsyncStep(const Request&)> handler) {
  return [handler = std::move(handler)](const Request& request) -> AsyncStep {
    return OnWorker{[&handler, &request] { return handler(request); }};
  };
}

void Router::Add(const std::string& method, const std::string& path, Handler handler,
                 RouteOptions options) {
  Path& p = paths_[path];
  p.cors = p.cors || options.cors;
  p.by_method[method] = std::move(handler);
}

const Handler* Router::Find(const Path& path, const std::string& method) {
  auto it = path.by_method.find(method);
  if (it == path.by_method.end() && method == "HEAD") it = path.by_method.find("GET");
  return it == path.by_method.end() ? nullptr : &it->second;
}

std::string Router::AllowHeader(const Path& path) const {
  std::string allow;
  for (const auto& [method, handler] : path.by_method) {
    if (!allow.empty()) allow += ", ";
    allow += method;
    if (method == "GET" && !path.by_method.count("HEAD")) allow += ", HEAD";
  }
  if (path.cors) allow += ", OPTIONS";
  return allow;
}

std::vector<std::string> Router::Paths() const {
  std::vector<std::string> out;
  for (const auto& [path, unused] : paths_) out.push_back(path);
  std::sort(out.begin(), out.end());
  return out;
}

AsyncStep Router::Dispatch(const Request& request) const {
  auto it = paths_.find(request.path);
  if (it == paths_.end()) {
    if (unknown_path_) return Guarded(request, unknown_path_, false);
    return Response::Error(404, "not_found", "no such endpoint");
  }
  const Path& path = it->second;
  const Handler* handler = request.method == "OPTIONS" && path.cors
                               ? nullptr
                               : Find(path, request.method);
  if (handler) return Guarded(request, *handler, path.cors);
  return Answer(request, path);
}

Response Router::Answer(const Request& request, const Path& path) const {
  Response response;
  if (request.method == "OPTIONS" && path.cors) {
    response.status = 204;
    response.Set("Access-Control-Allow-Methods", AllowHeader(path));
    response.Set("Access-Control-Allow-Headers", kCorsAllowHeaders);
    response.Set("Access-Control-Max-Age", "86400");
  } else {
    response = Response::Error(405, "method_not_allowed",
                               "this endpoint does not accept " + request.method);
    response.Set("Allow", AllowHeader(path));
  }
  if (path.cors) response.Set("Access-Control-Allow-Origin", "*");
  return response;
}

// Runs `fn`; when it throws, logs why and returns the generic 500 to answer instead.
template <typename Fn>
std::optional<Response> Router::Caught(const Request& request, Fn&& fn) {
  try {
    fn();
    return std::nullopt;
  } catch (const std::exception& e) {
    log::Error("handler threw", {{"request_id", request.request_id}, {"error", e.what()}});
  } catch (...) {
    log::Error("handler threw", {{"request_id", request.request_id}});
  }
  return Response::Error(500, "server_error", "internal error");
}

AsyncStep Router::Guarded(const Request& request, const Handler& handler, bool cors) const {
  std::function<Response(Response)> answer = [cors](Response r) {
    if (cors) r.Set("Access-Control-Allow-Origin", "*");
    return r;
  };
  AsyncStep step;
  Observe(request, Step::kHandler);
  if (auto failed = Caught(request, [&] { step = handler(request); })) {
    return answer(std::move(*failed));
  }
  return GuardedStep(request, std::move(step), answer);
}

AsyncStep Router::GuardedStep(const Request& request, AsyncStep step,
                              const std::function<Response(Response)>& answer) const {
  if (auto* r = std::get_if<Response>(&step)) return answer(std::move(*r));
  // What runs later runs guarded and observed too; the request outlives its wait (the caller
  // keeps it), the router outlives every request.
  if (auto* w = std::get_if<OnWorker>(&step)) {
    return OnWorker{[this, &request, answer, run = std::move(w->run)]() -> AsyncStep {
      Observe(request, Step::kWorker);
      AsyncStep next;
      if (auto failed = Caught(request, [&] { next = run(); })) return answer(std::move(*failed));
      return GuardedStep(request, std::move(next), answer);
    }};
  }
  auto guard = [this, &request, answer](Finish finish) -> Finish {
    return [this, &request, answer, finish = std::move(finish)]() -> AsyncStep {
      Observe(request, Step::kFinish);
      AsyncStep next;
      if (auto failed = Caught(request, [&] { next = finish(); }))
        return answer(std::move(*failed));
      return GuardedStep(request, std::move(next), answer);
    };
  };
  return Suspended{[this, &request, guard, answer,
                    start = std::move(std::get<Suspended>(step).start)](const Resume& resume) {
    auto failed = Caught(request, [&] {
      start([this, &request, resume, guard](Finish finish) {
        Observe(request, Step::kResume);
        resume(guard(std::move(finish)));
      });
    });
    // A start that threw answers 500 (unless it had resumed already: the first call counts).
    if (failed) resume([failed = answer(std::move(*failed))]() -> AsyncStep { return failed; });
  }};
}

}  // namespace authgent::http
