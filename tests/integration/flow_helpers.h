// tests/integration/flow_helpers: drives the browser side of the authorization flow over real
// HTTP (a tiny cookie jar, forms, redirects) and the client side (registration, PKCE, token
// requests), so each test reads as the steps a real MCP client and user take.
#pragma once

#include <map>
#include <string>

#include "http_client.h"
#include "test_server.h"

namespace authgent::testing {

using Form = std::vector<std::pair<std::string, std::string>>;

struct Pkce {
  std::string verifier;
  std::string challenge;
  static Pkce Make();
};

std::string UrlEncodeForm(const Form& form);
HttpResult PostForm(int port, const std::string& path, const Form& form,
                    const std::map<std::string, std::string>& headers = {});
HttpResult PostJson(int port, const std::string& path, const nlohmann::json& body,
                    const std::map<std::string, std::string>& headers = {});
// Query parameters of a URL (decoded).
std::map<std::string, std::string> QueryOf(const std::string& url);
// The href of the "Return to ..." link of a client error page (HTML entities decoded), or "".
std::string ReturnLink(const std::string& html);
// The value="" of the input named `name` in an HTML page.
std::string InputValue(const std::string& html, const std::string& name);
// The claims (payload) and header of a JWT, without verification.
nlohmann::json JwtPart(const std::string& jwt, int index);

// Adds a local user with a password straight into the server's store.
void AddUser(TestServer& server, const std::string& username, const std::string& password);

// A client the operator creates (`authgent clients add`), stored as the CLI stores it.
struct OperatorClient {
  std::vector<std::string> grants = {"client_credentials"};
  // Explicit initializers: tests name only the fields they set (designated initializers).
  std::vector<std::string> resources = {};
  std::string scope = {};
  bool introspect = false;
  std::vector<std::string> redirect_uris = {};
  // Either makes it a private_key_jwt client (no secret): its key set, or where to fetch it.
  nlohmann::json jwks = nullptr;
  std::string jwks_uri = {};
};
// Returns {client_id, client_secret} (the secret empty for a private_key_jwt client).
std::pair<std::string, std::string> AddOperatorClient(TestServer& server, const OperatorClient& spec);
// "Basic base64(id:secret)".
std::string Basic(const std::string& id, const std::string& secret);

// A registered client plus the browser that acts for its user.
class FlowDriver {
 public:
  explicit FlowDriver(TestServer& server) : port_(server.port()) {}
  // A server (or load balancer) listening on 127.0.0.1:port.
  explicit FlowDriver(int port) : port_(port) {}

  // Registers a public client (token_endpoint_auth_method none) with these redirect URIs.
  std::string RegisterPublicClient(const std::vector<std::string>& redirect_uris);
  // Registers a confidential client; returns {client_id, client_secret}.
  std::pair<std::string, std::string> RegisterConfidentialClient(
      const std::vector<std::string>& redirect_uris, const std::vector<std::string>& grants);

  // What a browser does: sends every cookie the server set, keeps every cookie it sets.
  HttpResult Visit(const std::string& path);
  HttpResult Submit(const std::string& path, const Form& form,
                    std::map<std::string, std::string> headers = {});
  // GET /oauth/authorize with these parameters, as this browser.
  HttpResult Authorize(const Form& params);
  // The standard query for `client_id` (S256 challenge of `pkce`, state, redirect, scope).
  Form AuthorizeParams(const std::string& client_id, const std::string& redirect_uri,
                       const Pkce& pkce, const std::string& scope = "mcp:read");
  // Logs in on the page the authorize redirect led to; returns the response of the login POST.
  HttpResult Login(const std::string& login_location, const std::string& username,
                   const std::string& password);
  // Loads the consent page (following the login's redirect) and returns it.
  HttpResult ConsentPage(const std::string& consent_location);
  // Posts the consent form from `page` with `decision`.
  HttpResult Decide(const HttpResult& page, const std::string& decision);
  // The whole way: authorize, login (if needed), approve; returns the final redirect URL.
  std::string AuthorizeAndApprove(const Form& params, const std::string& username,
                                  const std::string& password);
  // Exchanges a code at the token endpoint (public client).
  HttpResult ExchangeCode(const std::string& client_id, const std::string& code,
                          const std::string& verifier, const std::string& redirect_uri);
  HttpResult Refresh(const std::string& client_id, const std::string& refresh_token,
                     const std::string& scope = "");

  // The session cookie alone ("name=value"), or "" before login.
  std::string cookie() const;
  // The Cookie header this browser sends (session and transaction cookies).
  std::string cookies() const;
  // A fresh browser: no cookies.
  void ClearCookies() { jar_.clear(); }

 private:
  void Keep(const HttpResult& r);
  std::map<std::string, std::string> CookieHeader() const;
  int port_;
  std::map<std::string, std::string> jar_;  // cookie name -> value
};

}  // namespace authgent::testing
