// http/server: the HTTP/1.1 server (Boost.Beast, C++20 coroutines). The only code that knows
// Beast and Asio.
//
// What it guarantees, for every connection:
//  - keep-alive, with an idle timeout; a read timeout for each request (slow clients are cut off);
//  - header block <= 8 KiB (else 431) and body <= max_body_bytes (else 413), JSON error bodies;
//  - an `X-Request-Id` on every response (the client's when sane, else a random one) and one
//    JSON access-log line per request (no query string, no header values, no body);
//  - each request runs where its handler's steps say (http/router.h): on the network thread,
//    on the worker pool, or suspended until another thread resumes it.
// Shutdown() is graceful: stop accepting, close idle connections, let in-flight requests finish
// (their responses go out with `Connection: close`) for up to shutdown_timeout, then stop.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/status.h"
#include "http/router.h"

namespace authgent::http {

struct ServerOptions {
  std::string bind_address = "0.0.0.0";
  int port = 8080;  // 0: any free port (see Listen())
  int io_threads = 1;
  int worker_threads = 4;
  size_t header_limit_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
  std::chrono::seconds read_timeout{10};
  std::chrono::seconds idle_timeout{60};
  std::chrono::seconds shutdown_timeout{10};
  // Connections open at once; more are answered 503 and closed at once (see MAX_CONNECTIONS).
  int max_connections = 10000;
  bool access_log = true;
  // Told of every answered request once its answer is written (metrics); on a network thread,
  // so it must be quick. `micros`: from the request's first byte read to the answer written.
  std::function<void(const Request&, int status, int64_t micros)> on_answered = nullptr;
};

class Server {
 public:
  Server(ServerOptions options, const Router& router);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the bound port (useful with port 0).
  StatusOr<int> Listen();
  // Serves until Shutdown() completes (or SIGTERM/SIGINT when handle_signals). Blocks the caller,
  // which becomes one of the io threads.
  void Run(bool handle_signals);
  // Starts a graceful shutdown; safe from any thread, any number of times.
  void Shutdown();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authgent::http
