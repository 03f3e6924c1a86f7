#include "runtime/opencl/device_probe.h"

#include <algorithm>
#include <chrono>
#include <tuple>
#include <vector>

#include "runtime/opencl/buffer.h"
#include "runtime/opencl/ops.h"
#include "runtime/opencl/queue.h"
#include "runtime/opencl/transfer_probe.h"

namespace specmap::runtime {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Best (shortest) wall time of `repetitions` runs of `run` after one warm-up run.
template <class Run>
Result<double> best_seconds(int repetitions, Run&& run) {
  double best = 0;
  for (int r = 0; r <= std::max(1, repetitions); ++r) {
    const Clock::time_point start = Clock::now();
    if (Status s = run(); !s) return s.error();
    const double seconds = seconds_since(start);
    if (r > 0 && (best == 0 || seconds < best)) best = seconds;
  }
  return best;
}

Result<double> linear_seconds(ocl::OpenClQueue& queue, std::size_t rows, std::size_t in, std::size_t out,
                              int repetitions) {
  auto x = ocl::DeviceBuffer::create_zeroed(queue.context(), queue.get(), rows * in);
  auto w = ocl::DeviceBuffer::create_zeroed(queue.context(), queue.get(), in * out);
  auto y = ocl::DeviceBuffer::create_zeroed(queue.context(), queue.get(), rows * out);
  if (!x) return x.error();
  if (!w) return w.error();
  if (!y) return y.error();
  return best_seconds(repetitions, [&]() -> Status {
    if (Status s = ocl::linear(queue, x->span(), rows, w->span(), in, out, y->span()); !s) return s;
    return queue.finish();
  });
}

Result<CopyFigures> copy_figures(TransferProbe& probe, const OpenClProbeOptions& options, bool to_device,
                                 BoundaryPath path) {
  auto small = best_seconds(options.repetitions, [&]() -> Status {
    auto t = probe.copy(options.copy_small_bytes, to_device, path);
    return t ? Status{} : Status{t.error()};
  });
  auto large = best_seconds(options.repetitions, [&]() -> Status {
    auto t = probe.copy(options.copy_large_bytes, to_device, path);
    return t ? Status{} : Status{t.error()};
  });
  if (!small) return small.error();
  if (!large) return large.error();
  CopyFigures f;
  f.latency_us = *small * 1e6;
  const double extra_seconds = std::max(*large - *small, 1e-9);
  f.bandwidth_gbps =
      static_cast<double>(options.copy_large_bytes - options.copy_small_bytes) / extra_seconds / 1e9;
  return f;
}

}  // namespace

Result<OpenClProbe> probe_opencl_device(std::shared_ptr<OpenClDevice> device,
                                        const OpenClProbeOptions& options) {
  auto queue = ocl::OpenClQueue::create(device);
  if (!queue) return queue.error();
  OpenClProbe probe;

  auto gemv = linear_seconds(**queue, 1, options.gemv_in, options.gemv_out, options.repetitions);
  if (!gemv) return gemv.error();
  probe.gemv_gbps = static_cast<double>(options.gemv_in * options.gemv_out * sizeof(float)) / *gemv / 1e9;

  const std::size_t n = options.gemm_size;
  auto gemm = linear_seconds(**queue, n, n, n, options.repetitions);
  if (!gemm) return gemm.error();
  probe.gemm_gflops = 2.0 * static_cast<double>(n * n * n) / *gemm / 1e9;

  // Launch: a one-element add, enqueued and waited for; the median, since one launch is short
  // enough for scheduling noise to dominate its minimum and maximum.
  auto one = ocl::DeviceBuffer::create_zeroed((*queue)->context(), (*queue)->get(), 1);
  if (!one) return one.error();
  std::vector<double> launches;
  for (int r = 0; r < 20 * std::max(1, options.repetitions); ++r) {
    const Clock::time_point start = Clock::now();
    if (Status s = ocl::add_in_place(**queue, one->span(), one->span()); !s) return s.error();
    if (Status s = (*queue)->finish(); !s) return s.error();
    launches.push_back(seconds_since(start));
  }
  std::nth_element(launches.begin(), launches.begin() + static_cast<std::ptrdiff_t>(launches.size() / 2),
                   launches.end());
  probe.launch_us = launches[launches.size() / 2] * 1e6;

  auto transfers = TransferProbe::create(device, options.copy_large_bytes);
  if (!transfers) return transfers.error();
  probe.path = (*transfers)->runtime_path();
  const BoundaryPath other = probe.path == BoundaryPath::map ? BoundaryPath::copy : BoundaryPath::map;
  for (auto [figures, to_device, path] :
       {std::tuple{&probe.to_device, true, probe.path}, std::tuple{&probe.to_host, false, probe.path},
        std::tuple{&probe.other_to_device, true, other}, std::tuple{&probe.other_to_host, false, other}}) {
    auto f = copy_figures(**transfers, options, to_device, path);
    if (!f) return f.error();
    *figures = *f;
  }
  return probe;
}

}  // namespace specmap::runtime
