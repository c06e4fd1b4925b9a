#include "storage/open_store.h"

#include <gtest/gtest.h>

namespace authgent::storage {
namespace {

TEST(ParseDatabaseUrl, Sqlite) {
  auto rel = ParseDatabaseUrl("sqlite://./data/authgent.db");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->kind, DatabaseUrl::Kind::kSqlite);
  EXPECT_EQ(rel->sqlite_path, "./data/authgent.db");
  EXPECT_EQ(ParseDatabaseUrl("sqlite:///var/lib/a.db")->sqlite_path, "/var/lib/a.db");
  EXPECT_EQ(ParseDatabaseUrl("sqlite://").status().message(), "sqlite:// needs a file path");
}

TEST(ParseDatabaseUrl, Postgres) {
  auto pg = ParseDatabaseUrl("postgres://user:pass@db.internal:5432/authgent?sslmode=require");
  ASSERT_TRUE(pg.ok());
  EXPECT_EQ(pg->kind, DatabaseUrl::Kind::kPostgres);
  EXPECT_TRUE(ParseDatabaseUrl("postgresql://postgres@/authgent?host=/tmp/sock&port=5433").ok());
  EXPECT_EQ(ParseDatabaseUrl("postgres://db.internal:5432").status().message(),
            "postgres URL needs a database name (/dbname)");
}

TEST(ParseDatabaseUrl, RejectsOtherSchemesAndGarbage) {
  EXPECT_EQ(ParseDatabaseUrl("mysql://x/y").status().message(),
            "unsupported scheme 'mysql' (expected sqlite://PATH or postgres://...)");
  EXPECT_EQ(ParseDatabaseUrl("not a url").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseDatabaseUrl("").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace authgent::storage
