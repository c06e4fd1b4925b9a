// core/display_text: text that another party chose and a user will read as a claim about who is
// asking (a client's name on the consent page). Such text must not be able to hide or reorder
// what is shown around it: control characters, bidirectional overrides and invisible characters
// let one client dress up as another ("Claude" followed by a right-to-left override, a name
// padded with zero-width spaces).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace authgent {

// nullopt when `text` is well-formed UTF-8 without control characters (C0, DEL, C1, line and
// paragraph separators), bidirectional formatting characters (U+061C, U+200E-U+200F,
// U+202A-U+202E, U+2066-U+2069) or invisible ones (zero-width spaces and joiners, word joiner and
// invisible operators U+2060-U+2064, U+FEFF, soft hyphen, combining grapheme joiner, Hangul
// fillers); otherwise a client-safe reason naming the first offending character (as U+XXXX).
std::optional<std::string> DisplayTextProblem(std::string_view text);

}  // namespace authgent
