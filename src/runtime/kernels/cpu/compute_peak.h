#pragma once
// The compute peak of one core for the multiply-accumulate instructions the kernel sets
// (kernel_sets.h) run: many independent accumulator chains of one instruction, so the loop
// is bound by the instruction's throughput, not its latency or memory. Beside the triad it
// says how far a few-rows step can be from bandwidth-bound: r rows need r times the MACs of
// one row over the same weight bytes.
#include <cstddef>
#include <string_view>

namespace specmap::runtime::kernels {

enum class PeakOp {
  f32_fma,   // f32 FMA at the set's vector width (the f32 / f16 / bf16 kernels' products)
  bf16_dot,  // bf16 pair dot into f32 (AVX512_BF16 VDPBF16PS)
  int8_dot,  // int8 dot into int32 (VPDPBUSD, AVX2's VPMADDUBSW + VPMADDWD, Arm SDOT)
};

struct PeakLoop {
  const char* instruction;    // e.g. "vfmadd231ps zmm"
  double macs_per_iteration;  // multiply-accumulates one iteration of `run` performs
  // Runs `iterations` iterations; the result only keeps the compiler from dropping them.
  double (*run)(std::size_t iterations);
};

// The loop for `op` in the instructions of kernel set `set_name` ("avx512", "avx512-bf16",
// "avx2", "neon", "neon-dotprod"), or null where that set has no such instruction or this
// CPU lacks it (bf16_dot: the avx512-bf16 set, AVX512_BF16 checked at run time).
const PeakLoop* peak_loop(std::string_view set_name, PeakOp op);

}  // namespace specmap::runtime::kernels
