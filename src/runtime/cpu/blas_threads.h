#pragma once
// Puts OpenBLAS's matrix products on a core set.
//
// What Debian's OpenBLAS (0.3.21, pthreads, DYNAMIC_ARCH, built NO_AFFINITY) does, checked
// on this host by listing /proc/self/task/*/status before and after calls:
//  - Its worker threads are created when the library loads, before main, so they inherit
//    the process's full affinity mask. They do NOT follow the caller's affinity: pinning
//    the calling thread and calling openblas_set_num_threads(n) leaves the workers free to
//    run on any core.
//  - A call with n threads splits the work between the calling thread (OpenBLAS's thread
//    index n-1) and workers 0..n-2. With n == 1 everything runs in the calling thread, so
//    the caller's own pinning is all a 1-core set needs.
//  - openblas_setaffinity(i, ...) pins worker i; this module pins workers 0..n-2 to the
//    whole core set, so a 2-core set {0,1} keeps BLAS work on cores 0 and 1.
//  - openblas_set_num_threads is process-wide. Two executors may run concurrently in two
//    threads only if their core sets have the same size (e.g. target on {0}, draft on
//    {1}: both use 1 thread and OpenBLAS runs each product in its caller).
//  - After a multi-threaded call, idle workers spin (yielding) for OpenBLAS's thread
//    timeout before sleeping; set OPENBLAS_THREAD_TIMEOUT in the environment to shorten it
//    if another core set shares those cores.
#include "runtime/cpu/core_set.h"

namespace specmap::runtime {

// openblas_set_num_threads(cores.size()) and pins OpenBLAS's workers to `cores`.
// The caller pins its own thread (pin_current_thread).
void use_blas_threads_on(const CoreSet& cores);

}  // namespace specmap::runtime
