// core/json_templates: the one instantiation of nlohmann::json's class templates that every other
// file is told about (json_templates.h).
#include "core/json_templates.h"

template class nlohmann::basic_json<>;
template class nlohmann::detail::parser<nlohmann::json, authgent::json_templates::StringInput>;
template class nlohmann::detail::parser<nlohmann::json, authgent::json_templates::CharInput>;
template class nlohmann::detail::lexer<nlohmann::json, authgent::json_templates::StringInput>;
template class nlohmann::detail::lexer<nlohmann::json, authgent::json_templates::CharInput>;
