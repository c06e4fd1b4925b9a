#include "core/usable_cores.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace authgent {
namespace {

std::optional<int64_t> PositiveNumber(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

std::optional<int> CoresOf(int64_t quota, int64_t period) {
  int64_t cores = (quota + period - 1) / period;  // 1.5 cores of time: two threads may run
  return static_cast<int>(std::clamp<int64_t>(cores, 1, 1 << 16));
}

std::string ReadSmallFile(const char* path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  return text;
}

}  // namespace

std::optional<int> CoresFromCpuMax(std::string_view cpu_max) {
  size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::optional<int64_t> quota = PositiveNumber(cpu_max.substr(0, space));  // "max": none
  std::optional<int64_t> period = PositiveNumber(cpu_max.substr(space + 1));
  if (!quota || !period) return std::nullopt;
  return CoresOf(*quota, *period);
}

std::optional<int> CoresFromCfsQuota(std::string_view quota_us, std::string_view period_us) {
  std::optional<int64_t> quota = PositiveNumber(quota_us);  // -1: none
  std::optional<int64_t> period = PositiveNumber(period_us);
  if (!quota || !period) return std::nullopt;
  return CoresOf(*quota, *period);
}

int UsableCores() {
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0) {
    cores = std::min(cores, CPU_COUNT(&set));
  }
  // In a container (its own cgroup namespace) these are the container's group's files. On a
  // host the root group has no cpu.max, and a systemd unit's CPUQuota, set on the unit's own
  // group deeper in the tree, is not looked up: set IO_THREADS for such a unit.
  std::optional<int> quota = CoresFromCpuMax(ReadSmallFile("/sys/fs/cgroup/cpu.max"));
  if (!quota) {
    quota = CoresFromCfsQuota(ReadSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
                              ReadSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us"));
  }
  if (quota) cores = std::min(cores, *quota);
  return std::max(1, cores);
}

}  // namespace authgent
