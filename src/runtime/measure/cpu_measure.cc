#include "runtime/measure/cpu_measure.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "runtime/cpu/blas_threads.h"
#include "runtime/cpu/linear.h"
#include "runtime/cpu/thread_pool.h"
#include "runtime/kernels/cpu/dispatch.h"

namespace specmap::runtime {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Every thread runs `body` once per round between two barriers, so the round's time is the
// slowest thread's: the cluster's bandwidth, not the sum of unsynchronised runs.
class Barrier {
 public:
  explicit Barrier(std::size_t count) : count_(count) {}
  void arrive_and_wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::size_t generation = generation_;
    if (++waiting_ == count_) {
      waiting_ = 0;
      ++generation_;
      changed_.notify_all();
      return;
    }
    changed_.wait(lock, [&] { return generation_ != generation; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t count_;
  std::size_t waiting_ = 0;
  std::size_t generation_ = 0;
};

}  // namespace

Result<TriadResult> measure_triad(const CoreSet& cores, const CpuMeasureOptions& options) {
  if (cores.empty()) return Error{"triad: no cores"};
  const std::size_t threads = cores.size();
  const std::size_t per_thread =
      std::max<std::size_t>(1024, options.triad_bytes / (3 * sizeof(double)) / threads);
  const int repetitions = std::max(1, options.repetitions);
  const std::size_t rounds = static_cast<std::size_t>(repetitions) + 1;
  // Each thread stamps its own start and end of every round: a round lasts from the first
  // start to the last end. (A clock read by a coordinating thread after the start barrier
  // would start late whenever that thread is woken after the workers, as on a loaded host.)
  std::vector<std::vector<Clock::time_point>> starts(threads, std::vector<Clock::time_point>(rounds));
  std::vector<std::vector<Clock::time_point>> ends(threads, std::vector<Clock::time_point>(rounds));
  std::vector<std::string> errors(threads);
  Barrier barrier(threads);
  std::vector<std::thread> workers;
  for (std::size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const Status pinned = pin_current_thread(make_core_set({cores.cores[t]}));
      if (!pinned) errors[t] = pinned.error().message;
      // First touch on the thread's own core: its pages sit where it streams them from.
      std::unique_ptr<double[]> a(new double[per_thread]);
      std::unique_ptr<double[]> b(new double[per_thread]);
      std::unique_ptr<double[]> c(new double[per_thread]);
      for (std::size_t i = 0; i < per_thread; ++i) {
        a[i] = 0.0;
        b[i] = 1.0;
        c[i] = 2.0;
      }
      double scalar = 3.0;
      // Round 0 warms up; rounds 1..repetitions are timed.
      for (std::size_t round = 0; round < rounds; ++round) {
        barrier.arrive_and_wait();
        starts[t][round] = Clock::now();
        if (pinned) {
          double* __restrict pa = a.get();
          const double* __restrict pb = b.get();
          const double* __restrict pc = c.get();
          for (std::size_t i = 0; i < per_thread; ++i) pa[i] = pb[i] + scalar * pc[i];
        }
        ends[t][round] = Clock::now();
        // A scalar that changes keeps the rounds from being one loop the compiler may merge.
        scalar += a[round % per_thread] * 1e-300;
      }
      barrier.arrive_and_wait();
      // A read of the result keeps the compiler from dropping the stores.
      volatile double keep = a[per_thread / 2];
      (void)keep;
    });
  }
  for (std::thread& w : workers) w.join();
  for (const std::string& e : errors)
    if (!e.empty()) return Error{"triad on cores " + cores.to_string() + ": " + e};
  double best = 0;
  for (std::size_t round = 1; round < rounds; ++round) {
    Clock::time_point first = starts[0][round], last = ends[0][round];
    for (std::size_t t = 1; t < threads; ++t) {
      first = std::min(first, starts[t][round]);
      last = std::max(last, ends[t][round]);
    }
    const double seconds = std::chrono::duration<double>(last - first).count();
    if (seconds > 0 && (best == 0 || seconds < best)) best = seconds;
  }
  TriadResult result;
  result.bytes = 3 * sizeof(double) * per_thread * threads;
  result.gbps = best > 0 ? static_cast<double>(result.bytes) / best / 1e9 : 0.0;
  return result;
}

