#include "server/events.h"

#include "core/json_writer.h"
#include "core/log.h"
#include "oauth/cimd.h"
#include "oauth/client_policy.h"
#include "server/web.h"

namespace authgent::server {
namespace {

const char* IncidentName(oauth::Incident incident) {
  switch (incident) {
    case oauth::Incident::kCodeReplay:
      return "code.replayed";
    case oauth::Incident::kRefreshReuse:
      return "refresh.reuse_detected";
    case oauth::Incident::kNone:
      break;
  }
  return "token.refused";
}

}  // namespace

AuditEvent::AuditEvent(std::string_view event) {
  line_.reserve(320);
  line_ = "{\"time\":";
  AppendJsonString(line_, log::NowRfc3339());
  line_ += ",\"log\":\"audit\",\"event\":";
  AppendJsonString(line_, event);
}

AuditEvent& AuditEvent::Str(std::string_view key, std::string_view value) {
  if (value.empty()) return *this;
  line_ += ',';
  AppendJsonString(line_, key);
  line_ += ':';
  AppendJsonString(line_, value);
  return *this;
}

AuditEvent& AuditEvent::Int(std::string_view key, int64_t value) {
  line_ += ',';
  AppendJsonString(line_, key);
  line_ += ':' + std::to_string(value);
  return *this;
}

AuditEvent& AuditEvent::Bool(std::string_view key, bool value) {
  line_ += ',';
  AppendJsonString(line_, key);
  line_ += value ? ":true" : ":false";
  return *this;
}

AuditEvent& AuditEvent::Request(const http::Request& request,
                                const std::vector<std::string>& proxies) {
  return Str("request_id", request.request_id).Str("ip", ClientIp(request, proxies));
}

AuditEvent& AuditEvent::Client(const storage::Client& client) {
  std::string kind = client.source == "cli" ? "operator" : client.source;
  return Str("client_id", client.client_id)
      .Str("client_kind", kind)
      .Str("client_host", oauth::ShownHostOf(client));
}

std::string AuditEvent::Finish() {
  line_ += '}';
  return std::move(line_);
}

void Events::Registered(const http::Request& r, const storage::Client& client) {
  if (telemetry_) telemetry_->Registration(client.source, false);
  if (!auditing()) return;
  AuditEvent e("client.registered");
  e.Request(r, proxies_).Client(client).Str("client_name", client.client_name);
  Write(e);
}

void Events::RegistrationRefused(std::string_view kind) {
  if (telemetry_) telemetry_->Registration(kind, true);
}

void Events::RegistrationChanged(const http::Request& r, const storage::Client& client,
                                 bool deleted) {
  if (!auditing()) return;
  AuditEvent e(deleted ? "client.deleted" : "client.updated");
  e.Request(r, proxies_).Client(client);
  Write(e);
}

void Events::LoginSucceeded(const http::Request& r, const std::string& user_id,
                            std::string_view upstream_issuer) {
  if (telemetry_) telemetry_->Login(!upstream_issuer.empty());
  if (!auditing()) return;
  AuditEvent e(upstream_issuer.empty() ? "login.succeeded" : "login.upstream");
  e.Request(r, proxies_).Str("user_id", user_id).Str("upstream_issuer", upstream_issuer);
  Write(e);
}

void Events::LoginFailed(const http::Request& r, const std::string& user_id,
                         std::string_view reason) {
  if (telemetry_) telemetry_->LoginFailure();
  if (!auditing()) return;
  AuditEvent e("login.failed");
  e.Request(r, proxies_).Str("user_id", user_id).Str("reason", reason);
  Write(e);
}

void Events::LoginLockedOut(const http::Request& r, std::string_view which) {
  if (telemetry_) telemetry_->LoginLockout();
  if (!auditing()) return;
  AuditEvent e("login.locked_out");
  e.Request(r, proxies_).Str("limit", which);
  Write(e);
}

void Events::SignedOut(const http::Request& r, const std::string& user_id) {
  if (!auditing()) return;
  AuditEvent e("session.signed_out");
  e.Request(r, proxies_).Str("user_id", user_id);
  Write(e);
}

void Events::GrantRevoked(const http::Request& r, const storage::Grant& grant) {
  if (!auditing()) return;
  AuditEvent e("grant.revoked");
  e.Request(r, proxies_).Str("actor", "user").Str("user_id", grant.user_id);
  ClientById(e, grant.client_id);
  e.Str("resource", grant.resource);
  Write(e);
}

void Events::ClientById(AuditEvent& event, const std::string& client_id) {
  if (peek_client_) {
    if (std::optional<storage::Client> client = peek_client_(client_id)) {
      event.Client(*client);
      return;
    }
  }
  event.Str("client_id", client_id);
  if (client_id.rfind("https://", 0) == 0) {
    event.Str("client_kind", "cimd").Str("client_host", oauth::ClientIdUrlHost(client_id));
  }
}

void Events::Consent(const http::Request& r, const std::string& user_id,
                     const std::string& client_id, const std::string& resource,
                     const std::string& scope, bool given) {
  if (telemetry_) telemetry_->Consent(given);
  if (!auditing()) return;
  AuditEvent e(given ? "consent.given" : "consent.denied");
  e.Request(r, proxies_).Str("user_id", user_id);
  ClientById(e, client_id);
  e.Str("resource", resource).Str("scope", scope);
  Write(e);
}

void Events::CodeIssued(const http::Request& r, const std::string& user_id,
                        const std::string& client_id, const std::string& resource,
                        const std::string& scope) {
  if (!auditing()) return;
  AuditEvent e("code.issued");
  e.Request(r, proxies_).Str("user_id", user_id);
  ClientById(e, client_id);
  e.Str("resource", resource).Str("scope", scope);
  Write(e);
}

void Events::TokensIssued(const http::Request& r, const storage::Client& client,
                          std::string_view grant_type, const oauth::IssuedTokens& issued) {
  if (telemetry_) telemetry_->TokensIssued(grant_type);
  if (!auditing()) return;
  AuditEvent e("token.issued");
  e.Request(r, proxies_).Client(client).Str("grant_type", grant_type);
  // For client_credentials the subject is the client itself: no user.
  if (issued.subject != client.client_id) e.Str("user_id", issued.subject);
  e.Str("resource", issued.audience)
      .Str("scope", issued.scope)
      .Str("jti", issued.jti)
      .Bool("refresh_token", issued.refresh_token);
  Write(e);
}

void Events::GrantRefused(const http::Request& r, const storage::Client& client,
                          std::string_view grant_type, const oauth::OAuthError& error) {
  if (telemetry_ && error.incident == oauth::Incident::kCodeReplay) telemetry_->CodeReplay();
  if (telemetry_ && error.incident == oauth::Incident::kRefreshReuse) telemetry_->RefreshReuse();
  if (!auditing()) return;
  // Every refused grant is not an event worth a line (a client retrying a dead refresh token
  // would flood the trail); the incidents are.
  if (error.incident == oauth::Incident::kNone) return;
  AuditEvent e(IncidentName(error.incident));
  e.Request(r, proxies_)
      .Client(client)
      .Str("grant_type", grant_type)
      .Str("outcome", error.incident == oauth::Incident::kCodeReplay ? "tokens of the code revoked"
                                                                     : "refresh family revoked");
  Write(e);
}

void Events::Revoked(const http::Request& r, const storage::Client& client, std::string_view what) {
  if (!auditing()) return;
  AuditEvent e("token.revoked");
  e.Request(r, proxies_).Client(client).Str("token_type", what);
  Write(e);
}

void Events::Introspected(const http::Request& r, const storage::Client& by, bool active,
                          std::string_view jti) {
  if (!auditing()) return;
  AuditEvent e("token.introspected");
  e.Request(r, proxies_).Client(by).Bool("active", active).Str("jti", jti);
  Write(e);
}

void Events::RateLimited(Limit limit) {
  if (telemetry_) telemetry_->RateLimited(limit);
}

}  // namespace authgent::server
