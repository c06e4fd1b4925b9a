// Runs the storage conformance suite against a real PostgreSQL. The test command starts one and
// sets AUTHGENT_TEST_POSTGRES_URL; without it these tests fail (they never skip silently).
#include "storage/postgres/postgres_store.h"

#include <atomic>
#include <cstdlib>
#include <random>
#include <thread>

#include "storage/testing/store_conformance.h"

namespace authgent::storage::testing {
namespace {

std::string PostgresUrl() {
  const char* url = std::getenv("AUTHGENT_TEST_POSTGRES_URL");
  return url ? url : "";
}

std::unique_ptr<Store> OpenUnmigrated(const std::string& schema) {
  if (PostgresUrl().empty()) {
    ADD_FAILURE() << "AUTHGENT_TEST_POSTGRES_URL is not set: run the tests through `make test`, "
                     "which starts PostgreSQL";
    return nullptr;
  }
  PostgresOptions options;
  options.conninfo = PostgresUrl();
  options.schema = schema;
  options.pool_size = 4;
  auto store = OpenPostgresStore(options);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

std::unique_ptr<Store> OpenPostgres(const std::string& schema) {
  std::unique_ptr<Store> store = OpenUnmigrated(schema);
  if (!store) return nullptr;
  auto migrated = store->Migrate();
  if (!migrated.ok()) {
    ADD_FAILURE() << migrated.status().ToString();
    return nullptr;
  }
  return store;
}

AUTHGENT_INSTANTIATE_STORE_CONFORMANCE(Postgres, (StoreBackend{"postgres", OpenPostgres}));

TEST(PostgresStore, TheTestDatabaseIsConfigured) {
  ASSERT_FALSE(PostgresUrl().empty())
      << "AUTHGENT_TEST_POSTGRES_URL is not set: the PostgreSQL tests must not be skipped";
}

// Several instances starting at once: each migration is applied by exactly one of them.
TEST(PostgresStore, ConcurrentStartsMigrateExactlyOnce) {
  std::string schema = "race" + std::to_string(std::random_device{}());
  constexpr int kInstances = 4;
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kInstances; ++i) {
    stores.push_back(OpenUnmigrated(schema));
    ASSERT_NE(stores.back(), nullptr);
  }
  std::atomic<int> applied{0}, failures{0};
  std::vector<std::thread> threads;
  for (auto& store : stores) {
    threads.emplace_back([&, s = store.get()] {
      auto n = s->Migrate();
      if (n.ok()) applied += *n;
      else ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(applied.load(), stores[0]->LatestSchemaVersion());
  EXPECT_EQ(*stores[0]->SchemaVersion(), stores[0]->LatestSchemaVersion());
}

TEST(PostgresStore, UnreachableServerIsUnavailable) {
  PostgresOptions options;
  options.conninfo = "postgresql://nobody@127.0.0.1:1/none";
  options.connect_timeout_seconds = 2;
  EXPECT_EQ(OpenPostgresStore(options).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace authgent::storage::testing
