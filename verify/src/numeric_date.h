// verify/numeric_date: a JWT NumericDate (RFC 7519 §2) as int64 seconds, saturating.
//
// JSON allows 3.6e22 or 2^64-1 where a time is expected. Converting a double outside int64's
// range is undefined behaviour (found by fuzz/upstream_fuzzer under UBSan), and unsigned values
// above 2^63-1 would wrap negative; both saturate instead, so a far-future exp never expires.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

namespace authgent::verify {

// `number` must be a JSON number (integer, unsigned or floating point).
inline int64_t SaturatedSeconds(const nlohmann::json& number) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (number.is_number_unsigned()) {
    uint64_t u = number.get<uint64_t>();
    return u > static_cast<uint64_t>(kMax) ? kMax : static_cast<int64_t>(u);
  }
  if (number.is_number_integer()) return number.get<int64_t>();
  double d = number.get<double>();
  if (!(d < 9223372036854775808.0)) return kMax;  // also NaN
  if (d < -9223372036854775808.0) return kMin;
  return static_cast<int64_t>(d);
}

}  // namespace authgent::verify
