#include "oauth/registration.h"

#include <algorithm>
#include <boost/url/parse.hpp>

#include "authgent/verify/jwks.h"
#include "core/ascii.h"
#include "core/bytes.h"
#include "core/display_text.h"
#include "core/sortable_token.h"

namespace authgent::oauth {
namespace {

constexpr size_t kMaxRedirectUris = 20;
constexpr size_t kMaxClientName = 200;
constexpr size_t kMaxMetadataString = 2000;
constexpr size_t kMaxKeysUriLength = 1024;
constexpr size_t kMaxKeySetBytes = 8192;

OAuthError BadMetadata(std::string description, std::string debug = "") {
  return {"invalid_client_metadata", std::move(description), std::move(debug), 400};
}
OAuthError BadRedirect(std::string description, std::string debug = "") {
  return {"invalid_redirect_uri", std::move(description), std::move(debug), 400};
}

// Trims surrounding spaces and caps the length (without cutting a UTF-8 sequence in half). The
// text itself was checked by DisplayTextProblem: any language and punctuation, nothing hidden.
std::string TrimName(const std::string& in) {
  size_t start = in.find_first_not_of(' ');
  if (start == std::string::npos) return "";
  std::string out = in.substr(start, in.find_last_not_of(' ') - start + 1);
  if (out.size() > kMaxClientName) {
    out.resize(kMaxClientName);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && (static_cast<unsigned char>(out.back()) & 0x80)) out.pop_back();
  }
  return out;
}

// The client's public keys for private_key_jwt (RFC 7591 §2: jwks_uri or jwks, never both), as
// the fields to keep in its metadata; required with private_key_jwt, and only then meaningful.
std::variant<nlohmann::json, OAuthError> ClientKeys(const nlohmann::json& body,
                                                    const std::string& method) {
  nlohmann::json keys = nlohmann::json::object();
  bool has_uri = body.contains("jwks_uri") && !body["jwks_uri"].is_null();
  bool has_set = body.contains("jwks") && !body["jwks"].is_null();
  if (has_uri && has_set) return BadMetadata("jwks_uri and jwks must not both be present");
  if (has_uri) {
    const std::string text =
        body["jwks_uri"].is_string() ? body["jwks_uri"].get<std::string>() : "";
    auto url = boost::urls::parse_uri(text);
    if (text.size() > kMaxKeysUriLength || !url || AsciiLower(url->scheme()) != "https" ||
        url->host().empty() || url->has_fragment() || url->has_userinfo()) {
      return BadMetadata("jwks_uri must be an https URL");
    }
    keys["jwks_uri"] = text;
  }
  if (has_set) {
    std::string text = body["jwks"].is_object() ? body["jwks"].dump() : "";
    // Measured before any key is imported: a registration is checked on a network thread.
    std::optional<verify::Jwks> parsed;
    if (text.size() <= kMaxKeySetBytes) parsed = verify::Jwks::Parse(text);
    if (!parsed || parsed->keys().empty()) {
      return BadMetadata(
          "jwks must be a JSON Web Key Set with at least one EC P-256 or RSA (2048 bits or more) "
          "signature key, at most 8 KiB");
    }
    keys["jwks"] = body["jwks"];
  }
  if (method == "private_key_jwt" && !has_uri && !has_set) {
    return BadMetadata("private_key_jwt needs jwks_uri or jwks");
  }
  return keys;
}

// Reads an optional array of strings; false when present but not one.
bool StringArray(const nlohmann::json& body, const char* name, std::vector<std::string>* out) {
  if (!body.contains(name) || body[name].is_null()) return true;
  const nlohmann::json& v = body[name];
  if (!v.is_array()) return false;
  for (const auto& item : v) {
    if (!item.is_string()) return false;
    out->push_back(item.get<std::string>());
  }
  return true;
}

bool Contains(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

std::string JoinList(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& x : v) out += (out.empty() ? "" : ", ") + x;
  return out;
}

}  // namespace

bool ParseDcrMode(std::string_view text, DcrMode* out) {
  if (text == "open") *out = DcrMode::kOpen;
  else if (text == "constrained") *out = DcrMode::kConstrained;
  else if (text == "disabled") *out = DcrMode::kDisabled;
  else return false;
  return true;
}

