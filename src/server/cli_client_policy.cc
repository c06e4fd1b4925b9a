// `authgent clients policy ID ...`: the operator's decisions about one client
// (storage::ClientPolicy): block or unblock it, trust it (no consent page for its https
// redirects), limit the resources and scopes it may ask for, set its access-token lifetime.
// A running server applies a change within its client cache's lifetime (5 s).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "oauth/cimd.h"
#include "oauth/resource.h"
#include "oauth/scope.h"
#include "server/app.h"
#include "server/cli.h"
#include "server/cli_listing.h"

namespace authgent::server {
namespace {

nlohmann::json PolicyJson(const storage::ClientPolicy& p) {
  return {{"client_id", p.client_id}, {"blocked", p.blocked},
          {"trusted", p.trusted},     {"resources", p.resources},
          {"scope", p.scope},         {"access_token_ttl", p.access_token_ttl}};
}

// The changes asked for, checked before anything is written.
Status Apply(const ClientPolicyArgs& args, storage::ClientPolicy& p) {
  if (args.block && args.unblock)
    return InvalidArgumentError("give --block or --unblock, not both");
  if (args.trust && args.untrust)
    return InvalidArgumentError("give --trust or --untrust, not both");
  if (args.block) p.blocked = true;
  if (args.unblock) p.blocked = false;
  if (args.trust) p.trusted = true;
  if (args.untrust) p.trusted = false;
  if (args.any_resource) p.resources.clear();
  for (const std::string& r : args.resources) {
    auto normalized = oauth::NormalizeResource(r);
    if (!normalized) return InvalidArgumentError("--resource " + r + " is not an absolute URI");
    p.resources.push_back(*normalized);
  }
  if (args.any_scope) p.scope.clear();
  if (!args.scope.empty()) p.scope = oauth::JoinScope(oauth::SplitScope(args.scope));
  if (args.token_ttl) {
    if (*args.token_ttl != 0 && (*args.token_ttl < 60 || *args.token_ttl > 86400)) {
      return InvalidArgumentError("--token-ttl must be 60 to 86400 seconds (0: ACCESS_TOKEN_TTL)");
    }
    p.access_token_ttl = *args.token_ttl;
  }
  return Status::Ok();
}

}  // namespace

int RunClientsPolicy(const Config& config, const ClientPolicyArgs& args) {
  auto store = OpenMigratedStore(config);
  if (!store.ok()) return FailWith(store.status().message());
  // A registered client, or a metadata document's URL (decided on before its first fetch).
  auto client = (*store)->GetClient(args.client_id);
  if (!client.ok() && client.status().code() != StatusCode::kNotFound) {
    return FailWith(client.status().message());
  }
  if (!client.ok() && !oauth::IsClientIdUrl(args.client_id)) {
    return FailWith("no client " + args.client_id +
                    " (a metadata document's https URL may be named "
                    "before its first use)");
  }
  auto policy = (*store)->GetClientPolicy(args.client_id);
  if (!policy.ok()) return FailWith(policy.status().message());
  bool was_blocked = policy->blocked;
  Status applied = Apply(args, *policy);
  if (!applied.ok()) return FailWith(applied.message());
  int64_t now = SystemClock::Instance().Now();
  policy->updated_at = now;
  Status saved = (*store)->SetClientPolicy(*policy);
  if (!saved.ok()) return FailWith(saved.message());
  if (policy->blocked && !was_blocked) {
    // Blocking also ends what the client holds: codes, consents, refresh families, and (through
    // the denylist) the access tokens issued in them.
    Status revoked = (*store)->RevokeClientAccess(args.client_id, now);
    if (!revoked.ok())
      return FailWith("blocked, but revoking its grants failed: " + revoked.message());
  }
  AuditEvent e("client.policy_changed");
  e.Str("client_id", args.client_id).Str("policy", PolicyJson(*policy).dump());
  AuditOperator(config, std::move(e));
  std::printf("%s\n", PolicyJson(*policy).dump(2).c_str());
  return 0;
}

}  // namespace authgent::server
