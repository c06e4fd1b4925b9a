// tests/integration/test_database: databases of their own for tests, in the PostgreSQL that the
// test command starts (AUTHGENT_TEST_POSTGRES_URL). Tests that need it never skip: without the
// variable they fail, naming the commands that set it.
#pragma once

#include <string>

namespace authgent::testing {

// Runs `sql` as the test PostgreSQL's superuser; false (and a test failure) when it fails.
bool AdminExec(const std::string& sql);
// A new, empty database named `name` in the test command's PostgreSQL; returns its URL, or ""
// after a failure.
std::string CreateDatabase(const std::string& name);
// A new random KEY_ENCRYPTION_KEY (32 bytes, Base64), which instances on one PostgreSQL share.
std::string RandomKeyEncryptionKey();

}  // namespace authgent::testing
