// server/cli: the operator subcommands other than `serve` (migrate, keys list, keys rotate).
// Each returns the process exit code: 0 success, 1 runtime failure, 2 invalid configuration.
#pragma once

#include "server/config.h"

namespace authgent::server {

int RunMigrate(const Config& config);
int RunKeysList(const Config& config);
int RunKeysRotate(const Config& config);

// Exit code for a failed start-up step: configuration problems are 2, the rest 1.
int ExitCodeFor(const Status& status);

}  // namespace authgent::server
