#pragma once
// Weight matrices re-laid out once, when a model is loaded, for a kernel set's multi-row
// kernels (the GEMM micro-kernel shape): panels of `panel` consecutive output features
// interleaved along k, so a kernel keeps rows x panel accumulators in registers, streams
// each panel's weights exactly once for all activation rows (broadcast from memory) and
// needs no horizontal reductions. Which layout a set uses for which type is the set's own
// business (its `pack` writes it, its packed kernels read it); a set that keeps the stored
// layout for a type returns false from `pack` and its stored-layout kernels run.
//
// A set's packed float kernel computes outputs [begin, end) of y[rows x y_stride] =
// x * W^T, begin a multiple of `panel`, end a multiple of it or `rows` (linear.cc splits the
// outputs over threads in whole panels).
#include <cstddef>
#include <new>
#include <vector>

#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/weights/tensor_type.h"

namespace specmap::runtime::kernels {

// 64-byte aligned storage (one cache line, one AVX-512 vector), so panels start on a line;
// from 4 MiB on aligned to 2 MiB pages and offered to transparent huge pages
// (packed_weights.cc), so a stream of panels crosses a TLB entry every 2 MiB, not 4 KiB.
void* allocate_packed(std::size_t bytes);
void free_packed(void* p, std::size_t bytes);

template <typename T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U>
  explicit CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(allocate_packed(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) { free_packed(p, n * sizeof(T)); }
  friend bool operator==(const CacheLineAllocator&, const CacheLineAllocator&) { return true; }
};

struct PackedWeights {
  TensorType type = TensorType::f32;  // the stored type it came from
  std::size_t rows = 0, cols = 0;     // as the stored tensor (rows = out features)
  std::size_t panel = 0;              // output features per panel (thread chunks are multiples)
  std::vector<std::byte, CacheLineAllocator<std::byte>> bytes;  // the set's own layout

  [[nodiscard]] std::size_t panels() const { return panel == 0 ? 0 : (rows + panel - 1) / panel; }
};

// PackWeights (kernel_sets.h): re-lays `rows x cols` weights of `type` stored ggml-style
// (row o at weight + o*row_bytes) into out; false when the set keeps the stored layout for
// that type (then the unpacked kernels run).

struct PackedFloatArgs {
  const PackedWeights* w;
  const float* x;    // [rows x w->cols]
  std::size_t rows;  // 1..kMaxKernelRows
  float* y;          // y[r * y_stride + o]
  std::size_t y_stride;
};

struct PackedQuantArgs {
  const PackedWeights* w;
  const QuantizedRows* x;  // filled by the set's prepare
  float* y;
  std::size_t y_stride;
};

// PackedFloatKernel / PackedQuantKernel (kernel_sets.h): outputs [begin, end), begin a
// multiple of w->panel, end a multiple of it or w->rows.

// The float layout the x86 sets share: panels of `panel` outputs, panel p at
// p * panel * cols elements; within it element (k, j) = W[p * panel + j][k] at k * panel + j,
// in the stored type (f32 or f16: 4 or 2 bytes each), the last panel padded with zeros.
// `type` must be f32 or f16.
void pack_float_panels(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows,
                       std::size_t cols, std::size_t panel, PackedWeights& out);

}  // namespace specmap::runtime::kernels
