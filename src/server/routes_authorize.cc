// The front-channel: /oauth/authorize, the login page and the consent page (docs/mcp-clients.md §4).
//
// A validated request waits in an authorization transaction (stored, 10 minutes, single use) whose
// token travels in the login and consent URLs and forms. The transaction is bound to the browser
// that started it (the transaction cookie, whose hash it stores), so every later step must come
// from that browser. The login session is a cookie naming a stored session. Consent posts carry a
// CSRF token whose hash is on the transaction, and the transaction must belong to the session
// that posts: any instance can serve any step. Errors go back to the client at once only when
// oauth/client_policy says the client may be trusted with them (docs/security.md).
#include <boost/url/parse.hpp>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "oauth/authorize.h"
#include "oauth/client_policy.h"
#include "oauth/metadata.h"
#include "oauth/scope.h"
#include "server/app.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {
namespace {

std::string HostOf(const std::string& uri) {
  auto url = boost::urls::parse_uri(uri);
  if (!url) return uri;
  if (url->has_authority() && !url->host().empty()) return std::string(url->encoded_host_and_port());
  return std::string(url->scheme()) + ":";  // a private-use scheme names the app
}

}  // namespace

http::Response App::CodeRedirect(const oauth::AuthorizeRequest& request, const std::string& code) {
  std::vector<std::pair<std::string, std::string>> query = {{"code", code}};
  if (!request.state.empty()) query.emplace_back("state", request.state);
  query.emplace_back("iss", config_.issuer);
  return Redirect(oauth::AppendQuery(request.redirect_uri, query));
}

http::Response App::CodeNotStored(const oauth::AuthorizeRequest& request, const Status& status,
                                  const http::Request& http_request) {
  // An outage answers temporarily_unavailable (RFC 6749 §4.1.2.1), anything else server_error.
  oauth::OAuthError error = oauth::FromFailure(status);
  LogFailure("cannot store authorization code", error.status,
             {{"request_id", http_request.request_id}, {"error", status.ToString()}});
  return Redirect(oauth::ErrorRedirectUrl({request.redirect_uri, request.state, error},
                                          config_.issuer));
}

http::Response App::FinishAuthorization(const oauth::AuthorizeRequest& request,
                                        const storage::LoginSession& session,
                                        const http::Request& http_request) {
  StatusOr<std::string> code = tokens_->IssueCode(request, session.user_id, session.auth_time);
  if (!code.ok()) return CodeNotStored(request, code.status(), http_request);
  return CodeRedirect(request, *code);
}

bool App::StandingConsentCovers(const oauth::AuthorizeRequest& request,
                                const storage::LoginSession& session) {
  // RFC 8252 §8.6: a loopback or app-scheme redirect does not identify the client.
  if (request.force_consent || !oauth::ConsentMayBeRemembered(request.redirect_uri)) return false;
  StatusOr<storage::Consent> consent =
      store_->GetConsent(session.user_id, request.client_id, request.resource);
  return consent.ok() && oauth::ScopeSubset(request.scopes, oauth::SplitScope(consent->scope));
}

http::Response App::ConsentStep(const std::string& transaction,
                                const storage::LoginSession& session,
                                const http::Request& request) {
  int64_t now = clock_.Now();
  std::string txn_hash = SortableTokenKey(transaction);
  StatusOr<storage::AuthorizationTransaction> txn = store_->GetTransaction(txn_hash, now);
  if (!txn.ok()) {
    return browser_->ErrorPage(400, "This request has expired",
                     "Go back to your application and connect again.");
  }
  if (!browser_->SameBrowser(request, *txn)) return browser_->OtherBrowser(request);
  if (txn->session_hash != session.session_hash) {
    return browser_->ErrorPage(403, "This request belongs to another sign-in",
                     "Go back to your application and connect again.");
  }
  std::optional<oauth::AuthorizeRequest> req = oauth::AuthorizeRequest::FromJson(txn->request_json);
  StatusOr<storage::Client> client =
      req ? store_->GetClient(req->client_id) : StatusOr<storage::Client>(NotFoundError("request"));
  if (!client.ok()) {
    return browser_->ErrorPage(400, "The application is no longer registered",
                     "Go back to your application and connect again.");
  }
  // A standing consent that covers the request ends the flow without asking again.
  if (StandingConsentCovers(*req, session)) {
    if (!store_->ConsumeTransaction(txn_hash, now).ok()) {
      return browser_->ErrorPage(400, "This request was already used", "Go back to your application and connect again.");
    }
    return FinishAuthorization(*req, session, request);
  }
  std::string csrf = random_.NewToken();
  txn->csrf_hash = TokenHash(csrf);
  Status updated = store_->UpdateTransaction(*txn);
  if (!updated.ok()) return browser_->ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  return ConsentPage(transaction, csrf, *req, *client, session);
}

http::Response App::ConsentPage(const std::string& transaction, const std::string& csrf,
                                const oauth::AuthorizeRequest& req, const storage::Client& client,
                                const storage::LoginSession& session) {
  ui::ConsentPage page;
  page.service_name = config_.service_name;
  page.user_name = session.user_display_name;
  page.client_name = client.client_name.empty() ? "An unnamed application" : client.client_name;
  page.client_id = client.client_id;
  page.redirect_host = HostOf(req.redirect_uri);
  page.resource = req.resource;
  for (const std::string& scope : req.scopes) page.scopes.push_back({scope, catalog_.Describe(scope)});
  page.transaction = transaction;
  page.csrf_token = csrf;
  page.sign_out_token = browser_->SignOutToken(session);
  return HtmlPage(200, ui::RenderConsent(page));
}

