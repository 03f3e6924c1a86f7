// The AVX2 set's packed q8_0 / q4_0 kernels with AVX-VNNI (vpdpbusd on ymm), compiled for
// those instructions whatever the build's target and reached only through a tensor this
// file's `pack` made, which it makes only when the CPU has AVX-VNNI. Under the target
// pragma only intrinsics and functions with internal linkage are compiled.
//
// The AVX-512 packed layout at half the width (x86_avx512_quant_packed.cc): panels of 8
// outputs; per block of 32 columns 8 ymm for q8_0, vector m's 32-bit lane o being elements
// 4m..4m+3 of output o's block + 128 (the unsigned side of vpdpbusd), or 4 ymm for q4_0,
// vector k's lane o being bytes 4k..4k+3 of output o's block as stored (`and 0x0F` gives
// elements 4k.., `srli 4` elements 16+4k..), then the 8 f16 scales in 32 bytes: 288 resp.
// 160 bytes per block, all loads aligned. Padding outputs have zero weights and scales.
//
// Kernel: up to 2 (q8_0) or 4 (q4_0) rows per pass over a panel (16 ymm registers: 8
// weight vectors, the accumulators and temporaries; more rows take further passes over the
// panel, which stays in L1). Per row and block an int32 accumulator starts at -128 resp. -8 times the row's
// block sum (prepare), takes 8 vpdpbusd and is converted, scaled and added.
#if defined(__x86_64__)
#include "runtime/kernels/cpu/x86_avx2_quant_packed.h"

#include <immintrin.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "runtime/weights/tensor_type.h"

#pragma GCC push_options
#pragma GCC target("avx2,fma,f16c,avxvnni")

namespace specmap::runtime::kernels {
namespace {

constexpr std::size_t kPanel = avx2_quant_packed::kPanel;
// Rows per pass over a panel: what fits the 16 ymm registers beside the 8 weight vectors
// (q8_0 with 4 rows spilled them to the stack, 3.5x slower than 2 rows; q4_0 keeps 4).
template <TensorType T>
constexpr int kRowsPerPass = T == TensorType::q8_0 ? 2 : 4;

template <TensorType T>
constexpr std::size_t kWeightBytes = T == TensorType::q8_0 ? 256 : 128;
template <TensorType T>
constexpr std::size_t kBlockBytes = kWeightBytes<T> + 32;

struct Call {
  const std::byte* w;
  std::size_t outputs, blocks, padded_blocks, rows;
  const std::int8_t* qs;  // [padded_blocks x rows x 32]
  const float* scales;    // [padded_blocks x rows]
  const std::int32_t* offsets;
  float* y;
  std::size_t y_stride;
};

template <TensorType T>
inline void load_block(const std::byte* p, __m256i (&w)[8]) {
  if constexpr (T == TensorType::q8_0) {
#pragma GCC unroll 8
    for (int m = 0; m < 8; ++m) w[m] = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32 * m));
  } else {
    const __m256i nibble = _mm256_set1_epi8(0x0F);
#pragma GCC unroll 4
    for (int k = 0; k < 4; ++k) {
      const __m256i v = _mm256_load_si256(reinterpret_cast<const __m256i*>(p + 32 * k));
      w[k] = _mm256_and_si256(v, nibble);
      w[k + 4] = _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble);
    }
  }
}

inline __m256i broadcast4(const std::int8_t* p) {
  std::int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_set1_epi32(v);
}

// Rows [r0, r0 + R) of one panel (outputs o0..o0 + n).
template <TensorType T, int R>
void panel_rows(const Call& a, const std::byte* panel, std::size_t r0, std::size_t o0, std::size_t n) {
  __m256 acc[R];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_ps();
  __m256i w[8];
  for (std::size_t b = 0; b < a.blocks; ++b) {
    const std::byte* u = panel + b * kBlockBytes<T>;
    load_block<T>(u, w);
    const __m256 ws = _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(u + kWeightBytes<T>)));
    const std::size_t base = b * a.rows + r0;
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const std::int8_t* q = a.qs + (base + r) * 32;
      __m256i s = _mm256_set1_epi32(a.offsets[base + r]);
#pragma GCC unroll 8
      for (int m = 0; m < 8; ++m) s = _mm256_dpbusd_avx_epi32(s, w[m], broadcast4(q + 4 * m));
      acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(s), _mm256_mul_ps(ws, _mm256_set1_ps(a.scales[base + r])),
                               acc[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float* out = a.y + (r0 + r) * a.y_stride + o0;
    if (n == kPanel) {
      _mm256_storeu_ps(out, acc[r]);
    } else {
      alignas(32) float tmp[kPanel];
      _mm256_store_ps(tmp, acc[r]);
      std::memcpy(out, tmp, n * sizeof(float));
    }
  }
}

template <TensorType T>
void packed_rows(const Call& a, std::size_t begin, std::size_t end) {
  using Fn = void (*)(const Call&, const std::byte*, std::size_t, std::size_t, std::size_t);
  static constexpr Fn kByRows[5] = {nullptr, panel_rows<T, 1>, panel_rows<T, 2>, panel_rows<T, 3>,
                                    panel_rows<T, 4>};
  constexpr std::size_t kPass = kRowsPerPass<T>;
  const std::size_t stop = std::min(end, a.outputs);
  for (std::size_t o0 = begin; o0 < stop; o0 += kPanel) {
    const std::byte* panel = a.w + (o0 / kPanel) * a.blocks * kBlockBytes<T>;
    const std::size_t n = std::min(kPanel, stop - o0);
    for (std::size_t r0 = 0; r0 < a.rows; r0 += kPass)
      kByRows[std::min(kPass, a.rows - r0)](a, panel, r0, o0, n);
  }
}

}  // namespace
}  // namespace specmap::runtime::kernels

