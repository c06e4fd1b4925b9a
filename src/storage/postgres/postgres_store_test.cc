// Runs the storage conformance suite against a real PostgreSQL. The test command starts one and
// sets AUTHGENT_TEST_POSTGRES_URL; without it these tests fail (they never skip silently).
#include "storage/postgres/postgres_store.h"

#include <libpq-fe.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "storage/sql/sql_codec.h"
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

// A libpq session of the test's own, beside the store's connections.
class RawSession {
 public:
  RawSession() : conn_(PQconnectdb(PostgresUrl().c_str())) {}
  ~RawSession() { PQfinish(conn_); }
  RawSession(const RawSession&) = delete;
  RawSession& operator=(const RawSession&) = delete;
  // The first value `sql` returned ("" when none), or "error: " and PostgreSQL's message.
  std::string Run(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    ExecStatusType status = PQresultStatus(r);
    std::string out;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      out = std::string("error: ") + PQerrorMessage(conn_);
    } else if (PQntuples(r) > 0) {
      out = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
    return out;
  }

 private:
  PGconn* conn_;
};

constexpr int64_t kExpires = 4'000'000'000, kNow = 1;

// A batched write blocked on a row held from outside: a session of its own inserts the counter
// "held" without committing, and the store's AddToCounter("held") waits on it (on a thread)
// until Release().
class HeldCounter {
 public:
  HeldCounter(const std::string& schema, Store& store) {
    EXPECT_EQ(holder_.Run("SET search_path TO " + schema), "");
    waiting_sql_ = "SELECT count(*) FROM pg_stat_activity WHERE " +
                   holder_.Run("SELECT pg_backend_pid()") + " = ANY(pg_blocking_pids(pid))";
    EXPECT_EQ(holder_.Run("BEGIN"), "");
    EXPECT_EQ(holder_.Run("INSERT INTO counters (counter_key, value, expires_at) VALUES ('held', "
                          "1, " +
                          std::to_string(kExpires) + ")"),
              "");
    writer_ =
        std::thread([this, &store] { result_ = store.AddToCounter("held", 1, kExpires, kNow); });
    for (int i = 0; i < 1000 && Waiting() == "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~HeldCounter() {
    if (writer_.joinable()) (void)Release();
  }
  // How many of the store's statements wait on the held row: "1" while the write is blocked.
  std::string Waiting() { return observer_.Run(waiting_sql_); }
  // Commits the held row and returns the blocked write's result.
  StatusOr<int64_t> Release() {
    EXPECT_EQ(holder_.Run("COMMIT"), "");
    writer_.join();
    return result_;
  }

 private:
  RawSession holder_, observer_;
  std::string waiting_sql_;
  StatusOr<int64_t> result_ = InternalError("not run");
  std::thread writer_;
};

// A refresh token's rotation (and a code's redemption) updates columns no index holds: the
// migrated tables leave room on each page so that the new row version stays on its page (a HOT
// update, no new index entries). Rows sized like real ones fill the first page as far as the
// table lets them; at the default fillfactor that page is full and the updated row moves.
TEST(PostgresStore, GrantTablesLeaveRoomForTheirSingleUpdate) {
  std::string schema = "fill" + std::to_string(std::random_device{}());
  std::unique_ptr<Store> store = OpenPostgres(schema);
  ASSERT_NE(store, nullptr);
  RawSession s;
  ASSERT_EQ(s.Run("SET search_path TO " + schema), "");
  ASSERT_EQ(s.Run("INSERT INTO refresh_tokens (token_hash, family_id, access_jti, "
                  "access_expires_at, created_at, idle_expires_at, used_at) "
                  "SELECT lpad(i::text, 43, 'h'), lpad(i::text, 32, 'f'), lpad(i::text, 32, 'j'), "
                  "2000000000, 1, 2000000000, 0 FROM generate_series(1, 400) AS i"),
            "");
  auto page_of = [&](const std::string& hash) {
    return s.Run("SELECT (ctid::text::point)[0] FROM refresh_tokens WHERE token_hash = '" + hash +
                 "'");
  };
  const std::string first = s.Run("SELECT lpad('1', 43, 'h')");
  ASSERT_EQ(page_of(first), "0");
  // What SqlStore's rotation sets: when it was used and the token it was rotated into.
  ASSERT_EQ(s.Run("UPDATE refresh_tokens SET used_at = 2, successor_hash = lpad('x', 43, 'h') "
                  "WHERE token_hash = '" +
                  first + "'"),
            "");
  EXPECT_EQ(page_of(first), "0") << "the rotated token's new version left its full page";
  for (const char* table : {"authorization_codes", "refresh_tokens"}) {
    EXPECT_EQ(
        s.Run(std::string("SELECT array_to_string(reloptions, ',') FROM pg_class WHERE oid = '") +
              table + "'::regclass"),
        "fillfactor=70")
        << table;
  }
}

// A rate limit's counter is not a job of the writer's batch: while a batch waits on a row lock
// (here one the test holds; in production, another instance's batch touching the same counters
// led to deadlocks), a rate counter is still counted and answered.
TEST(PostgresStore, RateCountersDoNotWaitBehindTheBatchedWrites) {
  std::string schema = "rate" + std::to_string(std::random_device{}());
  std::unique_ptr<Store> store = OpenPostgres(schema);
  ASSERT_NE(store, nullptr);
  HeldCounter held(schema, *store);
  EXPECT_EQ(held.Waiting(), "1") << "the batch never waited on the held row";
  auto rate = std::async(std::launch::async,
                         [&] { return store->AddToRateCounter("free", 1, kExpires, kNow); });
  // Bounded so that a rate counter stuck behind the batch fails the test instead of hanging it
  // (and the batch's own statement timeout may end the wait first: hence the second look).
  bool answered = rate.wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  EXPECT_TRUE(answered) << "the rate counter waited for the blocked batch";
  // A read shares the rate counts' connection, not the batch's: answered too.
  auto read = std::async(std::launch::async, [&] { return store->GetCounter("free", kNow); });
  EXPECT_EQ(read.wait_for(std::chrono::seconds(30)), std::future_status::ready)
      << "the read waited for the blocked batch";
  EXPECT_EQ(held.Waiting(), "1") << "answered only once the batch stopped waiting";
  StatusOr<int64_t> durable = held.Release();
  StatusOr<int64_t> counted = rate.get();
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  EXPECT_EQ(*counted, 1);
  StatusOr<int64_t> seen = read.get();
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(*seen, 1);
  ASSERT_TRUE(durable.ok()) << durable.status().ToString();
  EXPECT_EQ(*durable, 2);
}

// Two batch writers (PostgresOptions::writers): while one writer's batch waits on a row lock
// (or, in production, on its WAL flush), the other commits the writes that come to it. The
// writes without a key take the writers in turn, so of two such writes one goes to the free
// writer. With one writer both would wait until the blocked statement ended (statement_timeout),
// and the held write would no longer be waiting when they were answered.
TEST(PostgresStore, ASecondWriterCommitsWhileTheFirstWaitsOnALock) {
  std::string schema = "writers" + std::to_string(std::random_device{}());
  std::unique_ptr<Store> store = OpenPostgres(schema);
  ASSERT_NE(store, nullptr);
  HeldCounter held(schema, *store);
  ASSERT_EQ(held.Waiting(), "1") << "the first writer never waited on the held row";
  auto free_a = std::async(std::launch::async,
                           [&] { return store->AddToCounter("free-a", 1, kExpires, kNow); });
  auto free_b = std::async(std::launch::async,
                           [&] { return store->AddToCounter("free-b", 1, kExpires, kNow); });
  bool answered = false;
  for (int i = 0; i < 3000 && !answered; ++i) {
    answered = free_a.wait_for(std::chrono::milliseconds(10)) == std::future_status::ready ||
               free_b.wait_for(std::chrono::milliseconds(0)) == std::future_status::ready;
  }
  EXPECT_TRUE(answered) << "neither write was committed";
  EXPECT_EQ(held.Waiting(), "1") << "a write was answered only once the held one gave up";
  StatusOr<int64_t> first = held.Release();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 2);
  for (auto* f : {&free_a, &free_b}) {
    StatusOr<int64_t> counted = f->get();
    ASSERT_TRUE(counted.ok()) << counted.status().ToString();
    EXPECT_EQ(*counted, 1);
  }
}

