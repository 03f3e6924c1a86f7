// The "neon-dotprod" kernel set: the neon set's float kernels and q8_0 / q4_0 kernels whose
// int8 products use SDOT (Armv8.2's dotprod extension: Cortex-A55, A76 and later), compiled
// for it whatever the build's target and handed out by dispatch.cc only when the CPU's
// HWCAP says it has it. Only intrinsics and internal functions are compiled under the
// target pragma.
#if defined(__aarch64__)
#include <arm_neon.h>

#include <cstring>

#include "runtime/kernels/cpu/kernel_sets.h"

#pragma GCC push_options
#pragma GCC target("arch=armv8.2-a+dotprod")

namespace specmap::runtime::kernels {
namespace {

inline int32x4_t dot32(int8x16_t w0, int8x16_t w1, int8x16_t x0, int8x16_t x1) {
  return vdotq_s32(vdotq_s32(vdupq_n_s32(0), w0, x0), w1, x1);
}

#include "runtime/kernels/cpu/arm_neon_quant.inc"

}  // namespace
}  // namespace specmap::runtime::kernels

#pragma GCC pop_options

namespace specmap::runtime::kernels {

const RowsKernelSet* neon_dotprod_kernels() {
  static const RowsKernelSet set = [] {
    RowsKernelSet s = *neon_kernels();
    s.name = "neon-dotprod";
    s.q8_0 = quant_rows<TensorType::q8_0>;
    s.q4_0 = quant_rows<TensorType::q4_0>;
    return s;
  }();
  return &set;
}

}  // namespace specmap::runtime::kernels
#else
#include "runtime/kernels/cpu/kernel_sets.h"
namespace specmap::runtime::kernels {
const RowsKernelSet* neon_dotprod_kernels() { return nullptr; }
}  // namespace specmap::runtime::kernels
#endif
