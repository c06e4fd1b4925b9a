// http/router: exact-path routing with per-method handlers.
//
// Owns the uniform answers every endpoint shares: 404 with a JSON body for unknown paths, 405
// with `Allow` for a known path and another method, HEAD for every GET, and CORS for the paths
// registered with `cors` (docs/mcp-clients.md §7): `Access-Control-Allow-Origin: *` without credentials
// on every answer, and a 204 for the preflight OPTIONS.
//
// A request runs in one of three places (Place()): inline on the network thread (fast, never
// blocks), on the worker pool (`blocking`: storage, slow crypto), or, for routes with an
// `async_handler`, on the network thread in steps around a wait that parks no thread (a store
// write on the store's own thread; see AsyncStep).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

#include "http/message.h"

namespace authgent::http {

using Handler = std::function<Response(const Request&)>;

// What finishes a request after a wait; runs on a network thread (or, for OnWorker, a worker).
using Finish = std::function<Response()>;
// Hands the request its Finish once the wait is over. Call it once, from any thread; later calls
// are ignored, and a Resume dropped uncalled answers 500.
using Resume = std::function<void(Finish)>;
// The request waits: `start` begins what completes elsewhere and arranges for `resume` to be
// called then. It must not block.
struct Suspended {
  std::function<void(Resume)> start;
};
// The request needs to block after all (a cache missed, say): `run` answers it on a worker.
struct OnWorker {
  Finish run;
};
// An asynchronous handler's first step, on the network thread: the answer, or how to get it.
using AsyncStep = std::variant<Response, Suspended, OnWorker>;
using AsyncHandler = std::function<AsyncStep(const Request&)>;

enum class Placement { kInline, kWorker, kAsync };

struct RouteOptions {
  bool cors = false;      // browser-based clients (MCP Inspector) call this path cross-origin
  bool blocking = false;  // touches storage or slow crypto: run off the network threads
  // When set (and `blocking` is false), asked per request on the network thread: true sends this
  // request to the worker pool. For handlers that are fast from a cache and slow when it is stale.
  std::function<bool(const Request&)> blocking_when = nullptr;
  // When set, asked per request on the network thread when neither of the above applies: true
  // runs `async_handler` (required with it) instead of the handler added with it (the same
  // method only: OPTIONS, HEAD and other methods keep their usual answers).
  std::function<bool(const Request&)> async_when = nullptr;
  AsyncHandler async_handler = nullptr;
};

class Router {
 public:
  void Add(const std::string& method, const std::string& path, Handler handler,
           RouteOptions options = {});
  // Answers every path nothing was added for (default: 404 not_found). Runs inline: it must be
  // quick and must not block.
  void SetUnknownPathHandler(Handler handler) { unknown_path_ = std::move(handler); }

  // Where `request` runs, from the options its method was added with (unknown paths and
  // methods: inline).
  Placement Place(const Request& request) const;
  // Runs the matching handler, or answers 404/405/OPTIONS itself. Never throws: a handler that
  // throws becomes a 500 with a generic body (the exception text is logged, not sent).
  Response Dispatch(const Request& request) const;
  // For a request placed kAsync: runs the route's asynchronous handler, with the same guarantees
  // as Dispatch for every response it leads to (500 for a throw, CORS).
  AsyncStep DispatchAsync(const Request& request) const;

 private:
  // One method of a path: its handler and where it runs. Each method's options are its own (a
  // blocking GET does not make the POST beside it blocking).
  struct Route {
    Handler handler;
    RouteOptions options;
  };
  struct Path {
    std::map<std::string, Route> by_method;
    bool cors = false;  // any method added with `cors`: the path answers preflights
  };
  // The route `request` runs (HEAD runs GET's unless HEAD was added), or null.
  static const Route* Find(const Path& path, const std::string& method);
  std::string AllowHeader(const Path& path) const;
  // `finish` run with Dispatch's guarantees: a throw becomes a generic 500, CORS is added.
  static Response Guarded(const Request& request, const Finish& finish, bool cors);
  template <typename Fn>
  static std::optional<Response> Caught(const Request& request, Fn&& fn);

  std::unordered_map<std::string, Path> paths_;
  Handler unknown_path_;
};

}  // namespace authgent::http
