#include "test_database.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <vector>

#include "core/base64.h"
#include "core/random.h"

namespace authgent::testing {

// Runs `sql` as the test PostgreSQL's superuser; false (and a test failure) when it fails.
bool AdminExec(const std::string& sql) {
  const char* base = std::getenv("AUTHGENT_TEST_POSTGRES_URL");
  if (!base || !*base) {
    ADD_FAILURE() << "AUTHGENT_TEST_POSTGRES_URL is not set: run through `make test` or "
                     "`make check`, which start PostgreSQL (these tests never skip)";
    return false;
  }
  PGconn* conn = PQconnectdb(base);
  PGresult* r = PQexec(conn, sql.c_str());
  bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) ADD_FAILURE() << sql << ": " << PQerrorMessage(conn);
  PQclear(r);
  PQfinish(conn);
  return ok;
}

// A new, empty database named `name` in the test command's PostgreSQL; returns its URL, or ""
// after a failure.
std::string CreateDatabase(const std::string& name) {
  if (!AdminExec("CREATE DATABASE " + name)) return "";
  const char* base = std::getenv("AUTHGENT_TEST_POSTGRES_URL");
  // The URL names the database in its path: postgresql://user@/DB?host=...
  std::string url = base;
  size_t slash = url.find('/', url.find("://") + 3);
  size_t query = url.find('?', slash);
  return url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
}

std::string RandomKeyEncryptionKey() {
  std::vector<uint8_t> key = SecureRandom::Instance().Bytes(32);
  return Base64Encode(std::string(key.begin(), key.end()));
}

}  // namespace authgent::testing
