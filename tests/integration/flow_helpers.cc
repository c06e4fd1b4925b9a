#include "flow_helpers.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/bytes.h"
#include "core/random.h"
#include "crypto/password.h"
#include "oauth/params.h"
#include "oauth/registration.h"

namespace authgent::testing {

Pkce Pkce::Make() {
  Pkce p;
  p.verifier = SecureRandom::Instance().NewToken() + "-._~abc";
  p.challenge = Base64UrlEncode(Sha256(p.verifier));
  return p;
}

std::string UrlEncodeForm(const Form& form) {
  std::string out;
  for (const auto& [k, v] : form) {
    if (!out.empty()) out += '&';
    out += oauth::PercentEncode(k) + "=" + oauth::PercentEncode(v);
  }
  return out;
}

HttpResult PostForm(int port, const std::string& path, const Form& form,
                    const std::map<std::string, std::string>& headers) {
  auto h = headers;
  h["Content-Type"] = "application/x-www-form-urlencoded";
  return Request(port, "POST", path, UrlEncodeForm(form), h);
}

HttpResult PostJson(int port, const std::string& path, const nlohmann::json& body,
                    const std::map<std::string, std::string>& headers) {
  auto h = headers;
  h["Content-Type"] = "application/json";
  return Request(port, "POST", path, body.dump(), h);
}

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  oauth::Params p = oauth::Params::Parse(url.substr(q + 1));
  return p.all();
}

std::string ReturnLink(const std::string& html) {
  size_t at = html.find("<a href=\"");
  if (at == std::string::npos) return "";
  at += 9;
  std::string raw = html.substr(at, html.find('"', at) - at), out;
  for (size_t i = 0; i < raw.size(); ++i) {
    bool entity = raw[i] == '&';
    if (entity && raw.compare(i, 5, "&amp;") == 0) out += '&', i += 4;
    else if (entity && raw.compare(i, 6, "&quot;") == 0) out += '"', i += 5;
    else if (entity && raw.compare(i, 5, "&#39;") == 0) out += '\'', i += 4;
    else if (entity && raw.compare(i, 4, "&lt;") == 0) out += '<', i += 3;
    else if (entity && raw.compare(i, 4, "&gt;") == 0) out += '>', i += 3;
    else out += raw[i];
  }
  return out;
}

std::string InputValue(const std::string& html, const std::string& name) {
  std::string marker = "name=\"" + name + "\" value=\"";
  size_t at = html.find(marker);
  if (at == std::string::npos) return "";
  at += marker.size();
  return html.substr(at, html.find('"', at) - at);
}

nlohmann::json JwtPart(const std::string& jwt, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i) start = jwt.find('.', start) + 1;
  size_t end = jwt.find('.', start);
  auto decoded = Base64UrlDecode(jwt.substr(start, end - start));
  return decoded ? nlohmann::json::parse(*decoded, nullptr, false) : nlohmann::json();
}

void AddUser(TestServer& server, const std::string& username, const std::string& password) {
  storage::User u;
  u.user_id = "user-" + username;
  u.username = username;
  u.password_hash = *crypto::HashPassword(password);
  u.name = username;
  ASSERT_TRUE(server.app().store().CreateUser(u).ok());
}

std::pair<std::string, std::string> AddOperatorClient(TestServer& server,
                                                     const OperatorClient& spec) {
  oauth::RegistrationPolicy policy;
  policy.by_operator = true;
  nlohmann::json body = {{"client_name", "Operator client"},
                         {"grant_types", spec.grants},
                         {"token_endpoint_auth_method", "client_secret_basic"}};
  if (!spec.jwks.is_null() || !spec.jwks_uri.empty()) {
    body["token_endpoint_auth_method"] = "private_key_jwt";
    if (!spec.jwks.is_null()) body["jwks"] = spec.jwks;
    if (!spec.jwks_uri.empty()) body["jwks_uri"] = spec.jwks_uri;
  }
  if (!spec.redirect_uris.empty()) body["redirect_uris"] = spec.redirect_uris;
  if (!spec.scope.empty()) body["scope"] = spec.scope;
  SecureRandom& random = SecureRandom::Instance();
  auto result = oauth::RegisterClient(body.dump(), policy, server.clock(), random, "cli");
  EXPECT_TRUE(std::holds_alternative<oauth::Registration>(result));
  if (!std::holds_alternative<oauth::Registration>(result)) return {};
  oauth::Registration reg = std::get<oauth::Registration>(result);
  reg.client.resources = spec.resources;
  reg.client.may_introspect = spec.introspect;
  EXPECT_TRUE(storage::CreateClientAndWait(server.app().store(), reg.client).ok());
  return {reg.client.client_id, reg.client_secret};
}

std::string Basic(const std::string& id, const std::string& secret) {
  return "Basic " + Base64Encode(id + ":" + secret);
}

