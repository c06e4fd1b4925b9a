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
  p.by_method[method] = std::move(handler);
  p.options.cors = p.options.cors || options.cors;
  p.options.blocking = p.options.blocking || options.blocking;
  if (options.blocking_when) p.options.blocking_when = options.blocking_when;
}

bool Router::IsBlocking(const Request& request) const {
  auto it = paths_.find(request.path);
  if (it == paths_.end()) return false;
  const RouteOptions& o = it->second.options;
  return o.blocking || (o.blocking_when && o.blocking_when(request));
}

std::string Router::AllowHeader(const Path& path) const {
  std::string allow;
  for (const auto& [method, handler] : path.by_method) {
    if (!allow.empty()) allow += ", ";
    allow += method;
    if (method == "GET" && !path.by_method.count("HEAD")) allow += ", HEAD";
  }
  if (path.options.cors) allow += ", OPTIONS";
  return allow;
}

Response Router::Dispatch(const Request& request) const {
  auto it = paths_.find(request.path);
  if (it == paths_.end()) {
    return Response::Error(404, "not_found", "no such endpoint");
  }
  const Path& path = it->second;
  Response response;
  if (request.method == "OPTIONS" && path.options.cors) {
    response.status = 204;
    response.Set("Access-Control-Allow-Methods", AllowHeader(path));
    response.Set("Access-Control-Allow-Headers", kCorsAllowHeaders);
    response.Set("Access-Control-Max-Age", "86400");
  } else {
    const std::string& method = request.method == "HEAD" ? std::string("GET") : request.method;
    auto handler = path.by_method.find(method);
    if (request.method == "HEAD" && path.by_method.count("HEAD")) {
      handler = path.by_method.find("HEAD");
    }
    if (handler == path.by_method.end()) {
      response = Response::Error(405, "method_not_allowed",
                                 "this endpoint does not accept " + request.method);
      response.Set("Allow", AllowHeader(path));
    } else {
      try {
        response = handler->second(request);
      } catch (const std::exception& e) {
        log::Error("handler threw", {{"request_id", request.request_id}, {"error", e.what()}});
        response = Response::Error(500, "server_error", "internal error");
      } catch (...) {
        log::Error("handler threw", {{"request_id", request.request_id}});
        response = Response::Error(500, "server_error", "internal error");
      }
    }
  }
  if (path.options.cors) response.Set("Access-Control-Allow-Origin", "*");
  return response;
}

}  // namespace authgent::http
