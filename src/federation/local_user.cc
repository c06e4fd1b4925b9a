#include "federation/local_user.h"

namespace authgent::federation {

StatusOr<storage::User> LocalUserFor(storage::AccountStore& store, Random& random,
                                     const std::string& issuer, const UpstreamIdentity& identity,
                                     int64_t now) {
  StatusOr<storage::User> user = store.GetUserByUpstream(issuer, identity.subject);
  if (user.ok()) {
    if (user->email != identity.email || user->name != identity.name) {
      user->email = identity.email;
      user->name = identity.name;
      user->updated_at = now;
      // Best effort: the login goes on with what the provider said even if this write fails.
      (void)store.UpdateUser(*user);
    }
    return user;
  }
  if (user.status().code() != StatusCode::kNotFound) return user.status();
  storage::User created;
  created.user_id = random.Hex(16);
  created.upstream_issuer = issuer;
  created.upstream_subject = identity.subject;
  created.email = identity.email;
  created.name = identity.name;
  created.created_at = created.updated_at = now;
  Status inserted = store.CreateUser(created);
  if (inserted.ok()) return created;
  if (inserted.code() == StatusCode::kAlreadyExists) {
    return store.GetUserByUpstream(issuer, identity.subject);
  }
  return inserted;
}

}  // namespace authgent::federation
