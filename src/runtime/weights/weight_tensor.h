#pragma once
// A weight matrix in its stored type (tensor_type.h), as GGUF / ggml store it:
// [rows x cols] row-major, each row contiguous in its type (quantized rows are blocks of 32
// along the row). For a projection rows = out_features and cols = in_features, and
// y = x * W^T. The bytes live in memory the tensor owns (a vector) or in a memory-mapped
// file; `owner` keeps either alive, so a view never outlives its storage.
//
// A tensor may also carry a copy re-laid out for a CPU kernel set's packed kernels
// (`packed`, kernels/cpu/packed_weights.h), made once when the model is loaded
// (pack_for_cpu); `bytes` stays as stored beside it, for what reads the stored layout: the
// OpenCL upload, a tied head's embedding lookup, dequantize, OpenBLAS for many rows and
// the other sets' kernels.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "runtime/kernels/cpu/kernel_sets.h"
#include "runtime/weights/tensor_type.h"

namespace specmap::runtime {

struct WeightTensor {
  TensorType type = TensorType::f32;
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::span<const std::byte> bytes;  // rows * row_bytes(type, cols)
  std::shared_ptr<const void> owner;
  // The packed copy and the `pack` that made it (null: none); linear() runs a set's packed
  // kernels on it when the set's `pack` is this one.
  std::shared_ptr<const kernels::PackedWeights> packed;
  kernels::PackWeights packed_by = nullptr;

  [[nodiscard]] bool empty() const { return rows == 0 || cols == 0; }
  [[nodiscard]] std::size_t elements() const { return rows * cols; }
  [[nodiscard]] std::size_t row_stride() const { return row_bytes(type, cols); }
  [[nodiscard]] std::span<const std::byte> row(std::size_t r) const {
    return bytes.subspan(r * row_stride(), row_stride());
  }
  // The values of an f32 tensor (its bytes must be 4-byte aligned, as GGUF's are).
  [[nodiscard]] std::span<const float> f32() const;

  // A tensor that owns `values` [rows x cols] as f32 (no copy).
  static WeightTensor from_f32(std::vector<float> values, std::size_t rows, std::size_t cols);
  // `values` [rows x cols] converted (f16, bf16) or quantized (q8_0, q4_0) into `type`, with
  // the reference converters of weights/quantize.h; f32 keeps the values as they are.
  static WeightTensor convert(std::vector<float> values, std::size_t rows, std::size_t cols, TensorType type);
  // A view of bytes someone else owns (e.g. a mapped file); checks the size.
  static Result<WeightTensor> view(TensorType type, std::size_t rows, std::size_t cols,
                                   std::span<const std::byte> bytes, std::shared_ptr<const void> owner);
};

// `tensor` with a copy packed by `set` (unchanged when the set keeps the stored layout for
// its type, or it is packed by that set already).
void pack_for(const kernels::RowsKernelSet& set, WeightTensor& tensor);

// Every element as f32 [rows x cols] (tests, and PUs that promote a type to f32).
std::vector<float> dequantize(const WeightTensor& tensor);

}  // namespace specmap::runtime
