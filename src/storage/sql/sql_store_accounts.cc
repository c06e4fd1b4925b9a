// SqlStore: clients and users.
#include "storage/sql/sql_codec.h"
#include "storage/sql/sql_store.h"

namespace authgent::storage::sql {

namespace {
SqlTask<Status> InsertClient(SqlConnection& c, const Client& client) {
  std::string redirects = EncodeList(client.redirect_uris), grants = EncodeList(client.grant_types),
              responses = EncodeList(client.response_types),
              resources = EncodeList(client.resources);
  co_return (
      co_await c.Pipelined(
          "INSERT INTO clients (" AUTHGENT_CLIENT_COLUMNS
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
          "$18, $19)",
          client.client_id, client.secret_hash, client.secret_expires_at, client.client_name,
          redirects, grants, responses, client.token_endpoint_auth_method, client.scope,
          client.application_type, client.source, client.metadata_json, client.created_at,
          client.last_used_at, resources, client.may_introspect, client.document_fetched_at,
          client.document_expires_at, client.registration_token_hash))
      .status();
}
}  // namespace

void SqlStore::CreateClient(Client client, StatusCompletion done) {
  WriterFor({}).Submit(
      [client = std::move(client)](SqlConnection& c) { return InsertClient(c, client); },
      std::move(done));
}

Status SqlStore::SaveDocumentClient(const Client& c) {
  if (c.source != "cimd") return InvalidArgumentError("not a metadata document's client");
  std::string redirects = EncodeList(c.redirect_uris), grants = EncodeList(c.grant_types),
              responses = EncodeList(c.response_types);
  // The WHERE keeps a client of another kind that happens to have this id as it is.
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r,
      Exec("INSERT INTO clients (" AUTHGENT_CLIENT_COLUMNS
           ") VALUES ($1, '', 0, $2, $3, $4, $5, $6, $7, $8, 'cimd', $9, $10, 0, '[]', 0, $11, "
           "$12, '') ON CONFLICT (client_id) DO UPDATE SET client_name = excluded.client_name, "
           "redirect_uris = excluded.redirect_uris, grant_types = excluded.grant_types, "
           "response_types = excluded.response_types, "
           "token_endpoint_auth_method = excluded.token_endpoint_auth_method, "
           "scope = excluded.scope, application_type = excluded.application_type, "
           "metadata_json = excluded.metadata_json, "
           "document_fetched_at = excluded.document_fetched_at, "
           "document_expires_at = excluded.document_expires_at WHERE clients.source = 'cimd'",
           {c.client_id, c.client_name, redirects, grants, responses, c.token_endpoint_auth_method,
            c.scope, c.application_type, c.metadata_json, c.created_at, c.document_fetched_at,
            c.document_expires_at}));
  if (r.affected == 0) return AlreadyExistsError("client " + c.client_id + " is not a document's");
  return Status::Ok();
}

StatusOr<Client> SqlStore::GetClient(const std::string& client_id) {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Read(AUTHGENT_CLIENT_WITH_POLICY_SELECT "WHERE c.client_id = $1", {client_id}));
  if (r.rows.empty()) return NotFoundError("client " + client_id);
  return DecodeClient(r.rows[0]);
}

// Under the client's lock (sql_codec.h), which waits for its approvals in flight. The client's
// row goes first, then its codes: a code exchange of this client that has already consumed its
// code holds that row until it commits, so the codes' delete waits for it. Once the row is gone
// no new code or family of this client can be written, and the next statements (each a new
// snapshot) see every one there is.
Status SqlStore::DeleteClient(const std::string& client_id) {
  return InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_RETURN_IF_ERROR(LockOwnerForDelete(c, Owner::kClient, client_id));
    AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                              c.Query("DELETE FROM clients WHERE client_id = $1", {client_id}));
    if (r.affected == 0) return NotFoundError("client " + client_id);
    return DeleteGrantsOf(c, Owner::kClient, client_id);
  });
}

StatusOr<std::vector<Client>> SqlStore::ListClients(const std::string& after, int limit) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                            Read(AUTHGENT_CLIENT_WITH_POLICY_SELECT
                                 "WHERE c.client_id > $1 ORDER BY c.client_id LIMIT $2",
                                 {after, limit}));
  std::vector<Client> out;
  for (const SqlRow& row : r.rows) out.push_back(DecodeClient(row));
  return out;
}

Status SqlStore::UpdateClientMetadata(const Client& c) {
  std::string redirects = EncodeList(c.redirect_uris), grants = EncodeList(c.grant_types),
              responses = EncodeList(c.response_types);
  return RunOne(
      "UPDATE clients SET client_name = $2, redirect_uris = $3, grant_types = $4, "
      "response_types = $5, scope = $6, application_type = $7, metadata_json = $8 "
      "WHERE client_id = $1 AND source = 'dcr'",
      {c.client_id, c.client_name, redirects, grants, responses, c.scope, c.application_type,
       c.metadata_json},
      "dynamically registered client " + c.client_id);
}

