// server/authorize_endpoint: GET and POST /oauth/authorize (docs/mcp-clients.md §4).
//
// The request is validated against its client (oauth/authorize; the client read through the
// client cache, where the code exchange that follows finds it). A client_id that is an https URL
// names a client ID metadata document (federation/client_id_documents) when CIMD is enabled; a
// document that cannot be used is a 400 page with the reason. What happens next is
// oauth/authorization_session's rule: a signed-in user whose standing consent covers the request
// is sent back with a code at once; prompt=none never shows a page (login_required,
// consent_required); otherwise the request is stored as an authorization transaction, bound to
// this browser, and the login page follows, or the consent page at once when signed in already.
// A stranger may start only AUTHORIZE_RATE_LIMIT transactions a minute per network: each is a
// stored row until it expires. The same number bounds the metadata documents one network can
// make this server fetch (each fetch stores a client row).
//
// Where it runs: a request whose client is in memory, on a store that reads on its own thread
// (PostgreSQL), runs on the network thread with no worker: the session's read, the count and the
// transaction's write each complete on the store's thread (server/web.h After), and only a step
// that blocks (issuing a code at once, an error page that looks up past approvals) goes on a
// worker. Otherwise (SQLite, whose reads run in the caller; a client to read or fetch) the
// request starts on a worker and reads there.
#pragma once

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "federation/client_id_documents.h"
#include "http/router.h"
#include "oauth/authorize.h"
#include "oauth/resource.h"
#include "server/browser.h"
#include "server/client_cache.h"
#include "server/events.h"
#include "server/front_channel.h"
#include "server/rate_limiter.h"
#include "storage/store.h"

namespace authgent::server {

struct AuthorizeLimits {
  std::vector<std::string> trusted_proxies;  // TRUSTED_PROXIES: whose X-Forwarded-For to believe
  int64_t transactions_per_minute = 0;       // AUTHORIZE_RATE_LIMIT; 0 turns it off
};

class AuthorizeEndpoint {
 public:
  AuthorizeEndpoint(FrontChannel& front, Browser& browser, storage::Store& store,
                    ClientCache& clients, const oauth::ResourceCatalog& catalog,
                    SharedRateLimiter& limiter, AuthorizeLimits limits,
                    federation::ClientIdDocuments* documents, Events& events, const Clock& clock,
                    Random& random)
      : front_(front),
        browser_(browser),
        store_(store),
        clients_(clients),
        catalog_(catalog),
        limiter_(limiter),
        limits_(std::move(limits)),
        documents_(documents),
        events_(events),
        clock_(clock),
        random_(random) {}

  void Register(http::Router& router);
  http::AsyncStep Authorize(const http::Request& request);
  // The sign-in of the account page (server/account_endpoint) for a browser without a session: a
  // transaction like an application's, within the same limit, whose login ends at /account.
  http::AsyncStep StartAccountSignIn(const http::Request& request);

 private:
  // A new transaction holding `request_json` for this browser, with the session and a CSRF hash
  // when signed in already (stored by one write, Stored()).
  struct NewTxn {
    std::string transaction;  // its token, for the login and consent URLs
    std::string browser;      // the transaction cookie's value
    std::string csrf;         // the consent form's token, when signed in
    storage::AuthorizationTransaction record;  // what the write stores
  };
  NewTxn NewTransaction(const http::Request& request, const std::string& request_json,
                        const std::optional<storage::LoginSession>& session);
  // Stores `txn` and then answers `next` with the transaction's cookie (503 when the write
  // fails); the thread that calls it does not wait for the commit.
  http::AsyncStep Stored(NewTxn txn, http::Response next);
  // A request that needs the login or consent page: stores its transaction (with the session and
  // the consent form's CSRF hash when signed in already, in one write) and serves the next page
  // (the consent page lists what `standing`, the user's consent read with the session, holds).
  http::AsyncStep StartTransaction(const http::Request& request, const oauth::AuthorizeRequest& req,
                                   const storage::Client& client,
                                   std::optional<storage::LoginSession> session,
                                   std::optional<storage::Consent> standing = {});
  // Where a step runs: a worker may block; the network thread must not.
  enum class Place { kNetwork, kWorker };
  // The request checked against its client (kNotFound: none), then the session's read.
  http::AsyncStep Validated(const http::Request& request, const oauth::Params& params,
                            StatusOr<storage::Client> client, Place place);
  // A valid request's next step, once its session and standing consent are known.
  http::AsyncStep Decided(const http::Request& request, const oauth::AuthorizeRequest& req,
                          const storage::Client& client,
                          std::optional<storage::LoginSession> session,
                          std::optional<storage::Consent> standing, Place place);
  // `blocking` now on a worker, else on one.
  static http::AsyncStep Blocking(Place place, std::function<http::Response()> blocking);
  // Counts a new transaction against AUTHORIZE_RATE_LIMIT for this address, on the store's
  // thread, then `next`; or the page when over the limit (429) or not counted (503).
  http::AsyncStep Counted(const http::Request& request, std::function<http::AsyncStep()> next);
  // The request's client: a registered one (kNotFound when there is none), or the one its
  // metadata document describes; `refused` gets the page to answer with when that document
  // cannot be used. Fetches count against the requester's network like transactions do (key
  // "cimd:"). (Not a variant of the two: GCC 12 warned falsely of uninitialized use in it.)
  StatusOr<storage::Client> ClientOf(const http::Request& request, const oauth::Params& params,
                                     std::optional<http::Response>& refused);

  FrontChannel& front_;
  Browser& browser_;
  storage::Store& store_;
  ClientCache& clients_;
  const oauth::ResourceCatalog& catalog_;
  SharedRateLimiter& limiter_;
  const AuthorizeLimits limits_;
  federation::ClientIdDocuments* documents_;  // null with CIMD=disabled
  Events& events_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace authgent::server
