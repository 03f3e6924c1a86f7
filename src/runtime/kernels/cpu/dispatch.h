#pragma once
// Which kernel set (kernel_sets.h) runs: the best one this CPU supports, read from its
// feature flags at run time, so one binary runs everywhere and uses AVX-512 where present.
// SPECMAP_CPU_KERNELS=portable|avx2|avx512|avx512-bf16|neon|neon-dotprod forces a set (one the CPU runs) for comparisons.
#include <vector>

#include "runtime/kernels/cpu/kernel_sets.h"

namespace specmap::runtime::kernels {

// Every set this CPU runs, best first; the last is the portable one. avx512-bf16 comes
// after avx512: its bf16 kernel rounds the activations to bf16 (x86_avx512_bf16.cc), so
// it runs only when SPECMAP_CPU_KERNELS asks for it and bf16 checkpoints keep f32 products.
std::vector<const RowsKernelSet*> runnable_kernel_sets();
// The set linear() uses (decided once).
const RowsKernelSet& active_kernel_set();
// Whether this x86-64 CPU has AVX512_BF16 (VDPBF16PS); false elsewhere.
bool cpu_has_avx512_bf16();

}  // namespace specmap::runtime::kernels
