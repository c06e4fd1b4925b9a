#include "test_server.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "core/random.h"
#include "test_database.h"

namespace authgent::testing {

TestServer::TestServer(const std::function<void(server::RawConfig&)>& adjust,
                       const std::function<void(server::App&)>& prepare, TestStore store) {
  dir_ = MakeTempDir("authgent-it");
  server::RawConfig raw;
  raw.port = "0";
  raw.bind_address = "127.0.0.1";
  raw.database_url = "sqlite://" + dir_ + "/authgent.db";
  if (store == TestStore::kPostgres || (store == TestStore::kFromEnvironment && OnPostgres())) {
    database_ = "authgent_it_" + SecureRandom::Instance().Hex(8);
    raw.database_url = CreateDatabase(database_);
    if (raw.database_url.empty()) return;  // CreateDatabase failed the test
    key_encryption_key_ = RandomKeyEncryptionKey();
    raw.key_encryption_key = key_encryption_key_;  // PostgreSQL requires the instances' key
  }
  database_url_ = raw.database_url;
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
  app_.reset();  // its connections close before its database goes
  if (!database_.empty()) AdminExec("DROP DATABASE IF EXISTS " + database_ + " WITH (FORCE)");
}

std::map<std::string, std::string> TestServer::StoreEnvironment() const {
  std::map<std::string, std::string> env{{"DATABASE_URL", database_url_}};
  if (!database_.empty()) env["KEY_ENCRYPTION_KEY"] = key_encryption_key_;
  return env;
}

bool TestServer::OnPostgres() {
  const char* store = std::getenv("AUTHGENT_TEST_STORE");
  return store && std::string_view(store) == "postgres";
}

}  // namespace authgent::testing
