// crypto/key_ring: the ES256 signing keys every instance shares through the store.
//
// Life of a key (docs/mcp-clients.md §6): `Rotate()` adds a key that is published in the JWKS at once and
// becomes the signing key `publish_delay` later, so every verifier's JWKS cache has seen it before
// a token signed with it arrives. A superseded key stays published until every token it could have
// signed has expired (`token_lifetime` + `retire_grace` after it stopped signing), then is retired
// (left out of the JWKS). States are derived from the dates and the clock, so every instance
// agrees without coordination; each instance reloads the ring periodically and at each date that
// changes a state.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/random.h"
#include "core/status.h"
#include "crypto/ec_key.h"
#include "storage/signing_key_store.h"

namespace authgent::crypto {

struct KeyRingOptions {
  int64_t publish_delay = 600;    // seconds between a key's publication and its first signature
  int64_t token_lifetime = 3600;  // the longest lifetime of a token signed by these keys
  int64_t retire_grace = 300;     // clock skew and cache margin before a key leaves the JWKS
  int64_t reload_interval = 30;   // how often other instances' rotations are picked up
};

enum class KeyState { kNext, kActive, kRetiring, kRetired };
std::string_view KeyStateName(KeyState state);

struct KeyStatus {
  std::string kid;
  KeyState state;
  int64_t created_at;
  int64_t activate_at;
  int64_t retire_at;  // 0 while the key is active or next (not yet known)
};

// What a request needs: the signing key and the JWKS document, consistent with each other.
struct KeySnapshot {
  std::string active_kid;
  std::shared_ptr<const EcKey> active_key;
  std::string jwks_json;  // {"keys":[...]} of every published key
  // Every published key's public half, by kid (to check tokens presented back to us).
  std::vector<std::pair<std::string, std::shared_ptr<const EcKey>>> verification_keys;
  std::vector<KeyStatus> keys;
  int64_t valid_until = 0;  // reload at or after this time
};

class KeyRing {
 public:
  // `kek` is the 32-byte key-encryption key.
  KeyRing(storage::SigningKeyStore& store, const Clock& clock, Random& random, std::string kek,
          KeyRingOptions options);

  // Makes sure a signing key exists: imports `operator_key` (SIGNING_KEY_FILE) when given and not
  // yet stored, else creates the first key if the ring is empty (one instance wins a race).
  Status Bootstrap(const std::optional<EcKey>& operator_key);
  // Adds a key (published now, signing after publish_delay). Returns its status.
  StatusOr<KeyStatus> Rotate();
  // The current snapshot, reloaded from the store when due. When a reload fails the previous
  // snapshot stays in use (and the failure is logged); with none, the error is returned. While
  // one caller reloads, the others get the previous snapshot at once instead of waiting.
  StatusOr<std::shared_ptr<const KeySnapshot>> Current();
  // True when Current() would read the store (no snapshot yet, or it is due for a reload). On a
  // network thread Current() never does: with a snapshot due it returns that one.
  bool NeedsReload() const;
  // Forces a reload now.
  StatusOr<std::shared_ptr<const KeySnapshot>> Reload();
  // A 32-byte secret for `purpose`, derived from the key-encryption key (HMAC-SHA256): the same on
  // every instance sharing that key, unknowable without it, and different for every purpose.
  std::string DeriveSecret(std::string_view purpose) const;

 private:
  StatusOr<storage::SigningKey> Seal(const EcKey& key, int64_t activate_at);
  // Reload() with reload_mu_ held.
  StatusOr<std::shared_ptr<const KeySnapshot>> ReloadLocked();

  storage::SigningKeyStore& store_;
  const Clock& clock_;
  Random& random_;
  const std::string kek_;
  const KeyRingOptions options_;
  // The snapshot as this thread last saw it. Loading snapshot_ itself on every request was a
  // visible cost: libstdc++'s atomic<shared_ptr> guards each load with a spin lock that every
  // thread of a busy server fights over; a generation counter is a plain atomic read.
  std::shared_ptr<const KeySnapshot> Load() const;

  std::mutex reload_mu_;
  std::atomic<std::shared_ptr<const KeySnapshot>> snapshot_;
  const uint64_t id_;                    // tells rings apart in the per-thread cache
  std::atomic<uint64_t> generation_{0};  // bumped after each store to snapshot_
  std::atomic<int64_t> valid_until_{0};  // the snapshot's valid_until; 0 without a snapshot
};

}  // namespace authgent::crypto