// The server ends connections that sit idle (a restart, a failover, pg_terminate_backend): the
// store's next writes and reads go to new connections instead of failing on the ended ones.
// (With two writers one of them may sit idle through a whole outage and meet its ended
// connection only after the database is back.) A database of its own, so that only this
// store's backends are ended.
TEST(PostgresStore, ConnectionsEndedWhileIdleAreReplacedBeforeUse) {
  std::string name = "idle" + std::to_string(std::random_device{}());
  RawSession admin;
  ASSERT_EQ(admin.Run("CREATE DATABASE " + name), "");
  std::string url = PostgresUrl();  // postgresql://user@/DB?host=...
  size_t slash = url.find('/', url.find("://") + 3), query = url.find('?', slash);
  url = url.substr(0, slash + 1) + name + (query == std::string::npos ? "" : url.substr(query));
  {
    PostgresOptions options;
    options.conninfo = url;
    auto opened = OpenPostgresStore(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    Store& store = **opened;
    const std::string kBackends =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + name + "'";
    // Opened at once, before any use: the two writers and the single reads' connection, no more
    // (every read is one statement: no pool).
    EXPECT_EQ(admin.Run(kBackends), "3");
    ASSERT_TRUE(store.Migrate().ok());
    // Both writers (writes without a key take turns) and the single reads' connection in use.
    for (const char* key : {"a", "b"}) {
      ASSERT_TRUE(store.AddToCounter(key, 1, kExpires, kNow).ok());
    }
    ASSERT_TRUE(store.GetCounter("a", kNow).ok());
    EXPECT_EQ(admin.Run(kBackends), "3");
    admin.Run("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + name +
              "'");
    std::string left = "1";
    for (int i = 0; i < 500 && left != "0"; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      left = admin.Run(kBackends);
    }
    ASSERT_EQ(left, "0") << "the backends did not end";
    for (const char* key : {"a", "b"}) {
      StatusOr<int64_t> added = store.AddToCounter(key, 1, kExpires, kNow);
      ASSERT_TRUE(added.ok()) << key << ": " << added.status().ToString();
      EXPECT_EQ(*added, 2);
    }
    StatusOr<int64_t> read = store.GetCounter("b", kNow);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read, 2);
  }
  EXPECT_EQ(admin.Run("DROP DATABASE " + name + " WITH (FORCE)"), "");
}

