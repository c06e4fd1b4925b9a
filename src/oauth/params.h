// oauth/params: application/x-www-form-urlencoded parameters (query strings and form bodies).
//
// RFC 6749 §3.1 and §3.2: a parameter sent more than once is an error (even when one of the
// copies is empty); a parameter without a value is treated as omitted. `+` means space; malformed percent-escapes make the whole input
// invalid rather than being guessed at.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace authgent::oauth {

class Params {
 public:
  // Parses `text`. Check valid() and duplicate() before use.
  static Params Parse(std::string_view text);

  bool valid() const { return valid_; }
  // The first parameter name that appeared more than once, or empty.
  const std::string& duplicate() const { return duplicate_; }
  // The value, or empty when absent (or sent empty).
  const std::string& Get(const std::string& name) const;
  bool Has(const std::string& name) const;
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
  std::string duplicate_;
  bool valid_ = true;
};

// Percent-decodes one component (`+` as space when `plus_is_space`); nullopt if malformed.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);
// Percent-encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

}  // namespace authgent::oauth
