// Internal: base64url decoding for the verifier (standalone: no dependency on the server's core).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authgent::verify::internal {

// Strict base64url without padding; nullopt for any other character or a non-canonical tail.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace authgent::verify::internal
