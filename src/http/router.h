// http/router: exact-path routing with per-method handlers.
//
// Owns the uniform answers every endpoint shares: 404 with a JSON body for unknown paths, 405
// with `Allow` for a known path and another method, HEAD for every GET, and CORS for the paths
// registered with `cors` (docs/mcp-clients.md §7): `Access-Control-Allow-Origin: *` without
// credentials on every answer, and a 204 for the preflight OPTIONS.
//
// Every route has exactly one handler per method, and the handler alone says where the request
// runs, by the step it returns (AsyncStep): the answer (computed on the network thread, so it
// must not block), OnWorker (the rest runs on the worker pool: storage, password hashing), or
// Suspended (a wait that parks no thread, ended by whoever completes it: a store's writer
// thread). Every step may lead to another: a worker's run and a wait's Finish return the next
// step, so a request can go through several waits (a rate count, a read, a write) on the
// network thread without a worker. `OnWorkers(fn)` is the handler of a route that always
// blocks.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "http/message.h"

namespace authgent::http {

struct Suspended;
struct OnWorker;
// A handler's first step, on the network thread: the answer, or how to get it.
using AsyncStep = std::variant<Response, Suspended, OnWorker>;
// What follows a wait, on a network thread: the answer, or the next step (it must not block).
using Finish = std::function<AsyncStep()>;
// Hands the request its Finish once the wait is over. Call it once, from any thread; later calls
// are ignored, and a Resume dropped uncalled answers 500.
using Resume = std::function<void(Finish)>;
// The request waits: `start` begins what completes elsewhere and arranges for `resume` to be
// called then. It must not block.
struct Suspended {
  std::function<void(Resume)> start;
};
// The request blocks (storage, slow crypto, a cache that missed): `run` goes on on a worker and
// returns the answer, or the next step: a Suspended one starts back on the network thread, so a
// worker that has read what it needs hands a write's wait to the store without parking.
struct OnWorker {
  std::function<AsyncStep()> run;
};
// A route's handler. A lambda that returns a Response is one that answers on the network thread.
using Handler = std::function<AsyncStep(const Request&)>;
// The handler of a route that always blocks: `handler` runs on a worker (and may end in a wait
// that starts back on the network thread).
Handler OnWorkers(std::function<AsyncStep(const Request&)> handler);

// The points of a request's life a StepObserver is told of, each on the thread it happens on.
enum class Step {
  kHandler,  // the handler runs (a network thread)
  kWorker,   // an OnWorker step starts (a worker)
  kResume,   // a Suspended step's Resume is called (whichever thread completed the wait)
  kFinish,   // the Finish that Resume handed over runs (back on a network thread)
};
using StepObserver = std::function<void(const Request&, Step)>;

struct RouteOptions {
  bool cors = false;  // browser-based clients (MCP Inspector) call this path cross-origin
};

class Router {
 public:
  void Add(const std::string& method, const std::string& path, Handler handler,
           RouteOptions options = {});
  // Every path added, for metrics labelled by route.
  std::vector<std::string> Paths() const;
  // Answers every path nothing was added for (default: 404 not_found).
  void SetUnknownPathHandler(Handler handler) { unknown_path_ = std::move(handler); }
  // Told of every step of every request that reaches a handler; for the test that checks where
  // each route runs. Set it before serving.
  void SetStepObserver(StepObserver observer) { observer_ = std::move(observer); }

  // The first step of `request`: its route's handler's (HEAD runs GET's unless HEAD was added),
  // or the router's own answer (404, 405, a preflight). Never throws: a handler that throws, at
  // any step, becomes a 500 with a generic body (the exception text is logged, not sent); every
  // answer of a `cors` path carries CORS. `request` must outlive the steps.
  AsyncStep Dispatch(const Request& request) const;

 private:
  struct Path {
    std::map<std::string, Handler> by_method;
    bool cors = false;  // any method added with `cors`: the path answers preflights
  };
  // The handler `method` runs (HEAD runs GET's unless HEAD was added), or null.
  static const Handler* Find(const Path& path, const std::string& method);
  std::string AllowHeader(const Path& path) const;
  // The router's own answers for a known path: the preflight, 405.
  Response Answer(const Request& request, const Path& path) const;
  // `handler`'s steps with Dispatch's guarantees.
  AsyncStep Guarded(const Request& request, const Handler& handler, bool cors) const;
  // `step` and every step after it guarded and observed; `answer` adds CORS.
  AsyncStep GuardedStep(const Request& request, AsyncStep step,
                        const std::function<Response(Response)>& answer) const;
  void Observe(const Request& request, Step step) const {
    if (observer_) observer_(request, step);
  }
  template <typename Fn>
  static std::optional<Response> Caught(const Request& request, Fn&& fn);

  std::unordered_map<std::string, Path> paths_;
  Handler unknown_path_;
  StepObserver observer_;
};

}  // namespace authgent::http
