#include "runtime/weights/weight_tensor.h"

#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>

#include "runtime/kernels/cpu/packed_weights.h"
#include "runtime/kernels/cpu/reference.h"
#include "runtime/weights/quantize.h"

namespace specmap::runtime {

std::span<const float> WeightTensor::f32() const {
  assert(type == TensorType::f32 && reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(float) == 0);
  return {reinterpret_cast<const float*>(bytes.data()), bytes.size() / sizeof(float)};
}

WeightTensor WeightTensor::from_f32(std::vector<float> values, std::size_t rows, std::size_t cols) {
  assert(values.size() == rows * cols);
  auto storage = std::make_shared<const std::vector<float>>(std::move(values));
  WeightTensor t;
  t.type = TensorType::f32;
  t.rows = rows;
  t.cols = cols;
  t.bytes = std::as_bytes(std::span(*storage));
  t.owner = std::move(storage);
  return t;
}

WeightTensor WeightTensor::convert(std::vector<float> values, std::size_t rows, std::size_t cols,
                                   TensorType type) {
  assert(values.size() == rows * cols && row_fits(type, cols));
  if (type == TensorType::f32) return from_f32(std::move(values), rows, cols);
  const std::size_t stride = row_bytes(type, cols);
  auto storage = std::make_shared<std::vector<std::byte>>(rows * stride);
  std::span<std::byte> out(*storage);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::span<const float> row(values.data() + r * cols, cols);
    const std::span<std::byte> dst = out.subspan(r * stride, stride);
    switch (type) {
      case TensorType::f16:
      case TensorType::bf16:
        for (std::size_t i = 0; i < cols; ++i) {
          const std::uint16_t h = type == TensorType::f16 ? f32_to_f16(row[i]) : f32_to_bf16(row[i]);
          std::memcpy(dst.data() + 2 * i, &h, 2);
        }
        break;
      case TensorType::q8_0:
        quantize_row_q8_0(row, dst);
        break;
      case TensorType::q4_0:
        quantize_row_q4_0(row, dst);
        break;
      case TensorType::f32:
        break;
    }
  }
  WeightTensor t;
  t.type = type;
  t.rows = rows;
  t.cols = cols;
  t.bytes = std::span<const std::byte>(*storage);
  t.owner = std::move(storage);
  return t;
}

Result<WeightTensor> WeightTensor::view(TensorType type, std::size_t rows, std::size_t cols,
                                        std::span<const std::byte> bytes, std::shared_ptr<const void> owner) {
  if (!row_fits(type, cols))
    return Error{"a " + std::string(tensor_type_name(type)) + " row of " + std::to_string(cols) +
                 " elements is not a whole number of blocks of " + std::to_string(block_elements(type))};
  if (bytes.size() != rows * row_bytes(type, cols))
    return Error{"a " + std::string(tensor_type_name(type)) + " tensor of " + std::to_string(rows) + " x " +
                 std::to_string(cols) + " needs " + std::to_string(rows * row_bytes(type, cols)) +
                 " bytes, got " + std::to_string(bytes.size())};
  if (type == TensorType::f32 && reinterpret_cast<std::uintptr_t>(bytes.data()) % alignof(float) != 0)
    return Error{"f32 tensor data is not 4-byte aligned"};
  WeightTensor t;
  t.type = type;
  t.rows = rows;
  t.cols = cols;
  t.bytes = bytes;
  t.owner = std::move(owner);
  return t;
}

void pack_for(const kernels::RowsKernelSet& set, WeightTensor& tensor) {
  if (set.pack == nullptr || tensor.empty() || tensor.packed_by == set.pack) return;
  auto packed = std::make_shared<kernels::PackedWeights>();
  if (!set.pack(tensor.type, tensor.bytes.data(), tensor.row_stride(), tensor.rows, tensor.cols, *packed))
    return;
  tensor.packed = std::move(packed);
  tensor.packed_by = set.pack;
}

std::vector<float> dequantize(const WeightTensor& tensor) {
  std::vector<float> values(tensor.elements());
  for (std::size_t r = 0; r < tensor.rows; ++r)
    reference::dequantize_row(tensor.type, tensor.row(r),
                              std::span<float>(values.data() + r * tensor.cols, tensor.cols));
  return values;
}

}  // namespace specmap::runtime
