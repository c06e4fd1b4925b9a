#include "core/display_text.h"

#include <cstdint>
#include <cstdio>

#include "core/bytes.h"

namespace authgent {
namespace {

bool Hidden(uint32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;       // C0, DEL, C1
  if (cp == 0x00AD || cp == 0x034F || cp == 0x061C) return true;   // soft hyphen, CGJ, ALM
  if (cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0) return true;  // fillers
  if (cp >= 0x180B && cp <= 0x180E) return true;                   // Mongolian selectors/space
  if (cp >= 0x200B && cp <= 0x200F) return true;                   // zero-width, LRM, RLM
  if (cp >= 0x2028 && cp <= 0x202E) return true;                   // separators, embeddings
  if (cp >= 0x2060 && cp <= 0x206F) return true;                   // joiner, isolates, ...
  if (cp == 0xFEFF) return true;                                   // zero-width no-break space
  if (cp >= 0xFFF9 && cp <= 0xFFFB) return true;                   // interlinear annotation
  return false;
}

}  // namespace

std::optional<std::string> DisplayTextProblem(std::string_view text) {
  if (!IsValidUtf8(text)) return "the text is not valid UTF-8";
  for (size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    int length = byte < 0x80 ? 1 : byte < 0xE0 ? 2 : byte < 0xF0 ? 3 : 4;
    uint32_t cp = length == 1 ? byte : byte & (0x7F >> length);
    for (int k = 1; k < length; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if (Hidden(cp)) {
      char code[16];
      std::snprintf(code, sizeof code, "U+%04X", static_cast<unsigned>(cp));
      return std::string("the text contains an invisible or control character (") + code + ")";
    }
    i += static_cast<size_t>(length);
  }
  return std::nullopt;
}

}  // namespace authgent
