// storage/signing_key_store: the ES256 signing keys every instance shares (crypto/key_ring reads
// and writes them through this interface alone). Part of the Store (storage/store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/records.h"

namespace authgent::storage {

class SigningKeyStore {
 public:
  virtual ~SigningKeyStore() = default;

  // With `only_if_none`, inserts only into an empty key table (kAlreadyExists otherwise), so
  // instances starting together create one first key between them.
  virtual Status InsertSigningKey(const SigningKey& key, bool only_if_none) = 0;
  // Ordered by activate_at, then kid.
  virtual StatusOr<std::vector<SigningKey>> ListSigningKeys() = 0;
};

}  // namespace authgent::storage
