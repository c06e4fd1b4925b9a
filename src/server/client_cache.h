// server/client_cache: clients the token endpoints and /oauth/authorize read recently, kept for a
// few seconds.
//
// Every token, revocation and introspection request authenticates its client, and reading the
// client row was a store round trip per request on the hottest endpoint; a new client's code
// exchange finds the client its authorization request just read (or its registration kept).
// With the client in memory, a token request is authenticated on the network thread, and a
// client_credentials request needs no storage at all (server/token_endpoint). The price is
// staleness: a client deleted or changed by another process (the CLI, another instance) is still
// accepted here for up to `ttl` seconds. Unknown
// client_ids are never kept, so guessing them cannot fill the cache.
//
// While the store is unavailable (kUnavailable: an outage), a client read less than `outage_ttl`
// seconds ago is still answered from memory, so client_credentials, which needs no write, keeps
// working through a database restart. A client deleted just before the outage is then accepted
// for that long at most.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/status.h"
#include "storage/client_store.h"

namespace authgent::server {

class ClientCache {
 public:
  ClientCache(int64_t ttl_seconds, size_t capacity, int64_t outage_ttl_seconds = 0)
      : ttl_(ttl_seconds), capacity_(capacity), outage_ttl_(outage_ttl_seconds) {}

  // The client from memory if read less than `ttl` ago, else from the store (and kept); when
  // the store is unavailable, from memory if read less than `outage_ttl` ago.
  StatusOr<storage::Client> Get(storage::ClientStore& store, const std::string& client_id, int64_t now);
  // Keeps a client this process has just written (a registration): the next requests of a new
  // client's first connection (/oauth/authorize, the code exchange) then need no read for it.
  void Put(const storage::Client& client, int64_t now);
  // The client from memory only (no store access): for deciding on the network thread.
  std::optional<storage::Client> Peek(const std::string& client_id, int64_t now);
  // Records that the client's use mark (last_used_at) was just written, so the cached copy does
  // not make every request of the next seconds write it again.
  void MarkUsed(const std::string& client_id, int64_t now);
  // Forgets every client (after this process deleted some).
  void Clear();
  // Forgets one client (after this process deleted it).
  void Forget(const std::string& client_id);

 private:
  struct Entry {
    storage::Client client;
    int64_t read_at = 0;
  };
  std::optional<storage::Client> Find(const std::string& client_id, int64_t now, int64_t ttl);

  const int64_t ttl_;
  const size_t capacity_;
  const int64_t outage_ttl_;
  std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
};

}  // namespace authgent::server
