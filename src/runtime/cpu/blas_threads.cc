#include "runtime/cpu/blas_threads.h"

#include <cblas.h>
#include <sched.h>

namespace specmap::runtime {

void use_blas_threads_on(const CoreSet& cores) {
  const int threads = cores.empty() ? 1 : static_cast<int>(cores.size());
  openblas_set_num_threads(threads);
  if (threads == 1) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int core : cores.cores)
    if (core >= 0 && core < CPU_SETSIZE) CPU_SET(core, &set);
  // Index threads-1 is the calling thread itself; only the workers are pinned here.
  for (int worker = 0; worker + 1 < threads; ++worker) openblas_setaffinity(worker, sizeof(set), &set);
}

}  // namespace specmap::runtime