// Single reads and rate counts share flights, each statement a transaction of its own: one
// that fails (a negative LIMIT, which PostgreSQL refuses) fails alone, whatever else shares its
// flight, and the connection goes on serving.
TEST(PostgresStore, AFailingReadInASharedFlightFailsAlone) {
  std::string schema = "flight" + std::to_string(std::random_device{}());
  std::unique_ptr<Store> store = OpenPostgres(schema);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8, kEach = 40;
  std::atomic<int> refused{0}, counted{0}, wrong{0};
  std::mutex mu;
  std::string first_wrong;  // what the first unexpected answer was
  auto unexpected = [&](const std::string& what) {
    std::lock_guard<std::mutex> lock(mu);
    if (wrong++ == 0) first_wrong = what;
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string key = "thread" + std::to_string(t);
      for (int i = 0; i < kEach; ++i) {
        if ((i + t) % 2 == 0) {
          StatusOr<std::vector<Client>> listed = store->ListClients("", -1);
          if (listed.ok())
            unexpected("a negative LIMIT answered");
          else
            ++refused;
          continue;
        }
        StatusOr<int64_t> value = store->AddToRateCounter(key, 1, kExpires, kNow);
        if (value.ok())
          ++counted;
        else
          unexpected("count: " + value.status().ToString());
      }
      StatusOr<int64_t> total = store->GetCounter(key, kNow);
      if (!total.ok())
        unexpected("total: " + total.status().ToString());
      else if (*total != kEach / 2)
        unexpected("total " + std::to_string(*total));
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0) << first_wrong;
  EXPECT_EQ(refused.load(), kThreads * kEach / 2);
  EXPECT_EQ(counted.load(), kThreads * kEach / 2);
  StatusOr<std::vector<Client>> clients = store->ListClients("", 10);
  ASSERT_TRUE(clients.ok()) << clients.status().ToString();
  EXPECT_TRUE(clients->empty());
}