#pragma GCC pop_options

namespace specmap::runtime::kernels {

namespace {

bool cpu_has_avx_vnni() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c") &&
         __builtin_cpu_supports("avxvnni");
}

template <TensorType T>
void pack_panels(const std::byte* weight, std::size_t row_bytes, std::size_t rows, std::size_t blocks,
                 std::byte* dst) {
  using Block = std::conditional_t<T == TensorType::q8_0, BlockQ8_0, BlockQ4_0>;
  const std::size_t panels = (rows + kPanel - 1) / kPanel;
  for (std::size_t p = 0; p < panels; ++p)
    for (std::size_t b = 0; b < blocks; ++b) {
      std::byte* wv = dst + (p * blocks + b) * kBlockBytes<T>;
      std::byte* sv = wv + kWeightBytes<T>;
      for (std::size_t o = 0; o < kPanel; ++o) {
        const std::size_t row = p * kPanel + o;
        if (row >= rows) {  // zero weights (q8_0's zero is 128 unsigned), zero scale
          if constexpr (T == TensorType::q8_0)
            for (std::size_t m = 0; m < 8; ++m) std::memset(wv + 32 * m + 4 * o, 0x80, 4);
          continue;
        }
        Block block;
        std::memcpy(&block, weight + row * row_bytes + b * sizeof(Block), sizeof(Block));
        std::memcpy(sv + 2 * o, &block.d, 2);
        if constexpr (T == TensorType::q8_0) {
          for (std::size_t m = 0; m < 8; ++m)
            for (std::size_t i = 0; i < 4; ++i)
              wv[32 * m + 4 * o + i] = std::byte(std::uint8_t(block.qs[4 * m + i]) ^ 0x80u);
        } else {
          for (std::size_t k = 0; k < 4; ++k) std::memcpy(wv + 32 * k + 4 * o, block.qs + 4 * k, 4);
        }
      }
    }
}

template <TensorType T>
Call call_of(const PackedQuantArgs& a) {
  const QuantizedRows& x = *a.x;
  return {a.w->bytes.data(),
          a.w->rows,
          x.blocks,
          x.pairs * 2,
          x.rows,
          x.block_qs.data(),
          x.block_scales.data(),
          T == TensorType::q8_0 ? x.block_offsets128.data() : x.block_offsets8.data(),
          a.y,
          a.y_stride};
}

}  // namespace

bool avx2_quant_packed::pack(TensorType type, const std::byte* weight, std::size_t row_bytes,
                             std::size_t rows, std::size_t cols, PackedWeights& out) {
  if ((type != TensorType::q8_0 && type != TensorType::q4_0) || !cpu_has_avx_vnni()) return false;
  const std::size_t blocks = cols / kQuantBlock, panels = (rows + kPanel - 1) / kPanel;
  out.type = type;
  out.rows = rows;
  out.cols = cols;
  out.panel = kPanel;
  const std::size_t block_bytes =
      type == TensorType::q8_0 ? kBlockBytes<TensorType::q8_0> : kBlockBytes<TensorType::q4_0>;
  out.bytes.assign(panels * blocks * block_bytes, std::byte{0});
  if (type == TensorType::q8_0) {
    pack_panels<TensorType::q8_0>(weight, row_bytes, rows, blocks, out.bytes.data());
  } else {
    pack_panels<TensorType::q4_0>(weight, row_bytes, rows, blocks, out.bytes.data());
  }
  return true;
}

void avx2_quant_packed::prepare(const float* x, std::size_t rows, std::size_t cols, QuantizedRows& out) {
  // The set's own quantizer (the same values as its stored-layout kernels read), re-laid
  // block-major.
  prepare_quantized_rows_portable(x, rows, cols, out);
  const std::size_t padded = out.pairs * 2;
  out.block_qs.assign(padded * rows * 32, 0);
  out.block_scales.assign(padded * rows, 0.0f);
  out.block_offsets8.assign(padded * rows, 0);
  out.block_offsets128.assign(padded * rows, 0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t b = 0; b < out.blocks; ++b) {
      const std::size_t bi = b * rows + r, src = r * out.pairs * 2 + b;
      std::memcpy(out.block_qs.data() + bi * 32, out.qs.data() + r * out.row_values() + b * 32, 32);
      out.block_scales[bi] = out.scales[src];
      out.block_offsets8[bi] = -8 * out.sums[src];
      out.block_offsets128[bi] = -128 * out.sums[src];
    }
}

void avx2_quant_packed::q8_0_rows(const PackedQuantArgs& a, std::size_t begin, std::size_t end) {
  packed_rows<TensorType::q8_0>(call_of<TensorType::q8_0>(a), begin, end);
}

void avx2_quant_packed::q4_0_rows(const PackedQuantArgs& a, std::size_t begin, std::size_t end) {
  packed_rows<TensorType::q4_0>(call_of<TensorType::q4_0>(a), begin, end);
}

}  // namespace specmap::runtime::kernels
#endif