std::string FlowDriver::RegisterPublicClient(const std::vector<std::string>& redirect_uris) {
  HttpResult r = PostJson(port_, "/oauth/register",
                          {{"redirect_uris", redirect_uris},
                           {"token_endpoint_auth_method", "none"},
                           {"grant_types", {"authorization_code", "refresh_token"}},
                           {"client_name", "Test MCP Client"}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.Json().value("client_id", "");
}

std::pair<std::string, std::string> FlowDriver::RegisterConfidentialClient(
    const std::vector<std::string>& redirect_uris, const std::vector<std::string>& grants) {
  nlohmann::json body = {{"grant_types", grants}, {"token_endpoint_auth_method", "client_secret_basic"},
                         {"client_name", "Confidential"}};
  if (!redirect_uris.empty()) body["redirect_uris"] = redirect_uris;
  HttpResult r = PostJson(port_, "/oauth/register", body);
  EXPECT_EQ(r.status, 201) << r.body;
  return {r.Json().value("client_id", ""), r.Json().value("client_secret", "")};
}

void FlowDriver::Keep(const HttpResult& r) {
  for (const std::string& line : r.set_cookies) {
    std::string pair = line.substr(0, line.find(';'));
    size_t eq = pair.find('=');
    if (eq == std::string::npos) continue;
    bool expired = line.find("Max-Age=0") != std::string::npos;
    if (expired) jar_.erase(pair.substr(0, eq));
    else jar_[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
}

std::string FlowDriver::cookies() const {
  std::string out;
  for (const auto& [name, value] : jar_) out += (out.empty() ? "" : "; ") + name + "=" + value;
  return out;
}

std::string FlowDriver::cookie() const {
  for (const auto& [name, value] : jar_) {
    if (name.find("authgent_session") != std::string::npos) return name + "=" + value;
  }
  return "";
}

std::map<std::string, std::string> FlowDriver::CookieHeader() const {
  if (jar_.empty()) return {};
  return {{"Cookie", cookies()}};
}

HttpResult FlowDriver::Visit(const std::string& path) {
  HttpResult r = Get(port_, path, CookieHeader());
  Keep(r);
  return r;
}

HttpResult FlowDriver::Submit(const std::string& path, const Form& form,
                              std::map<std::string, std::string> headers) {
  for (const auto& [k, v] : CookieHeader()) headers.emplace(k, v);
  HttpResult r = PostForm(port_, path, form, headers);
  Keep(r);
  return r;
}

Form FlowDriver::AuthorizeParams(const std::string& client_id, const std::string& redirect_uri,
                                 const Pkce& pkce, const std::string& scope) {
  return {{"response_type", "code"},     {"client_id", client_id},
          {"redirect_uri", redirect_uri}, {"code_challenge", pkce.challenge},
          {"code_challenge_method", "S256"}, {"state", "st-" + client_id.substr(0, 6)},
          {"scope", scope}};
}

HttpResult FlowDriver::Authorize(const Form& params) {
  return Visit("/oauth/authorize?" + UrlEncodeForm(params));
}

HttpResult FlowDriver::Login(const std::string& login_location, const std::string& username,
                             const std::string& password) {
  HttpResult page = Visit(login_location);
  EXPECT_EQ(page.status, 200) << page.body;
  return Submit("/oauth/login", {{"txn", InputValue(page.body, "txn")},
                                 {"username", username},
                                 {"password", password}});
}

HttpResult FlowDriver::ConsentPage(const std::string& consent_location) {
  return Visit(consent_location);
}

HttpResult FlowDriver::Decide(const HttpResult& page, const std::string& decision) {
  return Submit("/oauth/consent", {{"txn", InputValue(page.body, "txn")},
                                   {"csrf_token", InputValue(page.body, "csrf_token")},
                                   {"decision", decision}});
}

std::string FlowDriver::AuthorizeAndApprove(const Form& params, const std::string& username,
                                            const std::string& password) {
  HttpResult r = Authorize(params);
  if (r.status == 303) {  // to the login page
    HttpResult login = Login(r.Header("location"), username, password);
    EXPECT_EQ(login.status, 303) << login.body;
    r = ConsentPage(login.Header("location"));
  }
  if (r.status == 200) r = Decide(r, "approve");  // the consent page
  EXPECT_EQ(r.status, 302) << r.body;
  return r.Header("location");
}

HttpResult FlowDriver::ExchangeCode(const std::string& client_id, const std::string& code,
                                    const std::string& verifier, const std::string& redirect_uri) {
  return PostForm(port_, "/oauth/token",
                  {{"grant_type", "authorization_code"}, {"client_id", client_id}, {"code", code},
                   {"code_verifier", verifier}, {"redirect_uri", redirect_uri}});
}

HttpResult FlowDriver::Refresh(const std::string& client_id, const std::string& refresh_token,
                               const std::string& scope) {
  Form form = {{"grant_type", "refresh_token"}, {"client_id", client_id},
               {"refresh_token", refresh_token}};
  if (!scope.empty()) form.emplace_back("scope", scope);
  return PostForm(port_, "/oauth/token", form);
}

}  // namespace authgent::testing
