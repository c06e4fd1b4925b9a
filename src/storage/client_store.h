// storage/client_store: the registered clients. Part of the Store (storage/store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/completion.h"
#include "storage/records.h"

namespace authgent::storage {

class ClientStore {
 public:
  virtual ~ClientStore() = default;

  // A new client; `done` gets the status after the commit (storage/completion.h): kAlreadyExists
  // when the id is taken. A registration answers from the completion, without a thread waiting.
  virtual void CreateClient(Client client, StatusCompletion done) = 0;
  // Creates or refreshes the client a metadata document describes (source "cimd"): its metadata
  // and document times are replaced, its created_at, use mark and grants are kept. Every
  // instance sees the copy one of them fetched. kAlreadyExists when the id is taken by a client
  // of another kind; kInvalidArgument when `client` is not a document's.
  virtual Status SaveDocumentClient(const Client& client) = 0;
  virtual StatusOr<Client> GetClient(const std::string& client_id) = 0;
  // Deletes the client and, by cascade, its codes, refresh families and consents.
  virtual Status DeleteClient(const std::string& client_id) = 0;
  // Ordered by client_id; at most `limit` records with client_id > `after`.
  virtual StatusOr<std::vector<Client>> ListClients(const std::string& after, int limit) = 0;
  // Replaces a dynamically registered client's metadata (RFC 7592 update): its name, redirect
  // URIs, grant and response types, scope, application_type and informational metadata. Its id,
  // secret, auth method, dates and grants stay. kNotFound when there is no such DCR client.
  virtual Status UpdateClientMetadata(const Client& client) = 0;
  // Creates or replaces the operator's policy for a client id (which need not be registered: a
  // metadata document's URL may be decided on before its first fetch). GetClient reads it with
  // the client; GetClientPolicy alone gives the defaults when there is none.
  virtual Status SetClientPolicy(const ClientPolicy& policy) = 0;
  virtual StatusOr<ClientPolicy> GetClientPolicy(const std::string& client_id) = 0;
  // Ends everything the client holds now, in one transaction: deletes its unredeemed codes and
  // its users' consents, revokes its refresh families and denies the unexpired access tokens
  // issued in them. For a blocked client.
  virtual Status RevokeClientAccess(const std::string& client_id, int64_t now) = 0;
  // How many live refresh families (grants a user gave it that still work) the client has.
  virtual StatusOr<int64_t> CountLiveGrants(const std::string& client_id, int64_t now) = 0;
  // Writes the client's use mark (last_used_at = now; kNotFound for an unknown client). `done`
  // gets the status after the commit (storage/completion.h).
  virtual void TouchClient(std::string client_id, int64_t now, StatusCompletion done) = 0;


  // Deletes dynamically registered clients and metadata documents' clients (source "dcr" and
  // "cimd") that were never used and were created
  // before `unused_before`, and those last used before `idle_before`; never one that still has a
  // live refresh family or an unexpired code. Returns how many went.
  virtual StatusOr<int64_t> ReapClients(int64_t unused_before, int64_t idle_before, int64_t now) = 0;
};

// CreateClient waited for, by a thread that may block (a command, a test; never a network
// thread).
inline Status CreateClientAndWait(ClientStore& store, Client client) {
  return Await<Status>(
      [&](StatusCompletion done) { store.CreateClient(std::move(client), std::move(done)); });
}

}  // namespace authgent::storage