// An approval in flight, as the store's approval is between its last two statements: a session
// of the test's own holds the owners' locks of client c1 and user u1 (shared, as
// kConsumeAndSelectConsentScope takes them) and has written a code and a consent, uncommitted.
// Codes and consents have no foreign keys on PostgreSQL: these locks are what make a deletion
// of their client or user wait for them.
class ApprovalInFlight {
 public:
  explicit ApprovalInFlight(const std::string& schema) {
    EXPECT_EQ(approval_.Run("SET search_path TO " + schema), "");
    EXPECT_EQ(observer_.Run("SET search_path TO " + schema), "");
    blocked_sql_ = "SELECT count(*) FROM pg_stat_activity WHERE " +
                   approval_.Run("SELECT pg_backend_pid()") + " = ANY(pg_blocking_pids(pid))";
    EXPECT_EQ(approval_.Run("BEGIN"), "");
    EXPECT_EQ(approval_.Run("SELECT 1, " AUTHGENT_LOCK_OWNERS_SHARED("'c1'", "'u1'")), "1");
    EXPECT_EQ(approval_.Run("INSERT INTO authorization_codes (" AUTHGENT_CODE_COLUMNS
                            ", replayed_at) VALUES ('k', 'c1', 'u1', 'https://app.example/cb', 1, "
                            "'challenge', 'https://mcp.example/mcp', 's', 1, 1, " +
                            std::to_string(kExpires) + ", 0, '', '', 0)"),
              "");
    EXPECT_EQ(approval_.Run("INSERT INTO consents (" AUTHGENT_CONSENT_COLUMNS
                            ") VALUES ('u1', 'c1', 'https://mcp.example/mcp', 's', 1, 1)"),
              "");
  }
  // Waits (up to 10 s) until a statement of another session waits for this one's locks.
  bool SomeoneWaits() {
    for (int i = 0; i < 1000; ++i) {
      if (observer_.Run(blocked_sql_) == "1") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  void Commit() { EXPECT_EQ(approval_.Run("COMMIT"), ""); }
  // The number of codes and consents of c1, as committed.
  std::string Codes() {
    return observer_.Run("SELECT count(*) FROM authorization_codes WHERE client_id = 'c1'");
  }
  std::string Consents() {
    return observer_.Run("SELECT count(*) FROM consents WHERE client_id = 'c1'");
  }

 private:
  RawSession approval_, observer_;
  std::string blocked_sql_;
};

// Client c1 (registered at time 1, never used) and user u1, each unless it exists.
void CreateOwners(Store& store) {
  if (!store.GetClient("c1").ok()) {
    Client client;
    client.client_id = "c1";
    client.redirect_uris = {"https://app.example/cb"};
    client.source = "dcr";
    client.metadata_json = "{}";
    client.created_at = 1;
    ASSERT_TRUE(CreateClientAndWait(store, client).ok());
  }
  if (!store.GetUser("u1").ok()) {
    User user;
    user.user_id = "u1";
    user.email = "u1@example.com";
    ASSERT_TRUE(store.CreateUser(user).ok());
  }
}

TEST(PostgresStore, DeletingAClientOrAUserWaitsForTheirApprovalsInFlight) {
  std::string schema = "owners" + std::to_string(std::random_device{}());
  std::unique_ptr<Store> store = OpenPostgres(schema);
  ASSERT_NE(store, nullptr);
  for (const char* deleted : {"client", "user"}) {
    SCOPED_TRACE(deleted);
    ASSERT_NO_FATAL_FAILURE(CreateOwners(*store));
    ApprovalInFlight approval(schema);
    auto deletion = std::async(std::launch::async, [&] {
      return std::string(deleted) == "client" ? store->DeleteClient("c1") : store->DeleteUser("u1");
    });
    ASSERT_TRUE(approval.SomeoneWaits()) << "the deletion did not wait for the approval";
    EXPECT_EQ(deletion.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
    approval.Commit();
    Status status = deletion.get();
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(approval.Codes(), "0") << "the approval's code outlived its owner";
    EXPECT_EQ(approval.Consents(), "0") << "the approval's consent outlived its owner";
  }
}

// The reaper locks each candidate as DeleteClient does: a client that an approval in flight is
// using (its code not yet visible) is waited for, and then it is no longer abandoned.
TEST(PostgresStore, AClientInAnApprovalInFlightIsNotReaped) {
  std::string schema = "reap" + std::to_string(std::random_device{}());
  std::unique_ptr<Store> store = OpenPostgres(schema);
  ASSERT_NE(store, nullptr);
  ASSERT_NO_FATAL_FAILURE(CreateOwners(*store));  // c1 registered long ago, never used
  ApprovalInFlight approval(schema);
  auto reaping = std::async(std::launch::async, [&] { return store->ReapClients(100, 100, 200); });
  ASSERT_TRUE(approval.SomeoneWaits()) << "the reaper did not wait for the approval";
  approval.Commit();
  StatusOr<int64_t> reaped = reaping.get();
  ASSERT_TRUE(reaped.ok()) << reaped.status().ToString();
  EXPECT_EQ(*reaped, 0);
  EXPECT_TRUE(store->GetClient("c1").ok());
  EXPECT_EQ(approval.Codes(), "1");
}

TEST(PostgresStore, UnreachableServerIsUnavailable) {
  PostgresOptions options;
  options.conninfo = "postgresql://nobody@127.0.0.1:1/none";
  options.connect_timeout_seconds = 2;
  EXPECT_EQ(OpenPostgresStore(options).status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace authgent::storage::testing
