#pragma once
// Linear-layer kernels for a few activation rows (decode and verification steps) that
// stream each weight row once for all rows: an output feature's weight row is read from
// memory once and multiplied with every activation row while it sits in the L1 cache.
// One set per instruction-set level (portable C++; AVX2 and AVX-512 on x86-64; NEON with
// and without dotprod on aarch64); dispatch.h picks the best one the CPU runs.
//
// A kernel computes outputs [begin, end) of y[rows x y_stride] = x * W^T for W stored
// [out x cols] in its type (weights.h); the caller splits the outputs over threads.
// q8_0 / q4_0 kernels read the activation rows quantized to Q8_0 once per linear by their
// set's `prepare` (the same rounding as ggml's quantizer up to ties: round to nearest even).
//
// A set may also re-lay weights once, at load, into its own panel layout (`pack`,
// packed_weights.h) and run packed kernels on them: linear() takes those for a tensor the
// set's `pack` made (WeightTensor::packed), the stored-layout kernels otherwise.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/weights/tensor_type.h"

namespace specmap::runtime::kernels {

inline constexpr std::size_t kMaxKernelRows = 16;

struct FloatRowsArgs {
  const std::byte* weight;  // row o at weight + o * row_bytes
  std::size_t row_bytes;
  std::size_t cols;
  const float* x;    // [rows x cols]
  std::size_t rows;  // 1..kMaxKernelRows
  float* y;          // y[r * y_stride + o]
  std::size_t y_stride;
};

// Activation rows quantized to Q8_0 blocks. Which arrays a set fills is its own business:
// the portable, AVX2 and NEON sets fill qs, scales and sums (blocks padded to an even
// number, "pairs" of 64 values, with zeros); the AVX-512 set's prepare the group arrays,
// blocks in groups of 16 with one 32-bit lane per block (x86_avx512_quant.cc), padded with
// zeros, for its stored-layout kernels, and its prepare_packed only the block-major arrays
// for its packed ones.
struct QuantizedRows {
  static constexpr std::size_t kGroupBlocks = 16;
  static constexpr std::size_t kGroupBytes = kGroupBlocks * 32;

  std::size_t rows = 0;
  std::size_t blocks = 0;          // cols / 32
  std::size_t pairs = 0;           // (blocks + 1) / 2
  std::size_t groups = 0;          // (blocks + 15) / 16
  std::vector<std::int8_t> qs;     // [rows x pairs*64]
  std::vector<float> scales;       // [rows x pairs*2]: each block's d
  std::vector<std::int32_t> sums;  // [rows x pairs*2]: each block's sum of qs
  // [rows x groups x 8 x 64]: byte 4l + j of vector m = element 4m + j of block 16g + l.
  std::vector<std::int8_t> qs_groups;
  std::vector<float> scale_groups;       // [rows x groups x 16]: d of block 16g + l in lane l
  std::vector<std::int32_t> offsets8;    // [rows x groups x 16]: -8 * sum of qs of block 16g + l
  std::vector<std::int32_t> offsets128;  // the same times 128 instead of 8
  // AVX-512, q8_0 for up to 4 rows (x86_avx512_quant.cc): [rows x pairs*64] qs + 128, and
  // [rows x pairs x 16] d of block 2p in lanes 0-7, of 2p + 1 in 8-15.
  std::vector<std::uint8_t> pair_qs_u8;
  std::vector<float> pair_scales;
  // AVX-512, the packed q8_0 / q4_0 kernels (x86_avx512_quant_packed.cc): block-major,
  // blocks padded to pairs*2 with zeros. [pairs*2 x rows x 32] signed qs, [pairs*2 x rows]
  // d, and -8 resp. -128 times the block's sum of qs.
  std::vector<std::int8_t> block_qs;
  std::vector<float> block_scales;
  std::vector<std::int32_t> block_offsets8, block_offsets128;

  [[nodiscard]] std::size_t row_values() const { return pairs * 64; }
};

struct QuantRowsArgs {
  const std::byte* weight;
  std::size_t row_bytes;
  const QuantizedRows* x;
  float* y;
  std::size_t y_stride;
};

struct PackedWeights;  // packed_weights.h
struct PackedFloatArgs;
struct PackedQuantArgs;

using FloatRowsKernel = void (*)(const FloatRowsArgs& args, std::size_t begin, std::size_t end);
using QuantRowsKernel = void (*)(const QuantRowsArgs& args, std::size_t begin, std::size_t end);
// x [rows x cols], cols a multiple of 32.
using QuantPrepare = void (*)(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out);

// packed_weights.h says what they do.
using PackWeights = bool (*)(TensorType type, const std::byte* weight, std::size_t row_bytes,
                             std::size_t rows, std::size_t cols, PackedWeights& out);
using PackedFloatKernel = void (*)(const PackedFloatArgs&, std::size_t begin, std::size_t end);
using PackedQuantKernel = void (*)(const PackedQuantArgs&, std::size_t begin, std::size_t end);

struct RowsKernelSet {
  const char* name;  // "portable", "avx2", "avx512", "avx512-bf16", "neon", "neon-dotprod"
  FloatRowsKernel f32 = nullptr;
  FloatRowsKernel f16 = nullptr;
  FloatRowsKernel bf16 = nullptr;
  QuantPrepare prepare = nullptr;
  QuantRowsKernel q8_0 = nullptr;
  QuantRowsKernel q4_0 = nullptr;
  // Null: the set keeps the stored layout for every type. Sets sharing a `pack` share its
  // layout (avx512-bf16 copies avx512's), so a tensor packed by one runs on the other.
  PackWeights pack = nullptr;
  PackedFloatKernel packed_f32 = nullptr;
  PackedFloatKernel packed_f16 = nullptr;
  PackedQuantKernel packed_q8_0 = nullptr;  // prepare_packed (else prepare) fills their QuantizedRows
  PackedQuantKernel packed_q4_0 = nullptr;
  // The packed kernels' own prepare where their activation layout differs from the
  // stored-layout kernels' (each then fills only its own arrays); null: prepare.
  QuantPrepare prepare_packed = nullptr;
};

// The portable set's prepare: ggml's reference quantizer per block; fills qs, scales and
// sums.
void prepare_quantized_rows_portable(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out);

// The sets, each compiled for its instructions whatever the build's target; null where the
// architecture has no such set. Only dispatch.h knows whether this CPU runs them.
const RowsKernelSet& portable_kernels();
const RowsKernelSet* avx2_kernels();          // AVX2 + FMA + F16C
const RowsKernelSet* avx512_kernels();        // AVX512F/BW/VL/DQ + VNNI (+ F16C, FMA)
const RowsKernelSet* avx512_bf16_kernels();   // the same, bf16 weights by VDPBF16PS (AVX512_BF16)
const RowsKernelSet* neon_kernels();          // aarch64 Advanced SIMD
const RowsKernelSet* neon_dotprod_kernels();  // the same with SDOT (Armv8.2 dotprod)

}  // namespace specmap::runtime::kernels
