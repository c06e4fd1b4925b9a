// server/client_assertions: the private_key_jwt check behind client authentication
// (oauth::AssertionCheck): the client's keys (federation/client_keys), the assertion's signature
// and claims (oauth/client_assertion), and its jti, remembered in the store's counters until the
// assertion expires so that every instance refuses a replay. May block (a jwks_uri fetch, a
// store write): callers run it on a worker.
#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "federation/client_keys.h"
#include "oauth/client_assertion.h"
#include "oauth/errors.h"
#include "storage/counter_store.h"
#include "storage/records.h"

namespace authgent::server {

class ClientAssertions {
 public:
  ClientAssertions(oauth::AssertionAudience audience, federation::ClientKeys& keys,
                   storage::CounterStore& counters, const Clock& clock)
      : audience_(std::move(audience)), keys_(keys), counters_(counters), clock_(clock) {}

  // nullopt when `assertion` authenticates `client`; else the invalid_client (or server error)
  // to answer.
  std::optional<oauth::OAuthError> Check(const storage::Client& client,
                                         const std::string& assertion);

 private:
  const oauth::AssertionAudience audience_;
  federation::ClientKeys& keys_;
  storage::CounterStore& counters_;
  const Clock& clock_;
};

}  // namespace authgent::server
