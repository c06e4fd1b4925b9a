// server/login_endpoint: GET and POST /oauth/login, on a worker. The page of a live transaction
// from the browser that started it; with an upstream IdP it sends the browser there instead
// (server/upstream_endpoint) and refuses a posted password. A posted password is checked within
// two failure limits shared by all instances (per account, and five times that per network, per
// 15 minutes; every attempt counts before its check, a success takes its count back) and the
// password-hashing gate (Argon2id is the most expensive thing a stranger can make us do). A
// success ends in a login session and the consent step (server/front_channel: LoggedIn).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/concurrency_gate.h"
#include "http/router.h"
#include "server/browser.h"
#include "server/events.h"
#include "server/front_channel.h"
#include "server/rate_limiter.h"
#include "server/upstream_endpoint.h"
#include "storage/store.h"

namespace authgent::server {

struct LoginSettings {
  std::string issuer;        // a posted form must come from this origin
  std::string service_name;  // on the page
  std::vector<std::string> trusted_proxies;
  int64_t failure_limit = 0;  // LOGIN_FAILURE_LIMIT per account; the network's is five times it
};

class LoginEndpoint {
 public:
  LoginEndpoint(LoginSettings settings, FrontChannel& front, UpstreamEndpoint& upstream,
                Browser& browser, storage::Store& store, SharedRateLimiter& limiter,
                ConcurrencyGate& password_gate, Events& events, const Clock& clock)
      : settings_(std::move(settings)),
        front_(front),
        upstream_(upstream),
        browser_(browser),
        store_(store),
        limiter_(limiter),
        password_gate_(password_gate),
        events_(events),
        clock_(clock) {}

  void Register(http::Router& router);
  http::Response Page(const http::Request& request);
  http::Response Submit(const http::Request& request);

 private:
  // The login form again, with this status and error message.
  using LoginForm = std::function<http::Response(int status, const std::string& error)>;
  // The password check within the failure limits and the hashing gate.
  http::Response CheckPassword(const http::Request& request, const std::string& username,
                               const std::string& password, const std::string& transaction,
                               const storage::AuthorizationTransaction& txn,
                               const LoginForm& again);
  // The name the page shows for the transaction's client; empty for the account page's sign-in.
  std::string ClientNameOf(const storage::AuthorizationTransaction& txn);

  const LoginSettings settings_;
  FrontChannel& front_;
  UpstreamEndpoint& upstream_;
  Browser& browser_;
  storage::Store& store_;
  SharedRateLimiter& limiter_;
  ConcurrencyGate& password_gate_;
  Events& events_;
  const Clock& clock_;
};

}  // namespace authgent::server
