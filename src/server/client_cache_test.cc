// Tests the client cache against a real SQLite store: what it serves from memory, for how long,
// and what it never keeps.
#include "server/client_cache.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "core/temp_dir.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent::server {
namespace {

class ClientCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("authgent-cc");
    storage::SqliteOptions o;
    o.path = dir_ + "/t.db";
    store_ = std::move(storage::OpenSqliteStore(o)).value();
    ASSERT_TRUE(store_->Migrate().ok());
    storage::Client c;
    c.client_id = "c1";
    c.client_name = "first name";
    c.token_endpoint_auth_method = "none";
    c.source = "cli";
    c.metadata_json = "{}";
    ASSERT_TRUE(storage::CreateClientAndWait(*store_, c).ok());
  }
  void TearDown() override {
    store_.reset();  // its directory goes with the others after a green run (core/test_main)
  }
  // Changes the stored client behind the cache's back (by replacing it).
  void Rename(const std::string& name) {
    storage::Client c = *store_->GetClient("c1");
    c.client_name = name;
    ASSERT_TRUE(store_->DeleteClient("c1").ok());
    ASSERT_TRUE(storage::CreateClientAndWait(*store_, c).ok());
  }
  std::string dir_;
  std::unique_ptr<storage::Store> store_;
};

TEST_F(ClientCacheTest, ServesARecentReadFromMemoryUntilTheTtlPasses) {
  ClientCache cache(5, 100);
  EXPECT_FALSE(cache.Peek("c1", 100));
  EXPECT_EQ(cache.Get(*store_, "c1", 100)->client_name, "first name");
  Rename("second name");
  EXPECT_EQ(cache.Get(*store_, "c1", 104)->client_name, "first name");  // within the ttl
  EXPECT_EQ(cache.Peek("c1", 104)->client_name, "first name");
  EXPECT_FALSE(cache.Peek("c1", 105));
  EXPECT_EQ(cache.Get(*store_, "c1", 105)->client_name, "second name");  // read again
}

TEST_F(ClientCacheTest, PutKeepsAClientWrittenHereWithoutReadingIt) {
  ClientCache cache(5, 100);
  storage::Client fresh = *store_->GetClient("c1");
  fresh.client_name = "as registered";  // differs from the row: a hit cannot come from the store
  cache.Put(fresh, 100);
  EXPECT_EQ(cache.Get(*store_, "c1", 104)->client_name, "as registered");
  EXPECT_EQ(cache.Get(*store_, "c1", 105)->client_name, "first name");  // the ttl applies
  ClientCache off(0, 100);  // a ttl of 0 turns the cache off: Put keeps nothing either
  off.Put(fresh, 100);
  EXPECT_FALSE(off.Peek("c1", 100));
}

TEST_F(ClientCacheTest, NeverKeepsAnUnknownClient) {
  ClientCache cache(5, 100);
  EXPECT_EQ(cache.Get(*store_, "ghost", 100).status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(cache.Peek("ghost", 100));
}

TEST_F(ClientCacheTest, MarkUsedUpdatesTheCachedCopyOnly) {
  ClientCache cache(5, 100);
  EXPECT_EQ(cache.Get(*store_, "c1", 100)->last_used_at, 0);
  cache.MarkUsed("c1", 101);
  EXPECT_EQ(cache.Peek("c1", 102)->last_used_at, 101);
  cache.MarkUsed("ghost", 101);  // not cached: nothing to update, nothing added
  EXPECT_FALSE(cache.Peek("ghost", 102));
}

TEST_F(ClientCacheTest, ClearForgetsEverything) {
  ClientCache cache(5, 100);
  ASSERT_TRUE(cache.Get(*store_, "c1", 100).ok());
  ASSERT_TRUE(store_->DeleteClient("c1").ok());
  cache.Clear();
  EXPECT_EQ(cache.Get(*store_, "c1", 101).status().code(), StatusCode::kNotFound);
}

TEST_F(ClientCacheTest, AClockGoingBackwardsDoesNotExtendAnEntry) {
  ClientCache cache(5, 100);
  ASSERT_TRUE(cache.Get(*store_, "c1", 100).ok());
  EXPECT_FALSE(cache.Peek("c1", 99));
}

}  // namespace
}  // namespace authgent::server
