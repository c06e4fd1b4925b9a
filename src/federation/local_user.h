// federation/local_user: the local account behind an upstream identity. authgent's tokens name a
// local user (a random id), never the provider's subject, so the first login of an upstream user
// creates one, keyed by (issuer, subject); each later login finds it again and refreshes the name
// and email the provider now reports. Two first logins at once (two instances, two tabs) end with
// one account: the loser of the insert finds the winner's.
#pragma once

#include <string>

#include "core/random.h"
#include "core/status.h"
#include "federation/upstream.h"
#include "storage/account_store.h"

namespace authgent::federation {

// The local user for `identity` from `issuer`, created or refreshed as above. A disabled user is
// returned as it is (the caller refuses it); a storage failure is its status.
StatusOr<storage::User> LocalUserFor(storage::AccountStore& store, Random& random,
                                     const std::string& issuer, const UpstreamIdentity& identity,
                                     int64_t now);

}  // namespace authgent::federation
