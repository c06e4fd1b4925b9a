#include "federation/upstream.h"

#include <algorithm>

#include "authgent/verify/jwt.h"
#include "core/ascii.h"
#include "core/base64.h"
#include "core/bytes.h"
#include "core/log.h"
#include "oauth/params.h"
#include "oauth/resource.h"

namespace authgent::federation {
namespace {

StatusOr<nlohmann::json> JsonObject(const StatusOr<FetchResponse>& r, const std::string& what) {
  if (!r.ok()) return r.status();
  if (r->status != 200) {
    return UnavailableError(what + " answered HTTP " + std::to_string(r->status));
  }
  nlohmann::json j = nlohmann::json::parse(r->body, nullptr, false);
  if (!j.is_object()) return UnavailableError(what + " is not a JSON object");
  return j;
}

}  // namespace

UpstreamProvider::UpstreamProvider(UpstreamSettings settings, HttpFetcher& fetcher,
                                   const Clock& clock)
    : settings_(std::move(settings)), fetcher_(fetcher), clock_(clock) {}

UpstreamProvider::~UpstreamProvider() { Stop(); }

void UpstreamProvider::Start() {
  loop_ = std::thread([this] { Loop(); });
}

void UpstreamProvider::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (loop_.joinable()) loop_.join();
}

void UpstreamProvider::Loop() {
  int64_t delay = 1;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    Status s = Discover();
    lock.lock();
    if (s.ok()) {
      delay = settings_.refresh_interval;
    } else {
      log::Warn("upstream discovery failed", {{"issuer", settings_.issuer}, {"error", s.message()}});
      delay = ready_ ? std::min<int64_t>(60, settings_.refresh_interval)
                     : std::min(delay * 2, settings_.max_retry_delay);
    }
    cv_.wait_for(lock, std::chrono::seconds(delay), [this] { return stopping_; });
  }
}

std::string UpstreamProvider::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

std::shared_ptr<const UpstreamProvider::Metadata> UpstreamProvider::metadata() const {
  std::lock_guard lock(mu_);
  return metadata_;
}

Status UpstreamProvider::Discover() {
  auto fail = [this](const Status& s) {
    std::lock_guard lock(mu_);
    last_error_ = s.message();
    return s;
  };
  // OpenID Discovery §4: the issuer, without a trailing '/', plus the well-known path.
  std::string base = settings_.issuer;
  if (!base.empty() && base.back() == '/') base.pop_back();
  std::string url = base + "/.well-known/openid-configuration";
  StatusOr<nlohmann::json> doc = JsonObject(fetcher_.Get(url), "upstream discovery " + url);
  if (!doc.ok()) return fail(doc.status());
  auto meta = std::make_shared<Metadata>();
  for (auto [field, out] : {std::pair{"issuer", &meta->issuer},
                            {"authorization_endpoint", &meta->authorization_endpoint},
                            {"token_endpoint", &meta->token_endpoint},
                            {"jwks_uri", &meta->jwks_uri}}) {
    if (!(*doc)[field].is_string()) {
      return fail(UnavailableError(std::string("upstream discovery lacks ") + field));
    }
    *out = (*doc)[field].get<std::string>();
    // The browser is sent to the authorization endpoint: nothing but an http(s) URL may go
    // there (a javascript: or data: "endpoint" was accepted before; found by
    // fuzz/upstream_fuzzer). The same holds for the two endpoints we fetch ourselves.
    std::optional<std::string> normal = oauth::NormalizeResource(*out);
    if (!normal || !(normal->starts_with("https://") || normal->starts_with("http://"))) {
      return fail(UnavailableError(std::string("upstream discovery ") + field +
                                   " is not an http(s) URL"));
    }
  }
  // OpenID Discovery §4.3: the document's issuer must be the one we asked. Entra's multi-tenant
  // documents carry a {tenantid} placeholder; those need a tenant-specific UPSTREAM_ISSUER.
  if (meta->issuer != settings_.issuer) {
    return fail(UnavailableError("upstream discovery issuer " + meta->issuer +
                                 " differs from UPSTREAM_ISSUER " + settings_.issuer));
  }
  if ((*doc)["token_endpoint_auth_methods_supported"].is_array()) {
    const auto& methods = (*doc)["token_endpoint_auth_methods_supported"];
    bool basic = std::find(methods.begin(), methods.end(), "client_secret_basic") != methods.end();
    bool post = std::find(methods.begin(), methods.end(), "client_secret_post") != methods.end();
    meta->basic_auth = basic || !post;
  }
  StatusOr<std::shared_ptr<const verify::Jwks>> jwks = FetchJwks(meta->jwks_uri);
  if (!jwks.ok()) return fail(jwks.status());
  {
    std::lock_guard lock(mu_);
    metadata_ = meta;
    jwks_ = *jwks;
    last_jwks_fetch_ = clock_.Now();
    last_error_.clear();
  }
  if (!ready_.exchange(true)) log::Info("upstream identity provider ready", {{"issuer", settings_.issuer}});
  return Status::Ok();
}

