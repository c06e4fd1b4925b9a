#include "storage/open_store.h"

#include <boost/url/parse.hpp>

#include "storage/postgres/postgres_store.h"
#include "storage/sqlite/sqlite_store.h"

namespace authgent::storage {

StatusOr<DatabaseUrl> ParseDatabaseUrl(const std::string& url) {
  DatabaseUrl out;
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.rfind(kSqlite, 0) == 0) {
    out.kind = DatabaseUrl::Kind::kSqlite;
    out.sqlite_path = url.substr(kSqlite.size());
    if (out.sqlite_path.empty()) return InvalidArgumentError("sqlite:// needs a file path");
    if (out.sqlite_path.find('\0') != std::string::npos || out.sqlite_path.find('?') != std::string::npos) {
      return InvalidArgumentError("the sqlite path must be a plain file path");
    }
    return out;
  }
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) return InvalidArgumentError("not a URL (expected sqlite://PATH or postgres://...)");
  std::string scheme(parsed->scheme());
  if (scheme != "postgres" && scheme != "postgresql") {
    return InvalidArgumentError("unsupported scheme '" + scheme +
                                "' (expected sqlite://PATH or postgres://...)");
  }
  if (!parsed->has_authority()) return InvalidArgumentError("postgres URL needs //host or //");
  if (parsed->has_port() && (parsed->port_number() == 0)) {
    return InvalidArgumentError("postgres URL has an invalid port");
  }
  std::string path(parsed->path());
  if (path.size() <= 1) return InvalidArgumentError("postgres URL needs a database name (/dbname)");
  out.kind = DatabaseUrl::Kind::kPostgres;
  out.postgres_conninfo = url;
  return out;
}

StatusOr<std::unique_ptr<Store>> OpenStore(const DatabaseUrl& url, const OpenOptions& options) {
  if (url.kind == DatabaseUrl::Kind::kSqlite) {
    SqliteOptions o;
    o.path = url.sqlite_path;
    o.pool_size = std::max(2, std::min(options.pool_size, 8));
    o.synchronous = options.sqlite_synchronous;
    return OpenSqliteStore(o);
  }
  PostgresOptions o;
  o.conninfo = url.postgres_conninfo;
  o.writers = options.writers;
  o.schema = options.postgres_schema;
  o.connect_timeout_seconds = options.postgres_connect_timeout_seconds;
  o.password = options.postgres_password;
  o.statement_timeout_ms = options.postgres_statement_timeout_ms;
  return OpenPostgresStore(o);
}

}  // namespace authgent::storage
