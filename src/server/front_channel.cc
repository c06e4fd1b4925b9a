#include "server/front_channel.h"

#include <algorithm>

#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "oauth/authorization_session.h"
#include "oauth/cimd.h"
#include "oauth/client_policy.h"
#include "oauth/scope.h"
#include "server/web.h"
#include "ui/pages.h"

namespace authgent::server {

http::Response FrontChannel::CodeRedirect(const oauth::AuthorizeRequest& request,
                                          const std::string& code) {
  std::vector<std::pair<std::string, std::string>> query = {{"code", code}};
  if (!request.state.empty()) query.emplace_back("state", request.state);
  query.emplace_back("iss", settings_.issuer);
  return Redirect(oauth::AppendQuery(request.redirect_uri, query));
}

http::Response FrontChannel::CodeNotStored(const oauth::AuthorizeRequest& request,
                                           const Status& status,
                                           const http::Request& http_request) {
  // An outage answers temporarily_unavailable (RFC 6749 §4.1.2.1), anything else server_error.
  oauth::OAuthError error = oauth::FromFailure(status);
  LogFailure("cannot store authorization code", error.status,
             {{"request_id", http_request.request_id}, {"error", status.ToString()}});
  return Redirect(oauth::ErrorRedirectUrl({request.redirect_uri, request.state, error},
                                          settings_.issuer));
}

http::Response FrontChannel::FinishAuthorization(const oauth::AuthorizeRequest& request,
                                                 const storage::LoginSession& session,
                                                 const http::Request& http_request) {
  StatusOr<std::string> code = tokens_.IssueCode(request, session.user_id, session.auth_time);
  if (!code.ok()) return CodeNotStored(request, code.status(), http_request);
  events_.CodeIssued(http_request, session.user_id, request.client_id, request.resource,
                     oauth::JoinScope(request.scopes));
  return CodeRedirect(request, *code);
}

bool FrontChannel::ConsentCovers(const oauth::AuthorizeRequest& request,
                                 const storage::Client& client,
                                 const std::optional<storage::Consent>& standing) {
  return oauth::TrustedSkipsConsent(client, request.redirect_uri) ||
         oauth::StandingConsentCovers(request, standing);
}

http::Response FrontChannel::ConsentStep(const std::string& transaction,
                                         const storage::LoginSession& session,
                                         const http::Request& request) {
  int64_t now = clock_.Now();
  std::string txn_hash = SortableTokenKey(transaction);
  StatusOr<storage::AuthorizationTransaction> txn = store_.GetTransaction(txn_hash, now);
  if (!txn.ok()) {
    return browser_.ErrorPage(400, "This request has expired",
                              "Go back to your application and connect again.");
  }
  if (!browser_.SameBrowser(request, *txn)) return browser_.OtherBrowser(request);
  if (txn->session_hash != session.session_hash) {
    return browser_.ErrorPage(403, "This request belongs to another sign-in",
                              "Go back to your application and connect again.");
  }
  std::optional<oauth::AuthorizeRequest> req = oauth::AuthorizeRequest::FromJson(txn->request_json);
  StatusOr<storage::Client> client =
      req ? store_.GetClient(req->client_id) : StatusOr<storage::Client>(NotFoundError("request"));
  if (!client.ok()) {
    return browser_.ErrorPage(400, "The application is no longer registered",
                              "Go back to your application and connect again.");
  }
  // A trusted client, or a standing consent that covers the request, ends the flow without asking.
  // (An unreadable consent counts as none: the page asks.)
  StatusOr<storage::Consent> read =
      store_.GetConsent(session.user_id, req->client_id, req->resource);
  std::optional<storage::Consent> standing;
  if (read.ok()) standing = std::move(read).value();
  if (ConsentCovers(*req, *client, standing)) {
    if (!store_.ConsumeTransaction(txn_hash, now).ok()) {
      return browser_.ErrorPage(400, "This request was already used",
                                "Go back to your application and connect again.");
    }
    return FinishAuthorization(*req, session, request);
  }
  std::string csrf = random_.NewToken();
  txn->csrf_hash = TokenHash(csrf);
  Status updated = store_.UpdateTransaction(*txn);
  if (!updated.ok()) {
    return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  return ConsentPage(transaction, csrf, *req, *client, session, standing);
}

http::Response FrontChannel::ConsentPage(const std::string& transaction, const std::string& csrf,
                                         const oauth::AuthorizeRequest& req,
                                         const storage::Client& client,
                                         const storage::LoginSession& session,
                                         const std::optional<storage::Consent>& standing) {
  ui::ConsentPage page;
  page.service_name = settings_.service_name;
  page.user_name = session.user_display_name;
  page.client_name = client.client_name.empty() ? "An unnamed application" : client.client_name;
  page.client_id = client.client_id;
  page.redirect_host = oauth::RedirectHostOf(req.redirect_uri);
  if (client.source == "cimd") {
    page.client_host = oauth::ClientIdUrlHost(client.client_id);
    page.loopback_only = oauth::AllRedirectsLoopback(client);
  }
  page.resource = req.resource;
  // Step-up (docs/mcp-clients.md): what the client already holds is listed, not asked again.
  std::vector<std::string> held;
  if (standing) held = oauth::SplitScope(standing->scope);
  auto line = [&](const std::string& scope) {
    return ui::ScopeLine{scope, catalog_.Describe(scope), catalog_.ToolsOf(req.resource, scope),
                         catalog_.IsRequired(req.resource, scope)};
  };
  for (const std::string& scope : req.scopes) {
    bool granted = std::find(held.begin(), held.end(), scope) != held.end();
    (granted ? page.granted : page.scopes).push_back(line(scope));
  }
  if (page.scopes.empty()) {  // everything held already (prompt=consent): ask about it all again
    page.scopes = std::move(page.granted);
    page.granted.clear();
  }
  page.transaction = transaction;
  page.csrf_token = csrf;
  page.sign_out_token = browser_.SignOutToken(session);
  return HtmlPage(200, ui::RenderConsent(page));
}

bool FrontChannel::ApprovedBefore(const std::string& user_id, const std::string& client_id) {
  StatusOr<std::vector<storage::Consent>> consents = store_.ListConsents(user_id);
  return consents.ok() && std::any_of(consents->begin(), consents->end(),
                                      [&](const storage::Consent& c) {
                                        return c.client_id == client_id;
                                      });
}

http::Response FrontChannel::AuthorizeError(const oauth::AuthorizeErrorRedirect& error,
                                            const storage::Client& client,
                                            const std::optional<storage::LoginSession>& session) {
  std::string url = oauth::ErrorRedirectUrl(error, settings_.issuer);
  bool approved = session && ApprovedBefore(session->user_id, client.client_id);
  if (oauth::RedirectsErrorsAutomatically(client, approved)) return Redirect(url);
  ui::ClientErrorPage page;
  page.service_name = settings_.service_name;
  page.client_name = client.client_name.empty() ? "An unnamed application" : client.client_name;
  page.redirect_host = oauth::RedirectHostOf(error.redirect_uri);
  page.message = error.error.description;
  page.return_url = url;
  return HtmlPage(400, ui::RenderClientError(page));
}

http::Response FrontChannel::LoggedIn(const std::string& user_id, const std::string& transaction,
                                      storage::AuthorizationTransaction txn) {
  int64_t now = clock_.Now();
  std::string session_token = random_.NewToken();
  storage::LoginSession session;
  session.session_hash = TokenHash(session_token);
  session.user_id = user_id;
  session.auth_time = session.created_at = now;
  session.expires_at = now + settings_.login_session_ttl;
  txn.session_hash = session.session_hash;
  txn.user_id = user_id;
  bool account = IsAccountSignIn(txn);
  Status stored = store_.CreateSession(session);
  if (stored.ok()) {
    stored = account ? store_.ConsumeTransaction(txn.transaction_hash, now).status()
                     : store_.UpdateTransaction(txn);
  }
  if (!stored.ok()) {
    return browser_.ErrorPage(503, "Temporarily unavailable",
                              "Sign-in is unavailable. Try again shortly.");
  }
  http::Response r = SeeOther(account ? "/account" : "/oauth/consent?txn=" + transaction);
  r.Set("Set-Cookie", browser_.SessionCookie(session_token));
  return r;
}

}  // namespace authgent::server
