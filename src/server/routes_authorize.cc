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
#include "crypto/password.h"
#include "oauth/authorize.h"
#include "oauth/client_policy.h"
#include "oauth/metadata.h"
#include "oauth/scope.h"
#include "server/app.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {
namespace {

constexpr int64_t kLoginWindow = 900;  // failed logins are counted per 15 minutes
constexpr size_t kMaxUsername = 100;   // as `authgent users add` allows

std::string HostOf(const std::string& uri) {
  auto url = boost::urls::parse_uri(uri);
  if (!url) return uri;
  if (url->has_authority() && !url->host().empty()) return std::string(url->encoded_host_and_port());
  return std::string(url->scheme()) + ":";  // a private-use scheme names the app
}

}  // namespace

http::Response App::ErrorPage(int status, const std::string& title, const std::string& message) {
  return HtmlPage(status, ui::RenderMessage({config_.service_name, title, message}));
}

std::string App::BrowserHashOf(const http::Request& request) {
  std::optional<std::string> token = CookieValue(request, browser_cookie_);
  return token && token->size() == 43 ? TokenHash(*token) : std::string();
}

std::string App::BrowserToken(const http::Request& request) {
  std::optional<std::string> token = CookieValue(request, browser_cookie_);
  if (token && token->size() == 43 && Base64UrlDecode(*token)) return *token;
  return random_.NewToken();
}

std::string App::BrowserCookie(const std::string& token) {
  return SetCookie(browser_cookie_, token, oauth::kAuthorizationTransactionTtl, secure_cookies_);
}

bool App::SameBrowser(const http::Request& request, const storage::AuthorizationTransaction& txn) {
  std::string hash = BrowserHashOf(request);
  return !hash.empty() && !txn.browser_hash.empty() && ConstantTimeEquals(hash, txn.browser_hash);
}

http::Response App::OtherBrowser(const http::Request& request) {
  log::Info("refused: the transaction belongs to another browser",
            {{"request_id", request.request_id}, {"path", request.path}});
  return ErrorPage(403, "This sign-in was started in another browser",
                   "Open your application again from this browser and connect from there.");
}

http::Response App::CrossSiteForm(const http::Request& request) {
  log::Info("refused: cross-site form post", {{"request_id", request.request_id},
                                              {"path", request.path}});
  return ErrorPage(403, "This form was sent from another site",
                   "Go back to your application and connect again.");
}

std::optional<storage::LoginSession> App::CurrentSession(const http::Request& request) {
  std::optional<std::string> session_hash = SessionHashOf(request);
  if (!session_hash) return std::nullopt;
  StatusOr<storage::LoginSession> session = store_->GetSession(*session_hash, clock_.Now());
  if (!session.ok()) return std::nullopt;
  return std::move(session).value();
}

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
    return ErrorPage(400, "This request has expired",
                     "Go back to your application and connect again.");
  }
  if (!SameBrowser(request, *txn)) return OtherBrowser(request);
  if (txn->session_hash != session.session_hash) {
    return ErrorPage(403, "This request belongs to another sign-in",
                     "Go back to your application and connect again.");
  }
  std::optional<oauth::AuthorizeRequest> req = oauth::AuthorizeRequest::FromJson(txn->request_json);
  StatusOr<storage::Client> client =
      req ? store_->GetClient(req->client_id) : StatusOr<storage::Client>(NotFoundError("request"));
  if (!client.ok()) {
    return ErrorPage(400, "The application is no longer registered",
                     "Go back to your application and connect again.");
  }
  // A standing consent that covers the request ends the flow without asking again.
  if (StandingConsentCovers(*req, session)) {
    if (!store_->ConsumeTransaction(txn_hash, now).ok()) {
      return ErrorPage(400, "This request was already used", "Go back to your application and connect again.");
    }
    return FinishAuthorization(*req, session, request);
  }
  std::string csrf = random_.NewToken();
  txn->csrf_hash = TokenHash(csrf);
  Status updated = store_->UpdateTransaction(*txn);
  if (!updated.ok()) return ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
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
  page.sign_out_token = SignOutToken(session);
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

