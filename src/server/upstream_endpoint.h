// server/upstream_endpoint: login through the upstream OpenID Connect provider
// (docs/mcp-clients.md §8): the round trip from /oauth/login to the provider (Start) and back to
// GET /oauth/upstream/callback, then authgent's own consent.
//
// The round trip's state, nonce and PKCE verifier live on the stored authorization transaction,
// found again by the hash of `state` and consumed exactly once, so any instance can receive the
// callback and a replayed callback finds nothing. The upstream's tokens are used only to learn
// who the user is and are never stored or passed on; the local user is found or created by
// federation/local_user. Without an upstream IdP the callback answers 404.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/random.h"
#include "federation/upstream.h"
#include "http/router.h"
#include "server/browser.h"
#include "server/events.h"
#include "server/front_channel.h"
#include "storage/store.h"

namespace authgent::server {

class UpstreamEndpoint {
 public:
  // `upstream` is null without an upstream IdP.
  UpstreamEndpoint(federation::UpstreamProvider* upstream, FrontChannel& front, Browser& browser,
                   storage::Store& store, Events& events, const Clock& clock, Random& random)
      : upstream_(upstream),
        front_(front),
        browser_(browser),
        store_(store),
        events_(events),
        clock_(clock),
        random_(random) {}

  void Register(http::Router& router);
  bool configured() const { return upstream_ != nullptr; }
  // The login step with an upstream IdP: the transaction gets the round trip's secrets, and the
  // browser goes to the provider.
  http::Response Start(storage::AuthorizationTransaction txn);
  // The provider's redirect back: the transaction its `state` names, consumed once, from the
  // browser that started it; then the provider's answer (Finish).
  http::Response Callback(const http::Request& request);

 private:
  // Redeems the provider's code, applies the operator's allow-lists, finds or creates the local
  // user and carries the request on to consent in a fresh transaction (the old one is spent).
  http::Response Finish(const http::Request& request, const std::string& code,
                        const storage::AuthorizationTransaction& txn);
  // The provider refused or the user cancelled: the client learns it the OAuth way (no request:
  // the account page's sign-in, a page says it).
  http::Response Refused(const http::Request& request,
                         const std::optional<oauth::AuthorizeRequest>& req,
                         const std::string& error);
  http::Response Expired();

  federation::UpstreamProvider* const upstream_;
  FrontChannel& front_;
  Browser& browser_;
  storage::Store& store_;
  Events& events_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace authgent::server
