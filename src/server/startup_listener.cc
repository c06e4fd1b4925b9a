#include "server/startup_listener.h"

#include <utility>

namespace authgent::server {

StatusOr<std::unique_ptr<StartupListener>> StartupListener::Start(const Config& config) {
  std::unique_ptr<StartupListener> listener(new StartupListener());
  http::Router& router = listener->router_;
  router.Add("GET", "/healthz",
             [](const http::Request&) { return http::Response::Json(200, {{"status", "ok"}}); });
  router.Add("GET", "/readyz", [](const http::Request&) {
    return http::Response::Json(503, {{"status", "unavailable"}, {"reason", "storage"}});
  });
  router.SetUnknownPathHandler([](const http::Request&) {
    http::Response r = http::Response::Error(503, "temporarily_unavailable",
                                             "the service is starting, try again");
    r.Set("Retry-After", "2");
    return r;
  });
  http::ServerOptions options;
  options.bind_address = config.bind_address;
  options.port = config.port;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.max_body_bytes = config.max_body_bytes;
  options.read_timeout = std::chrono::seconds(config.read_timeout);
  options.idle_timeout = std::chrono::seconds(config.idle_timeout);
  options.shutdown_timeout = std::chrono::seconds(2);
  options.max_connections = config.max_connections;
  options.access_log = config.access_log;
  listener->server_ = std::make_unique<http::Server>(options, router);
  AUTHGENT_RETURN_IF_ERROR(listener->server_->Listen().status());
  listener->thread_ = std::thread([server = listener->server_.get()] { server->Run(false); });
  return listener;
}

StartupListener::~StartupListener() { Stop(); }

void StartupListener::Stop() {
  if (!thread_.joinable()) return;
  server_->Shutdown();
  thread_.join();
  server_.reset();  // closes the listening socket
}

}  // namespace authgent::server
