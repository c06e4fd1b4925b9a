#include "oauth/authorize.h"

#include <algorithm>

#include "core/bytes.h"
#include "oauth/pkce.h"
#include "oauth/redirect_uri.h"
#include "oauth/scope.h"

namespace authgent::oauth {

nlohmann::json AuthorizeRequest::ToJson() const {
  return {{"client_id", client_id},
          {"redirect_uri", redirect_uri},
          {"redirect_uri_in_request", redirect_uri_in_request},
          {"state", state},
          {"code_challenge", code_challenge},
          {"resource", resource},
          {"scopes", scopes},
          {"force_consent", force_consent},
          {"no_prompt", no_prompt},
          {"force_login", force_login},
          {"nonce", nonce}};
}

std::optional<AuthorizeRequest> AuthorizeRequest::FromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  AuthorizeRequest r;
  try {
    r.client_id = j.at("client_id").get<std::string>();
    r.redirect_uri = j.at("redirect_uri").get<std::string>();
    r.redirect_uri_in_request = j.at("redirect_uri_in_request").get<bool>();
    r.state = j.at("state").get<std::string>();
    r.code_challenge = j.at("code_challenge").get<std::string>();
    r.resource = j.at("resource").get<std::string>();
    r.scopes = j.at("scopes").get<std::vector<std::string>>();
    r.force_consent = j.at("force_consent").get<bool>();
    r.no_prompt = j.at("no_prompt").get<bool>();
    // Absent in transactions stored by older versions.
    r.force_login = j.value("force_login", false);
    r.nonce = j.value("nonce", "");
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // our own stored JSON: only corruption gets here
  }
  return r;
}

