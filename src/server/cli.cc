#include "server/cli.h"

#include <cstdio>
#include <iostream>

#include "core/clock.h"
#include "server/app.h"

namespace authgent::server {
namespace {

int Fail(const Status& status) {
  std::cerr << "authgent: " << status.message() << "\n";
  return ExitCodeFor(status);
}

void PrintKeys(const crypto::KeySnapshot& snapshot) {
  std::printf("%-44s  %-8s  %-20s  %-20s  %s\n", "KID", "STATE", "CREATED", "ACTIVATES", "RETIRES");
  for (const crypto::KeyStatus& k : snapshot.keys) {
    std::printf("%-44s  %-8s  %-20s  %-20s  %s\n", k.kid.c_str(),
                std::string(crypto::KeyStateName(k.state)).c_str(),
                FormatRfc3339(k.created_at).c_str(), FormatRfc3339(k.activate_at).c_str(),
                k.retire_at ? FormatRfc3339(k.retire_at).c_str() : "-");
  }
}

}  // namespace

int ExitCodeFor(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
      return 2;
    default:
      return 1;
  }
}

int RunMigrate(const Config& config) {
  storage::OpenOptions options = StoreOptions(config);
  options.pool_size = 1;
  auto store = storage::OpenStore(config.database, options);
  if (!store.ok()) return Fail(store.status());
  auto applied = (*store)->Migrate();
  if (!applied.ok()) return Fail(applied.status());
  std::printf("database schema at version %d (%d migration%s applied now)\n",
              (*store)->LatestSchemaVersion(), *applied, *applied == 1 ? "" : "s");
  return 0;
}

int RunKeysList(const Config& config) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status());
  auto keys = (*store)->ListSigningKeys();
  if (!keys.ok()) return Fail(keys.status());
  if (keys->empty()) {
    std::printf("no signing keys yet: `authgent serve` creates the first one\n");
    return 0;
  }
  auto ring = OpenKeyRing(config, **store, SystemClock::Instance(), SecureRandom::Instance());
  if (!ring.ok()) return Fail(ring.status());
  auto snapshot = (*ring)->Reload();
  if (!snapshot.ok()) return Fail(snapshot.status());
  PrintKeys(**snapshot);
  return 0;
}

int RunKeysRotate(const Config& config) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return Fail(store.status());
  auto ring = OpenKeyRing(config, **store, SystemClock::Instance(), SecureRandom::Instance());
  if (!ring.ok()) return Fail(ring.status());
  Status boot = (*ring)->Bootstrap(std::nullopt);
  if (!boot.ok()) return Fail(boot);
  auto added = (*ring)->Rotate();
  if (!added.ok()) return Fail(added.status());
  AuditEvent e("key.rotated");
  AuditOperator(config, std::move(e.Str("kid", added->kid).Int("activate_at", added->activate_at)));
  std::printf("added key %s: published now, signs from %s\n", added->kid.c_str(),
              FormatRfc3339(added->activate_at).c_str());
  PrintKeys(**(*ring)->Current());
  return 0;
}

}  // namespace authgent::server
