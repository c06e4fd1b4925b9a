// server/config: every setting, from flags or the environment variable of the same name
// (flags win). Each is documented in README.md's configuration table.
//
// RawConfig holds the text as given; ValidateConfig() turns it into a Config or a one-line
// error that names the variable ("PORT must be ..."), which main() prints before exiting 2.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/status.h"
#include "storage/open_store.h"

namespace authgent::server {

struct RawConfig {
  std::string issuer;
  std::string port = "8080";
  std::string bind_address = "0.0.0.0";
  std::string database_url = "sqlite://./data/authgent.db";
  std::string db_pool_size = "8";
  std::string sqlite_synchronous = "normal";
  std::string key_encryption_key;
  std::string signing_key_file;
  std::string key_publish_delay = "600";
  std::string access_token_ttl = "3600";
  std::string allow_insecure_issuer = "false";
  std::string scopes = "mcp:read mcp:write";
  std::string io_threads;
  std::string worker_threads;
  std::string max_body_bytes = "65536";
  std::string read_timeout = "10";
  std::string idle_timeout = "60";
  std::string shutdown_timeout = "10";
  std::string log_level = "info";
  std::string access_log = "true";
};

struct Config {
  std::string issuer;  // empty: derived from the bound port (http://localhost:PORT)
  int port = 8080;
  std::string bind_address;
  std::string database_url;
  storage::DatabaseUrl database;
  int db_pool_size = 8;
  std::string sqlite_synchronous;
  std::string key_encryption_key;
  std::string key_encryption_key_file;  // SQLite only: beside the database
  std::string signing_key_file;
  int64_t key_publish_delay = 600;
  int64_t access_token_ttl = 3600;
  bool allow_insecure_issuer = false;
  std::vector<std::string> scopes;
  int io_threads = 1;
  int worker_threads = 4;
  size_t max_body_bytes = 65536;
  int read_timeout = 10;
  int idle_timeout = 60;
  int shutdown_timeout = 10;
  log::Level log_level = log::Level::kInfo;
  bool access_log = true;
};

// Declares every setting as a flag of `app`, each also read from its environment variable.
void AddConfigFlags(CLI::App& app, RawConfig& raw);

// Validates and converts. The error message starts with the variable's name.
StatusOr<Config> ValidateConfig(const RawConfig& raw);

}  // namespace authgent::server
