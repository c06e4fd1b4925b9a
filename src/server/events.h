// server/events: the security-relevant actions, each told here once where it happens: each is
// counted (server/telemetry.h) and written to the audit trail (server/audit_log.h) as one JSON
// line naming the event, the user, the client (its id, kind and host), the resource, the
// client's IP address and the request id. docs/security.md lists the events and their fields.
//
// Never a secret or a token in an event: an access token appears as its `jti`, a refresh family
// as a prefix of its id.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "http/message.h"
#include "oauth/errors.h"
#include "oauth/token_service.h"
#include "server/audit_log.h"
#include "server/telemetry.h"
#include "storage/records.h"

namespace authgent::server {

// One audit line under construction: {"time":..,"log":"audit","event":..,...}.
class AuditEvent {
 public:
  explicit AuditEvent(std::string_view event);
  AuditEvent& Str(std::string_view key, std::string_view value);  // skipped when empty
  AuditEvent& Int(std::string_view key, int64_t value);
  AuditEvent& Bool(std::string_view key, bool value);
  // request_id and ip.
  AuditEvent& Request(const http::Request& request, const std::vector<std::string>& proxies);
  // client_id, client_kind (dcr, cimd, operator) and client_host (the metadata document's host,
  // or else the first redirect URI's).
  AuditEvent& Client(const storage::Client& client);
  std::string Finish();

 private:
  std::string line_;
};

class Events {
 public:
  // `telemetry` may be null (the operator commands count nothing).
  // `peek_client`, when set, finds a client without blocking (the client cache), for the events
  // that know only a client's id.
  using PeekClient = std::function<std::optional<storage::Client>(const std::string& client_id)>;
  Events(AuditLog& audit, Telemetry* telemetry, std::vector<std::string> trusted_proxies,
         PeekClient peek_client = nullptr)
      : audit_(audit),
        telemetry_(telemetry),
        proxies_(std::move(trusted_proxies)),
        peek_client_(std::move(peek_client)) {}

  Telemetry* telemetry() { return telemetry_; }

  // ---- registration ----
  void Registered(const http::Request& r, const storage::Client& client);
  // `kind`: dcr or cimd. Counted only: strangers choose how many there are, and a line each
  // would let them fill the trail.
  void RegistrationRefused(std::string_view kind);
  void RegistrationChanged(const http::Request& r, const storage::Client& client, bool deleted);
  // ---- sign-in ----
  void LoginSucceeded(const http::Request& r, const std::string& user_id,
                      std::string_view upstream_issuer = "");
  // `user_id` when the username named a user (never the typed text itself: it may be a
  // password typed in the wrong field).
  void LoginFailed(const http::Request& r, const std::string& user_id, std::string_view reason);
  void LoginLockedOut(const http::Request& r, std::string_view which);
  void SignedOut(const http::Request& r, const std::string& user_id);
  // The user revoked a client's access on the account page (actor "user"; the operator's
  // `grants revoke` writes the same event with actor "operator").
  void GrantRevoked(const http::Request& r, const storage::Grant& grant);
  // ---- authorization ----
  void Consent(const http::Request& r, const std::string& user_id, const std::string& client_id,
               const std::string& resource, const std::string& scope, bool given);
  void CodeIssued(const http::Request& r, const std::string& user_id, const std::string& client_id,
                  const std::string& resource, const std::string& scope);
  // ---- tokens ----
  void TokensIssued(const http::Request& r, const storage::Client& client,
                    std::string_view grant_type, const oauth::IssuedTokens& issued);
  void GrantRefused(const http::Request& r, const storage::Client& client,
                    std::string_view grant_type, const oauth::OAuthError& error);
  void Revoked(const http::Request& r, const storage::Client& client, std::string_view what);
  void Introspected(const http::Request& r, const storage::Client& by, bool active,
                    std::string_view jti);
  // Counted only, for the same reason as RegistrationRefused.
  void RateLimited(Limit limit);

  // Any other event (the operator commands'), as built.
  void Record(AuditEvent event) { Write(event); }
  bool auditing() const { return audit_.enabled(); }

 private:
  void Write(AuditEvent& event) {
    if (audit_.enabled()) audit_.Write(event.Finish());
  }
  // The client's fields by id: all of them when peek_client_ finds it, else the id (and for a
  // metadata document's URL, kind cimd and its host).
  void ClientById(AuditEvent& event, const std::string& client_id);
  AuditLog& audit_;
  Telemetry* telemetry_;
  const std::vector<std::string> proxies_;
  const PeekClient peek_client_;
};

}  // namespace authgent::server