bool App::ApprovedBefore(const std::string& user_id, const std::string& client_id) {
  StatusOr<std::vector<storage::Consent>> consents = store_->ListConsents(user_id);
  return consents.ok() && std::any_of(consents->begin(), consents->end(),
                                      [&](const storage::Consent& c) {
                                        return c.client_id == client_id;
                                      });
}

http::Response App::AuthorizeError(const oauth::AuthorizeErrorRedirect& error,
                                   const storage::Client& client,
                                   const std::optional<storage::LoginSession>& session) {
  std::string url = oauth::ErrorRedirectUrl(error, config_.issuer);
  bool approved = session && ApprovedBefore(session->user_id, client.client_id);
  if (oauth::RedirectsErrorsAutomatically(client, approved)) return Redirect(url);
  ui::ClientErrorPage page;
  page.service_name = config_.service_name;
  page.client_name = client.client_name.empty() ? "An unnamed application" : client.client_name;
  page.redirect_host = HostOf(error.redirect_uri);
  page.message = error.error.description;
  page.return_url = url;
  return HtmlPage(400, ui::RenderClientError(page));
}

http::Response App::Authorize(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  StatusOr<storage::Client> client = NotFoundError("no client_id");
  // Through the token endpoints' cache: the code exchange that follows finds the client there.
  if (!params.Get("client_id").empty()) {
    client = client_cache_.Get(*store_, params.Get("client_id"), clock_.Now());
  }
  if (!client.ok() && client.status().code() != StatusCode::kNotFound) {
    return browser_->ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  oauth::AuthorizeOutcome outcome =
      oauth::ValidateAuthorize(params, client.ok() ? &*client : nullptr, catalog_);
  if (auto* page = std::get_if<oauth::AuthorizeErrorPage>(&outcome)) {
    log::Info("authorization request refused", {{"request_id", request.request_id},
                                                {"debug", page->debug}});
    return browser_->ErrorPage(400, "This application's request is invalid", page->message);
  }
  if (auto* e = std::get_if<oauth::AuthorizeErrorRedirect>(&outcome)) {
    log::Info("authorization request rejected", {{"request_id", request.request_id},
                                                 {"error", e->error.code}, {"debug", e->error.debug}});
    return AuthorizeError(*e, *client, browser_->CurrentSession(request));
  }
  const oauth::AuthorizeRequest& req = std::get<oauth::AuthorizeRequest>(outcome);
  std::optional<storage::LoginSession> session = browser_->CurrentSession(request);
  if (req.no_prompt) {
    // prompt=none: finish silently or say why not; never a login or consent page.
    if (!session) {
      return AuthorizeError(
          {req.redirect_uri, req.state, {"login_required", "the user is not signed in", "", 400}},
          *client, session);
    }
    if (!StandingConsentCovers(req, *session)) {
      return AuthorizeError({req.redirect_uri, req.state,
                             {"consent_required", "the user has not approved this", "", 400}},
                            *client, session);
    }
    return FinishAuthorization(req, *session, request);
  }
  if (req.force_login) session.reset();  // prompt=login: the login page, whatever the cookie
  // Signed in already: a standing consent ends the flow here; otherwise the consent page is
  // served at once, its transaction stored with the session and CSRF hash in one write.
  if (session && StandingConsentCovers(req, *session)) {
    return FinishAuthorization(req, *session, request);
  }
  return StartTransaction(request, req, *client, session);
}

// A request that needs the login or consent page: stores its transaction (with the session and
// the consent form's CSRF hash when signed in already, in one write) and serves the next page.
http::Response App::StartTransaction(const http::Request& request,
                                     const oauth::AuthorizeRequest& req,
                                     const storage::Client& client,
                                     const std::optional<storage::LoginSession>& session) {
  // Every transaction is a row until it expires: a stranger may start only so many a minute.
  StatusOr<RateDecision> pace = shared_limits_->Hit(
      "authorize:" + RateLimitAddress(ClientIp(request, config_.trusted_proxies)),
      config_.authorize_rate_limit, 60);
  if (!pace.ok()) return browser_->ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  if (!pace->allowed) {
    http::Response r = browser_->ErrorPage(429, "Too many sign-in requests",
                                 "Too many sign-ins were started from your network. Wait a "
                                 "minute and try again.");
    r.Set("Retry-After", std::to_string(pace->retry_after));
    return r;
  }
  int64_t now = clock_.Now();
  std::string transaction = NewSortableToken(random_, clock_.NowMillis());
  std::string browser = browser_->TransactionToken(request);
  storage::AuthorizationTransaction txn;
  txn.transaction_hash = SortableTokenKey(transaction);
  txn.request_json = req.ToJson().dump();
  txn.browser_hash = TokenHash(browser);
  std::string csrf;
  if (session) {
    txn.session_hash = session->session_hash;
    txn.user_id = session->user_id;
    csrf = random_.NewToken();
    txn.csrf_hash = TokenHash(csrf);
  }
  txn.created_at = now;
  txn.expires_at = now + oauth::kAuthorizationTransactionTtl;
  Status stored = store_->CreateTransaction(txn);
  if (!stored.ok()) return browser_->ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  http::Response next = session ? ConsentPage(transaction, csrf, req, client, *session)
                                : SeeOther("/oauth/login?txn=" + transaction);
  next.Add("Set-Cookie", browser_->TransactionCookie(browser));
  return next;
}

void App::AddAuthorizeRoutes() {
  auto authorize = http::OnWorkers([this](const http::Request& r) { return Authorize(r); });
  router_.Add("GET", oauth::kAuthorizePath, authorize);
  router_.Add("POST", oauth::kAuthorizePath, authorize);
}

}  // namespace authgent::server
