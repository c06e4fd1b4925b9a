// Tests what the verified-token cache gives back, and when it must forget.
#include "oauth/access_token_cache.h"

#include <gtest/gtest.h>

namespace authgent::oauth {
namespace {

std::shared_ptr<const crypto::KeySnapshot> Snapshot() {
  return std::make_shared<const crypto::KeySnapshot>();
}

TEST(AccessTokenCache, GivesBackTheClaimsOfATokenVerifiedUnderTheSameKeys) {
  AccessTokenCache cache;
  auto keys = Snapshot();
  EXPECT_FALSE(cache.Find("a.b.c", keys, 100));
  cache.Insert("a.b.c", keys, {{"jti", "j1"}, {"exp", 200}}, 200, 100);
  auto found = cache.Find("a.b.c", keys, 150);
  ASSERT_TRUE(found);
  EXPECT_EQ((*found)["jti"], "j1");
  EXPECT_FALSE(cache.Find("a.b.d", keys, 150));  // another token
}

TEST(AccessTokenCache, ForgetsAnExpiredToken) {
  AccessTokenCache cache;
  auto keys = Snapshot();
  cache.Insert("t", keys, {{"exp", 200}}, 200, 100);
  EXPECT_FALSE(cache.Find("t", keys, 200));
  EXPECT_EQ(cache.size(), 0u);
  cache.Insert("u", keys, {{"exp", 100}}, 100, 100);  // already expired: not kept
  EXPECT_EQ(cache.size(), 0u);
}

TEST(AccessTokenCache, ForgetsEverythingWhenTheKeysChange) {
  AccessTokenCache cache;
  auto old_keys = Snapshot();
  cache.Insert("t", old_keys, {{"exp", 200}}, 200, 100);
  auto new_keys = Snapshot();
  EXPECT_FALSE(cache.Find("t", new_keys, 150));  // verified again against the new key set
  EXPECT_FALSE(cache.Find("t", old_keys, 150));
}

TEST(AccessTokenCache, StaysWithinItsCapacity) {
  AccessTokenCache cache(3);
  auto keys = Snapshot();
  cache.Insert("dead", keys, {{"exp", 120}}, 120, 100);
  cache.Insert("t1", keys, {{"exp", 900}}, 900, 100);
  cache.Insert("t2", keys, {{"exp", 900}}, 900, 100);
  cache.Insert("t3", keys, {{"exp", 900}}, 900, 130);  // full: the expired one goes first
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_TRUE(cache.Find("t1", keys, 130));
  cache.Insert("t4", keys, {{"exp", 900}}, 900, 130);  // full of live tokens: starts over
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_TRUE(cache.Find("t4", keys, 130));
}

}  // namespace
}  // namespace authgent::oauth
