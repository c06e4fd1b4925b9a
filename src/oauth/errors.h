// oauth/errors: a protocol rejection (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 8707 ...).
//
// `code` is the RFC error code and `description` a fixed, client-safe sentence: both go on the
// wire. `debug` says what exactly was wrong, for the log only: it may hold client input and is
// never sent. `status` is the HTTP status when the error is answered directly (not redirected).
#pragma once

#include <string>
#include <utility>

#include "core/status.h"

namespace authgent::oauth {

// A rejection that is also a sign of theft, counted and audited (server/events.h).
enum class Incident {
  kNone,
  kCodeReplay,    // an authorization code presented again: its tokens were revoked
  kRefreshReuse,  // a rotated refresh token presented again: its family was revoked
};

struct OAuthError {
  std::string code;
  std::string description;
  std::string debug;
  int status = 400;
  Incident incident = Incident::kNone;
};

inline OAuthError AsIncident(OAuthError error, Incident incident) {
  error.incident = incident;
  return error;
}
inline OAuthError InvalidRequest(std::string description, std::string debug = "") {
  return {"invalid_request", std::move(description), std::move(debug), 400};
}
inline OAuthError InvalidClient(std::string debug = "") {
  return {"invalid_client", "client authentication failed", std::move(debug), 401};
}
inline OAuthError InvalidGrant(std::string description, std::string debug = "") {
  return {"invalid_grant", std::move(description), std::move(debug), 400};
}
inline OAuthError InvalidScope(std::string description, std::string debug = "") {
  return {"invalid_scope", std::move(description), std::move(debug), 400};
}
inline OAuthError InvalidTarget(std::string debug = "") {
  return {"invalid_target", "the requested resource is not served by this authorization server",
          std::move(debug), 400};
}
// A resource this server serves, but not one this grant (code, refresh family, client) covers.
inline OAuthError TargetNotGranted(std::string description, std::string debug = "") {
  return {"invalid_target", std::move(description), std::move(debug), 400};
}
inline OAuthError UnauthorizedClient(std::string description, std::string debug = "") {
  return {"unauthorized_client", std::move(description), std::move(debug), 400};
}
inline OAuthError ServerError(std::string debug = "") {
  return {"server_error", "internal error", std::move(debug), 500};
}
inline OAuthError TemporarilyUnavailable(std::string debug = "") {
  return {"temporarily_unavailable", "the service is temporarily unavailable, try again",
          std::move(debug), 503};
}
// A failure of storage or of another dependency: 503 temporarily_unavailable when retrying may
// help (the database is unreachable or restarting, the disk is full, a lock timed out), else 500.
inline OAuthError FromFailure(const Status& status) {
  if (status.code() == StatusCode::kUnavailable) return TemporarilyUnavailable(status.ToString());
  return ServerError(status.ToString());
}

}  // namespace authgent::oauth
