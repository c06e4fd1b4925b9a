#include "server/account_endpoint.h"

#include "core/bytes.h"
#include "core/log.h"
#include "oauth/client_policy.h"
#include "oauth/scope.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {
namespace {

// "2026-12-04 19:52 UTC": minutes are enough for a person, and say which zone.
std::string ShownTime(int64_t t) {
  if (t == 0) return "Never";
  std::string rfc3339 = FormatRfc3339(t);  // 2026-12-04T19:52:19Z
  return rfc3339.substr(0, 10) + " " + rfc3339.substr(11, 5) + " UTC";
}

// The notice after a revocation: a fixed text per value, so the query string cannot put words
// on the page.
std::string NoticeFor(const std::string& revoked) {
  if (revoked == "one") return "Access revoked. That application must ask you again to come back.";
  if (revoked == "all") {
    return "Access revoked for every application. Each must ask you again to come back.";
  }
  return "";
}

}  // namespace

void AccountEndpoint::Register(http::Router& router) {
  router.Add("GET", "/account",
             http::OnWorkers([this](const http::Request& r) { return Page(r); }));
  router.Add("POST", "/account/revoke",
             http::OnWorkers([this](const http::Request& r) { return Revoke(r, false); }));
  router.Add("POST", "/account/revoke-all",
             http::OnWorkers([this](const http::Request& r) { return Revoke(r, true); }));
}

http::AsyncStep AccountEndpoint::Page(const http::Request& request) {
  std::optional<storage::LoginSession> session = browser_.CurrentSession(request);
  if (!session) return sign_in_.StartAccountSignIn(request);
  StatusOr<std::vector<storage::Grant>> grants =
      store_.ListGrants({.user_id = session->user_id}, clock_.Now());
  if (!grants.ok()) {
    return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  ui::AccountPage page;
  page.service_name = service_name_;
  page.user_name = session->user_display_name;
  page.notice = NoticeFor(RequestParams(request).Get("revoked"));
  page.csrf_token = browser_.AccountFormToken(*session);
  page.sign_out_token = browser_.SignOutToken(*session);
  for (const storage::Grant& g : *grants) {
    ui::ConnectedApp app;
    StatusOr<storage::Client> client = store_.GetClient(g.client_id);
    app.client_name = client.ok() && !client->client_name.empty() ? client->client_name
                                                                  : "An unnamed application";
    app.client_id = g.client_id;
    app.host = client.ok() ? oauth::ShownHostOf(*client) : "";
    app.resource = g.resource;
    for (const std::string& scope : oauth::SplitScope(g.scope)) {
      app.scopes.push_back({scope, catalog_.Describe(scope), {}, false});
    }
    app.granted = ShownTime(g.granted_at);
    app.last_used = ShownTime(g.last_used_at);
    // A grant that gets no refresh token keeps a family only as its record while the access
    // token lives.
    app.offline = g.live_families > 0 && catalog_.GrantRefreshes(g.scope);
    page.apps.push_back(std::move(app));
  }
  return HtmlPage(200, ui::RenderAccount(page));
}

http::Response AccountEndpoint::Revoke(const http::Request& request, bool all) {
  if (!SameOriginOrUnknown(request, issuer_)) return browser_.CrossSiteForm(request);
  std::optional<storage::LoginSession> session = browser_.CurrentSession(request);
  if (!session) return SeeOther("/account");  // signed out meanwhile: sign in again first
  oauth::Params params = RequestParams(request);
  if (!IsFormPost(request) ||
      !ConstantTimeEquals(params.Get("csrf_token"), browser_.AccountFormToken(*session))) {
    log::Info("account form refused: token check failed", {{"request_id", request.request_id}});
    return browser_.ErrorPage(403, "This form has expired", "Reload the page and try again.");
  }
  storage::GrantFilter filter{.user_id = session->user_id};
  if (!all) {
    filter.client_id = params.Get("client_id");
    filter.resource = params.Get("resource");
    if (filter.client_id.empty() || filter.resource.empty()) {
      return browser_.ErrorPage(400, "Nothing to revoke", "Reload the page and try again.");
    }
  }
  int64_t now = clock_.Now();
  // Listed first so that the audit trail names each client whose access ended.
  StatusOr<std::vector<storage::Grant>> grants = store_.ListGrants(filter, now);
  Status revoked = grants.ok() ? store_.RevokeGrants(filter, now) : grants.status();
  if (!revoked.ok()) {
    LogFailure("cannot revoke grants", 503,
               {{"request_id", request.request_id}, {"error", revoked.ToString()}});
    return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  for (const storage::Grant& g : *grants) events_.GrantRevoked(request, g);
  log::Info("grants revoked by their user", {{"request_id", request.request_id},
                                             {"user_id", session->user_id},
                                             {"count", grants->size()}});
  return SeeOther(all ? "/account?revoked=all" : "/account?revoked=one");
}

}  // namespace authgent::server
