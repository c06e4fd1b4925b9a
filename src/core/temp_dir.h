// core/temp_dir: a fresh private directory under the system's temporary directory, for the tests
// and benchmarks that need real files (SQLite databases, key files).
#pragma once

#include <string>

namespace authgent {

// Creates <tmp>/<prefix>-XXXXXX (mode 0700) and returns its path. Aborts with a message when it
// cannot: every caller would otherwise go on to write into a path that does not exist.
std::string MakeTempDir(const std::string& prefix);

}  // namespace authgent
