#pragma once
// One Llama decoder block on an OpenCL device: the same ops in the same order as
// runtime/executor/decoder_block.cc, on weights uploaded once and a device KV cache.
#include <cstddef>

#include "runtime/executor/decoder_block.h"
#include "runtime/opencl/buffer.h"
#include "runtime/opencl/device_kv_cache.h"
#include "runtime/opencl/ops.h"
#include "runtime/opencl/queue.h"
#include "runtime/weights/weights.h"

namespace specmap::runtime::ocl {

// A layer's weights in device memory, the matrices in the interleaved layout (upload_matrix):
// f32 and f16 as stored (the few-rows kernels read both), other types promoted to f32 at upload; norms
// and biases f32. Biases: size 0 when absent.
struct DeviceLayerWeights {
  DeviceMatrix q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj;
  DeviceBuffer attn_norm, mlp_norm;
  DeviceBuffer q_bias, k_bias, v_bias;

  static Result<DeviceLayerWeights> upload(OpenClQueue& queue, const LayerWeights& weights);
};

// A weight matrix as f32 in a new device buffer: f32 as it is, other types dequantized on
// the host first (a PU that does not run a type natively promotes it).
Result<DeviceBuffer> upload_as_f32(OpenClQueue& queue, const WeightTensor& tensor);
// A weight matrix in a type the device computes with, in the interleaved layout of the
// few-rows kernels (linear_kernels.h): f16 as stored (halves), f32 as it is, other types
// dequantized to f32 on the host first.
Result<DeviceMatrix> upload_matrix(OpenClQueue& queue, const WeightTensor& tensor);

// Device buffers reused across blocks and calls (grown, never shrunk).
struct DeviceBlockScratch {
  DeviceBuffer normed, q, attention, projected, gate, up;
};

// hidden[rows x d_model] (device) += attention(norm(hidden)); hidden += mlp(norm(hidden)).
// Layer `layer` of `cache` must hold exactly first_position positions and have room for
// `rows` more (DeviceKvCache::reserve). With op_times the queue is finished after every op
// and the host clock charges each op; without, nothing waits (the caller finishes).
Status run_device_decoder_block(OpenClQueue& queue, const DeviceSpan& hidden, std::size_t first_position,
                                const DeviceLayerWeights& weights, const BlockShape& shape, const RotaryTable& rotary,
                                DeviceKvCache& cache, std::size_t layer, DeviceBlockScratch& scratch,
                                BlockOpTimes* op_times = nullptr);

}  // namespace specmap::runtime::ocl