Result<double> measure_sgemm_gflops(int core, const CpuMeasureOptions& options) {
  const CoreSet set = make_core_set({core});
  ScopedAffinityRestore restore;
  if (Status s = pin_current_thread(set); !s)
    return Error{"SGEMM on core " + std::to_string(core) + ": " + s.error().message};
  use_blas_threads_on(set);  // one thread: the product runs in this (pinned) thread
  const int n = static_cast<int>(std::max<std::size_t>(16, options.sgemm_size));
  const std::size_t elements = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  std::vector<float> a(elements, 0.5f), b(elements, 0.25f), c(elements, 0.0f);
  double best = 0;
  for (int round = 0; round <= std::max(1, options.repetitions); ++round) {
    const Clock::time_point start = Clock::now();
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f,
                c.data(), n);
    const double seconds = seconds_since(start);
    if (round > 0 && seconds > 0) best = std::max(best, 2.0 * n * n * static_cast<double>(n) / seconds / 1e9);
  }
  if (c[elements / 2] != 0.125f * static_cast<float>(n)) return Error{"SGEMM returned a wrong product"};
  return best;
}

Result<double> measure_kernel_gflops(int core, TensorType type, const CpuMeasureOptions& options) {
  const CoreSet set = make_core_set({core});
  ScopedAffinityRestore restore;
  if (Status s = pin_current_thread(set); !s)
    return Error{"kernels on core " + std::to_string(core) + ": " + s.error().message};
  // 512 x 1024: 2 MiB in f32, less in the other types; the per-type kernels' compute rate,
  // not the memory's.
  constexpr std::size_t kRows = 16, kIn = 1024, kOut = 512;
  std::vector<float> values(kOut * kIn);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = float(int(i * 2654435761u % 1000) - 500) * 1e-4f;
  WeightTensor w = WeightTensor::convert(std::move(values), kOut, kIn, type);
  std::vector<float> x(kRows * kIn, 0.01f), y(kRows * kOut);
  ThreadPool pool(set);
  const kernels::RowsKernelSet& kernels = kernels::active_kernel_set();
  pack_for(kernels, w);  // as a loaded model's weights are
  const int calls = std::max<int>(2, static_cast<int>(options.sgemm_size / 32));
  double best = 0;
  for (int round = 0; round <= std::max(1, options.repetitions); ++round) {
    const Clock::time_point start = Clock::now();
    for (int c = 0; c < calls; ++c) linear_with(kernels, x, kRows, w, y, pool);
    const double seconds = seconds_since(start) / calls;
    if (round > 0 && seconds > 0) best = std::max(best, 2.0 * kRows * kIn * kOut / seconds / 1e9);
  }
  if (!std::isfinite(y[kOut / 2])) return Error{"kernels on core " + std::to_string(core) + ": a non-finite product"};
  return best;
}

Result<double> measure_dispatch_us(const CoreSet& cores, const CpuMeasureOptions& options) {
  if (Status s = check_core_set(cores); !s) return Error{"dispatch on cores " + cores.to_string() + ": " + s.error().message};
  ScopedAffinityRestore restore;
  if (Status s = pin_current_thread(make_core_set({cores.cores.front()})); !s)
    return Error{"dispatch on cores " + cores.to_string() + ": " + s.error().message};
  ThreadPool pool(cores);
  std::atomic<std::size_t> chunks_run{0};
  const auto region = [&] {
    pool.parallel_for(pool.size(), 1, [&](std::size_t begin, std::size_t end) {
      chunks_run.fetch_add(end - begin, std::memory_order_relaxed);
    });
  };
  region();  // the workers start and pin themselves
  const int starts = 8 * std::max(1, options.repetitions);
  std::vector<double> us;
  us.reserve(static_cast<std::size_t>(starts));
  for (int i = 0; i < starts; ++i) {
    // Long enough that the workers stopped polling and sleep, as an idle PU's do.
    std::this_thread::sleep_for(2 * ThreadPool::kPollBeforeSleep);
    const Clock::time_point start = Clock::now();
    region();
    us.push_back(seconds_since(start) * 1e6);
  }
  if (chunks_run.load() != pool.size() * static_cast<std::size_t>(starts + 1))
    return Error{"dispatch on cores " + cores.to_string() + ": a parallel region skipped chunks"};
  std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
  return us[us.size() / 2];
}

}  // namespace specmap::runtime
