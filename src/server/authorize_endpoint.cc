#include "server/authorize_endpoint.h"

#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "oauth/authorization_session.h"
#include "oauth/cimd.h"
#include "oauth/client_policy.h"
#include "oauth/metadata.h"
#include "server/web.h"

namespace authgent::server {

void AuthorizeEndpoint::Register(http::Router& router) {
  auto authorize = [this](const http::Request& r) { return Authorize(r); };
  router.Add("GET", oauth::kAuthorizePath, authorize);
  router.Add("POST", oauth::kAuthorizePath, authorize);
}

http::AsyncStep AuthorizeEndpoint::Authorize(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  const std::string& client_id = params.Get("client_id");
  std::optional<storage::Client> cached;
  if (!store_.ReadsInProcess() && !(documents_ && oauth::IsClientIdUrl(client_id))) {
    cached = clients_.Peek(client_id, clock_.Now());
  }
  if (cached) return Validated(request, params, std::move(*cached), Place::kNetwork);
  return http::OnWorker{[this, &request, params = std::move(params)]() -> http::AsyncStep {
    std::optional<http::Response> refused;
    StatusOr<storage::Client> client = ClientOf(request, params, refused);
    if (refused) return std::move(*refused);
    return Validated(request, params, std::move(client), Place::kWorker);
  }};
}

http::AsyncStep AuthorizeEndpoint::Validated(const http::Request& request,
                                             const oauth::Params& params,
                                             StatusOr<storage::Client> client, Place place) {
  if (!client.ok() && client.status().code() != StatusCode::kNotFound) {
    return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  if (client.ok() && client->policy.blocked) {
    log::Info("authorization request of a blocked client",
              {{"request_id", request.request_id}, {"client_id", client->client_id}});
    return browser_.ErrorPage(403, "This application is blocked",
                              "The administrator of this server does not allow this application "
                              "to connect.");
  }
  oauth::AuthorizeOutcome outcome =
      oauth::ValidateAuthorize(params, client.ok() ? &*client : nullptr, catalog_);
  if (auto* page = std::get_if<oauth::AuthorizeErrorPage>(&outcome)) {
    log::Info("authorization request refused",
              {{"request_id", request.request_id}, {"debug", page->debug}});
    return browser_.ErrorPage(400, "This application's request is invalid", page->message);
  }
  if (auto* e = std::get_if<oauth::AuthorizeErrorRedirect>(&outcome)) {
    log::Info(
        "authorization request rejected",
        {{"request_id", request.request_id}, {"error", e->error.code}, {"debug", e->error.debug}});
    // Its page depends on the user's past approvals: reads.
    return Blocking(place, [this, &request, error = std::move(*e), client = *std::move(client)] {
      return front_.AuthorizeError(error, client, browser_.CurrentSession(request));
    });
  }
  auto req = std::make_shared<const oauth::AuthorizeRequest>(
      std::get<oauth::AuthorizeRequest>(std::move(outcome)));
  std::optional<std::string> session_hash = browser_.SessionHashOf(request);
  if (!session_hash) return Decided(request, *req, *client, std::nullopt, std::nullopt, place);
  // The session and the user's consent for this client and resource, in one statement. (An
  // unreadable session counts as none, as in Browser::CurrentSession.)
  auto decide = [this, &request, req, client = *std::move(client),
                 place](StatusOr<storage::SessionAndConsent> found) {
    if (!found.ok()) return Decided(request, *req, client, std::nullopt, std::nullopt, place);
    return Decided(request, *req, client, std::move(found->session), std::move(found->consent),
                   place);
  };
  if (place == Place::kWorker) {
    return decide(
        store_.GetSessionAndConsent(*session_hash, clock_.Now(), req->client_id, req->resource));
  }
  return After<StatusOr<storage::SessionAndConsent>>(
      [this, hash = std::move(*session_hash),
       req](storage::Completion<storage::SessionAndConsent> done) {
        store_.ReadSessionAndConsent(hash, clock_.Now(), req->client_id, req->resource,
                                     std::move(done));
      },
      std::move(decide));
}

http::AsyncStep AuthorizeEndpoint::Decided(const http::Request& request,
                                           const oauth::AuthorizeRequest& req,
                                           const storage::Client& client,
                                           std::optional<storage::LoginSession> session,
                                           std::optional<storage::Consent> standing, Place place) {
  auto error = [&](oauth::OAuthError e) {
    return Blocking(
        place,
        [this, redirect = oauth::AuthorizeErrorRedirect{req.redirect_uri, req.state, std::move(e)},
         client, session] { return front_.AuthorizeError(redirect, client, session); });
  };
  if (auto refused = oauth::PolicyRefusal(client, req.resource, req.scopes)) {
    return error(std::move(*refused));
  }
  auto covered = [&] { return front_.ConsentCovers(req, client, standing); };
  switch (oauth::NextAuthorizeStep(req, session.has_value(), covered)) {
    case oauth::AuthorizeStep::kIssueCode:  // the code's write blocks
      return Blocking(place, [this, &request, req, session = *std::move(session)] {
        return front_.FinishAuthorization(req, session, request);
      });
    case oauth::AuthorizeStep::kLoginRequired:
      return error({"login_required", "the user is not signed in", "", 400});
    case oauth::AuthorizeStep::kConsentRequired:
      return error({"consent_required", "the user has not approved this", "", 400});
    case oauth::AuthorizeStep::kShowLogin:
      return StartTransaction(request, req, client, std::nullopt);
    case oauth::AuthorizeStep::kShowConsent:
      return StartTransaction(request, req, client, std::move(session), std::move(standing));
  }
  return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
}

http::AsyncStep AuthorizeEndpoint::Blocking(Place place, std::function<http::Response()> blocking) {
  if (place == Place::kWorker) return blocking();
  return http::OnWorker{[blocking = std::move(blocking)] { return http::AsyncStep(blocking()); }};
}

StatusOr<storage::Client> AuthorizeEndpoint::ClientOf(const http::Request& request,
                                                     const oauth::Params& params,
                                                     std::optional<http::Response>& refused) {
  const std::string& client_id = params.Get("client_id");
  if (client_id.empty()) return NotFoundError("no client_id");
  if (!documents_ || !oauth::IsClientIdUrl(client_id)) {
    return clients_.Get(store_, client_id, clock_.Now());
  }
  // Each fetch stores a client row: a stranger naming fresh URLs gets as many fetches a minute
  // from one network as it may start sign-ins.
  federation::FetchPermit permit = [&]() -> std::optional<federation::DocumentRefusal> {
    StatusOr<RateDecision> pace =
        limiter_.Hit("cimd:" + RateLimitAddress(ClientIp(request, limits_.trusted_proxies)),
                     limits_.transactions_per_minute, 60);
    if (!pace.ok()) return federation::DocumentRefusal{"try again in a moment", 503, 0};
    if (pace->allowed) return std::nullopt;
    return federation::DocumentRefusal{
        "too many applications were looked up from your network; wait a minute and try again", 429,
        pace->retry_after};
  };
  auto resolved = documents_->Resolve(client_id, params.Get("redirect_uri"), permit);
  if (auto* refusal = std::get_if<federation::DocumentRefusal>(&resolved)) {
    if (refusal->status == 429)
      events_.RateLimited(Limit::kCimd);
    else if (refusal->status < 500)
      events_.RegistrationRefused("cimd");
    refused = browser_.ErrorPage(refusal->status, "This application could not be identified",
                                 refusal->reason);
    if (refusal->retry_after > 0) {
      refused->Set("Retry-After", std::to_string(refusal->retry_after));
    }
    return UnavailableError("the client's metadata document cannot be used");
  }
  storage::Client client = std::get<storage::Client>(std::move(resolved));
  int64_t now = clock_.Now();
  // Fetched for this request (not a stored copy): a registration by document.
  if (client.document_fetched_at >= now) events_.Registered(request, client);
  clients_.Put(client, now);  // the code exchange that follows finds it here
  return client;
}

http::AsyncStep AuthorizeEndpoint::Counted(const http::Request& request,
                                           std::function<http::AsyncStep()> next) {
  if (limits_.transactions_per_minute <= 0) return next();  // off: no address to work out
  std::string key = "authorize:" + RateLimitAddress(ClientIp(request, limits_.trusted_proxies));
  return CountThen(
      limiter_, {{std::move(key), limits_.transactions_per_minute}}, 60,
      [this](const StatusOr<RateDecision>& pace) -> std::optional<http::Response> {
        if (!pace.ok()) {
          return browser_.ErrorPage(503, "Temporarily unavailable",
                                    "Please try again in a moment.");
        }
        if (pace->allowed) return std::nullopt;
        events_.RateLimited(Limit::kAuthorize);
        http::Response r = browser_.ErrorPage(429, "Too many sign-in requests",
                                              "Too many sign-ins were started from your network. "
                                              "Wait a minute and try again.");
        r.Set("Retry-After", std::to_string(pace->retry_after));
        return r;
      },
      std::move(next));
}

AuthorizeEndpoint::NewTxn AuthorizeEndpoint::NewTransaction(
    const http::Request& request, const std::string& request_json,
    const std::optional<storage::LoginSession>& session) {
  int64_t now = clock_.Now();
  NewTxn out{
      NewSortableToken(random_, clock_.NowMillis()), browser_.TransactionToken(request), "", {}};
  storage::AuthorizationTransaction& txn = out.record;
  txn.transaction_hash = SortableTokenKey(out.transaction);
  txn.request_json = request_json;
  txn.browser_hash = TokenHash(out.browser);
  if (session) {
    txn.session_hash = session->session_hash;
    txn.user_id = session->user_id;
    out.csrf = random_.NewToken();
    txn.csrf_hash = TokenHash(out.csrf);
  }
  txn.created_at = now;
  txn.expires_at = now + oauth::kAuthorizationTransactionTtl;
  return out;
}

http::AsyncStep AuthorizeEndpoint::Stored(NewTxn txn, http::Response next) {
  next.Add("Set-Cookie", browser_.TransactionCookie(txn.browser));
  auto record = std::make_shared<storage::AuthorizationTransaction>(std::move(txn.record));
  return AfterWrite(
      [this, record](storage::StatusCompletion done) {
        store_.CreateTransaction(std::move(*record), std::move(done));
      },
      [this, next = std::move(next)](const Status& stored) mutable {
        if (stored.ok()) return std::move(next);  // answered once
        return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
      });
}

http::AsyncStep AuthorizeEndpoint::StartTransaction(const http::Request& request,
                                                    const oauth::AuthorizeRequest& req,
                                                    const storage::Client& client,
                                                    std::optional<storage::LoginSession> session,
                                                    std::optional<storage::Consent> standing) {
  return Counted(request, [this, &request, req, client, session = std::move(session),
                           standing = std::move(standing)] {
    NewTxn txn = NewTransaction(request, req.ToJson().dump(), session);
    // The page is ready before the write; it is sent only once the transaction it names is
    // stored.
    http::Response next =
        session ? front_.ConsentPage(txn.transaction, txn.csrf, req, client, *session, standing)
                : SeeOther("/oauth/login?txn=" + txn.transaction);
    return Stored(std::move(txn), std::move(next));
  });
}

http::AsyncStep AuthorizeEndpoint::StartAccountSignIn(const http::Request& request) {
  return Counted(request, [this, &request] {
    NewTxn txn = NewTransaction(request, kAccountSignInRequest, std::nullopt);
    http::Response next = SeeOther("/oauth/login?txn=" + txn.transaction);
    return Stored(std::move(txn), std::move(next));
  });
}

}  // namespace authgent::server
