// libFuzzer target: oauth/params, the parser of every query string and form body the server
// receives. Properties: a valid parse survives re-encoding unchanged, and percent-encoding any
// bytes decodes back to the same bytes in both decoding modes.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "oauth/params.h"

using authgent::oauth::Params;
using authgent::oauth::PercentDecode;
using authgent::oauth::PercentEncode;

namespace {

bool IsUnreservedOrEscape(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '%';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);

  Params params = Params::Parse(input);
  if (params.valid() && params.duplicate().empty()) {
    std::string reencoded;
    for (const auto& [name, value] : params.all()) {
      FUZZ_CHECK(!value.empty());  // an empty value counts as omitted
      reencoded += PercentEncode(name) + "=" + PercentEncode(value) + "&";
    }
    Params again = Params::Parse(reencoded);
    FUZZ_CHECK(again.valid());
    FUZZ_CHECK(again.duplicate().empty());
    FUZZ_CHECK(again.all() == params.all());
  }

  std::string encoded = PercentEncode(input);
  for (char c : encoded) FUZZ_CHECK(IsUnreservedOrEscape(c));
  for (bool plus_is_space : {false, true}) {
    auto decoded = PercentDecode(encoded, plus_is_space);
    FUZZ_CHECK(decoded && *decoded == input);
  }
  (void)PercentDecode(input, false);
  return 0;
}
