// core/usable_cores: how many cores this process may run on, for the thread counts' defaults
// (IO_THREADS, WORKER_THREADS, PASSWORD_HASH_CONCURRENCY).
//
// std::thread::hardware_concurrency() counts the machine's cores. A container is often given
// fewer: a CPU set (taskset, cpuset) or a CFS quota (a Kubernetes `limits.cpu`, `podman run
// --cpus`). Sized for the whole node, an instance limited to two cores of 64 would run 64 network
// threads and 512 workers, each waking for less work, and be throttled by its quota; several
// instances on one host sized so oversubscribe it (docs/deployment/scaling.md). So the default is
// the smallest of the three: the machine's cores, the affinity mask's, and the cgroup's quota
// rounded up (cgroup v2 `cpu.max`, or v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`).
#pragma once

#include <optional>
#include <string_view>

namespace authgent {

// The cores a cgroup v2 `cpu.max` ("QUOTA PERIOD", or "max PERIOD" without a limit) allows,
// rounded up; nothing when unlimited or unreadable.
std::optional<int> CoresFromCpuMax(std::string_view cpu_max);
// The same from cgroup v1's two files (quota -1: unlimited).
std::optional<int> CoresFromCfsQuota(std::string_view quota_us, std::string_view period_us);

// The cores this process may use: at least 1.
int UsableCores();

}  // namespace authgent
