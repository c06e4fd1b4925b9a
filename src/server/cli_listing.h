// server/cli_listing: every listing of the operator commands (`clients list`, `users list`,
// `grants list`, `sessions list`), printed one way: an aligned table with a header line by
// default, or with --json one JSON array of objects whose keys are the columns in lower case
// (for scripts: `authgent grants list --json | jq ...`). Also the two small helpers every operator
// command shares: the failure message and the date column.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace authgent::server {

// Prints "authgent: MESSAGE" to standard error and returns exit code 1 (a runtime failure).
int FailWith(const std::string& message);
// A listing's date column: RFC 3339, or null (shown as "-") for 0, meaning never.
nlohmann::json DateOrNull(int64_t unix_seconds);

class Listing {
 public:
  explicit Listing(std::vector<std::string> columns) : columns_(std::move(columns)) {}
  // One value per column: a string, a number, a boolean, or null (shown as "-").
  void Add(std::vector<nlohmann::json> row) { rows_.push_back(std::move(row)); }
  size_t size() const { return rows_.size(); }
  // The table or the JSON, to standard output.
  void Print(bool json) const;
  std::string Table() const;
  nlohmann::json Json() const;

 private:
  std::vector<std::string> columns_;
  std::vector<std::vector<nlohmann::json>> rows_;
};

}  // namespace authgent::server
