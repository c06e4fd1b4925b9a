// http/router: exact-path routing with per-method handlers.
//
// Owns the uniform answers every endpoint shares: 404 with a JSON body for unknown paths, 405
// with `Allow` for a known path and another method, HEAD for every GET, and CORS for the paths
// registered with `cors` (MCP-AUTH.md §7): `Access-Control-Allow-Origin: *` without credentials
// on every answer, and a 204 for the preflight OPTIONS.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <unordered_map>

#include "http/message.h"

namespace authgent::http {

using Handler = std::function<Response(const Request&)>;

struct RouteOptions {
  bool cors = false;      // browser-based clients (MCP Inspector) call this path cross-origin
  bool blocking = false;  // touches storage or slow crypto: run off the network threads
  // When set (and `blocking` is false), asked per request on the network thread: true sends this
  // request to the worker pool. For handlers that are fast from a cache and slow when it is stale.
  std::function<bool(const Request&)> blocking_when = nullptr;
};

class Router {
 public:
  void Add(const std::string& method, const std::string& path, Handler handler,
           RouteOptions options = {});

  // Whether `request` should run on the blocking pool (unknown paths do not).
  bool IsBlocking(const Request& request) const;
  // Runs the matching handler, or answers 404/405/OPTIONS itself. Never throws: a handler that
  // throws becomes a 500 with a generic body (the exception text is logged, not sent).
  Response Dispatch(const Request& request) const;

 private:
  struct Path {
    std::map<std::string, Handler> by_method;
    RouteOptions options;
  };
  std::string AllowHeader(const Path& path) const;

  std::unordered_map<std::string, Path> paths_;
};

}  // namespace authgent::http
