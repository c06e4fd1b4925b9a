#include "http/router.h"

#include <exception>

#include "core/log.h"

namespace authgent::http {
namespace {
constexpr char kCorsAllowHeaders[] = "Authorization, Content-Type, MCP-Protocol-Version";
}

void Router::Add(const std::string& method, const std::string& path, Handler handler,
                 RouteOptions options) {
  Path& p = paths_[path];
  p.cors = p.cors || options.cors;
  p.by_method[method] = Route{std::move(handler), std::move(options)};
}

const Router::Route* Router::Find(const Path& path, const std::string& method) {
  auto it = path.by_method.find(method);
  if (it == path.by_method.end() && method == "HEAD") it = path.by_method.find("GET");
  return it == path.by_method.end() ? nullptr : &it->second;
}

Placement Router::Place(const Request& request) const {
  auto it = paths_.find(request.path);
  if (it == paths_.end()) return Placement::kInline;
  const Route* route = Find(it->second, request.method);
  if (!route) return Placement::kInline;  // 405, or a preflight
  const RouteOptions& o = route->options;
  if (o.blocking || (o.blocking_when && o.blocking_when(request))) return Placement::kWorker;
  // A HEAD runs its GET's handler, never the asynchronous one.
  bool own_method = it->second.by_method.count(request.method) > 0;
  if (o.async_handler && own_method && o.async_when && o.async_when(request)) {
    return Placement::kAsync;
  }
  return Placement::kInline;
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

Response Router::Dispatch(const Request& request) const {
  auto it = paths_.find(request.path);
  if (it == paths_.end()) {
    if (unknown_path_) return unknown_path_(request);
    return Response::Error(404, "not_found", "no such endpoint");
  }
  const Path& path = it->second;
  Response response;
  if (request.method == "OPTIONS" && path.cors) {
    response.status = 204;
    response.Set("Access-Control-Allow-Methods", AllowHeader(path));
    response.Set("Access-Control-Allow-Headers", kCorsAllowHeaders);
    response.Set("Access-Control-Max-Age", "86400");
  } else {
    const Route* route = Find(path, request.method);
    if (!route) {
      response = Response::Error(405, "method_not_allowed",
                                 "this endpoint does not accept " + request.method);
      response.Set("Allow", AllowHeader(path));
    } else {
      return Guarded(request, [&] { return route->handler(request); }, path.cors);
    }
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

Response Router::Guarded(const Request& request, const Finish& finish, bool cors) {
  Response response;
  if (auto failed = Caught(request, [&] { response = finish(); })) response = std::move(*failed);
  if (cors) response.Set("Access-Control-Allow-Origin", "*");
  return response;
}

AsyncStep Router::DispatchAsync(const Request& request) const {
  auto it = paths_.find(request.path);
  if (it == paths_.end()) return Dispatch(request);
  auto route = it->second.by_method.find(request.method);
  if (route == it->second.by_method.end() || !route->second.options.async_handler) {
    return Dispatch(request);
  }
  const RouteOptions& options = route->second.options;
  const bool cors = it->second.cors;
  auto answer = [cors](Response r) {
    if (cors) r.Set("Access-Control-Allow-Origin", "*");
    return r;
  };
  AsyncStep step;
  if (auto failed = Caught(request, [&] { step = options.async_handler(request); })) {
    return answer(std::move(*failed));
  }
  if (auto* r = std::get_if<Response>(&step)) return answer(std::move(*r));
  // What runs later runs guarded too; the request outlives its wait (the caller keeps it).
  auto guard = [&request, cors](Finish finish) -> Finish {
    return [&request, cors, finish = std::move(finish)] { return Guarded(request, finish, cors); };
  };
  if (auto* w = std::get_if<OnWorker>(&step)) return OnWorker{guard(std::move(w->run))};
  return Suspended{[&request, guard, answer, start = std::move(std::get<Suspended>(step).start)](
                       const Resume& resume) {
    auto failed = Caught(request, [&] {
      start([resume, guard](Finish finish) { resume(guard(std::move(finish))); });
    });
    // A start that threw answers 500 (unless it had resumed already: the first call counts).
    if (failed) resume([failed = answer(std::move(*failed))] { return failed; });
  }};
}

}  // namespace authgent::http
