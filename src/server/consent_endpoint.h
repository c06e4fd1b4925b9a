// server/consent_endpoint: GET and POST /oauth/consent (docs/mcp-clients.md §4).
//
// GET, after login, is the consent step (server/front_channel: a standing consent ends the flow,
// else the page with its CSRF token), on a worker. POST is the user's decision. An approval is one
// store call that reads the transaction and the login session and decides inside its commit
// (AuthorizationFlowStore::ApproveTransaction): the transaction must belong to the session that
// posts (and the browser that started it: the transaction cookie), and the form must carry the
// CSRF token whose hash is on the transaction; a form posted from another site is refused first
// (Sec-Fetch-Site, Origin). Nothing is read before that call, and the request waits for its commit
// without a thread (the store completes it on its own thread), like the token endpoint's grants.
// A denial consumes the transaction and sends access_denied back to the client; it is rare and
// runs on a worker.
#pragma once

#include <memory>
#include <string>
#include <variant>

#include "core/clock.h"
#include "http/router.h"
#include "oauth/params.h"
#include "oauth/token_service.h"
#include "server/browser.h"
#include "server/events.h"
#include "server/front_channel.h"
#include "storage/store.h"

namespace authgent::server {

class ConsentEndpoint {
 public:
  // `issuer`: a posted form must come from this origin.
  ConsentEndpoint(std::string issuer, FrontChannel& front, Browser& browser, storage::Store& store,
                  oauth::TokenService& tokens, const oauth::ResourceCatalog& catalog,
                  Events& events, const Clock& clock)
      : issuer_(std::move(issuer)),
        front_(front),
        browser_(browser),
        store_(store),
        tokens_(tokens),
        catalog_(catalog),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  http::Response Page(const http::Request& request);
  http::AsyncStep Decision(const http::Request& request);

 private:
  struct Approval;  // what the form and the cookie bring, and what the commit decided
  // The approval's inputs from the form and the cookie, or the 403 when they cannot be right.
  std::variant<std::shared_ptr<Approval>, http::Response> Prepare(const http::Request& request,
                                                                  const oauth::Params& params);
  // The decision the store runs inside the approval's commit.
  storage::DecideApproval Decide(std::shared_ptr<Approval> approval);
  http::Response Answer(const http::Request& request, const Approval& approval);
  http::Response Denied(const http::Request& request, const oauth::Params& params);
  http::Response FormExpired(const http::Request& request);
  http::Response AlreadyUsed();

  const std::string issuer_;
  FrontChannel& front_;
  Browser& browser_;
  storage::Store& store_;
  oauth::TokenService& tokens_;
  const oauth::ResourceCatalog& catalog_;
  Events& events_;
  const Clock& clock_;
};

}  // namespace authgent::server
