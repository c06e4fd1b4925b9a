// server/healthcheck: `authgent healthcheck`, the container probe. Asks this instance's /readyz
// over loopback, so an image needs no curl and a probe needs no shell.
#pragma once

#include <chrono>
#include <string>

#include "server/config.h"

namespace authgent::server {

// Where a probe on the same host reaches a server bound to `bind_address`: the loopback address
// of the same family for a wildcard bind (0.0.0.0, ::), the address itself otherwise.
std::string ProbeAddress(const std::string& bind_address);

// GET /readyz at address:port. Returns 0 when the answer is 200, 1 otherwise (refused,
// timed out, another status), printing one line that says which on standard error.
int RunHealthcheck(const Config& config, std::chrono::milliseconds timeout);

}  // namespace authgent::server
