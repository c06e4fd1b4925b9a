// server/startup_listener: what the port answers while an instance waits for its database at
// start (main.cc retries with backoff). Orchestrators and balancers then see the truth: the
// process is alive (/healthz 200) and not ready (/readyz 503, reason `storage`), and every other
// path answers 503 temporarily_unavailable with Retry-After. A refused connection instead would
// look like a dead process to a liveness probe, which would restart it in a loop.
#pragma once

#include <memory>
#include <thread>

#include "core/status.h"
#include "http/router.h"
#include "http/server.h"
#include "server/config.h"

namespace authgent::server {

class StartupListener {
 public:
  // Binds the configured address and port and serves on a thread of its own. Call with SIGTERM
  // and SIGINT blocked: its threads inherit the mask, so those signals stay with the caller.
  static StatusOr<std::unique_ptr<StartupListener>> Start(const Config& config);
  ~StartupListener();  // stops (as Stop())

  // Closes the port and waits for the answers in flight; the real server may bind it after.
  void Stop();

 private:
  StartupListener() = default;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace authgent::server