StatusOr<std::shared_ptr<const verify::Jwks>> UpstreamProvider::FetchJwks(const std::string& uri) {
  StatusOr<FetchResponse> r = fetcher_.Get(uri);
  if (!r.ok()) return r.status();
  if (r->status != 200) return UnavailableError("upstream JWKS answered HTTP " + std::to_string(r->status));
  std::string error;
  std::optional<verify::Jwks> jwks = verify::Jwks::Parse(r->body, &error);
  if (!jwks) return UnavailableError("upstream JWKS: " + error);
  return std::shared_ptr<const verify::Jwks>(std::make_shared<verify::Jwks>(std::move(*jwks)));
}

StatusOr<std::string> UpstreamProvider::AuthorizationUrl(const std::string& state,
                                                         const std::string& nonce,
                                                         const std::string& code_challenge) const {
  std::shared_ptr<const Metadata> meta = metadata();
  if (!meta) return UnavailableError("the identity provider has not been discovered yet");
  std::string url = meta->authorization_endpoint;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += "response_type=code&client_id=" + oauth::PercentEncode(settings_.client_id) +
         "&redirect_uri=" + oauth::PercentEncode(settings_.redirect_uri) +
         "&scope=" + oauth::PercentEncode(settings_.scopes) + "&state=" + oauth::PercentEncode(state) +
         "&nonce=" + oauth::PercentEncode(nonce) + "&code_challenge=" + code_challenge +
         "&code_challenge_method=S256";
  return url;
}

StatusOr<UpstreamIdentity> UpstreamProvider::Redeem(const std::string& code,
                                                    const std::string& code_verifier,
                                                    const std::string& nonce) {
  std::shared_ptr<const Metadata> meta = metadata();
  if (!meta) return UnavailableError("the identity provider has not been discovered yet");
  std::string body = "grant_type=authorization_code&code=" + oauth::PercentEncode(code) +
                     "&redirect_uri=" + oauth::PercentEncode(settings_.redirect_uri) +
                     "&code_verifier=" + oauth::PercentEncode(code_verifier);
  std::map<std::string, std::string> headers;
  if (meta->basic_auth) {
    // RFC 6749 §2.3.1: form-encode id and secret, then base64 the pair.
    headers["Authorization"] =
        "Basic " + Base64Encode(oauth::PercentEncode(settings_.client_id) + ":" +
                                oauth::PercentEncode(settings_.client_secret));
  } else {
    body += "&client_id=" + oauth::PercentEncode(settings_.client_id) +
            "&client_secret=" + oauth::PercentEncode(settings_.client_secret);
  }
  StatusOr<FetchResponse> r = fetcher_.PostForm(meta->token_endpoint, body, headers);
  if (!r.ok()) return r.status();
  nlohmann::json answer = nlohmann::json::parse(r->body, nullptr, false);
  if (r->status != 200) {
    // Not value("error", ""): that throws when "error" is there but not a string.
    std::string error =
        answer.is_object() && answer["error"].is_string() ? answer["error"].get<std::string>() : "";
    return UnavailableError("upstream token endpoint answered HTTP " + std::to_string(r->status) +
                            (error.empty() ? "" : " " + error));
  }
  if (!answer.is_object() || !answer["id_token"].is_string()) {
    return UnavailableError("upstream token response has no id_token");
  }
  return ValidateIdToken(answer["id_token"].get<std::string>(), nonce);
}

