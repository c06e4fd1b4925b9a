// server/client_authentication: who calls the back-channel endpoints (token, revocation,
// introspection). The credentials come from the Authorization header or the form
// (oauth/client_auth) and are checked against the client as the client cache has it; a failure
// answers 400 or 401, with `WWW-Authenticate: Basic` after a Basic attempt (RFC 6749 §5.2).
// A private_key_jwt assertion is checked by `assertions` (server/client_assertions: may block,
// so a request carrying one is checked on a worker).
#pragma once

#include <optional>
#include <string>
#include <variant>

#include "core/clock.h"
#include "http/message.h"
#include "oauth/client_auth.h"
#include "oauth/errors.h"
#include "oauth/params.h"
#include "server/client_cache.h"
#include "storage/client_store.h"

namespace authgent::server {

class ClientAuthentication {
 public:
  ClientAuthentication(std::string issuer, storage::ClientStore& clients, ClientCache& cache,
                       const Clock& clock, oauth::AssertionCheck assertions = nullptr)
      : issuer_(std::move(issuer)),
        clients_(clients),
        cache_(cache),
        clock_(clock),
        assertions_(std::move(assertions)) {}

  // What every back-channel request must be: a form post, well formed, no parameter repeated
  // (RFC 6749 §3.2); else the invalid_request to answer.
  static std::optional<oauth::OAuthError> CheckForm(const http::Request& request,
                                                    const oauth::Params& params);
  // The credentials the request presents, or the answer to send.
  std::variant<oauth::PresentedCredentials, http::Response> Presented(
      const http::Request& request, const oauth::Params& params) const;
  // The client, from memory only (never blocks), or nothing when it must be read.
  std::optional<storage::Client> Cached(const std::string& client_id);
  // The client from memory or the store (may block: on a worker).
  StatusOr<storage::Client> Lookup(const std::string& client_id);
  // `presented` checked against the client as looked up: the client, or the answer to send.
  std::variant<storage::Client, http::Response> Check(const http::Request& request,
                                                      StatusOr<storage::Client> client,
                                                      const oauth::PresentedCredentials& presented);
  // CheckForm, Presented, Lookup and Check in one (may block: on a worker).
  std::variant<storage::Client, http::Response> Authenticate(const http::Request& request,
                                                             const oauth::Params& params);

 private:
  http::Response Failed(const http::Request& request, const oauth::OAuthError& error) const;

  const std::string issuer_;
  storage::ClientStore& clients_;
  ClientCache& cache_;
  const Clock& clock_;
  const oauth::AssertionCheck assertions_;
};

}  // namespace authgent::server
