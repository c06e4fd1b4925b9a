// federation/upstream: login through an upstream OpenID Connect provider (docs/mcp-clients.md §8): Okta,
// Microsoft Entra ID, Google, or any issuer with discovery.
//
// Discovery runs in the background from start-up, retrying with backoff until it succeeds and
// refreshing periodically afterwards; until then ready() is false and last_error() says why
// (/readyz shows it, the login page says the provider is unavailable). The upstream JWKS is cached
// and refetched on an unknown kid, at most once per `jwks_refetch_interval`.
//
// Redeem() exchanges the code (client_secret_basic or client_secret_post, as the provider
// supports) and validates the id_token: RS256 or ES256 with the provider's keys, `iss` exact,
// `aud` containing our client id, `azp` when several audiences, `nonce`, `exp`, `iat` within skew.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "authgent/verify/jwks.h"
#include "core/clock.h"
#include "core/status.h"
#include "federation/http_fetcher.h"

namespace authgent::federation {

struct UpstreamSettings {
  std::string issuer;
  std::string client_id;
  std::string client_secret;
  std::string scopes = "openid email profile";
  std::string redirect_uri;  // our callback: ISSUER + /oauth/upstream/callback
  std::vector<std::string> allowed_domains;  // empty: everyone
  std::vector<std::string> allowed_groups;   // empty: everyone
  std::string groups_claim = "groups";
  int64_t refresh_interval = 3600;     // rediscover this often once ready
  int64_t max_retry_delay = 60;        // backoff cap while discovery fails
  int64_t jwks_refetch_interval = 60;  // at most one refetch on unknown kid per this
  int64_t leeway = 120;                // clock skew tolerated on exp/iat
};

struct UpstreamIdentity {
  std::string subject;
  std::string email;
  bool email_verified = false;
  std::string name;
  std::string hosted_domain;  // Google's `hd`
  std::vector<std::string> groups;
};

class UpstreamProvider {
 public:
  UpstreamProvider(UpstreamSettings settings, HttpFetcher& fetcher, const Clock& clock);
  ~UpstreamProvider();

  // Starts the background discovery loop; Stop() (or the destructor) ends it.
  void Start();
  void Stop();
  // One discovery attempt now (also what the loop calls).
  Status Discover();

  bool ready() const { return ready_.load(); }
  std::string last_error() const;
  const UpstreamSettings& settings() const { return settings_; }

  // The provider's authorization URL for this round trip (code flow, PKCE S256, state, nonce).
  StatusOr<std::string> AuthorizationUrl(const std::string& state, const std::string& nonce,
                                         const std::string& code_challenge) const;
  // Exchanges `code` and validates the id_token against `nonce`. kUnavailable: the provider could
  // not be reached or answered an error; kInvalidArgument: the id_token is not acceptable (the
  // message says which check failed; log it, do not show it).
  StatusOr<UpstreamIdentity> Redeem(const std::string& code, const std::string& code_verifier,
                                    const std::string& nonce);
  // Validation alone (exposed for tests).
  StatusOr<UpstreamIdentity> ValidateIdToken(const std::string& id_token, const std::string& nonce);
  // kPermissionDenied-like refusal (kFailedPrecondition) when outside the allowed domains/groups.
  // An email's domain counts only when `email_verified` is true (boolean or "true"); Google's `hd`
  // counts only when the upstream issuer is Google's (https://accounts.google.com).
  Status CheckAllowed(const UpstreamIdentity& identity) const;

 private:
  struct Metadata {
    std::string issuer;
    std::string authorization_endpoint;
    std::string token_endpoint;
    std::string jwks_uri;
    bool basic_auth = true;  // else client_secret_post
  };
  StatusOr<std::shared_ptr<const verify::Jwks>> FetchJwks(const std::string& uri);
  std::shared_ptr<const Metadata> metadata() const;
  void Loop();

  UpstreamSettings settings_;
  HttpFetcher& fetcher_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::shared_ptr<const Metadata> metadata_;      // guarded by mu_
  std::shared_ptr<const verify::Jwks> jwks_;      // guarded by mu_
  std::string last_error_ = "discovery has not run yet";  // guarded by mu_
  int64_t last_jwks_fetch_ = 0;                   // guarded by mu_
  std::atomic<bool> ready_{false};
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread loop_;
};

}  // namespace authgent::federation
