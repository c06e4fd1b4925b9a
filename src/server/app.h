// server/app: the object graph of one running authgent instance: configuration, store, key ring,
// router and HTTP server, wired once. main() builds one from the command line; integration tests
// build one in-process with a FakeClock and drive it over real HTTP.
#pragma once

#include <memory>

#include "core/clock.h"
#include "core/random.h"
#include "crypto/key_ring.h"
#include "http/router.h"
#include "http/server.h"
#include "server/config.h"
#include "storage/store.h"

namespace authgent::server {

// Opens the configured store and applies pending migrations.
StatusOr<std::unique_ptr<storage::Store>> OpenMigratedStore(const Config& config);
// Loads the key-encryption key and returns a key ring over `store` (not yet bootstrapped).
StatusOr<std::unique_ptr<crypto::KeyRing>> OpenKeyRing(const Config& config, storage::Store& store,
                                                       const Clock& clock, Random& random);

class App {
 public:
  // Opens and migrates storage, ensures a signing key, builds the routes. Does not listen yet.
  static StatusOr<std::unique_ptr<App>> Create(Config config, const Clock& clock, Random& random);

  // Binds the port; when ISSUER was not set, the issuer becomes http://localhost:PORT.
  StatusOr<int> Listen();
  void Run(bool handle_signals) { server_->Run(handle_signals); }
  void Shutdown() { server_->Shutdown(); }

  const Config& config() const { return config_; }
  const std::string& issuer() const { return config_.issuer; }
  storage::Store& store() { return *store_; }
  crypto::KeyRing& keys() { return *keys_; }

 private:
  App(Config config, const Clock& clock, Random& random) : config_(std::move(config)), clock_(clock), random_(random) {}
  void BuildDocuments();
  void AddDiscoveryRoutes();
  void AddHealthRoutes();

  Config config_;
  const Clock& clock_;
  Random& random_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<crypto::KeyRing> keys_;
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::string metadata_json_;  // built once the issuer is known
};

}  // namespace authgent::server
