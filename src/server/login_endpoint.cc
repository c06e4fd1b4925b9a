#include "server/login_endpoint.h"

#include "core/log.h"
#include "core/sortable_token.h"
#include "crypto/password.h"
#include "oauth/authorize.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {
namespace {
constexpr int64_t kLoginWindow = 900;  // failed logins are counted per 15 minutes
constexpr size_t kMaxUsername = 100;   // as `authgent users add` allows
}  // namespace

void LoginEndpoint::Register(http::Router& router) {
  router.Add("GET", "/oauth/login",
             http::OnWorkers([this](const http::Request& r) { return Page(r); }));
  router.Add("POST", "/oauth/login",
             http::OnWorkers([this](const http::Request& r) { return Submit(r); }));
}

std::string LoginEndpoint::ClientNameOf(const storage::AuthorizationTransaction& txn) {
  if (IsAccountSignIn(txn)) return "";  // the page says what the sign-in is for instead
  auto req = oauth::AuthorizeRequest::FromJson(txn.request_json);
  StatusOr<storage::Client> client = store_.GetClient(req ? req->client_id : "");
  return client.ok() && !client->client_name.empty() ? client->client_name : "an application";
}

http::Response LoginEndpoint::Page(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  const std::string& transaction = params.Get("txn");
  StatusOr<storage::AuthorizationTransaction> txn =
      store_.GetTransaction(SortableTokenKey(transaction), clock_.Now());
  if (transaction.empty() || !txn.ok()) {
    return browser_.ErrorPage(400, "Start from your application",
                              "Sign-in happens when an application asks for access. Go back to "
                              "it and connect again.");
  }
  if (!browser_.SameBrowser(request, *txn)) return browser_.OtherBrowser(request);
  if (upstream_.configured()) return upstream_.Start(*txn);
  return HtmlPage(200, ui::RenderLogin({settings_.service_name, ClientNameOf(*txn), transaction,
                                        "", ""}));
}

http::Response LoginEndpoint::Submit(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  const std::string& transaction = params.Get("txn");
  const std::string& username = params.Get("username");
  const std::string& password = params.Get("password");
  StatusOr<storage::AuthorizationTransaction> txn =
      store_.GetTransaction(SortableTokenKey(transaction), clock_.Now());
  if (upstream_.configured()) {
    return browser_.ErrorPage(400, "Sign in with your organisation",
                              "This server signs you in through your identity provider. Go back "
                              "to your application and connect again.");
  }
  if (!SameOriginOrUnknown(request, settings_.issuer)) return browser_.CrossSiteForm(request);
  if (!IsFormPost(request) || transaction.empty() || !txn.ok()) {
    return browser_.ErrorPage(400, "This sign-in has expired",
                              "Go back to your application and connect again.");
  }
  if (!browser_.SameBrowser(request, *txn)) return browser_.OtherBrowser(request);
  std::string client_name = ClientNameOf(*txn);
  LoginForm again = [&](int status, const std::string& error) {
    std::string shown = username.size() <= kMaxUsername ? username : "";
    return HtmlPage(status, ui::RenderLogin({settings_.service_name, client_name, transaction,
                                             shown, error}));
  };
  return CheckPassword(request, username, password, transaction, *txn, again);
}

http::Response LoginEndpoint::CheckPassword(const http::Request& request,
                                            const std::string& username,
                                            const std::string& password,
                                            const std::string& transaction,
                                            const storage::AuthorizationTransaction& txn,
                                            const LoginForm& again) {
  std::string ip = ClientIp(request, settings_.trusted_proxies);
  const std::vector<SharedLimit> limits = {
      {"login:user:" + username, settings_.failure_limit},
      {"login:ip:" + RateLimitAddress(ip), settings_.failure_limit * 5}};
  auto refund = [&] {
    for (const auto& [key, limit] : limits) (void)limiter_.Refund(key, limit, kLoginWindow);
  };
  size_t refused_by = 0;
  StatusOr<RateDecision> d = limiter_.HitAll(limits, kLoginWindow, &refused_by);
  if (!d.ok()) return again(503, "Sign-in is temporarily unavailable. Try again shortly.");
  if (!d->allowed) {
    events_.RateLimited(Limit::kLogin);
    events_.LoginLockedOut(request, refused_by == 0 ? "user" : "address");
    http::Response r = again(429, "Too many failed attempts. Wait a few minutes and try again.");
    r.Set("Retry-After", std::to_string(d->retry_after));
    return r;
  }
  // A few checks at once, a few more waiting briefly, the rest turned away, so logins hold at
  // most half the workers.
  std::optional<ConcurrencyGate::Ticket> hashing = password_gate_.Enter(std::chrono::seconds(2));
  if (!hashing) {
    refund();
    log::Warn("login refused: too many password checks at once",
              {{"request_id", request.request_id}});
    http::Response r = again(503, "Sign-in is busy. Try again in a moment.");
    r.Set("Retry-After", "1");
    return r;
  }
  StatusOr<storage::User> user = username.size() <= kMaxUsername
                                     ? store_.GetUserByUsername(username)
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
    events_.LoginFailed(request, user.ok() ? user->user_id : "",
                        !user.ok()       ? "unknown user"
                        : user->disabled ? "user disabled"
                                         : "wrong password");
    return again(401, "Incorrect username or password.");
  }
  refund();
  log::Info("login succeeded", {{"request_id", request.request_id}, {"user_id", user->user_id}});
  events_.LoginSucceeded(request, user->user_id);
  return front_.LoggedIn(user->user_id, transaction, txn);
}

}  // namespace authgent::server
