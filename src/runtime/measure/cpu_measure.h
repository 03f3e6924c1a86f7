#pragma once
// What `specmap detect` measures on a cluster of CPU cores, in a few seconds: streaming
// bandwidth (a STREAM-like triad) on one core and on all of the cluster's cores at once, and
// the peak throughput of the matrix products the runtime runs: OpenBLAS SGEMM for many f32
// rows and its own kernels per stored type (one thread, pinned to one core of the cluster),
// and what starting work on the cluster costs (its dispatch overhead).
#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/cpu/core_set.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {

struct CpuMeasureOptions {
  // Bytes of the three triad arrays together; far above the last-level cache so the triad
  // streams from memory. Tests pass a small figure.
  std::size_t triad_bytes = std::size_t{384} << 20;
  int repetitions = 5;           // best of these (STREAM's convention: the fastest run)
  std::size_t sgemm_size = 512;  // n of the n x n x n SGEMM
};

struct TriadResult {
  double gbps = 0;        // 24 bytes per element (read b, read c, write a), best repetition
  std::size_t bytes = 0;  // per repetition
};

// a[i] = b[i] + s * c[i] over doubles, split between one thread per core of `cores`, each
// pinned to its core and touching its own slice first. Errors: a core cannot be pinned.
Result<TriadResult> measure_triad(const CoreSet& cores, const CpuMeasureOptions& options);

// GFLOP/s of a single-threaded n x n x n SGEMM (2 n^3 FLOP) on `core`, best repetition.
Result<double> measure_sgemm_gflops(int core, const CpuMeasureOptions& options);

// GFLOP/s (2 x rows x in x out per product) of the runtime's own linear kernels
// (runtime/cpu/linear.h, the kernel set this CPU runs) on weights stored in `type`, 16 rows
// at once (a verification step's most) on a matrix that stays in the cache, one thread on
// `core`, best repetition: the compute rate the cost model's peak stands for.
Result<double> measure_kernel_gflops(int core, TensorType type, const CpuMeasureOptions& options);

// Microseconds the runtime pays to start work on `cores` after they idled, the SoC format's
// dispatch_overhead_us: one parallel region (a chunk per core, no work) on a thread pool of
// those cores whose workers have gone to sleep (ThreadPool::kPollBeforeSleep passed since
// its previous region, as when a pass moves to this PU after a run on another one), timed
// from a calling thread pinned to the first core until every chunk is done. Median of
// 8 x `repetitions` such starts. On one core the pool runs inline: a function call.
// Errors: a core cannot be pinned.
Result<double> measure_dispatch_us(const CoreSet& cores, const CpuMeasureOptions& options);

}  // namespace specmap::runtime
