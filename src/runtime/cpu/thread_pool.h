#pragma once
// A small fork-join pool whose threads are pinned to one core set. The calling thread
// takes part in every parallel_for, so a pool on n cores starts n-1 threads and a pool on
// one core runs everything inline.
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
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
  // the caller. Returns when all chunks are done. One parallel_for at a time per pool.
  void parallel_for(std::size_t count, std::size_t min_chunk,
                    const std::function<void(std::size_t begin, std::size_t end)>& body);

 private:
  void worker_loop(std::size_t worker_index);
  void run_chunk(std::size_t chunk) const;

  CoreSet cores_;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  std::uint64_t generation_ = 0;
  std::size_t pending_ = 0;
  bool stopping_ = false;
  // The current job, valid while pending_ > 0.
  const std::function<void(std::size_t, std::size_t)>* body_ = nullptr;
  std::size_t count_ = 0;
  std::size_t chunks_ = 0;
};

}  // namespace specmap::runtime
