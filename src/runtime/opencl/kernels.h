#pragma once
// Our OpenCL C kernels (everything but the matrix products, which CLBlast runs), compiled
// once per device when it is opened.
#include <array>
#include <cstddef>
#include <string_view>

namespace specmap::runtime::ocl {

// The few-rows linear kernels (linear_kernels.h) come last: for each weight type (f32, f16)
// one kernel per row chunk of the row layout, in kRowChunks order, then the same for the
// interleaved layout in kLaneChunks order.
enum class KernelId : std::size_t {
  rms_norm,
  rotary,
  attention,
  silu_mul,
  add,
  embedding,
  attention_item,
  embedding_interleaved,
  embedding_interleaved_f16,
  first_linear
};
inline constexpr std::size_t kLinearTypes = 2;
inline constexpr std::size_t kRowLayoutKernels = 4;   // kRowChunkCount
inline constexpr std::size_t kLaneLayoutKernels = 12;  // kLaneChunkCount
inline constexpr std::size_t kKernelCount = static_cast<std::size_t>(KernelId::first_linear) +
                                            kLinearTypes * (kRowLayoutKernels + kLaneLayoutKernels);
// The few-rows kernel for f16 (else f32) weights and row chunk `chunk` (into kRowChunks).
inline KernelId linear_kernel(bool f16, std::size_t chunk) {
  return static_cast<KernelId>(static_cast<std::size_t>(KernelId::first_linear) +
                               (f16 ? kRowLayoutKernels : 0) + chunk);
}
// The interleaved-layout kernel for f16 (else f32) weights and chunk `chunk` (into kLaneChunks).
inline KernelId lane_kernel(bool f16, std::size_t chunk) {
  return static_cast<KernelId>(static_cast<std::size_t>(KernelId::first_linear) +
                               kLinearTypes * kRowLayoutKernels + (f16 ? kLaneLayoutKernels : 0) + chunk);
}

// Name of the __kernel function.
std::string_view kernel_name(KernelId id);

// The program source (without the few-rows linear kernels: linear_kernel_source()).
std::string_view kernel_source();

// A query/key/value head handled by one attention work-group keeps at most this many
// output dimensions per work item in private memory: head_dim <= this * work-group size.
inline constexpr std::size_t kAttentionDimsPerItem = 8;
// attention_item (one work item per query head and row, 16-wide vectors) runs heads whose
// head_dim is a multiple of 16 up to 16 * this; others run `attention`.
inline constexpr std::size_t kAttentionItemBlocks = 8;

}  // namespace specmap::runtime::ocl