http::Response App::LoggedIn(const std::string& user_id, const std::string& transaction,
                            storage::AuthorizationTransaction txn) {
  int64_t now = clock_.Now();
  std::string session_token = random_.NewToken();
  storage::LoginSession session;
  session.session_hash = TokenHash(session_token);
  session.user_id = user_id;
  session.auth_time = session.created_at = now;
  session.expires_at = now + config_.login_session_ttl;
  txn.session_hash = session.session_hash;
  txn.user_id = user_id;
  if (!store_->CreateSession(session).ok() || !store_->UpdateTransaction(txn).ok()) {
    return ErrorPage(503, "Temporarily unavailable", "Sign-in is unavailable. Try again shortly.");
  }
  http::Response r = SeeOther("/oauth/consent?txn=" + transaction);
  r.Set("Set-Cookie", SetCookie(session_cookie_, session_token, config_.login_session_ttl,
                                secure_cookies_));
  return r;
}

void App::AddAuthorizeRoutes() {
  auto authorize = [this](const http::Request& request) {
    oauth::Params params = RequestParams(request);
    StatusOr<storage::Client> client = NotFoundError("no client_id");
    // Through the token endpoints' cache: the code exchange that follows finds the client there.
    if (!params.Get("client_id").empty()) {
      client = client_cache_.Get(*store_, params.Get("client_id"), clock_.Now());
    }
    if (!client.ok() && client.status().code() != StatusCode::kNotFound) {
      return ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
    }
    oauth::AuthorizeOutcome outcome =
        oauth::ValidateAuthorize(params, client.ok() ? &*client : nullptr, catalog_);
    if (auto* page = std::get_if<oauth::AuthorizeErrorPage>(&outcome)) {
      log::Info("authorization request refused", {{"request_id", request.request_id},
                                                  {"debug", page->debug}});
      return ErrorPage(400, "This application's request is invalid", page->message);
    }
    if (auto* e = std::get_if<oauth::AuthorizeErrorRedirect>(&outcome)) {
      log::Info("authorization request rejected", {{"request_id", request.request_id},
                                                   {"error", e->error.code}, {"debug", e->error.debug}});
      return AuthorizeError(*e, *client, CurrentSession(request));
    }
    const oauth::AuthorizeRequest& req = std::get<oauth::AuthorizeRequest>(outcome);
    int64_t now = clock_.Now();
    std::optional<storage::LoginSession> session = CurrentSession(request);
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
    // Every transaction is a row until it expires: a stranger may start only so many a minute.
    StatusOr<RateDecision> pace = shared_limits_->Hit(
        "authorize:" + RateLimitAddress(ClientIp(request, config_.trusted_proxies)),
        config_.authorize_rate_limit, 60);
    if (!pace.ok()) return ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
    if (!pace->allowed) {
      http::Response r = ErrorPage(429, "Too many sign-in requests",
                                   "Too many sign-ins were started from your network. Wait a "
                                   "minute and try again.");
      r.Set("Retry-After", std::to_string(pace->retry_after));
      return r;
    }
    std::string transaction = NewSortableToken(random_, UnixMillisNow());
    std::string browser = BrowserToken(request);
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
    if (!stored.ok()) return ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
    http::Response next = session ? ConsentPage(transaction, csrf, req, *client, *session)
                                  : SeeOther("/oauth/login?txn=" + transaction);
    next.Add("Set-Cookie", BrowserCookie(browser));
    return next;
  };
  router_.Add("GET", oauth::kAuthorizePath, http::OnWorkers(authorize));
  router_.Add("POST", oauth::kAuthorizePath, http::OnWorkers(authorize));

  router_.Add(
      "GET", "/oauth/login",
      http::OnWorkers([this](const http::Request& request) {
        oauth::Params params = RequestParams(request);
        const std::string& transaction = params.Get("txn");
        StatusOr<storage::AuthorizationTransaction> txn =
            store_->GetTransaction(SortableTokenKey(transaction), clock_.Now());
        if (transaction.empty() || !txn.ok()) {
          return ErrorPage(400, "Start from your application",
                           "Sign-in happens when an application asks for access. Go back to it "
                           "and connect again.");
        }
        if (!SameBrowser(request, *txn)) return OtherBrowser(request);
        if (upstream_) return StartUpstreamLogin(*txn);
        auto req = oauth::AuthorizeRequest::FromJson(txn->request_json);
        StatusOr<storage::Client> client = store_->GetClient(req ? req->client_id : "");
        std::string name = client.ok() && !client->client_name.empty() ? client->client_name
                                                                        : "an application";
        return HtmlPage(200, ui::RenderLogin({config_.service_name, name, transaction, "", ""}));
      }));

  router_.Add(
      "POST", "/oauth/login",
      http::OnWorkers([this](const http::Request& request) {
        oauth::Params params = RequestParams(request);
        const std::string& transaction = params.Get("txn");
        const std::string& username = params.Get("username");
        const std::string& password = params.Get("password");
        int64_t now = clock_.Now();
        StatusOr<storage::AuthorizationTransaction> txn =
            store_->GetTransaction(SortableTokenKey(transaction), now);
        if (upstream_) {
          return ErrorPage(400, "Sign in with your organisation",
                           "This server signs you in through your identity provider. Go back to "
                           "your application and connect again.");
        }
        if (!SameOriginOrUnknown(request, config_.issuer)) return CrossSiteForm(request);
        if (!IsFormPost(request) || transaction.empty() || !txn.ok()) {
          return ErrorPage(400, "This sign-in has expired",
                           "Go back to your application and connect again.");
        }
        if (!SameBrowser(request, *txn)) return OtherBrowser(request);
        auto req = oauth::AuthorizeRequest::FromJson(txn->request_json);
        StatusOr<storage::Client> client = store_->GetClient(req ? req->client_id : "");
        std::string client_name = client.ok() && !client->client_name.empty()
                                      ? client->client_name : "an application";
        auto again = [&](int status, const std::string& error) {
          std::string shown = username.size() <= kMaxUsername ? username : "";
          return HtmlPage(status, ui::RenderLogin({config_.service_name, client_name, transaction,
                                                   shown, error}));
        };
        std::string ip = ClientIp(request, config_.trusted_proxies);
        // Each attempt counts before its password is checked, so a burst of concurrent guesses
        // cannot pass the limit; a success takes its count back (only failures are limited).
        std::string account_key = "login:user:" + username;
        std::string ip_key = "login:ip:" + RateLimitAddress(ip);
        const std::pair<std::string, int64_t> limits[] = {
            {account_key, config_.login_failure_limit}, {ip_key, config_.login_failure_limit * 5}};
        auto refund = [&] {
          for (const auto& [key, limit] : limits) (void)shared_limits_->Refund(key, limit, kLoginWindow);
        };
        for (const auto& [key, limit] : limits) {
          StatusOr<RateDecision> d = shared_limits_->Hit(key, limit, kLoginWindow);
          if (!d.ok()) return again(503, "Sign-in is temporarily unavailable. Try again shortly.");
          if (!d->allowed) {
            http::Response r = again(429, "Too many failed attempts. Wait a few minutes and try again.");
            r.Set("Retry-After", std::to_string(d->retry_after));
            return r;
          }
        }
        // Argon2id is the most expensive thing a stranger can make us do: a few at once, a few
        // more waiting briefly, the rest turned away, so logins hold at most half the workers.
        std::optional<ConcurrencyGate::Ticket> hashing =
            password_gate_->Enter(std::chrono::seconds(2));
        if (!hashing) {
          refund();
          log::Warn("login refused: too many password checks at once",
                    {{"request_id", request.request_id}});
          http::Response r = again(503, "Sign-in is busy. Try again in a moment.");
          r.Set("Retry-After", "1");
          return r;
        }
        StatusOr<storage::User> user = username.size() <= kMaxUsername
                                           ? store_->GetUserByUsername(username)
                                           : StatusOr<storage::User>(NotFoundError("too long"));
        bool ok = false;
        if (user.ok() && !user->disabled) {
          ok = crypto::VerifyPassword(password, user->password_hash);
        } else {
          crypto::BurnPasswordCheck(password);  // the same time for unknown users
        }
        hashing.reset();
        if (!ok) {
          log::Info("login failed", {{"request_id", request.request_id}});
          return again(401, "Incorrect username or password.");
        }
        refund();
        log::Info("login succeeded", {{"request_id", request.request_id}, {"user_id", user->user_id}});
        return LoggedIn(user->user_id, transaction, *txn);
      }));

  router_.Add(
      "GET", "/oauth/consent",
      http::OnWorkers([this](const http::Request& request) {
        oauth::Params params = RequestParams(request);
        const std::string& transaction = params.Get("txn");
        std::optional<storage::LoginSession> session = CurrentSession(request);
        if (!session) return SeeOther("/oauth/login?txn=" + oauth::PercentEncode(transaction));
        return ConsentStep(transaction, *session, request);
      }));
}

}  // namespace authgent::server
