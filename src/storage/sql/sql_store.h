// storage/sql/sql_store: the Store implemented once in portable SQL over SqlConnections.
// SQLite and PostgreSQL differ only in their SqlConnection (driver, locking, error mapping); the
// statements, the migrations and the atomicity arguments (see each method) are here, once.
#pragma once

#include <atomic>
#include <memory>
#include <string_view>
#include <vector>

#include "storage/sql/connection_pool.h"
#include "storage/sql/outage_monitor.h"
#include "storage/sql/write_batcher.h"
#include "storage/store.h"

namespace authgent::storage::sql {

class SqlStore final : public Store {
 public:
  // On SQLite, reads use a pool of `pool_size` connections. Writes go through `writers`
  // batchers, each with its own thread and connection: write transactions that arrive together
  // share one commit (storage/sql/write_batcher.h). SQLite takes one writer (it has one write
  // lock). On PostgreSQL a second writer runs its batch while the first waits for its commit's
  // WAL flush and its round trips (docs/performance.md). A write with a key (WriteBatcher::Submit)
  // always goes to the same writer, so two with one key never run at once; the others take the
  // writers in turn. Two writers' transactions are concurrent like two instances': every write is
  // already safe against that (the conformance suite's races). On PostgreSQL, single-statement
  // reads and rate counts go through one more batcher without transactions
  // (WriteBatcherOptions::autocommit) on one more connection: those that arrive together share
  // one flight, one wake-up of its backend, where each took a pooled backend's round trip. Every
  // read is one statement, so PostgreSQL has no pool (`pool_size` is not used there).
  // `dialect` is the factory's connections' (it also names the backend in the outage log lines).
  SqlStore(ConnectionFactory factory, int pool_size, int writers, WriteBatcherOptions batching,
           SqlDialect dialect);
  // Opens every connection now, the first failure returned: SQLite's pool
  // (ConnectionPool::OpenAll), PostgreSQL's writers and single reads.
  Status OpenAllConnections();
  // SQLite's read pool; nullptr on PostgreSQL.
  ConnectionPool* pool() { return pool_.get(); }
  // An extra check for Ping(): SQLite's store checks that its disk still takes writes.
  void SetWriteProbe(std::function<Status()> probe) { write_probe_ = std::move(probe); }

  StatusOr<int> Migrate() override;
  StatusOr<int> SchemaVersion() override;
  int LatestSchemaVersion() const override;
  Status Ping() override;
  bool ReadsInProcess() const override { return flights_ == nullptr; }
  void SetMetrics(const StorageMetrics& metrics) override;

  void CreateClient(Client client, StatusCompletion done) override;
  Status SaveDocumentClient(const Client& client) override;
  StatusOr<Client> GetClient(const std::string& client_id) override;
  Status DeleteClient(const std::string& client_id) override;
  StatusOr<std::vector<Client>> ListClients(const std::string& after, int limit) override;
  Status UpdateClientMetadata(const Client& client) override;
  Status SetClientPolicy(const ClientPolicy& policy) override;
  StatusOr<ClientPolicy> GetClientPolicy(const std::string& client_id) override;
  Status RevokeClientAccess(const std::string& client_id, int64_t now) override;
  StatusOr<int64_t> CountLiveGrants(const std::string& client_id, int64_t now) override;
  void TouchClient(std::string client_id, int64_t now, StatusCompletion done) override;

  Status CreateUser(const User& user) override;
  StatusOr<User> GetUser(const std::string& user_id) override;
  StatusOr<User> GetUserByUsername(const std::string& username) override;
  StatusOr<User> GetUserByUpstream(const std::string& issuer, const std::string& subject) override;
  Status UpdateUser(const User& user) override;
  Status DeleteUser(const std::string& user_id) override;
  StatusOr<std::vector<User>> ListUsers() override;
  StatusOr<int64_t> CountUsers() override;

  Status CreateSession(const LoginSession& session) override;
  StatusOr<LoginSession> GetSession(const std::string& session_hash, int64_t now) override;
  Status DeleteSession(const std::string& session_hash) override;
  StatusOr<std::vector<LoginSession>> ListSessions(const std::string& user_id,
                                                   int64_t now) override;
  StatusOr<int64_t> DeleteUserSessions(const std::string& user_id) override;
  Status RevokeUserAccess(const std::string& user_id, int64_t now) override;

  void CreateTransaction(AuthorizationTransaction txn, StatusCompletion done) override;
  StatusOr<AuthorizationTransaction> GetTransaction(const std::string& transaction_hash,
                                                    int64_t now) override;
  Status UpdateTransaction(const AuthorizationTransaction& txn) override;
  StatusOr<AuthorizationTransaction> ConsumeTransaction(const std::string& transaction_hash,
                                                        int64_t now) override;
  StatusOr<AuthorizationTransaction> ConsumeTransactionByUpstreamState(
      const std::string& upstream_state_hash, int64_t now) override;
  void ApproveTransaction(std::string transaction_hash, std::string session_hash, int64_t now,
                          DecideApproval decide, Completion<ApprovalOutcome> done) override;

  Status CreateCode(const AuthorizationCode& code) override;
  void RedeemCode(std::string code_hash, int64_t now, std::string family_id, IssueForCode issue,
                  IsRetryOfCode is_retry, Completion<CodeRedemption> done) override;

