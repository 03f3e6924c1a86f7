#include "runtime/opencl/device_block.h"

#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <span>

#include "runtime/opencl/linear_kernels.h"

namespace specmap::runtime::ocl {

namespace {

// Charges the time since the previous lap to an op after waiting for the queue; does
// nothing without a target, so an untimed block is enqueued without a single wait.
class DeviceOpLaps {
 public:
  DeviceOpLaps(OpenClQueue& queue, BlockOpTimes* times) : queue_(queue), times_(times) {
    if (times_) last_ = Clock::now();
  }
  Status operator()(BlockOp op) {
    if (!times_) return {};
    if (Status s = queue_.finish(); !s) return s;
    const Clock::time_point now = Clock::now();
    times_->seconds[static_cast<std::size_t>(op)] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return {};
  }

 private:
  using Clock = std::chrono::steady_clock;
  OpenClQueue& queue_;
  BlockOpTimes* times_;
  Clock::time_point last_;
};

}  // namespace

Result<DeviceLayerWeights> DeviceLayerWeights::upload(OpenClQueue& queue, const LayerWeights& w) {
  DeviceLayerWeights d;
  const std::pair<DeviceBuffer*, const std::vector<float>*> vectors[] = {{&d.attn_norm, &w.attn_norm},
                                                                         {&d.mlp_norm, &w.mlp_norm},
                                                                         {&d.q_bias, &w.q_bias},
                                                                         {&d.k_bias, &w.k_bias},
                                                                         {&d.v_bias, &w.v_bias}};
  for (const auto& [device, host] : vectors) {
    if (host->empty()) continue;  // no bias
    Result<DeviceBuffer> buffer = DeviceBuffer::upload(queue.context(), queue.get(), *host);
    if (!buffer) return buffer.error();
    *device = std::move(buffer).value();
  }
  const std::pair<DeviceMatrix*, const WeightTensor*> matrices[] = {
      {&d.q_proj, &w.q_proj},      {&d.k_proj, &w.k_proj},       {&d.v_proj, &w.v_proj},
      {&d.o_proj, &w.o_proj},      {&d.gate_proj, &w.gate_proj}, {&d.up_proj, &w.up_proj},
      {&d.down_proj, &w.down_proj}};
  for (const auto& [device, host] : matrices) {
    Result<DeviceMatrix> matrix = upload_matrix(queue, *host);
    if (!matrix) return matrix.error();
    *device = std::move(matrix).value();
  }
  return d;
}

Result<DeviceMatrix> upload_matrix(OpenClQueue& queue, const WeightTensor& tensor) {
  DeviceMatrix matrix;
  matrix.interleaved = true;
  matrix.elements = interleaved_elements(tensor.rows, tensor.cols);
  if (tensor.type == TensorType::f16) {
    std::vector<std::uint16_t> halves(tensor.elements());
    std::memcpy(halves.data(), tensor.bytes.data(), halves.size() * sizeof(std::uint16_t));
    const std::vector<std::uint16_t> interleaved = interleave_rows(halves.data(), tensor.rows, tensor.cols);
    Result<DeviceBuffer> buffer = DeviceBuffer::upload_bytes(
        queue.context(), queue.get(), std::as_bytes(std::span<const std::uint16_t>(interleaved)));
    if (!buffer) return buffer.error();
    matrix.buffer = std::move(buffer).value();
    matrix.type = WeightType::f16;
    return matrix;
  }
  // This runner computes in f32 only: another type is promoted once, at upload.
  const std::vector<float> values =
      tensor.type == TensorType::f32 ? interleave_rows(tensor.f32().data(), tensor.rows, tensor.cols)
                                     : interleave_rows(dequantize(tensor).data(), tensor.rows, tensor.cols);
  Result<DeviceBuffer> buffer = DeviceBuffer::upload(queue.context(), queue.get(), values);
  if (!buffer) return buffer.error();
  matrix.buffer = std::move(buffer).value();
  return matrix;
}

Result<DeviceBuffer> upload_as_f32(OpenClQueue& queue, const WeightTensor& tensor) {
  if (tensor.type == TensorType::f32) return DeviceBuffer::upload(queue.context(), queue.get(), tensor.f32());
  // This runner computes in f32 only: another type is promoted once, at upload.
  const std::vector<float> values = dequantize(tensor);
  return DeviceBuffer::upload(queue.context(), queue.get(), values);
}

Status run_device_decoder_block(OpenClQueue& queue, const DeviceSpan& hidden, std::size_t first_position,
                                const DeviceLayerWeights& w, const BlockShape& shape,
                                const RotaryTable& rotary, DeviceKvCache& cache, std::size_t layer,
                                DeviceBlockScratch& scratch, BlockOpTimes* op_times) {
  const std::size_t d = shape.d_model;
  const std::size_t d_ff = shape.d_ff;
  const AttentionShape& attn = shape.attention;
  const std::size_t q_width = attn.heads * attn.head_dim;
  const std::size_t kv_width = attn.kv_heads * attn.head_dim;
  assert(hidden.size % d == 0 && cache.positions(layer) == first_position && cache.kv_width() == kv_width);
  const std::size_t rows = hidden.size / d;
  const cl_context context = queue.context();
  for (auto [buffer, size] :
       {std::pair{&scratch.normed, rows * d}, std::pair{&scratch.q, rows * q_width},
        std::pair{&scratch.attention, rows * q_width}, std::pair{&scratch.projected, rows * d},
        std::pair{&scratch.gate, rows * d_ff}, std::pair{&scratch.up, rows * d_ff}})
    if (Status s = ensure_size(*buffer, context, queue.get(), size); !s) return s;
  const DeviceSpan normed = scratch.normed.span(0, rows * d);
  const DeviceSpan q = scratch.q.span(0, rows * q_width);
  const DeviceSpan attention = scratch.attention.span(0, rows * q_width);
  const DeviceSpan projected = scratch.projected.span(0, rows * d);
  const DeviceSpan gate = scratch.gate.span(0, rows * d_ff);
  const DeviceSpan up = scratch.up.span(0, rows * d_ff);

  DeviceOpLaps lap(queue, op_times);
  Status s;
  // Each step: enqueue, then (when timing) wait and charge; the first failure stops the block.
  auto step = [&](Status enqueued, BlockOp op) {
    if (s && !enqueued) s = enqueued;
    if (s) s = lap(op);
  };
  step(rms_norm(queue, hidden, w.attn_norm.span(), shape.norm_eps, normed), BlockOp::attn_norm);
  if (s) step(linear(queue, normed, rows, w.q_proj, d, q_width, q), BlockOp::q_proj);
  if (s && w.q_bias.size() != 0) s = add_bias(queue, q, w.q_bias.span());
  // Keys and values go straight into the cache rows of the new positions.
  const DeviceKvCache::Rows fresh = s ? cache.append(layer, rows) : DeviceKvCache::Rows{};
  if (s) step(linear(queue, normed, rows, w.k_proj, d, kv_width, fresh.keys), BlockOp::k_proj);
  if (s && w.k_bias.size() != 0) s = add_bias(queue, fresh.keys, w.k_bias.span());
  if (s) step(linear(queue, normed, rows, w.v_proj, d, kv_width, fresh.values), BlockOp::v_proj);
  if (s && w.v_bias.size() != 0) s = add_bias(queue, fresh.values, w.v_bias.span());
  if (s) s = apply_rotary(queue, q, attn.heads, attn.head_dim, first_position, rotary);
  if (s) s = apply_rotary(queue, fresh.keys, attn.kv_heads, attn.head_dim, first_position, rotary);
  if (s)
    step(causal_attention(queue, q, first_position, cache.keys(layer), cache.values(layer), attn, attention),
         BlockOp::attention);
  if (s) step(linear(queue, attention, rows, w.o_proj, q_width, d, projected), BlockOp::o_proj);
  if (s) step(add_in_place(queue, hidden, projected), BlockOp::residual);

  if (s) step(rms_norm(queue, hidden, w.mlp_norm.span(), shape.norm_eps, normed), BlockOp::mlp_norm);
  if (s) step(linear(queue, normed, rows, w.gate_proj, d, d_ff, gate), BlockOp::gate_proj);
  if (s) step(linear(queue, normed, rows, w.up_proj, d, d_ff, up), BlockOp::up_proj);
  if (s) step(silu_mul(queue, gate, up, gate), BlockOp::silu_mul);
  if (s) step(linear(queue, gate, rows, w.down_proj, d_ff, d, projected), BlockOp::down_proj);
  if (s) step(add_in_place(queue, hidden, projected), BlockOp::mlp_residual);
  return s;  // on failure the executor rolls every cache back (truncate)
}

}  // namespace specmap::runtime::ocl
