#include "oauth/params.h"

#include <algorithm>
#include <vector>

namespace authgent::oauth {
namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int hi = HexValue(text[i + 1]), lo = HexValue(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() * 3 / 2);
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Params Params::Parse(std::string_view text) {
  Params p;
  // Names sent without a value: omitted for Get(), but still counted for duplicates
  // (`grant_type=&grant_type=x` is a repeated parameter, RFC 6749 §3.1).
  std::vector<std::string> sent_empty;
  auto repeated = [&](const std::string& name) {
    if (p.duplicate_.empty()) p.duplicate_ = name;
  };
  size_t i = 0;
  while (i <= text.size()) {
    size_t amp = text.find('&', i);
    if (amp == std::string_view::npos) amp = text.size();
    std::string_view pair = text.substr(i, amp - i);
    i = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq), true);
    auto value = eq == std::string_view::npos ? std::optional<std::string>("")
                                              : PercentDecode(pair.substr(eq + 1), true);
    if (!name || !value) {
      p.valid_ = false;
      continue;
    }
    bool seen_empty = std::find(sent_empty.begin(), sent_empty.end(), *name) != sent_empty.end();
    if (value->empty()) {  // counts as omitted
      if (seen_empty || p.values_.count(*name)) repeated(*name);
      else sent_empty.push_back(*name);
      continue;
    }
    auto [it, inserted] = p.values_.emplace(*name, *value);
    if (!inserted || seen_empty) repeated(*name);
  }
  return p;
}

const std::string& Params::Get(const std::string& name) const {
  static const std::string kEmpty;
  auto it = values_.find(name);
  return it == values_.end() ? kEmpty : it->second;
}

bool Params::Has(const std::string& name) const { return values_.count(name) > 0; }

}  // namespace authgent::oauth
