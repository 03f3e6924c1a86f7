// Core sets, thread pinning and the pinned thread pool.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <array>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

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

TEST(CoreSet, RepeatedAndNestedPinsKeepTheKernelsMaskTrue) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  const std::vector<int> before = calling_thread_affinity();
  {
    ScopedAffinityRestore outer;
    ASSERT_TRUE(pin_current_thread(make_core_set({0})).ok());
    ASSERT_TRUE(pin_current_thread(make_core_set({0})).ok());  // already there: no system call
    EXPECT_EQ(calling_thread_affinity(), std::vector<int>{0});
    {
      ScopedAffinityRestore inner;
      ASSERT_TRUE(pin_current_thread(make_core_set({1})).ok());
      EXPECT_EQ(calling_thread_affinity(), std::vector<int>{1});
      EXPECT_EQ(sched_getcpu(), 1);
    }
    EXPECT_EQ(calling_thread_affinity(), std::vector<int>{0});
    {
      ScopedAffinityRestore same;  // pins to where the thread is: nothing to put back
      ASSERT_TRUE(pin_current_thread(make_core_set({0})).ok());
    }
    EXPECT_EQ(calling_thread_affinity(), std::vector<int>{0});
    // A failed pin leaves the thread, and what the runtime knows of it, unchanged.
    EXPECT_FALSE(pin_current_thread(make_core_set({CPU_SETSIZE - 1})).ok());
    EXPECT_EQ(calling_thread_affinity(), std::vector<int>{0});
    ASSERT_TRUE(pin_current_thread(make_core_set({1})).ok());
    EXPECT_EQ(calling_thread_affinity(), std::vector<int>{1});
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

TEST(ThreadPool, HoldersOfOneCoreSetShareAPool) {
  std::shared_ptr<ThreadPool> a = shared_thread_pool(make_core_set({0}));
  std::shared_ptr<ThreadPool> b = shared_thread_pool(make_core_set({0}));
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(a->cores(), make_core_set({0}));
  if (testing::has_two_cores()) {
    std::shared_ptr<ThreadPool> both = shared_thread_pool(make_core_set({1, 0}));
    EXPECT_NE(both.get(), a.get());
    EXPECT_EQ(both->size(), 2u);
  }
  // The registry does not keep a pool alive: once nobody holds it, it is gone.
  std::weak_ptr<ThreadPool> weak = a;
  a.reset();
  b.reset();
  EXPECT_TRUE(weak.expired());
}

TEST(ThreadPool, CallersOnSeveralThreadsTakeTurns) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  std::shared_ptr<ThreadPool> pool = shared_thread_pool(make_core_set({0, 1}));
  std::array<std::atomic<int>, 2> inside{};  // chunks of each caller's region running now
  std::atomic<int> overlaps{0};
  std::atomic<long> covered{0};
  auto caller = [&](int self) {
    for (int region = 0; region < 300; ++region)
      pool->parallel_for(64, 1, [&](std::size_t begin, std::size_t end) {
        inside[self]++;
        if (inside[1 - self].load() != 0) overlaps++;
        covered += static_cast<long>(end - begin);
        inside[self]--;
      });
  };
  std::thread other(caller, 1);
  caller(0);
  other.join();
  EXPECT_EQ(overlaps.load(), 0) << "two callers' regions ran at once";
  EXPECT_EQ(covered.load(), 2L * 300 * 64);
}

TEST(ThreadPool, WakesWorkersAndCallerThatWentToSleep) {
  if (!testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
  ThreadPool pool(make_core_set({0, 1}));
  const auto asleep = 3 * ThreadPool::kPollBeforeSleep;
  for (int repeat = 0; repeat < 5; ++repeat) {
    std::this_thread::sleep_for(asleep);  // the worker has stopped polling and sleeps
    std::mutex mutex;
    std::set<std::thread::id> threads;
    std::vector<std::atomic<int>> hits(2);
    pool.parallel_for(2, 1, [&](std::size_t begin, std::size_t end) {
      // The worker's chunk outlasts the caller's poll, so the caller sleeps too.
      if (begin == 1) std::this_thread::sleep_for(asleep);
      for (std::size_t i = begin; i < end; ++i) hits[i]++;
      std::lock_guard<std::mutex> lock(mutex);
      threads.insert(std::this_thread::get_id());
    });
    EXPECT_EQ(hits[0].load(), 1);
    EXPECT_EQ(hits[1].load(), 1);
    EXPECT_EQ(threads.size(), 2u);
  }
}

}  // namespace
}  // namespace specmap::runtime
