// storage/open_store: DATABASE_URL -> a Store. The only place that knows both backends.
//
//   sqlite://PATH              e.g. sqlite://./data/authgent.db, sqlite:///var/lib/authgent.db
//   postgres://user:pass@host:5432/db?sslmode=...   (postgresql:// too; any libpq URI)
#pragma once

#include <memory>
#include <string>

#include "storage/store.h"

namespace authgent::storage {

struct DatabaseUrl {
  enum class Kind { kSqlite, kPostgres };
  Kind kind = Kind::kSqlite;
  std::string sqlite_path;         // for kSqlite
  std::string postgres_conninfo;   // for kPostgres: the URL as given
};

// Parses and validates; the error message says what is wrong (never echoes a password).
StatusOr<DatabaseUrl> ParseDatabaseUrl(const std::string& url);

struct OpenOptions {
  int pool_size = 8;  // SQLite's read connections (PostgreSQL has no pool)
  int writers = 1;  // PostgreSQL: see PostgresOptions (SQLite has one)
  std::string sqlite_synchronous = "normal";
  std::string postgres_schema;               // tests only
  int postgres_connect_timeout_seconds = 5;  // PostgreSQL: see PostgresOptions
  std::string postgres_password;
  int postgres_statement_timeout_ms = 5000;
};

StatusOr<std::unique_ptr<Store>> OpenStore(const DatabaseUrl& url, const OpenOptions& options);

}  // namespace authgent::storage
