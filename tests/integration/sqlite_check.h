// tests/integration/sqlite_check: what a test asks of a SQLite database file after the server
// wrote it (a crash, a full disk).
#pragma once

#include <string>

namespace authgent::testing {

// `PRAGMA integrity_check` of the database at `path`: "ok", SQLite's list of problems, or why the
// file could not be opened.
std::string SqliteIntegrityCheck(const std::string& path);

}  // namespace authgent::testing
