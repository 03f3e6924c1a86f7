#pragma once
// The subgraphs of one executor that run on one OpenCL device: what the executor calls
// when a step is placed there. Holds the executor's own command queue and kernels, the
// device copies of the weights those subgraphs need (uploaded once), the device KV cache of
// their layers and the device-resident hidden state. No OpenCL types here, so the executor
// builds with or without OpenCL (without it create() fails, see opencl_device.h).
//
// Synchronisation: every call returns with its work finished (clFinish), so the caller's
// host clock around a call times the device work; between ops of a block the queue is only
// finished when op times are asked for.
#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/units.h"
#include "runtime/executor/decoder_block.h"
#include "runtime/opencl/opencl_device.h"
#include "runtime/weights/weights.h"

namespace specmap::runtime {

// Which subgraphs of the model run on the device.
struct OpenClSubgraphSet {
  bool embedding = false;
  std::vector<bool> layers;  // per decoder layer
  bool head = false;
};

class OpenClSubgraphRunner {
 public:
  // Uploads the weights `set` needs: the embedding table for the embedding or a tied head,
  // the layers' weights, the final norm and an untied LM head.
  static Result<std::unique_ptr<OpenClSubgraphRunner>> create(std::shared_ptr<OpenClDevice> device,
                                                              std::shared_ptr<const TransformerWeights> weights,
                                                              const BlockShape& shape,
                                                              std::span<const float> rotary_inverse_frequencies,
                                                              const OpenClSubgraphSet& set);
  ~OpenClSubgraphRunner();
  OpenClSubgraphRunner(const OpenClSubgraphRunner&) = delete;
  OpenClSubgraphRunner& operator=(const OpenClSubgraphRunner&) = delete;

  // Before a pass over `rows` rows at positions first_position..: sizes the hidden state,
  // the device KV cache (growth copies what it holds) and the rotary tables. Every layer of
  // the set must hold exactly first_position positions.
  Status begin_pass(std::size_t rows, std::size_t first_position);

  // hidden[rows x d_model] = rows `tokens` of the embedding table; the tokens are uploaded
  // here (inside the embedding's time). They must be inside the vocabulary.
  Status embed(std::span<const int> tokens);
  // Moves the boundary tensor [rows x d_model] to / from the device (blocking).
  Status upload_hidden(std::span<const float> hidden);
  Status download_hidden(std::span<float> hidden);
  // The decoder block of `layer` on the device hidden state; op_times as run_decoder_block.
  Status run_block(std::size_t layer, std::size_t first_position, BlockOpTimes* op_times);
  // Final norm of the last `last_rows` rows and the LM head; the logits [last_rows x vocab]
  // are read back into `logits` (sampling runs on the host), inside the head's time.
  // norm_seconds / head_seconds, when given, receive the split (queue finished between).
  Status run_head(std::size_t last_rows, std::span<float> logits, Seconds* norm_seconds = nullptr,
                  Seconds* head_seconds = nullptr);
  // Keeps the first `positions` positions of every device layer's KV cache.
  void truncate(std::size_t positions);

  [[nodiscard]] const OpenClDevice& device() const;
  [[nodiscard]] const std::shared_ptr<OpenClDevice>& shared_device() const;

  struct Impl;

 private:
  explicit OpenClSubgraphRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace specmap::runtime
