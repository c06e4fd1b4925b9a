// server/token_endpoint: POST /oauth/token (docs/mcp-clients.md §5 and §6).
//
// Every request starts on the network thread, where it is parsed and its client authenticated,
// once. The grant (oauth/token_service) is then either answered at once (errors, a
// client_credentials token) or waits for its one store write without a thread: the write
// completes on the store's own thread and the answer is signed back on a network thread. Only
// what may block moves the request to a worker first: a client not in the client cache, a key
// ring due for a reload, a body too large to parse inline, and the refusal of a rate-limited
// refresh (which reads the store: a dead token is invalid_grant, not 429). On the worker the same
// steps run, and a grant's write is waited for there.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "crypto/key_ring.h"
#include "http/router.h"
#include "oauth/token_service.h"
#include "server/client_authentication.h"
#include "server/client_cache.h"
#include "server/events.h"
#include "server/rate_limiter.h"

namespace authgent::server {

class TokenEndpoint {
 public:
  // `rate_limit`: TOKEN_RATE_LIMIT, per client and repeatable grant per minute.
  TokenEndpoint(ClientAuthentication& authentication, oauth::TokenService& tokens,
                crypto::KeyRing& keys, LocalRateLimiter& limiter, int64_t rate_limit,
                ClientCache& cache, Events& events, const Clock& clock)
      : authentication_(authentication),
        tokens_(tokens),
        keys_(keys),
        limiter_(limiter),
        rate_limit_(rate_limit),
        cache_(cache),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  http::AsyncStep Handle(const http::Request& request);

 private:
  struct Call;  // one parsed request and the credentials it presents
  // Parses and reads the credentials; `on_worker` says whether this thread may block.
  http::AsyncStep Start(const http::Request& request, bool on_worker);
  // Authenticates the client as looked up, applies the rate limit, runs the grant.
  http::AsyncStep Grant(std::shared_ptr<const Call> call, StatusOr<storage::Client> found,
                        bool on_worker);
  // The limiter's refusal of a repeatable grant, if any.
  std::optional<RateDecision> RateDenied(const storage::Client& client, const std::string& grant);
  // The answer to a refused request (may read the store).
  http::Response RateLimited(const Call& call, const storage::Client& client,
                             const RateDecision& decision);
  // The HTTP answer of a grant; notes a use mark the grant wrote in the client cache, counts a
  // successful refresh against the client's rate limit, and tells Events what was issued or
  // what incident was detected.
  http::Response Answer(const http::Request& request, const storage::Client& client,
                        const std::string& grant, oauth::TokenAnswer answer);

  ClientAuthentication& authentication_;
  oauth::TokenService& tokens_;
  crypto::KeyRing& keys_;
  LocalRateLimiter& limiter_;
  const int64_t rate_limit_;
  ClientCache& cache_;
  Events& events_;
  const Clock& clock_;
};

}  // namespace authgent::server
