// core/json_writer: appends a flat JSON object to a string, member by member. For the documents
// built on every token request (access-token claims, token responses): building an
// nlohmann::json tree for them (a map node and a string per member) and serializing it cost
// about 6% of a token request's CPU. For valid UTF-8 the output is exactly what nlohmann's
// dump() gives for the same members in the same order (the same escapes, UTF-8 kept as it is);
// each byte that is not part of valid UTF-8 becomes U+FFFD, so any input gives valid JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace authgent {

// Appends `text` as a quoted JSON string.
void AppendJsonString(std::string& out, std::string_view text);

class JsonObjectWriter {
 public:
  // Appends '{' to `out`, which must outlive the writer.
  explicit JsonObjectWriter(std::string& out);
  JsonObjectWriter& String(std::string_view key, std::string_view value);
  JsonObjectWriter& Int(std::string_view key, int64_t value);
  // Appends '}'. Call once, last.
  void Close();

 private:
  void Key(std::string_view key);
  std::string& out_;
  bool first_ = true;
};

}  // namespace authgent