AuthorizeOutcome ValidateAuthorize(const Params& params, const storage::Client* client,
                                   const ResourceCatalog& catalog) {
  // 1. Who is asking, and where would the answer go.
  if (!params.valid()) return AuthorizeErrorPage{"The request is malformed.", "bad encoding"};
  const std::string& client_id = params.Get("client_id");
  if (client_id.empty()) return AuthorizeErrorPage{"The request has no client_id.", ""};
  if (client_id.size() > kMaxClientIdLength ||
      params.Get("redirect_uri").size() > kMaxRedirectUriLength) {
    return AuthorizeErrorPage{"The request is malformed.", "client_id or redirect_uri too long"};
  }
  if (client == nullptr) {
    return AuthorizeErrorPage{"The application is not registered with this server.",
                              "unknown client_id " + client_id};
  }
  if (!params.duplicate().empty() &&
      (params.duplicate() == "client_id" || params.duplicate() == "redirect_uri")) {
    return AuthorizeErrorPage{"The request repeats a parameter.", "duplicate " + params.duplicate()};
  }
  AuthorizeRequest r;
  r.client_id = client_id;
  const std::string& requested_redirect = params.Get("redirect_uri");
  if (requested_redirect.empty()) {
    if (client->redirect_uris.size() != 1) {
      return AuthorizeErrorPage{"The request has no redirect_uri.",
                                "redirect_uri omitted with several registered"};
    }
    r.redirect_uri = client->redirect_uris[0];
  } else {
    bool registered = std::any_of(client->redirect_uris.begin(), client->redirect_uris.end(),
                                  [&](const std::string& reg) {
                                    return RedirectUriMatches(reg, requested_redirect);
                                  });
    if (!registered) {
      return AuthorizeErrorPage{"The redirect URI is not registered for this application.",
                                "redirect_uri=" + requested_redirect};
    }
    r.redirect_uri = requested_redirect;
    r.redirect_uri_in_request = true;
  }
  // Registered before the schemes that execute were refused: never send a browser there.
  if (auto reason = CheckRedirectUri(r.redirect_uri)) {
    return AuthorizeErrorPage{"The redirect URI of this application is not allowed.",
                              "redirect_uri=" + r.redirect_uri + ": " + *reason};
  }
  r.state = params.Get("state");

  // 2. Everything else is answered at the redirect URI.
  auto fail = [&](OAuthError e) { return AuthorizeErrorRedirect{r.redirect_uri, r.state, std::move(e)}; };
  if (!params.duplicate().empty()) {
    return fail(InvalidRequest("a parameter is repeated", "duplicate " + params.duplicate()));
  }
  if (r.state.size() > kMaxStateLength) {
    // Too long to store and echo: the answer goes back without it.
    r.state.clear();
    return fail(InvalidRequest("state is longer than 1024 characters"));
  }
  if (params.Get("scope").size() > kMaxScopeLength) {
    return fail(InvalidRequest("scope is longer than 1024 characters"));
  }
  if (params.Get("resource").size() > kMaxResourceLength) {
    return fail(InvalidRequest("resource is longer than 2048 characters"));
  }
  if (params.Get("nonce").size() > kMaxNonceLength) {
    return fail(InvalidRequest("nonce is longer than 512 characters"));
  }
  if (!IsValidUtf8(r.state)) {
    // RFC 6749 asks for printable ASCII (Appendix A.5); any text is tolerated, but bytes that are
    // not UTF-8 can neither be stored in the transaction's JSON nor be echoed as what was sent.
    r.state.clear();
    return fail(InvalidRequest("state must be text (UTF-8)"));
  }
  if (std::find(client->grant_types.begin(), client->grant_types.end(), "authorization_code") ==
      client->grant_types.end()) {
    return fail(UnauthorizedClient("this client may not use the authorization code flow"));
  }
  const std::string& response_type = params.Get("response_type");
  if (response_type.empty()) return fail(InvalidRequest("response_type is required"));
  if (response_type != "code") {
    return fail({"unsupported_response_type", "only response_type=code is supported",
                 "response_type=" + response_type, 400});
  }
  const std::string& challenge = params.Get("code_challenge");
  if (challenge.empty()) return fail(InvalidRequest("code_challenge is required (PKCE)"));
  const std::string& method = params.Get("code_challenge_method");
  if (method != "S256") {
    return fail(InvalidRequest("code_challenge_method must be S256", "method=" + method));
  }
  if (!IsValidCodeChallenge(challenge)) {
    return fail(InvalidRequest("code_challenge must be 43 base64url characters"));
  }
  r.code_challenge = challenge;
  r.nonce = params.Get("nonce");
  if (!IsValidUtf8(r.nonce)) return fail(InvalidRequest("nonce must be text (UTF-8)"));
  if (params.Has("request") || params.Has("request_uri")) {
    return fail({"request_not_supported", "request objects are not supported", "", 400});
  }
  auto audience = catalog.ResolveAudience(params.Get("resource"));
  if (auto* e = std::get_if<OAuthError>(&audience)) return fail(*e);
  r.resource = std::get<std::string>(audience);
  r.scopes = catalog.GrantableScopes(r.resource, params.Get("scope"));
  for (const std::string& p : SplitScope(params.Get("prompt"))) {
    if (p == "consent") r.force_consent = true;
    else if (p == "none") r.no_prompt = true;
    else if (p == "login") r.force_login = true;
    else if (p != "select_account") {
      return fail(InvalidRequest("unsupported prompt value", "prompt=" + p));
    }
  }
  if (r.no_prompt && SplitScope(params.Get("prompt")).size() > 1) {
    return fail(InvalidRequest("prompt=none cannot be combined with other values"));
  }
  return r;
}

std::string AppendQuery(const std::string& base,
                        const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out = base;
  char sep = base.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    out += sep;
    out += PercentEncode(k);
    out += '=';
    out += PercentEncode(v);
    sep = '&';
  }
  return out;
}

std::string ErrorRedirectUrl(const AuthorizeErrorRedirect& e, const std::string& issuer) {
  std::vector<std::pair<std::string, std::string>> q = {
      {"error", e.error.code}, {"error_description", e.error.description}};
  if (!e.state.empty()) q.emplace_back("state", e.state);
  q.emplace_back("iss", issuer);
  return AppendQuery(e.redirect_uri, q);
}

}  // namespace authgent::oauth
