// server/account_endpoint: the user's own page of connected applications. GET /account lists the
// clients holding access to the signed-in account (storage::Grant: a consent and its live refresh
// families), each with its host, resource, scopes, first and last use, and whether it can refresh
// while the user is away; POST /account/revoke ends one client's access to one resource, POST
// /account/revoke-all every client's (storage: RevokeGrants, which also denylists their access
// tokens). Signing out is the session endpoint's form.
//
// A browser without a session is sent through the same sign-in as an application's (a local
// password or the upstream IdP), in a transaction marked as the account page's
// (server/front_channel: kAccountSignInRequest) that ends back here. Each revoke form carries the
// session's account form token (server/browser) and must come from our own origin, so another
// site cannot make a signed-in user revoke anything; a user can only revoke their own grants,
// since the user comes from the session and never from the form.
#pragma once

#include <string>

#include "core/clock.h"
#include "http/router.h"
#include "oauth/resource.h"
#include "server/authorize_endpoint.h"
#include "server/browser.h"
#include "server/events.h"
#include "storage/store.h"

namespace authgent::server {

class AccountEndpoint {
 public:
  AccountEndpoint(std::string issuer, std::string service_name, AuthorizeEndpoint& sign_in,
                  Browser& browser, storage::Store& store, const oauth::ResourceCatalog& catalog,
                  Events& events, const Clock& clock)
      : issuer_(std::move(issuer)),
        service_name_(std::move(service_name)),
        sign_in_(sign_in),
        browser_(browser),
        store_(store),
        catalog_(catalog),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  http::AsyncStep Page(const http::Request& request);
  // POST /account/revoke (`all` false: the form's client_id and resource) and /account/revoke-all.
  http::Response Revoke(const http::Request& request, bool all);

 private:
  const std::string issuer_;
  const std::string service_name_;
  AuthorizeEndpoint& sign_in_;
  Browser& browser_;
  storage::Store& store_;
  const oauth::ResourceCatalog& catalog_;
  Events& events_;
  const Clock& clock_;
};

}  // namespace authgent::server
