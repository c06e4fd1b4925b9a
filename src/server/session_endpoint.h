// server/session_endpoint: signing out. GET /oauth/logout is a page with the button; POST
// /oauth/logout is its form and the consent page's "Not you? Sign out".
//
// The form carries the session's sign-out token (server/browser), which only a page we served to
// that browser has, so another site cannot sign a user out (a nuisance, and the first step of
// swapping in the attacker's session); the post must also come from our own origin
// (Sec-Fetch-Site, Origin). After signing out the browser goes back to the sign-in of the
// application's pending request when there is one, so "Not you?" can go on as someone else.
#pragma once

#include <string>

#include "core/clock.h"
#include "http/router.h"
#include "server/browser.h"
#include "server/events.h"
#include "storage/account_store.h"
#include "storage/flow_store.h"

namespace authgent::server {

class SessionEndpoint {
 public:
  SessionEndpoint(Browser& browser, storage::AccountStore& accounts,
                  storage::AuthorizationFlowStore& flows, std::string issuer,
                  std::string service_name, Events& events, const Clock& clock)
      : browser_(browser),
        accounts_(accounts),
        flows_(flows),
        issuer_(std::move(issuer)),
        service_name_(std::move(service_name)),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  http::Response Page(const http::Request& request);
  http::Response SignOut(const http::Request& request);

 private:
  // The session cookie cleared, then on to the login of `transaction` when it is this browser's
  // and live, else a page.
  http::Response SignedOut(const http::Request& request, const std::string& transaction);

  Browser& browser_;
  storage::AccountStore& accounts_;
  storage::AuthorizationFlowStore& flows_;
  const std::string issuer_;
  const std::string service_name_;
  Events& events_;
  const Clock& clock_;
};

}  // namespace authgent::server
