#pragma once
// The model's ops on host vectors, once per backend, so one operator suite runs against all
// of them: the CPU kernels directly, the OpenCL ops by uploading the inputs, running the op,
// waiting and reading the result back.
#include <memory>
#include <string>
#include <vector>

#include "runtime/cpu/attention.h"
#include "runtime/executor/decoder_block.h"
#include "runtime/weights/weights.h"

namespace specmap::runtime::testing {

class OpsBackend {
 public:
  virtual ~OpsBackend() = default;
  virtual std::vector<float> rms_norm(const std::vector<float>& x, const std::vector<float>& weight, float eps) = 0;
  virtual std::vector<float> rotary(const std::vector<float>& x, std::size_t heads, std::size_t head_dim,
                                    std::size_t first_position, const std::vector<float>& inverse_frequencies) = 0;
  virtual std::vector<float> attention(const std::vector<float>& q, std::size_t first_position,
                                       const std::vector<float>& keys, const std::vector<float>& values,
                                       const AttentionShape& shape) = 0;
  virtual std::vector<float> silu_mul(const std::vector<float>& gate, const std::vector<float>& up) = 0;
  virtual std::vector<float> add(const std::vector<float>& residual, const std::vector<float>& x) = 0;
  virtual std::vector<float> embedding(const std::vector<float>& table, std::size_t width,
                                       const std::vector<int>& tokens) = 0;
  // weight: f32 [out x in] (weights.h); y = x * W^T.
  virtual std::vector<float> linear(const std::vector<float>& x, std::size_t rows, const std::vector<float>& weight,
                                    std::size_t in, std::size_t out) = 0;

  // A decoder block with its own KV cache: block() runs `hidden` at positions
  // first_position.. (the cache must hold first_position positions), truncate() forgets.
  virtual void start_block(const LayerWeights& weights, const BlockShape& shape,
                           const std::vector<float>& inverse_frequencies) = 0;
  virtual std::vector<float> block(const std::vector<float>& hidden, std::size_t first_position) = 0;
  virtual void truncate_block(std::size_t positions) = 0;
};

std::unique_ptr<OpsBackend> make_cpu_backend();
// Null with `why` when there is no OpenCL device (or no OpenCL in the build).
std::unique_ptr<OpsBackend> make_opencl_backend(std::string& why);

}  // namespace specmap::runtime::testing
