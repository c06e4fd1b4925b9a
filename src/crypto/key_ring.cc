#include "crypto/key_ring.h"

#include <algorithm>
#include <limits>

#include "core/base64.h"
#include "core/log.h"
#include "core/thread_role.h"
#include "crypto/aead.h"
#include "crypto/hmac.h"

namespace authgent::crypto {

std::string_view KeyStateName(KeyState state) {
  switch (state) {
    case KeyState::kNext: return "next";
    case KeyState::kActive: return "active";
    case KeyState::kRetiring: return "retiring";
    case KeyState::kRetired: return "retired";
  }
  return "unknown";
}

namespace {
std::atomic<uint64_t> next_ring_id{1};

struct CachedSnapshot {
  uint64_t ring = 0;
  uint64_t generation = 0;
  std::shared_ptr<const KeySnapshot> snapshot;
};
thread_local CachedSnapshot cached_snapshot;
}  // namespace

KeyRing::KeyRing(storage::SigningKeyStore& store, const Clock& clock, Random& random, std::string kek,
                 KeyRingOptions options)
    : store_(store), clock_(clock), random_(random), kek_(std::move(kek)), options_(options),
      id_(next_ring_id.fetch_add(1)) {}

std::string KeyRing::DeriveSecret(std::string_view purpose) const {
  return HmacSha256(kek_, purpose);
}

StatusOr<storage::SigningKey> KeyRing::Seal(const EcKey& key, int64_t activate_at) {
  AUTHGENT_ASSIGN_OR_RETURN(std::string pem, key.PrivatePem());
  storage::SigningKey record;
  record.kid = key.Thumbprint();
  nlohmann::json jwk = key.PublicJwk();
  jwk["kid"] = record.kid;
  jwk["use"] = "sig";
  jwk["alg"] = "ES256";
  record.public_jwk_json = jwk.dump();
  // The kid is the associated data: a sealed key copied onto another row does not open.
  AUTHGENT_ASSIGN_OR_RETURN(std::string sealed, AeadSeal(kek_, pem, record.kid, random_));
  record.sealed_private_key = Base64Encode(sealed);
  record.created_at = clock_.Now();
  record.activate_at = activate_at;
  return record;
}

Status KeyRing::Bootstrap(const std::optional<EcKey>& operator_key) {
  if (operator_key) {
    AUTHGENT_ASSIGN_OR_RETURN(std::vector<storage::SigningKey> keys, store_.ListSigningKeys());
    std::string kid = operator_key->Thumbprint();
    bool present = std::any_of(keys.begin(), keys.end(), [&](const auto& k) { return k.kid == kid; });
    if (!present) {
      // The operator's key signs from now on: that is what bringing a key means.
      AUTHGENT_ASSIGN_OR_RETURN(storage::SigningKey record, Seal(*operator_key, clock_.Now()));
      Status inserted = store_.InsertSigningKey(record, false);
      if (!inserted.ok() && inserted.code() != StatusCode::kAlreadyExists) return inserted;
      log::Info("imported signing key from SIGNING_KEY_FILE", {{"kid", kid}});
    }
  } else {
    AUTHGENT_ASSIGN_OR_RETURN(EcKey key, EcKey::Generate());
    // The first key is active at once: no token or JWKS cache exists yet.
    AUTHGENT_ASSIGN_OR_RETURN(storage::SigningKey record, Seal(key, clock_.Now()));
    Status inserted = store_.InsertSigningKey(record, /*only_if_none=*/true);
    if (inserted.ok()) {
      log::Info("created the first signing key", {{"kid", record.kid}});
    } else if (inserted.code() != StatusCode::kAlreadyExists) {
      return inserted;
    }
  }
  StatusOr<std::shared_ptr<const KeySnapshot>> loaded = Reload();
  if (loaded.ok() || loaded.status().code() != StatusCode::kFailedPrecondition) {
    return loaded.status();
  }
  // Keys exist but none signs yet (only future keys, e.g. `keys rotate` on an empty ring):
  // nothing was ever signed, so a key active at once is safe.
  AUTHGENT_ASSIGN_OR_RETURN(EcKey key, EcKey::Generate());
  AUTHGENT_ASSIGN_OR_RETURN(storage::SigningKey record, Seal(key, clock_.Now()));
  AUTHGENT_RETURN_IF_ERROR(store_.InsertSigningKey(record, false));
  log::Info("created a signing key because none was active", {{"kid", record.kid}});
  return Reload().status();
}

StatusOr<KeyStatus> KeyRing::Rotate() {
  AUTHGENT_ASSIGN_OR_RETURN(EcKey key, EcKey::Generate());
  AUTHGENT_ASSIGN_OR_RETURN(storage::SigningKey record,
                            Seal(key, clock_.Now() + options_.publish_delay));
  AUTHGENT_RETURN_IF_ERROR(store_.InsertSigningKey(record, false));
  AUTHGENT_ASSIGN_OR_RETURN(std::shared_ptr<const KeySnapshot> snapshot, Reload());
  for (const KeyStatus& status : snapshot->keys) {
    if (status.kid == record.kid) return status;
  }
  return InternalError("rotated key missing after reload");
}

std::shared_ptr<const KeySnapshot> KeyRing::Load() const {
  uint64_t generation = generation_.load(std::memory_order_acquire);
  CachedSnapshot& cached = cached_snapshot;
  if (cached.ring != id_ || cached.generation != generation) {
    // A store racing with this may be cached under the older generation: the next call sees the
    // newer generation and loads again.
    cached.snapshot = snapshot_.load();
    cached.ring = id_;
    cached.generation = generation;
  }
  return cached.snapshot;
}

bool KeyRing::NeedsReload() const {
  return clock_.Now() >= valid_until_.load(std::memory_order_acquire);
}

StatusOr<std::shared_ptr<const KeySnapshot>> KeyRing::Current() {
  std::shared_ptr<const KeySnapshot> current = Load();
  if (current && clock_.Now() < current->valid_until) return current;
  // A network thread must not read the store: it keeps the snapshot it has (right for the moment
  // a reload takes, below) and leaves the reload to a worker, where a due reload sends the next
  // JWKS or token request. It gets here when the snapshot fell due during a request's wait.
  if (current && CurrentThreadRole() == ThreadRole::kNetwork) return current;
  // Due for a reload: one caller reloads, and the others keep the snapshot they have meanwhile.
  // It stays right for the moment past its valid_until that a reload takes (a key activating
  // then was published a publish_delay earlier; a retiring one still verifies). Before, every
  // request arriving during a reload queued on the lock and then reloaded again itself, so each
  // worker thread read, decrypted and parsed the keys in turn: a stall every reload_interval
  // that grows with the store's latency.
  std::unique_lock lock(reload_mu_, std::defer_lock);
  if (!current) {
    lock.lock();
  } else if (!lock.try_lock()) {
    return current;
  }
  std::shared_ptr<const KeySnapshot> latest = Load();
  if (latest && clock_.Now() < latest->valid_until) return latest;  // reloaded meanwhile
  StatusOr<std::shared_ptr<const KeySnapshot>> fresh = ReloadLocked();
  if (fresh.ok()) return fresh;
  if (!current) return fresh.status();
  log::Warn("signing key reload failed; keeping the previous keys",
            {{"error", fresh.status().ToString()}});
  return current;
}

StatusOr<std::shared_ptr<const KeySnapshot>> KeyRing::Reload() {
  std::lock_guard lock(reload_mu_);
  return ReloadLocked();
}

StatusOr<std::shared_ptr<const KeySnapshot>> KeyRing::ReloadLocked() {
  const int64_t now = clock_.Now();
  AUTHGENT_ASSIGN_OR_RETURN(std::vector<storage::SigningKey> keys, store_.ListSigningKeys());
  // keys are ordered by activate_at: key i signs from its activate_at until the next key's.
  auto snapshot = std::make_shared<KeySnapshot>();
  int64_t next_change = now + options_.reload_interval;
  auto consider = [&](int64_t t) {
    if (t > now) next_change = std::min(next_change, t);
  };
  int active_index = -1;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i].activate_at <= now) active_index = static_cast<int>(i);
  }
  nlohmann::json jwks = {{"keys", nlohmann::json::array()}};
  for (size_t i = 0; i < keys.size(); ++i) {
    const storage::SigningKey& k = keys[i];
    KeyStatus status{k.kid, KeyState::kNext, k.created_at, k.activate_at, 0};
    consider(k.activate_at);
    if (static_cast<int>(i) == active_index) {
      status.state = KeyState::kActive;
    } else if (static_cast<int>(i) < active_index) {
      // Superseded when the following key activated; its tokens live at most token_lifetime.
      int64_t stopped_signing = keys[i + 1].activate_at;
      status.retire_at = stopped_signing + options_.token_lifetime + options_.retire_grace;
      status.state = now < status.retire_at ? KeyState::kRetiring : KeyState::kRetired;
      consider(status.retire_at);
    }
    if (status.state != KeyState::kRetired) {
      nlohmann::json jwk = nlohmann::json::parse(k.public_jwk_json, nullptr, false);
      if (!jwk.is_object()) return DataLossError("signing key " + k.kid + " has a corrupt JWK");
      jwks["keys"].push_back(jwk);
      StatusOr<EcKey> public_key = EcKey::FromPublicJwk(jwk);
      if (!public_key.ok()) return DataLossError("signing key " + k.kid + " has an invalid JWK");
      snapshot->verification_keys.emplace_back(
          k.kid, std::make_shared<const EcKey>(std::move(public_key).value()));
    }
    if (status.state == KeyState::kActive) {
      auto sealed = Base64Decode(k.sealed_private_key);
      if (!sealed) return DataLossError("signing key " + k.kid + " is not base64");
      StatusOr<std::string> pem = AeadOpen(kek_, *sealed, k.kid);
      if (!pem.ok()) {
        return DataLossError("cannot decrypt signing key " + k.kid +
                             ": the key-encryption key differs from the one that sealed it");
      }
      AUTHGENT_ASSIGN_OR_RETURN(EcKey key, EcKey::FromPrivatePem(*pem));
      snapshot->active_kid = k.kid;
      snapshot->active_key = std::make_shared<const EcKey>(std::move(key));
    }
    snapshot->keys.push_back(status);
  }
  if (!snapshot->active_key) return FailedPreconditionError("no signing key is active");
  snapshot->jwks_json = jwks.dump();
  snapshot->valid_until = next_change;
  std::shared_ptr<const KeySnapshot> result = snapshot;
  snapshot_.store(result);
  valid_until_.store(result->valid_until, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  return result;
}

}  // namespace authgent::crypto