  Status CreateFamily(const RefreshFamily& family, const RefreshToken& first_token) override;
  StatusOr<std::pair<RefreshToken, RefreshFamily>> GetRefreshToken(
      const std::string& token_hash) override;
  void RotateRefreshToken(RefreshPresentation presented, AcceptFamily accept,
                          Completion<Rotation> done) override;
  Status RevokeFamily(const std::string& family_id, int64_t now) override;
  StatusOr<std::vector<Grant>> ListGrants(const GrantFilter& filter, int64_t now) override;
  Status RevokeGrants(const GrantFilter& filter, int64_t now) override;

  Status RevokeAccessToken(const RevokedAccessToken& entry) override;
  StatusOr<bool> IsAccessTokenRevoked(const std::string& jti) override;

  StatusOr<SessionAndConsent> GetSessionAndConsent(const std::string& session_hash, int64_t now,
                                                   const std::string& client_id,
                                                   const std::string& resource) override;
  void ReadSessionAndConsent(std::string session_hash, int64_t now, std::string client_id,
                             std::string resource, Completion<SessionAndConsent> done) override;
  StatusOr<Consent> GetConsent(const std::string& user_id, const std::string& client_id,
                               const std::string& resource) override;
  StatusOr<std::vector<Consent>> ListConsents(const std::string& user_id) override;

  Status InsertSigningKey(const SigningKey& key, bool only_if_none) override;
  StatusOr<std::vector<SigningKey>> ListSigningKeys() override;

  StatusOr<int64_t> AddToCounter(const std::string& key, int64_t delta, int64_t expires_at,
                                int64_t now) override;
  StatusOr<int64_t> AddToRateCounter(const std::string& key, int64_t delta, int64_t expires_at,
                                     int64_t now) override;
  void AddToRateCounters(std::vector<RateCount> counts, int64_t now,
                         Completion<std::vector<int64_t>> done) override;
  StatusOr<int64_t> GetCounter(const std::string& key, int64_t now) override;
  StatusOr<int64_t> PurgeExpired(int64_t now) override;
  StatusOr<int64_t> ReapClients(int64_t unused_before, int64_t idle_before, int64_t now) override;

 private:
  // Runs `fn` inside one write transaction: commit when it returns OK, else roll back. It goes
  // through a writer and may share its commit. (Every read is a single statement: Read().)
  template <typename Fn>
  Status InTransaction(Fn&& fn) {
    return WriterFor({}).Run(WriteBatcher::Work(std::ref(fn)));
  }
  // Runs the coroutine `fn(connection, result)` as a batched write on the batcher's thread and
  // gives `done` the result after the commit (storage/completion.h). `key` names what it acts
  // on (WriteBatcher::Submit). `fn` may run more than once; each run starts from a fresh result.
  template <typename T, typename Fn>
  void CompleteWrite(std::string key, Fn fn, Completion<T> done) {
    auto result = std::make_shared<T>();
    WriteBatcher::AsyncWork work = [fn = std::move(fn), result](SqlConnection& c) {
      *result = T();
      return fn(c, *result);
    };
    auto finish = [result, done = std::move(done)](Status s) {
      if (!s.ok()) return done(std::move(s));
      done(std::move(*result));
    };
    WriteBatcher& writer = WriterFor(key);
    writer.Submit(std::move(work), std::move(finish), std::move(key));
  }
  // The writer for a write acting on `key`: always the same one for a key, the next in turn for
  // an empty key.
  WriteBatcher& WriterFor(std::string_view key);
  // One statement outside an explicit transaction: a read (SQLite: on a pooled connection;
  // PostgreSQL: in the reads' flights), or a write (INSERT, UPDATE, DELETE, also with
  // RETURNING), which goes through the batcher. The caller says which; nothing looks at the SQL.
  StatusOr<SqlResult> Read(std::string_view sql, std::initializer_list<SqlParam> params);
  // One statement as its own transaction in a shared flight (PostgreSQL's `flights_`); the
  // caller sleeps until its reply.
  StatusOr<SqlResult> InFlight(std::string_view sql, std::span<const SqlParam> params);
  // The same for a caller that must not sleep: `done` gets the result on the flights' thread.
  // The parameters' text is copied: it need only outlive the call.
  void SubmitFlight(std::string sql, std::vector<SqlParam> params, Completion<SqlResult> done);
  StatusOr<SqlResult> Exec(std::string_view sql, std::initializer_list<SqlParam> params);
  // Writes outside an explicit transaction, through the batcher.
  Status Write(const WriteBatcher::Work& work);
  // A DELETE or UPDATE that must touch one row: kNotFound when it touched none.
  Status RunOne(std::string_view sql, std::initializer_list<SqlParam> params, std::string_view what);

  std::shared_ptr<OutageMonitor> monitor_;  // before pool_: its factory records into it
  std::unique_ptr<ConnectionPool> pool_;    // SQLite's reads
  std::vector<std::unique_ptr<WriteBatcher>> writers_;
  std::atomic<size_t> next_writer_{0};     // the writer an empty key takes next
  std::unique_ptr<WriteBatcher> flights_;  // PostgreSQL's single reads and rate counts
  std::function<Status()> write_probe_;
  StorageMetrics metrics_;
  SqlDialect dialect_;
};

}  // namespace authgent::storage::sql
