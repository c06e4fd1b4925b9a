#include "core/usable_cores.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <thread>

namespace authgent {
namespace {

TEST(UsableCores, ACpuMaxQuotaIsRoundedUpToWholeCores) {
  EXPECT_EQ(CoresFromCpuMax("200000 100000\n"), 2);  // limits.cpu: "2"
  EXPECT_EQ(CoresFromCpuMax("150000 100000"), 2);    // 1.5 cores of time
  EXPECT_EQ(CoresFromCpuMax("25000 100000"), 1);     // 250m still runs one thread
  EXPECT_EQ(CoresFromCpuMax("400000 50000"), 8);
}

TEST(UsableCores, NoLimitOrAnUnreadableFileGivesNothing) {
  EXPECT_EQ(CoresFromCpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(CoresFromCpuMax(""), std::nullopt);  // no such file: not in a cgroup v2 container
  EXPECT_EQ(CoresFromCpuMax("200000"), std::nullopt);
  EXPECT_EQ(CoresFromCpuMax("200000 0"), std::nullopt);
  EXPECT_EQ(CoresFromCpuMax("-5 100000"), std::nullopt);
  EXPECT_EQ(CoresFromCpuMax("2x 100000"), std::nullopt);
}

TEST(UsableCores, CgroupV1QuotaAndPeriod) {
  EXPECT_EQ(CoresFromCfsQuota("300000\n", "100000\n"), 3);
  EXPECT_EQ(CoresFromCfsQuota("-1\n", "100000\n"), std::nullopt);  // unlimited
  EXPECT_EQ(CoresFromCfsQuota("", ""), std::nullopt);
}

// A thread pinned to one core (as `taskset -c 0` pins a process) counts one.
TEST(UsableCores, TheAffinityMaskBoundsTheCount) {
  int counted = 0;
  std::thread pinned([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (sched_setaffinity(0, sizeof(one), &one) == 0) counted = UsableCores();
  });
  pinned.join();
  EXPECT_EQ(counted, 1);
}

// This process's own count: within the machine's and the affinity mask's.
TEST(UsableCores, NeverMoreThanTheMachineOrTheAffinityMask) {
  int cores = UsableCores();
  EXPECT_GE(cores, 1);
  EXPECT_LE(cores, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  EXPECT_LE(cores, CPU_COUNT(&set));
}

}  // namespace
}  // namespace authgent
