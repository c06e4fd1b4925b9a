// core/json_templates: nlohmann::json's class templates, compiled once for the whole build.
//
// Every file that calls `json::parse` or `dump()` (about fifty) used to compile its own copy of
// the parser, the lexer and the serializer and leave all but one to the linker: 5-9 s of a test
// file's 25 s in the asan build. These declarations, in every file through the precompiled
// headers (CMakeLists.txt, AUTHGENT_PRECOMPILED_HEADERS), tell the compiler that
// `json_templates.cc` (authgent_core) holds the instantiations. Inline members can still be
// inlined where optimizing pays. Parsing goes through one of two input adapters: a
// `std::string`'s iterators, or `const char*` for `std::string_view` and character arrays.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace authgent::json_templates {
using StringInput = nlohmann::detail::iterator_input_adapter<std::string::const_iterator>;
using CharInput = nlohmann::detail::iterator_input_adapter<const char*>;
}  // namespace authgent::json_templates

extern template class nlohmann::basic_json<>;
extern template class nlohmann::detail::parser<nlohmann::json,
                                               authgent::json_templates::StringInput>;
extern template class nlohmann::detail::parser<nlohmann::json, authgent::json_templates::CharInput>;
extern template class nlohmann::detail::lexer<nlohmann::json,
                                              authgent::json_templates::StringInput>;
extern template class nlohmann::detail::lexer<nlohmann::json, authgent::json_templates::CharInput>;