std::variant<storage::Client, OAuthError> ParseClientMetadata(const nlohmann::json& body,
                                                             const MetadataRules& rules) {
  if (!body.is_object()) return BadMetadata("the registration must be a JSON object");
  storage::Client c;
  if (!StringArray(body, "redirect_uris", &c.redirect_uris)) {
    return BadRedirect("redirect_uris must be an array of strings");
  }
  if (!StringArray(body, "grant_types", &c.grant_types)) {
    return BadMetadata("grant_types must be an array of strings");
  }
  if (!StringArray(body, "response_types", &c.response_types)) {
    return BadMetadata("response_types must be an array of strings");
  }
  // Tokens without a user are for clients the operator creates (docs/security.md): anyone can
  // register, so a self-registered client only gets what a user approves.
  for (const std::string& g : c.grant_types) {
    if (g == "client_credentials" && !rules.by_operator) {
      return BadMetadata("the client_credentials grant is only for clients the operator creates; "
                         "supported: authorization_code, refresh_token", "grant_type=" + g);
    }
    if (g != "authorization_code" && g != "refresh_token" && g != "client_credentials") {
      return BadMetadata("unsupported grant type; supported: authorization_code, refresh_token",
                         "grant_type=" + g);
    }
  }
  if (c.grant_types.empty()) c.grant_types = {"authorization_code"};
  if (!rules.by_operator && !Contains(c.grant_types, "authorization_code")) {
    return BadMetadata("grant_types must include authorization_code");
  }
  // Every code client gets refresh tokens (docs/mcp-clients.md §3), so the registration says so
  // (RFC 7591 §3.2.1: the response holds what was registered).
  if (Contains(c.grant_types, "authorization_code") && !Contains(c.grant_types, "refresh_token")) {
    c.grant_types.push_back("refresh_token");
  }
  bool uses_code = Contains(c.grant_types, "authorization_code");
  if (c.response_types.empty() && uses_code) c.response_types = {"code"};
  for (const std::string& r : c.response_types) {
    if (r != "code") return BadMetadata("only the response type \"code\" is supported");
  }
  if (uses_code && !Contains(c.response_types, "code")) {
    return BadMetadata("the authorization_code grant needs the response type \"code\"");
  }

  c.token_endpoint_auth_method = rules.default_auth_method;
  if (body.contains("token_endpoint_auth_method") && !body["token_endpoint_auth_method"].is_null()) {
    if (!body["token_endpoint_auth_method"].is_string()) {
      return BadMetadata("token_endpoint_auth_method must be a string");
    }
    c.token_endpoint_auth_method = body["token_endpoint_auth_method"].get<std::string>();
  }
  const std::string& method = c.token_endpoint_auth_method;
  if (!Contains(rules.auth_methods, method)) {
    return BadMetadata("unsupported token_endpoint_auth_method; supported: " +
                           JoinList(rules.auth_methods),
                       "method=" + method);
  }
  if (Contains(c.grant_types, "client_credentials") && method == "none") {
    return BadMetadata("the client_credentials grant needs a confidential client");
  }
  auto keys = ClientKeys(body, method);
  if (auto* e = std::get_if<OAuthError>(&keys)) return std::move(*e);

  if (uses_code && c.redirect_uris.empty()) return BadRedirect("redirect_uris is required");
  if (c.redirect_uris.size() > kMaxRedirectUris) return BadRedirect("too many redirect_uris");
  for (const std::string& uri : c.redirect_uris) {
    if (auto reason = CheckRedirectUri(uri)) return BadRedirect(*reason, "redirect_uri=" + uri);
    if (rules.allowlist && !rules.allowlist->Allows(uri)) {
      return BadRedirect("redirect URI not allowed by this server's registration policy",
                         "redirect_uri=" + uri);
    }
  }

  if (body.contains("client_name") && !body["client_name"].is_null()) {
    if (!body["client_name"].is_string()) return BadMetadata("client_name must be a string");
    const std::string& name = body["client_name"].get_ref<const std::string&>();
    if (auto problem = DisplayTextProblem(name)) {
      return BadMetadata("client_name must be plain text: " + *problem);
    }
    c.client_name = TrimName(name);
  }
  if (body.contains("scope") && !body["scope"].is_null()) {
    if (!body["scope"].is_string()) return BadMetadata("scope must be a string");
    c.scope = body["scope"].get<std::string>();
  }
  c.application_type = "web";
  if (body.contains("application_type") && !body["application_type"].is_null()) {
    if (!body["application_type"].is_string() ||
        (body["application_type"] != "web" && body["application_type"] != "native")) {
      return BadMetadata("application_type must be \"web\" or \"native\"");
    }
    c.application_type = body["application_type"].get<std::string>();
  }

  // Informational metadata kept as registered (strings of sane length only).
  nlohmann::json extra = nlohmann::json::object();
  for (const char* key : {"client_uri", "logo_uri", "tos_uri", "policy_uri", "software_id",
                          "software_version"}) {
    if (body.contains(key) && body[key].is_string() &&
        body[key].get<std::string>().size() <= kMaxMetadataString) {
      extra[key] = body[key];
    }
  }
  if (body.contains("contacts") && body["contacts"].is_array()) {
    nlohmann::json contacts = nlohmann::json::array();
    for (const auto& item : body["contacts"]) {
      if (item.is_string() && item.get<std::string>().size() <= 320) contacts.push_back(item);
    }
    extra["contacts"] = contacts;
  }
  for (auto& [key, value] : std::get<nlohmann::json>(keys).items()) extra[key] = value;
  c.metadata_json = extra.dump();

  return c;
}

