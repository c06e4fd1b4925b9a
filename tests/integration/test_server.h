// tests/integration/test_server: an authgent App in this process, on 127.0.0.1 and a free port,
// with a FakeClock and a private SQLite file; it serves on a background thread and shuts down
// gracefully when the object goes away. With AUTHGENT_TEST_STORE=postgres (or
// TestStore::kPostgres) the store is a new database of its own in the test command's PostgreSQL
// instead (dropped afterwards), so that a suite of these tests runs on either store unchanged
// (tests/integration/CMakeLists.txt).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <thread>

#include "core/clock.h"
#include "core/temp_dir.h"
#include "server/app.h"

namespace authgent::testing {

// A fresh temporary directory: deleted after a green run, kept after a red one (core/test_main).
using authgent::MakeTempDir;

// Where a TestServer stores: as AUTHGENT_TEST_STORE says (SQLite unless it says postgres), or
// on the one a test is about.
enum class TestStore { kFromEnvironment, kSqlite, kPostgres };

class TestServer {
 public:
  // `adjust` may change the raw configuration before validation; `prepare` sees the app before
  // it serves (to observe its router, say).
  explicit TestServer(const std::function<void(server::RawConfig&)>& adjust = nullptr,
                      const std::function<void(server::App&)>& prepare = nullptr,
                      TestStore store = TestStore::kFromEnvironment);
  ~TestServer();

  int port() const { return port_; }
  const std::string& issuer() const { return app_->issuer(); }
  server::App& app() { return *app_; }
  FakeClock& clock() { return clock_; }
  const std::string& dir() const { return dir_; }
  // Whether the server stores in PostgreSQL (AUTHGENT_TEST_STORE=postgres), not in dir()'s file.
  static bool OnPostgres();
  // What a separate `authgent` process needs to open this server's store: DATABASE_URL, and on
  // PostgreSQL the KEY_ENCRYPTION_KEY the instances share.
  std::map<std::string, std::string> StoreEnvironment() const;

 private:
  FakeClock clock_{1'800'000'000};
  std::string dir_;
  std::string database_;  // the PostgreSQL database made for this server, or empty
  std::string database_url_;
  std::string key_encryption_key_;  // on PostgreSQL: a random one, as instances would share
  std::unique_ptr<server::App> app_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace authgent::testing
