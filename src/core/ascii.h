// core/ascii: case folding for protocol text (URL schemes and hosts, header and parameter names,
// media types). Only A-Z change: these names are ASCII by their specifications, and the C
// library's tolower depends on the locale, which must not change how a request is read.
#pragma once

#include <string>
#include <string_view>

namespace authgent {

char AsciiLower(char c);
std::string AsciiLower(std::string_view text);

}  // namespace authgent
