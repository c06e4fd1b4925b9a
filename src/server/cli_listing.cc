#include "server/cli_listing.h"

#include <algorithm>
#include <cstdio>
#include <iostream>

#include "core/ascii.h"
#include "core/clock.h"

namespace authgent::server {
namespace {

std::string Cell(const nlohmann::json& value) {
  if (value.is_null()) return "-";
  if (value.is_string()) return value.get<std::string>().empty() ? "-" : value.get<std::string>();
  return value.dump();
}

}  // namespace

int FailWith(const std::string& message) {
  std::cerr << "authgent: " << message << "\n";
  return 1;
}

nlohmann::json DateOrNull(int64_t unix_seconds) {
  return unix_seconds ? nlohmann::json(FormatRfc3339(unix_seconds)) : nlohmann::json();
}

std::string Listing::Table() const {
  std::vector<size_t> width;
  for (const std::string& c : columns_) width.push_back(c.size());
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      width[i] = std::max(width[i], Cell(row[i]).size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      out += cells[i];
      if (i + 1 < cells.size()) out += std::string(width[i] - cells[i].size() + 2, ' ');
    }
    return out + "\n";
  };
  std::string out = line(columns_);
  for (const auto& row : rows_) {
    std::vector<std::string> cells;
    for (const nlohmann::json& v : row) cells.push_back(Cell(v));
    out += line(cells);
  }
  return out;
}

nlohmann::json Listing::Json() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json object = nlohmann::json::object();
    for (size_t i = 0; i < row.size() && i < columns_.size(); ++i) {
      object[AsciiLower(columns_[i])] = row[i];
    }
    out.push_back(std::move(object));
  }
  return out;
}

void Listing::Print(bool json) const {
  std::string text = json ? Json().dump(2) + "\n" : Table();
  std::fwrite(text.data(), 1, text.size(), stdout);
}

}  // namespace authgent::server
