#include "runtime/kernels/cpu/dispatch.h"

#include <cstdlib>
#include <string_view>

#if defined(__aarch64__)
#include <asm/hwcap.h>
#include <sys/auxv.h>
#endif

namespace specmap::runtime::kernels {

namespace {

bool cpu_runs(const RowsKernelSet* set) {
  if (set == nullptr) return false;
#if defined(__x86_64__)
  const std::string_view name = set->name;
  __builtin_cpu_init();
  const bool avx2 =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  if (name == "avx2") return avx2;
  const bool avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                      __builtin_cpu_supports("avx512vnni");
  if (name == "avx512") return avx512;
  if (name == "avx512-bf16") return avx512 && cpu_has_avx512_bf16();
#endif
#if defined(__aarch64__)
  if (std::string_view(set->name) == "neon-dotprod") return (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) != 0;
#endif
  return true;
}

}  // namespace

bool cpu_has_avx512_bf16() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

std::vector<const RowsKernelSet*> runnable_kernel_sets() {
  std::vector<const RowsKernelSet*> sets;
  for (const RowsKernelSet* set :
       {avx512_kernels(), avx512_bf16_kernels(), avx2_kernels(), neon_dotprod_kernels(), neon_kernels()})
    if (cpu_runs(set)) sets.push_back(set);
  sets.push_back(&portable_kernels());
  return sets;
}

const RowsKernelSet& active_kernel_set() {
  static const RowsKernelSet* const chosen = [] {
    const std::vector<const RowsKernelSet*> sets = runnable_kernel_sets();
    if (const char* forced = std::getenv("SPECMAP_CPU_KERNELS"))
      for (const RowsKernelSet* set : sets)
        if (std::string_view(set->name) == forced) return set;
    return sets.front();
  }();
  return *chosen;
}

}  // namespace specmap::runtime::kernels
