#include "server/consent_endpoint.h"

#include "core/bytes.h"
#include "core/log.h"
#include "core/sortable_token.h"
#include "oauth/scope.h"
#include "server/web.h"

namespace authgent::server {
namespace {

// The CSRF check, for approvals and denials alike: the transaction belongs to the session and
// the browser that post, and the form carries the token whose hash is on the transaction.
bool FormBelongsTo(const storage::AuthorizationTransaction& txn, const std::string& session_hash,
                   const std::string& csrf_hash, const std::string& browser_hash) {
  return txn.session_hash == session_hash && !txn.csrf_hash.empty() &&
         ConstantTimeEquals(csrf_hash, txn.csrf_hash) && !txn.browser_hash.empty() &&
         ConstantTimeEquals(browser_hash, txn.browser_hash);
}

// What the user approved of `requested`: all of it from a form without scope choices, else the
// ticked ones (fields "allow:SCOPE") and those the operator requires, which cannot be unticked.
std::vector<std::string> Approved(const std::vector<std::string>& requested,
                                  const std::optional<oauth::Params>& choices,
                                  const oauth::ResourceCatalog& catalog,
                                  const std::string& resource) {
  if (!choices) return requested;
  std::vector<std::string> approved;
  for (const std::string& scope : requested) {
    if (choices->Has("allow:" + scope) || catalog.IsRequired(resource, scope)) {
      approved.push_back(scope);
    }
  }
  return approved;
}

}  // namespace

// One approval: what the form and the cookie bring, and what the commit decided.
struct ConsentEndpoint::Approval {
  std::string transaction_hash;
  std::string session_hash;
  std::string csrf_hash;
  std::string browser_hash;  // of the transaction cookie, or empty
  std::string code;  // drawn before the commit; its record is built inside
  int64_t now = 0;
  std::optional<oauth::Params> choices;  // the form's scope choices, when it had them
  // Set inside the commit by the decision (Decide), read after it.
  bool csrf_failed = false;
  bool nothing_approved = false;  // every scope unticked: nothing stored
  std::optional<oauth::AuthorizeRequest> request;
  std::string user_id;
  StatusOr<storage::ApprovalOutcome> outcome = InternalError("the approval was not stored");
};

http::Response ConsentEndpoint::FormExpired(const http::Request& request) {
  log::Info("consent refused: CSRF check failed", {{"request_id", request.request_id}});
  return browser_.ErrorPage(403, "This form has expired",
                   "The approval did not come from this sign-in. Go back to your application "
                   "and connect again.");
}

http::Response ConsentEndpoint::AlreadyUsed() {
  return browser_.ErrorPage(400, "This request was already used",
                   "Go back to your application and connect again.");
}

std::variant<std::shared_ptr<ConsentEndpoint::Approval>, http::Response> ConsentEndpoint::Prepare(
    const http::Request& request, const oauth::Params& params) {
  std::optional<std::string> session_hash = browser_.SessionHashOf(request);
  if (!SameOriginOrUnknown(request, issuer_)) return browser_.CrossSiteForm(request);
  if (!IsFormPost(request) || !session_hash) return FormExpired(request);
  auto approval = std::make_shared<Approval>();
  approval->browser_hash = browser_.TransactionHashOf(request);
  approval->transaction_hash = SortableTokenKey(params.Get("txn"));
  approval->session_hash = std::move(*session_hash);
  approval->csrf_hash = TokenHash(params.Get("csrf_token"));
  approval->code = tokens_.NewCodeToken();
  approval->now = clock_.Now();
  if (params.Has("scopes_shown")) approval->choices = params;
  return approval;
}

storage::DecideApproval ConsentEndpoint::Decide(std::shared_ptr<Approval> approval) {
  return [this, approval](const storage::AuthorizationTransaction& txn,
                          const storage::LoginSession& session) -> std::optional<storage::Approval> {
    if (!FormBelongsTo(txn, session.session_hash, approval->csrf_hash, approval->browser_hash)) {
      approval->csrf_failed = true;
      return std::nullopt;
    }
    approval->request = oauth::AuthorizeRequest::FromJson(txn.request_json);
    if (!approval->request) return std::nullopt;
    oauth::AuthorizeRequest& req = *approval->request;
    // The code, the consent and the tokens carry only what the user approved.
    std::vector<std::string> approved =
        Approved(req.scopes, approval->choices, catalog_, req.resource);
    if (approved.empty() && !req.scopes.empty()) {
      approval->nothing_approved = true;
      return std::nullopt;
    }
    req.scopes = std::move(approved);
    approval->user_id = session.user_id;
    // Remember what was approved; the store adds it to what was approved before.
    storage::Approval stored;
    stored.consent = {session.user_id, req.client_id, req.resource, oauth::JoinScope(req.scopes),
                      approval->now, approval->now};
    stored.code =
        tokens_.CodeFor(approval->code, req, session.user_id, session.auth_time, approval->now)
            .record;
    return stored;
  };
}

http::Response ConsentEndpoint::Answer(const http::Request& request, const Approval& approval) {
  if (!approval.outcome.ok()) {
    if (approval.request) return front_.CodeNotStored(*approval.request, approval.outcome.status(), request);
    return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  switch (*approval.outcome) {
    case storage::ApprovalOutcome::kApproved: {
      const oauth::AuthorizeRequest& req = *approval.request;
      std::string scope = oauth::JoinScope(req.scopes);
      events_.Consent(request, approval.user_id, req.client_id, req.resource, scope, true);
      events_.CodeIssued(request, approval.user_id, req.client_id, req.resource, scope);
      return front_.CodeRedirect(req, approval.code);
    }
    case storage::ApprovalOutcome::kRefused:
      if (approval.nothing_approved) {
        return browser_.ErrorPage(400, "Nothing was allowed",
                                  "Go back and leave at least one permission ticked, or choose "
                                  "Deny.");
      }
      return approval.csrf_failed ? FormExpired(request) : AlreadyUsed();
    case storage::ApprovalOutcome::kNotFound:
      // Decided, then another approval of the same page won (PostgreSQL); else no live
      // transaction or session at all.
      return approval.request ? AlreadyUsed() : FormExpired(request);
  }
  return browser_.ErrorPage(503, "Temporarily unavailable", "Please try again in a moment.");
}

http::AsyncStep ConsentEndpoint::Decision(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  if (params.Get("decision") != "approve") {
    return http::OnWorker{[this, &request, params] { return Denied(request, params); }};
  }
  auto prepared = Prepare(request, params);
  if (auto* r = std::get_if<http::Response>(&prepared)) return std::move(*r);
  std::shared_ptr<Approval> approval = std::get<std::shared_ptr<Approval>>(prepared);
  return http::Suspended{[this, &request, approval](const http::Resume& resume) {
    store_.ApproveTransaction(
        approval->transaction_hash, approval->session_hash, approval->now, Decide(approval),
        [this, &request, approval, resume](StatusOr<storage::ApprovalOutcome> outcome) {
          approval->outcome = std::move(outcome);
          resume([this, &request, approval] { return Answer(request, *approval); });
        });
  }};
}

http::Response ConsentEndpoint::Denied(const http::Request& request, const oauth::Params& params) {
  int64_t now = clock_.Now();
  std::optional<storage::LoginSession> session = browser_.CurrentSession(request);
  std::string txn_hash = SortableTokenKey(params.Get("txn"));
  if (!SameOriginOrUnknown(request, issuer_)) return browser_.CrossSiteForm(request);
  StatusOr<storage::AuthorizationTransaction> txn = store_.GetTransaction(txn_hash, now);
  if (!IsFormPost(request) || !session || !txn.ok() ||
      !FormBelongsTo(*txn, session->session_hash, TokenHash(params.Get("csrf_token")),
                     browser_.TransactionHashOf(request))) {
    return FormExpired(request);
  }
  auto req = oauth::AuthorizeRequest::FromJson(txn->request_json);
  if (!req || !store_.ConsumeTransaction(txn_hash, now).ok()) return AlreadyUsed();
  events_.Consent(request, session->user_id, req->client_id, req->resource,
                  oauth::JoinScope(req->scopes), false);
  return Redirect(oauth::ErrorRedirectUrl(
      {req->redirect_uri, req->state, {"access_denied", "the user denied the request", "", 400}},
      issuer_));
}

void ConsentEndpoint::Register(http::Router& router) {
  router.Add("GET", "/oauth/consent",
             http::OnWorkers([this](const http::Request& r) { return Page(r); }));
  router.Add("POST", "/oauth/consent", [this](const http::Request& r) { return Decision(r); });
}

http::Response ConsentEndpoint::Page(const http::Request& request) {
  oauth::Params params = RequestParams(request);
  const std::string& transaction = params.Get("txn");
  std::optional<storage::LoginSession> session = browser_.CurrentSession(request);
  if (!session) return SeeOther("/oauth/login?txn=" + oauth::PercentEncode(transaction));
  return front_.ConsentStep(transaction, *session, request);
}

}  // namespace authgent::server
