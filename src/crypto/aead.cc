#include "crypto/aead.h"

#include <openssl/evp.h>

#include <memory>

namespace authgent::crypto {
namespace {

constexpr size_t kNonceSize = 12;
constexpr size_t kTagSize = 16;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

StatusOr<std::string> AeadSeal(std::string_view key, std::string_view plaintext,
                               std::string_view associated_data, Random& random) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("AES-256-GCM needs a 32-byte key");
  std::string out(kNonceSize + plaintext.size() + kTagSize, '\0');
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  random.Fill(o, kNonceSize);
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key), o) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(associated_data),
                        static_cast<int>(associated_data.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), o + kNonceSize, &len, U(plaintext),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), o + kNonceSize + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize,
                          o + kNonceSize + plaintext.size()) != 1) {
    return InternalError("AES-256-GCM encryption failed");
  }
  return out;
}

StatusOr<std::string> AeadOpen(std::string_view key, std::string_view sealed,
                               std::string_view associated_data) {
  if (key.size() != kAeadKeySize) return InvalidArgumentError("AES-256-GCM needs a 32-byte key");
  if (sealed.size() < kNonceSize + kTagSize) return DataLossError("sealed value too short");
  size_t body = sealed.size() - kNonceSize - kTagSize;
  std::string out(body, '\0');
  std::string tag(sealed.substr(kNonceSize + body));
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, U(key), U(sealed)) != 1 ||
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(associated_data),
                        static_cast<int>(associated_data.size())) != 1 ||
      EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len,
                        U(sealed.substr(kNonceSize)), static_cast<int>(body)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()) != 1) {
    return InternalError("AES-256-GCM decryption setup failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(out.data()) + len, &len) != 1) {
    return DataLossError("sealed value does not authenticate (wrong key or tampered)");
  }
  return out;
}

}  // namespace authgent::crypto