StatusOr<UpstreamIdentity> UpstreamProvider::ValidateIdToken(const std::string& id_token,
                                                             const std::string& nonce) {
  auto decoded = verify::DecodeJwt(id_token, 16384);
  if (auto* e = std::get_if<verify::VerifyError>(&decoded)) {
    return InvalidArgumentError(std::string("id_token ") + std::string(verify::VerifyErrorName(*e)));
  }
  const verify::DecodedJwt& jwt = std::get<verify::DecodedJwt>(decoded);
  const std::vector<verify::Algorithm> allowed = {verify::Algorithm::kRS256, verify::Algorithm::kES256};
  std::shared_ptr<const verify::Jwks> jwks;
  std::shared_ptr<const Metadata> meta;
  {
    std::lock_guard lock(mu_);
    jwks = jwks_;
    meta = metadata_;
  }
  if (!jwks || !meta) return UnavailableError("the identity provider has not been discovered yet");
  verify::VerifyError result = verify::VerifyWithJwks(jwt, *jwks, allowed);
  if (result == verify::VerifyError::kUnknownKey) {
    // Key rotation at the provider: refetch once, but never more than once per interval.
    bool may_refetch = false;
    {
      std::lock_guard lock(mu_);
      int64_t now = clock_.Now();
      if (now - last_jwks_fetch_ >= settings_.jwks_refetch_interval) {
        last_jwks_fetch_ = now;
        may_refetch = true;
      }
    }
    if (may_refetch) {
      StatusOr<std::shared_ptr<const verify::Jwks>> fresh = FetchJwks(meta->jwks_uri);
      if (fresh.ok()) {
        std::lock_guard lock(mu_);
        jwks_ = *fresh;
        jwks = *fresh;
      }
      result = verify::VerifyWithJwks(jwt, *jwks, allowed);
    }
  }
  if (result != verify::VerifyError::kOk) {
    return InvalidArgumentError(std::string("id_token signature: ") +
                                std::string(verify::VerifyErrorName(result)));
  }
  nlohmann::json c = jwt.claims;  // non-const: absent claims read as null instead of asserting
  verify::ClaimRequirements required{meta->issuer, {settings_.client_id}, clock_.Now(), settings_.leeway, true};
  verify::VerifyError claims = verify::CheckClaims(c, required);
  if (claims != verify::VerifyError::kOk) {
    return InvalidArgumentError(std::string("id_token claims: ") + std::string(verify::VerifyErrorName(claims)));
  }
  if (!c.contains("iat")) return InvalidArgumentError("id_token claims: missing iat");
  std::vector<std::string> audiences = verify::Audiences(c);
  if (audiences.size() > 1 || c.contains("azp")) {
    if (!c["azp"].is_string() || c["azp"].get<std::string>() != settings_.client_id) {
      return InvalidArgumentError("id_token claims: azp_mismatch");
    }
  }
  if (!c["nonce"].is_string() || !ConstantTimeEquals(c["nonce"].get<std::string>(), nonce)) {
    return InvalidArgumentError("id_token claims: nonce_mismatch");
  }
  if (!c["sub"].is_string() || c["sub"].get<std::string>().empty()) {
    return InvalidArgumentError("id_token claims: missing sub");
  }
  UpstreamIdentity id;
  id.subject = c["sub"].get<std::string>();
  if (c["email"].is_string()) id.email = c["email"].get<std::string>();
  // A boolean per OIDC Core §5.1; some providers send the string "true".
  if (c["email_verified"].is_boolean()) id.email_verified = c["email_verified"].get<bool>();
  if (c["email_verified"].is_string()) id.email_verified = c["email_verified"] == "true";
  if (c["name"].is_string()) id.name = c["name"].get<std::string>();
  if (c["hd"].is_string()) id.hosted_domain = c["hd"].get<std::string>();
  auto groups = c.find(settings_.groups_claim);
  if (groups != c.end() && groups->is_array()) {
    for (const auto& g : *groups) {
      if (g.is_string()) id.groups.push_back(g.get<std::string>());
    }
  }
  return id;
}

namespace {
constexpr std::string_view kGoogleIssuer = "https://accounts.google.com";
}  // namespace

Status UpstreamProvider::CheckAllowed(const UpstreamIdentity& id) const {
  if (!settings_.allowed_domains.empty()) {
    std::string domain;
    size_t at = id.email.rfind('@');
    if (at != std::string::npos) domain = AsciiLower(id.email.substr(at + 1));
    auto allowed = [&](const std::string& d) {
      return std::any_of(settings_.allowed_domains.begin(), settings_.allowed_domains.end(),
                         [&](const std::string& a) { return AsciiLower(a) == d; });
    };
    // An email counts only when the provider says it verified it: anyone can type any address
    // into a self-service account. Google Workspace says which organisation the account belongs
    // to in `hd`, which only Google's own id_tokens can be trusted to mean.
    bool email_ok = id.email_verified && !domain.empty() && allowed(domain);
    bool hd_ok = settings_.issuer == kGoogleIssuer && !id.hosted_domain.empty() &&
                 allowed(AsciiLower(id.hosted_domain));
    if (!email_ok && !hd_ok) {
      return FailedPreconditionError("email domain not allowed: " + domain +
                                     (id.email_verified ? "" : " (email not verified)"));
    }
  }
  if (!settings_.allowed_groups.empty()) {
    bool member = std::any_of(id.groups.begin(), id.groups.end(), [&](const std::string& g) {
      return std::find(settings_.allowed_groups.begin(), settings_.allowed_groups.end(), g) !=
             settings_.allowed_groups.end();
    });
    if (!member) return FailedPreconditionError("not a member of an allowed group");
  }
  return Status::Ok();
}

}  // namespace authgent::federation
