#include "test_server.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

namespace authgent::testing {

TestServer::TestServer(const std::function<void(server::RawConfig&)>& adjust,
                       const std::function<void(server::App&)>& prepare) {
  dir_ = MakeTempDir("authgent-it");
  server::RawConfig raw;
  raw.port = "0";
  raw.bind_address = "127.0.0.1";
  raw.database_url = "sqlite://" + dir_ + "/authgent.db";
  raw.io_threads = "2";
  raw.worker_threads = "4";
  raw.access_log = "false";
  raw.audit_log = "off";  // tests that read the trail set a file
  if (adjust) adjust(raw);
  auto config = server::ValidateConfig(raw);
  if (!config.ok()) {
    ADD_FAILURE() << config.status().ToString();
    return;
  }
  auto app = server::App::Create(*config, clock_, SecureRandom::Instance());
  if (!app.ok()) {
    ADD_FAILURE() << app.status().ToString();
    return;
  }
  app_ = std::move(app).value();
  if (prepare) prepare(*app_);
  auto port = app_->Listen();
  if (!port.ok()) {
    ADD_FAILURE() << port.status().ToString();
    return;
  }
  port_ = *port;
  thread_ = std::thread([this] { app_->Run(/*handle_signals=*/false); });
}

TestServer::~TestServer() {
  if (app_ && thread_.joinable()) {
    app_->Shutdown();
    thread_.join();
  }
}

}  // namespace authgent::testing
