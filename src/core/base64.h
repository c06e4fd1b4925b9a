// core/base64: base64url (RFC 4648 §5, no padding) for JOSE and tokens, and standard base64 for
// configuration values such as KEY_ENCRYPTION_KEY.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authgent {

std::string Base64UrlEncode(std::string_view bytes);
// Strict: rejects padding, characters outside the url alphabet and impossible lengths.
std::optional<std::string> Base64UrlDecode(std::string_view text);

std::string Base64Encode(std::string_view bytes);
// Accepts standard base64 with or without padding.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace authgent
