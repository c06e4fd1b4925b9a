#include "crypto/es256.h"

#include "authgent/verify/jwt.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>

#include <memory>

namespace authgent::crypto {
namespace {

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

struct SigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

const EVP_MD* Sha256Md() {
  // Fetched once: implicit fetching on every signature costs a lock and a lookup.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

StatusOr<std::string> Es256Sign(const EcKey& key, std::string_view input) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, Sha256Md(), nullptr, key.pkey()) != 1) {
    return InternalError("EVP_DigestSignInit failed");
  }
  unsigned char der[80];
  size_t der_len = sizeof der;
  if (EVP_DigestSign(ctx.get(), der, &der_len, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return InternalError("EVP_DigestSign failed");
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
