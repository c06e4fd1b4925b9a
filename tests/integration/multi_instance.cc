#include "multi_instance.h"

#include <libpq-fe.h>

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

// Repeats `request` every 50 ms until it answers `status` or `within` has passed since `since`;
// returns the last answer.
HttpResult RetryUntil(int status, std::chrono::steady_clock::time_point since,
                      std::chrono::seconds within, const std::function<HttpResult()>& request) {
  HttpResult r;
  do {
    r = request();
    if (r.status == status) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() - since < within);
  return r;
}

// The lines of `log` that contain `text`.
int CountLines(const std::string& log, const std::string& text) {
  int n = 0;
  for (size_t at = log.find(text); at != std::string::npos; at = log.find(text, at + 1)) ++n;
  return n;
}

int RefreshLoad::Chain::answered() const {
  auto ok = statuses.find(200);
  return ok == statuses.end() ? 0 : ok->second;
}

int RefreshLoad::Chain::failed() const {
  int n = 0;
  for (const auto& [status, count] : statuses) n += status == 200 ? 0 : count;
  return n;
}

RefreshLoad::RefreshLoad(int port, std::vector<Chain>& chains) {
  for (Chain& chain : chains) {
    threads_.emplace_back([this, port, c = &chain] {
      FlowDriver driver(port);
      while (!stop_) {
        HttpResult r = driver.Refresh(c->client, c->refresh);
        ++c->statuses[r.status];
        if (r.status == 200) {
          c->refresh = r.Json()["refresh_token"];
          c->access_tokens.push_back(r.Json()["access_token"]);
        } else if (r.status == 503) {
          if (r.body.find("No server is available") != std::string::npos) {
            ++c->balancer_503;
          } else {
            EXPECT_EQ(r.Json()["error"], "temporarily_unavailable") << r.body;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
    });
  }
}

void RefreshLoad::Stop() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

}  // namespace authgent::testing
