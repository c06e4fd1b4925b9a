// federation/client_id_documents: the client that a client ID metadata document describes
// (oauth/cimd), fetched with the address guard (federation/http_fetcher), validated, and kept in
// the store so that every instance uses the copy one of them fetched.
//
// A copy is used until the lifetime its response allowed (oauth::DocumentLifetime) runs out; then
// it is fetched again, and if that fails the old copy is still used (a client's site being down
// for a moment must not lock its users out). A redirect URI the copy does not list makes an
// early refetch (the client may have just added it), at most once per minimum lifetime, so a
// stranger cannot turn authorize into a fetch loop. At most a few fetches per host are in flight;
// more are refused at once rather than queued.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "federation/http_fetcher.h"
#include "storage/client_store.h"
#include "storage/records.h"

namespace authgent::federation {

struct DocumentRefusal {
  std::string reason;       // client-safe: shown on the error page and logged
  int status = 400;         // 429 when the requester may not cause another fetch now
  int64_t retry_after = 0;  // seconds, with 429
};

// Asked before each fetch, with the requester's identity in its closure: a refusal (the
// requester fetched too much already) stops the fetch. Copies already stored cost nothing and
// are not asked about.
using FetchPermit = std::function<std::optional<DocumentRefusal>()>;

class ClientIdDocuments {
 public:
  // `fetcher` must be guarded (FetchLimits::addresses set): this class fetches what strangers
  // name. `allowed_hosts` (lower case; empty: any) are the hosts whose documents are accepted
  // (CIMD_ALLOWED_HOSTS); `per_host` caps the fetches in flight for one host.
  ClientIdDocuments(HttpFetcher& fetcher, storage::ClientStore& store, const Clock& clock,
                    std::vector<std::string> allowed_hosts = {}, int per_host = 2);

  // The client for `client_id` (an https URL), fresh enough to use. `redirect_uri` is the one
  // the request names, or empty when none is to be checked. `permit`, when set, is asked before
  // a fetch.
  std::variant<storage::Client, DocumentRefusal> Resolve(const std::string& client_id,
                                                         const std::string& redirect_uri,
                                                         const FetchPermit& permit = nullptr);

 private:
  std::variant<storage::Client, DocumentRefusal> Fetch(const std::string& client_id);
  bool EnterHost(const std::string& host);
  void LeaveHost(const std::string& host);

  HttpFetcher& fetcher_;
  storage::ClientStore& store_;
  const Clock& clock_;
  const std::vector<std::string> allowed_hosts_;
  const int per_host_;
  std::mutex mu_;
  std::map<std::string, int> in_flight_;  // guarded by mu_; hosts with a fetch running
};

}  // namespace authgent::federation
