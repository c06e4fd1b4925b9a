#include "crypto/es256.h"

#include "authgent/verify/jwt.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <memory>

#include "core/bytes.h"

namespace authgent::crypto {
namespace {

struct SigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// A signing context per thread, for the last key that thread signed with. Setting one up
// (EVP_DigestSignInit or EVP_PKEY_sign_init: provider look-ups, a copy of the key's data) was a
// fifth of each signature's cost, and an initialised context signs any number of digests. The
// context holds a reference to its key, so a cached pointer can never name a newer key at the
// same address; a rotated-out key stays alive until the thread signs with the new one.
struct SignContext {
  EVP_PKEY* key = nullptr;
  EVP_PKEY_CTX* ctx = nullptr;
  ~SignContext() { EVP_PKEY_CTX_free(ctx); }
};

EVP_PKEY_CTX* SignContextFor(EVP_PKEY* key) {
  thread_local SignContext cached;
  if (cached.ctx != nullptr && cached.key == key) return cached.ctx;
  EVP_PKEY_CTX_free(cached.ctx);
  cached.ctx = nullptr;
  cached.key = nullptr;
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  // The digest is SHA-256 (the length is checked against it).
  if (ctx == nullptr || EVP_PKEY_sign_init(ctx) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1) {
    EVP_PKEY_CTX_free(ctx);
    return nullptr;
  }
  cached.key = key;
  cached.ctx = ctx;
  return ctx;
}

}  // namespace

StatusOr<std::string> Es256Sign(const EcKey& key, std::string_view input) {
  EVP_PKEY_CTX* ctx = SignContextFor(key.pkey());
  if (ctx == nullptr) return InternalError("EVP_PKEY_sign_init failed");
  std::string digest = Sha256(input);
  unsigned char der[80];
  size_t der_len = sizeof der;
  if (EVP_PKEY_sign(ctx, der, &der_len, reinterpret_cast<const unsigned char*>(digest.data()),
                    digest.size()) != 1) {
    return InternalError("EVP_PKEY_sign failed");
  }
  const unsigned char* p = der;
  std::unique_ptr<ECDSA_SIG, SigDeleter> sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_len)));
  if (!sig) return InternalError("cannot decode the DER signature");
  std::string out(64, '\0');
  auto* raw = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), raw, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), raw + 32, 32) != 32) {
    return InternalError("signature component out of range");
  }
  return out;
}

bool Es256Verify(const EcKey& key, std::string_view input, std::string_view signature) {
  return verify::VerifyEs256(key.pkey(), input, signature);  // one verifier for the whole project
}

}  // namespace authgent::crypto
