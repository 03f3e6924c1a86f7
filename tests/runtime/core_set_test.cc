// Core sets, thread pinning and the pinned thread pool.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <mutex>
#include <set>

#include "runtime/cpu/thread_pool.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::calling_thread_affinity;

TEST(CoreSet, IsNormalisedAndPrinted) {
  CoreSet set = make_core_set({3, 1, 3, 0});
  EXPECT_EQ(set.cores, (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(set.to_string(), "{0,1,3}");
  EXPECT_EQ(make_core_set({1, 0}), make_core_set({0, 1}));
}

TEST(CoreSet, ChecksCoresAreOnline) {
  EXPECT_TRUE(check_core_set(make_core_set({0})).ok());
  EXPECT_FALSE(check_core_set(CoreSet{}).ok());
  EXPECT_FALSE(check_core_set(make_core_set({CPU_SETSIZE - 1})).ok());
  // A pinned caller may still check a set beyond its own mask.
  if (testing::has_two_cores()) {
    ScopedAffinityRestore restore;
    ASSERT_TRUE(pin_current_thread(make_core_set({0})).ok());
    EXPECT_TRUE(check_core_set(make_core_set({0, 1})).ok());
  }
}

TEST(CoreSet, PinningRestrictsTheThreadAndIsRestored) {
  const std::vector<int> before = calling_thread_affinity();
  {
    ScopedAffinityRestore restore;
    ASSERT_TRUE(pin_current_thread(make_core_set({0})).ok());
    EXPECT_EQ(calling_thread_affinity(), std::vector<int>{0});
    EXPECT_EQ(sched_getcpu(), 0);
  }
  EXPECT_EQ(calling_thread_affinity(), before);
}

TEST(ThreadPool, CoversEveryIndexOnce) {
  for (std::vector<int> cores : {std::vector<int>{0}, std::vector<int>{0, 1}}) {
    if (cores.size() > 1 && !testing::has_two_cores()) continue;
    ThreadPool pool(make_core_set(cores));
    EXPECT_EQ(pool.size(), cores.size());
    for (std::size_t count : {1u, 2u, 7u, 1000u}) {
      std::vector<std::atomic<int>> hits(count);
      pool.parallel_for(count, 1, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) hits[i]++;
      });
      for (std::size_t i = 0; i < count; ++i) EXPECT_EQ(hits[i].load(), 1) << count << " items, index " << i;
    }
  }
}

TEST(ThreadPool, SmallWorkStaysOnTheCaller) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  ThreadPool pool(make_core_set({0, 1}));
  int calls = 0;  // not atomic: a second thread touching it would be the failure
  pool.parallel_for(10, 100, [&](std::size_t begin, std::size_t end) {
    ++calls;
    EXPECT_EQ(begin, 0u);
    EXPECT_EQ(end, 10u);
  });
  EXPECT_EQ(calls, 1);
}

TEST(ThreadPool, WorkersArePinnedToTheCoreSet) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  ThreadPool pool(make_core_set({0, 1}));
  ASSERT_TRUE(pin_current_thread(make_core_set({0, 1})).ok());
  std::mutex mutex;
  std::set<pthread_t> threads;
  std::vector<std::vector<int>> masks;
  for (int repeat = 0; repeat < 20; ++repeat)
    pool.parallel_for(2, 1, [&](std::size_t, std::size_t) {
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(pthread_self());
      masks.push_back(calling_thread_affinity());
    });
  EXPECT_EQ(threads.size(), 2u);  // the caller and one worker
  for (const auto& mask : masks) EXPECT_EQ(mask, (std::vector<int>{0, 1}));
}

}  // namespace
}  // namespace specmap::runtime