std::variant<Registration, OAuthError> RegisterClient(std::string_view body_text,
                                                      const RegistrationPolicy& policy,
                                                      const Clock& clock, Random& random,
                                                      const std::string& source) {
  MetadataRules rules;
  rules.by_operator = policy.by_operator;
  if (policy.mode == DcrMode::kConstrained) rules.allowlist = &policy.allowlist;
  auto parsed = ParseClientMetadata(nlohmann::json::parse(body_text, nullptr, false), rules);
  if (auto* e = std::get_if<OAuthError>(&parsed)) return std::move(*e);
  storage::Client c = std::get<storage::Client>(std::move(parsed));
  const std::string& method = c.token_endpoint_auth_method;
  // Time-ordered: every registration appends to the client-id indexes (core/sortable_token).
  int64_t now_millis = clock.NowMillis();
  c.client_id = NewSortableId(random, now_millis);
  c.source = source;
  c.created_at = now_millis / 1000;
  Registration reg;
  if (method == "client_secret_basic" || method == "client_secret_post") {
    reg.client_secret = random.NewToken();
    c.secret_hash = TokenHash(reg.client_secret);
  }
  reg.client = c;
  reg.response = ClientToJson(c);
  if (!reg.client_secret.empty()) {
    reg.response["client_secret"] = reg.client_secret;
    reg.response["client_secret_expires_at"] = 0;
  }
  return reg;
}

std::variant<storage::Client, OAuthError> UpdateRegistration(const storage::Client& current,
                                                             std::string_view body_text,
                                                             const RegistrationPolicy& policy) {
  nlohmann::json body = nlohmann::json::parse(body_text, nullptr, false);
  if (!body.is_object() || !body.contains("client_id") || body["client_id"] != current.client_id) {
    return BadMetadata("the update must name this client's client_id");
  }
  if (body.contains("client_secret") &&
      !(body["client_secret"].is_string() && !current.secret_hash.empty() &&
        ConstantTimeEquals(TokenHash(body["client_secret"].get<std::string>()),
                           current.secret_hash))) {
    return BadMetadata("client_secret is not this client's secret");
  }
  MetadataRules rules;
  rules.by_operator = policy.by_operator;
  if (policy.mode == DcrMode::kConstrained) rules.allowlist = &policy.allowlist;
  // Unstated, the method stays what it is (not the registration default).
  if (!body.contains("token_endpoint_auth_method")) {
    body["token_endpoint_auth_method"] = current.token_endpoint_auth_method;
  }
  auto parsed = ParseClientMetadata(body, rules);
  if (auto* e = std::get_if<OAuthError>(&parsed)) return std::move(*e);
  storage::Client updated = std::get<storage::Client>(std::move(parsed));
  if (updated.token_endpoint_auth_method != current.token_endpoint_auth_method) {
    return BadMetadata("token_endpoint_auth_method cannot change; register a new client");
  }
  updated.client_id = current.client_id;
  updated.secret_hash = current.secret_hash;
  updated.secret_expires_at = current.secret_expires_at;
  updated.source = current.source;
  updated.created_at = current.created_at;
  updated.last_used_at = current.last_used_at;
  updated.registration_token_hash = current.registration_token_hash;
  updated.policy = current.policy;
  return updated;
}

nlohmann::json ClientToJson(const storage::Client& c) {
  nlohmann::json j = nlohmann::json::object();
  j["client_id"] = c.client_id;
  j["client_id_issued_at"] = c.created_at;
  j["redirect_uris"] = c.redirect_uris;
  j["grant_types"] = c.grant_types;
  j["response_types"] = c.response_types;
  j["token_endpoint_auth_method"] = c.token_endpoint_auth_method;
  j["application_type"] = c.application_type;
  if (!c.client_name.empty()) j["client_name"] = c.client_name;
  if (!c.scope.empty()) j["scope"] = c.scope;
  nlohmann::json extra = nlohmann::json::parse(c.metadata_json, nullptr, false);
  if (extra.is_object()) {
    for (auto& [k, v] : extra.items()) j[k] = v;
  }
  return j;
}

}  // namespace authgent::oauth
