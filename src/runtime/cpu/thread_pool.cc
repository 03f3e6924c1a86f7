#include "runtime/cpu/thread_pool.h"

#include <algorithm>

namespace specmap::runtime {

ThreadPool::ThreadPool(CoreSet cores) : cores_(std::move(cores)) {
  const std::size_t threads = cores_.size() > 1 ? cores_.size() - 1 : 0;
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  start_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

void ThreadPool::run_chunk(std::size_t chunk) const {
  if (chunk >= chunks_) return;
  const std::size_t begin = count_ * chunk / chunks_;
  const std::size_t end = count_ * (chunk + 1) / chunks_;
  if (begin < end) (*body_)(begin, end);
}

void ThreadPool::worker_loop(std::size_t worker_index) {
  // Failure leaves the worker unpinned; results do not depend on where it runs.
  (void)pin_current_thread(cores_);
  std::uint64_t seen = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    run_chunk(worker_index + 1);  // chunk 0 belongs to the caller
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(std::size_t count, std::size_t min_chunk,
                              const std::function<void(std::size_t, std::size_t)>& body) {
  if (count == 0) return;
  const std::size_t grain = std::max<std::size_t>(min_chunk, 1);
  const std::size_t chunks = std::min(size(), (count + grain - 1) / grain);
  if (chunks <= 1) {
    body(0, count);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    body_ = &body;
    count_ = count;
    chunks_ = chunks;
    pending_ = workers_.size();
    ++generation_;
  }
  start_.notify_all();
  run_chunk(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
  body_ = nullptr;
}

}  // namespace specmap::runtime
