// The local login (GET and POST /oauth/login): the form, the password check with its limits, and
// the login session that follows. With an upstream IdP the login page sends the browser there
// instead (routes_upstream.cc), and a posted password is refused.
#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "crypto/password.h"
#include "oauth/authorize.h"
#include "server/app.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {
namespace {
constexpr int64_t kLoginWindow = 900;  // failed logins are counted per 15 minutes
constexpr size_t kMaxUsername = 100;   // as `authgent users add` allows
}  // namespace

http::Response App::LoginPage(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  const std::string& transaction = params.Get("txn");
  StatusOr<storage::AuthorizationTransaction> txn =
      store_->GetTransaction(SortableTokenKey(transaction), clock_.Now());
  if (transaction.empty() || !txn.ok()) {
    return browser_->ErrorPage(400, "Start from your application",
                     "Sign-in happens when an application asks for access. Go back to it "
                     "and connect again.");
  }
  if (!browser_->SameBrowser(request, *txn)) return browser_->OtherBrowser(request);
  if (upstream_) return StartUpstreamLogin(*txn);
  auto req = oauth::AuthorizeRequest::FromJson(txn->request_json);
  StatusOr<storage::Client> client = store_->GetClient(req ? req->client_id : "");
  std::string name = client.ok() && !client->client_name.empty() ? client->client_name
                                                                  : "an application";
  return HtmlPage(200, ui::RenderLogin({config_.service_name, name, transaction, "", ""}));
}

http::Response App::LoginSubmit(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  const std::string& transaction = params.Get("txn");
  const std::string& username = params.Get("username");
  const std::string& password = params.Get("password");
  int64_t now = clock_.Now();
  StatusOr<storage::AuthorizationTransaction> txn =
      store_->GetTransaction(SortableTokenKey(transaction), now);
  if (upstream_) {
    return browser_->ErrorPage(400, "Sign in with your organisation",
                     "This server signs you in through your identity provider. Go back to "
                     "your application and connect again.");
  }
  if (!SameOriginOrUnknown(request, config_.issuer)) return browser_->CrossSiteForm(request);
  if (!IsFormPost(request) || transaction.empty() || !txn.ok()) {
    return browser_->ErrorPage(400, "This sign-in has expired",
                     "Go back to your application and connect again.");
  }
  if (!browser_->SameBrowser(request, *txn)) return browser_->OtherBrowser(request);
  auto req = oauth::AuthorizeRequest::FromJson(txn->request_json);
  StatusOr<storage::Client> client = store_->GetClient(req ? req->client_id : "");
  std::string client_name = client.ok() && !client->client_name.empty()
                                ? client->client_name : "an application";
  LoginForm again = [&](int status, const std::string& error) {
    std::string shown = username.size() <= kMaxUsername ? username : "";
    return HtmlPage(status, ui::RenderLogin({config_.service_name, client_name, transaction,
                                             shown, error}));
  };
  return CheckLogin(request, username, password, transaction, *txn, again);
}

http::Response App::CheckLogin(const http::Request& request, const std::string& username,
                               const std::string& password, const std::string& transaction,
                               const storage::AuthorizationTransaction& txn,
                               const LoginForm& again) {
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
  return LoggedIn(user->user_id, transaction, txn);
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
    return browser_->ErrorPage(503, "Temporarily unavailable", "Sign-in is unavailable. Try again shortly.");
  }
  http::Response r = SeeOther("/oauth/consent?txn=" + transaction);
  r.Set("Set-Cookie", browser_->SessionCookie(session_token));
  return r;
}

void App::AddLoginRoutes() {
  router_.Add("GET", "/oauth/login",
              http::OnWorkers([this](const http::Request& r) { return LoginPage(r); }));
  router_.Add("POST", "/oauth/login",
              http::OnWorkers([this](const http::Request& r) { return LoginSubmit(r); }));
}

}  // namespace authgent::server
