// core/temp_dir: a fresh private directory under the system's temporary directory, for the tests
// and benchmarks that need real files (SQLite databases, key files). The directories a process
// made are remembered, so its test main can delete them after a green run and keep them, with
// their paths printed, for a post-mortem after a red one.
#pragma once

#include <string>
#include <vector>

namespace authgent {

// Creates <tmp>/<prefix>-XXXXXX (mode 0700) and returns its path. Aborts with a message when it
// cannot: every caller would otherwise go on to write into a path that does not exist.
std::string MakeTempDir(const std::string& prefix);

// The directories MakeTempDir created in this process and that still exist, oldest first.
std::vector<std::string> CreatedTempDirs();

// Deletes every directory MakeTempDir created in this process, with its contents, and forgets
// them. Returns how many it deleted; a directory that cannot be deleted is reported on stderr.
int RemoveCreatedTempDirs();

}  // namespace authgent