Status SqlStore::SetClientPolicy(const ClientPolicy& p) {
  return Exec("INSERT INTO client_policies (" AUTHGENT_POLICY_COLUMNS
              ") VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (client_id) DO UPDATE SET "
              "blocked = excluded.blocked, trusted = excluded.trusted, "
              "resources = excluded.resources, scope = excluded.scope, "
              "access_token_ttl = excluded.access_token_ttl, updated_at = excluded.updated_at",
              {p.client_id, p.blocked, p.trusted, EncodeList(p.resources), p.scope,
               p.access_token_ttl, p.updated_at})
      .status();
}

StatusOr<ClientPolicy> SqlStore::GetClientPolicy(const std::string& client_id) {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Read("SELECT " AUTHGENT_POLICY_COLUMNS
                                              " FROM client_policies WHERE client_id = $1",
                                              {client_id}));
  if (r.rows.empty()) {
    ClientPolicy none;
    none.client_id = client_id;
    return none;
  }
  return DecodeClientPolicy(r.rows[0]);
}

namespace {
SqlTask<Status> MarkClientUsed(SqlConnection& c, const std::string& client_id, int64_t now) {
  AUTHGENT_CO_ASSIGN_OR_RETURN(SqlResult r, co_await c.Pipelined(kMarkClientUsed, client_id, now));
  if (r.affected == 0) co_return NotFoundError("client " + client_id);
  co_return Status::Ok();
}
}  // namespace

void SqlStore::TouchClient(std::string client_id, int64_t now, StatusCompletion done) {
  // Keyed by the client: one client's marks go to one writer, never two transactions waiting on
  // each other for its row.
  std::string key = "client:" + client_id;
  WriterFor(key).Submit([client_id = std::move(client_id),
                         now](SqlConnection& c) { return MarkClientUsed(c, client_id, now); },
                        std::move(done), key);
}

Status SqlStore::CreateUser(const User& u) {
  return Exec("INSERT INTO users (" AUTHGENT_USER_COLUMNS
             ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
             {u.user_id, NullIfEmpty(u.username), u.password_hash, NullIfEmpty(u.upstream_issuer),
              NullIfEmpty(u.upstream_subject), u.email, u.name, u.disabled, u.created_at,
              u.updated_at})
      .status();
}

namespace {
StatusOr<User> FirstUser(StatusOr<SqlResult> r, const std::string& what) {
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return NotFoundError("user " + what);
  return DecodeUser(r->rows[0]);
}
}  // namespace

StatusOr<User> SqlStore::GetUser(const std::string& user_id) {
  return FirstUser(Read("SELECT " AUTHGENT_USER_COLUMNS " FROM users WHERE user_id = $1", {user_id}),
                   user_id);
}

StatusOr<User> SqlStore::GetUserByUsername(const std::string& username) {
  return FirstUser(
      Read("SELECT " AUTHGENT_USER_COLUMNS " FROM users WHERE username = $1", {username}), username);
}

StatusOr<User> SqlStore::GetUserByUpstream(const std::string& issuer, const std::string& subject) {
  return FirstUser(Read("SELECT " AUTHGENT_USER_COLUMNS
                       " FROM users WHERE upstream_issuer = $1 AND upstream_subject = $2",
                       {issuer, subject}),
                   issuer + " " + subject);
}

Status SqlStore::UpdateUser(const User& u) {
  return RunOne(
      "UPDATE users SET username = $2, password_hash = $3, upstream_issuer = $4, "
      "upstream_subject = $5, email = $6, name = $7, disabled = $8, updated_at = $9 "
      "WHERE user_id = $1",
      {u.user_id, NullIfEmpty(u.username), u.password_hash, NullIfEmpty(u.upstream_issuer),
       NullIfEmpty(u.upstream_subject), u.email, u.name, u.disabled, u.updated_at},
      "user " + u.user_id);
}

// In the order DeleteClient explains, for the user's codes, consents and families.
Status SqlStore::DeleteUser(const std::string& user_id) {
  return InTransaction([&](SqlConnection& c) -> Status {
    AUTHGENT_RETURN_IF_ERROR(LockOwnerForDelete(c, Owner::kUser, user_id));
    AUTHGENT_ASSIGN_OR_RETURN(SqlResult r,
                              c.Query("DELETE FROM users WHERE user_id = $1", {user_id}));
    if (r.affected == 0) return NotFoundError("user " + user_id);
    return DeleteGrantsOf(c, Owner::kUser, user_id);
  });
}

StatusOr<std::vector<User>> SqlStore::ListUsers() {
  AUTHGENT_ASSIGN_OR_RETURN(
      SqlResult r, Read("SELECT " AUTHGENT_USER_COLUMNS " FROM users ORDER BY created_at, user_id", {}));
  std::vector<User> out;
  for (const SqlRow& row : r.rows) out.push_back(DecodeUser(row));
  return out;
}

StatusOr<int64_t> SqlStore::CountUsers() {
  AUTHGENT_ASSIGN_OR_RETURN(SqlResult r, Read("SELECT COUNT(*) FROM users", {}));
  return Int(r.rows.at(0), 0);
}

}  // namespace authgent::storage::sql
