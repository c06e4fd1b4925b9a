#include "federation/client_id_documents.h"

#include <algorithm>

#include "core/ascii.h"
#include "core/log.h"
#include "oauth/cimd.h"
#include "oauth/redirect_uri.h"

namespace authgent::federation {
namespace {

bool Lists(const storage::Client& client, const std::string& redirect_uri) {
  return std::any_of(
      client.redirect_uris.begin(), client.redirect_uris.end(),
      [&](const std::string& r) { return oauth::RedirectUriMatches(r, redirect_uri); });
}

// application/json or any type/subtype+json, parameters ignored, names without case.
bool IsJson(std::string type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  type = AsciiLower(type);
  return type == "application/json" ||
         (type.size() > 5 && type.compare(type.size() - 5, 5, "+json") == 0 &&
          type.find('/') != std::string::npos);
}

DocumentRefusal Refuse(const std::string& client_id, std::string reason) {
  log::Warn("client metadata document refused", {{"client_id", client_id}, {"reason", reason}});
  return DocumentRefusal{std::move(reason)};
}

}  // namespace

ClientIdDocuments::ClientIdDocuments(HttpFetcher& fetcher, storage::ClientStore& store,
                                     const Clock& clock, std::vector<std::string> allowed_hosts,
                                     int per_host)
    : fetcher_(fetcher),
      store_(store),
      clock_(clock),
      allowed_hosts_(std::move(allowed_hosts)),
      per_host_(std::max(1, per_host)) {}

std::variant<storage::Client, DocumentRefusal> ClientIdDocuments::Resolve(
    const std::string& client_id, const std::string& redirect_uri, const FetchPermit& permit) {
  if (auto problem = oauth::CheckClientIdUrl(client_id)) return Refuse(client_id, *problem);
  std::string host = oauth::ClientIdUrlHost(client_id);
  if (!allowed_hosts_.empty() &&
      std::find(allowed_hosts_.begin(), allowed_hosts_.end(), host) == allowed_hosts_.end()) {
    return Refuse(client_id, "this server does not accept applications identified by " + host);
  }
  StatusOr<storage::Client> cached = store_.GetClient(client_id);
  if (!cached.ok() && cached.status().code() != StatusCode::kNotFound) {
    return Refuse(client_id, "the client's registration cannot be read now; try again shortly");
  }
  int64_t now = clock_.Now();
  if (cached.ok()) {
    bool fresh = now < cached->document_expires_at;
    bool listed = redirect_uri.empty() || Lists(*cached, redirect_uri);
    bool may_refetch = now >= cached->document_fetched_at + oauth::kMinDocumentLifetime;
    if (fresh && (listed || !may_refetch)) return *std::move(cached);
  }
  if (permit) {
    if (auto refused = permit()) {
      log::Warn("client metadata document fetch refused",
                {{"client_id", client_id}, {"reason", refused->reason}});
      if (cached.ok()) return *std::move(cached);  // an old copy costs nothing to use
      return *std::move(refused);
    }
  }
  auto fetched = Fetch(client_id);
  if (std::holds_alternative<DocumentRefusal>(fetched) && cached.ok()) {
    // The client's site is down or broken: its last good copy still describes it.
    return *std::move(cached);
  }
  return fetched;
}

std::variant<storage::Client, DocumentRefusal> ClientIdDocuments::Fetch(
    const std::string& client_id) {
  std::string host = oauth::ClientIdUrlHost(client_id);
  if (!EnterHost(host)) {
    return Refuse(client_id, "too many fetches from " + host + " at once; try again shortly");
  }
  StatusOr<FetchResponse> response = fetcher_.Get(client_id);
  LeaveHost(host);
  if (!response.ok()) {
    return Refuse(client_id, "the client's metadata document could not be fetched: " +
                                 response.status().message());
  }
  if (response->status != 200) {
    return Refuse(client_id, "the client's metadata document answered HTTP " +
                                 std::to_string(response->status) + " instead of 200");
  }
  if (!IsJson(response->content_type)) {
    return Refuse(client_id, "the client's metadata document is not JSON");
  }
  int64_t now = clock_.Now();
  auto parsed = oauth::ClientFromDocument(client_id, response->body, now);
  if (auto* e = std::get_if<oauth::OAuthError>(&parsed)) return Refuse(client_id, e->description);
  storage::Client client = std::get<storage::Client>(std::move(parsed));
  client.document_fetched_at = now;
  client.document_expires_at =
      now + oauth::DocumentLifetime(response->cache_control, response->expires, now);
  Status saved = store_.SaveDocumentClient(client);
  if (!saved.ok()) {
    log::Error("saving a client metadata document failed",
               {{"client_id", client_id}, {"error", saved.message()}});
    return DocumentRefusal{"the client's registration cannot be saved now; try again shortly"};
  }
  return client;
}

bool ClientIdDocuments::EnterHost(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  int& n = in_flight_[host];
  if (n >= per_host_) return false;
  ++n;
  return true;
}

void ClientIdDocuments::LeaveHost(const std::string& host) {
  std::lock_guard<std::mutex> lock(mu_);
  if (--in_flight_[host] <= 0) in_flight_.erase(host);
}

}  // namespace authgent::federation
