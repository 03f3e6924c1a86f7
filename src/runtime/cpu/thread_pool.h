#pragma once
// A small fork-join pool whose threads are pinned to one core set. The calling thread
// takes part in every parallel_for, so a pool on n cores starts n-1 threads and a pool on
// one core runs everything inline.
//
// Between parallel regions the workers poll for a while before they sleep: a decode step
// of a small model is hundreds of regions a few microseconds long, and waking a sleeping
// thread (a futex wake-up, plus the idle core leaving its idle state) costs more than such
// a region's work and varies with how long the core idled, so a pool that slept after
// every region made a 2-core step slower than a 1-core one and its time unpredictable.
// Executors on the same cores share one pool (shared_thread_pool), so the drafter's and
// the target's workers never poll against each other; their regions take turns.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/cpu/core_set.h"

namespace specmap::runtime {

class ThreadPool {
 public:
  // `cores` should pass check_core_set; a worker that cannot be pinned runs unpinned.
  explicit ThreadPool(CoreSet cores);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads taking part in a parallel_for, the caller included (== cores().size()).
  [[nodiscard]] std::size_t size() const { return workers_.size() + 1; }
  [[nodiscard]] const CoreSet& cores() const { return cores_; }

  // Calls body(begin, end) on disjoint contiguous chunks covering [0, count), at most
  // size() of them and none (but the last) smaller than `min_chunk`, so small work stays on
  // the caller. Returns when all chunks are done. Callers on several threads take turns,
  // one region at a time; a body must not call parallel_for on the same pool.
  void parallel_for(std::size_t count, std::size_t min_chunk,
                    const std::function<void(std::size_t begin, std::size_t end)>& body);

  // How long a worker polls for the next region, and the caller for the workers to finish,
  // before sleeping. Longer than the serial gaps of a decode loop (sampling, bookkeeping:
  // tens of microseconds), short enough that an idle pool gives its cores back at once.
  static constexpr std::chrono::microseconds kPollBeforeSleep{200};

 private:
  void worker_loop(std::size_t worker_index);
  void run_chunk(std::size_t chunk) const;
  // Polls until `ready()` or kPollBeforeSleep has passed; true when ready.
  template <class Ready>
  static bool poll(const Ready& ready);

  CoreSet cores_;
  std::vector<std::thread> workers_;
  std::mutex turn_;  // held by the caller whose region runs
  // Guards the sleeping side of the hand-offs below.
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  std::size_t sleeping_workers_ = 0;
  bool caller_sleeping_ = false;
  std::atomic<std::uint64_t> generation_{0};  // one more per region
  std::atomic<std::size_t> pending_{0};       // workers still in the current region
  std::atomic<bool> stopping_{false};
  // The current region, written before generation_ moves on and valid while pending_ > 0.
  const std::function<void(std::size_t, std::size_t)>* body_ = nullptr;
  std::size_t count_ = 0;
  std::size_t chunks_ = 0;
};

// The process's pool for `cores`: every holder of the same core set gets the same pool, so
// two executors on one core set (drafter and target, a profile's load) share its workers.
// The pool lives while someone holds it.
std::shared_ptr<ThreadPool> shared_thread_pool(const CoreSet& cores);

}  // namespace specmap::runtime
