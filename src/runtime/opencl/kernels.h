#pragma once
// Our OpenCL C kernels (everything but the matrix products, which CLBlast runs), compiled
// once per device when it is opened.
#include <array>
#include <cstddef>
#include <string_view>

namespace specmap::runtime::ocl {

enum class KernelId : std::size_t { rms_norm, rotary, attention, silu_mul, add, embedding };
inline constexpr std::size_t kKernelCount = 6;

// Name of the __kernel function.
std::string_view kernel_name(KernelId id);

// The program source.
std::string_view kernel_source();

// A query/key/value head handled by one attention work-group keeps at most this many
// output dimensions per work item in private memory: head_dim <= this * work-group size.
inline constexpr std::size_t kAttentionDimsPerItem = 8;

}  // namespace specmap::runtime::ocl
