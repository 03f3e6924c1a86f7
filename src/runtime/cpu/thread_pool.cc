#include "runtime/cpu/thread_pool.h"

#include <algorithm>
#include <chrono>
#include <map>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace specmap::runtime {
namespace {

// Tells the core this is a spin-wait: fewer speculative loads, and the sibling hyperthread
// (or, under a hypervisor, another guest) gets the pipeline meanwhile.
inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#elif defined(__aarch64__)
  asm volatile("yield" ::: "memory");
#endif
}

}  // namespace

ThreadPool::ThreadPool(CoreSet cores) : cores_(std::move(cores)) {
  const std::size_t threads = cores_.size() > 1 ? cores_.size() - 1 : 0;
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  {
    std::lock_guard<std::mutex> lock(mutex_);  // a worker between its check and its wait sees it
  }
  start_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

template <class Ready>
bool ThreadPool::poll(const Ready& ready) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + kPollBeforeSleep;
  for (unsigned spins = 1;; ++spins) {
    if (ready()) return true;
    cpu_relax();
    // The clock costs more than a check; read it every few dozen spins.
    if (spins % 64 == 0 && Clock::now() >= deadline) return ready();
  }
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
  auto next_region = [&] { return stopping_.load() || generation_.load(std::memory_order_acquire) != seen; };
  while (true) {
    if (!poll(next_region)) {
      std::unique_lock<std::mutex> lock(mutex_);
      ++sleeping_workers_;
      start_.wait(lock, next_region);
      --sleeping_workers_;
    }
    if (stopping_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    run_chunk(worker_index + 1);  // chunk 0 belongs to the caller
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (caller_sleeping_) done_.notify_one();
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
  std::lock_guard<std::mutex> turn(turn_);
  body_ = &body;
  count_ = count;
  chunks_ = chunks;
  pending_.store(workers_.size(), std::memory_order_relaxed);
  // Release: a worker that sees the new generation sees the region above.
  generation_.fetch_add(1, std::memory_order_release);
  {
    // A worker that checked the generation before the increment is waiting by now.
    std::lock_guard<std::mutex> lock(mutex_);
    if (sleeping_workers_ > 0) start_.notify_all();
  }
  run_chunk(0);
  auto finished = [&] { return pending_.load(std::memory_order_acquire) == 0; };
  if (!poll(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    caller_sleeping_ = true;
    done_.wait(lock, finished);
    caller_sleeping_ = false;
  }
  body_ = nullptr;
}

std::shared_ptr<ThreadPool> shared_thread_pool(const CoreSet& cores) {
  static std::mutex mutex;
  static std::map<CoreSet, std::weak_ptr<ThreadPool>> pools;
  std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<ThreadPool>& slot = pools[cores];
  if (std::shared_ptr<ThreadPool> pool = slot.lock()) return pool;
  auto pool = std::make_shared<ThreadPool>(cores);
  slot = pool;
  return pool;
}

}  // namespace specmap::runtime
