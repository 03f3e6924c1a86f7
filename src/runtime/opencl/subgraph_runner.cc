// OpenClSubgraphRunner: the device side of an executor (see opencl_subgraphs.h).
#include <chrono>
#include <memory>
#include <optional>

#include "runtime/opencl/buffer.h"
#include "runtime/opencl/device_block.h"
#include "runtime/opencl/device_kv_cache.h"
#include "runtime/opencl/opencl_subgraphs.h"
#include "runtime/opencl/ops.h"
#include "runtime/opencl/queue.h"
#include "runtime/opencl/transfer_probe.h"

namespace specmap::runtime {

using namespace ocl;

struct OpenClSubgraphRunner::Impl {
  std::shared_ptr<const TransformerWeights> weights;
  BlockShape shape;
  OpenClSubgraphSet set;
  std::unique_ptr<OpenClQueue> queue;
  RotaryTable rotary;
  DeviceMatrix embedding;  // the embedding or a tied head (interleaved, in the stored f32 or f16)
  std::vector<std::optional<DeviceLayerWeights>> layers;
  DeviceBuffer final_norm;
  DeviceMatrix lm_head;  // an untied head
  DeviceKvCache cache;
  DeviceBlockScratch scratch;
  DeviceBuffer hidden;  // [rows x d_model], rows of the current pass
  DeviceBuffer tokens;
  DeviceBuffer head_normed;
  DeviceBuffer logits;
  std::size_t rows = 0;
  bool any_layer = false;
  // Mapping measured faster than the driver's copy on this device (boundary_path() in
  // transfer_probe.h): the boundary tensors (hidden state, logits) live in
  // CL_MEM_ALLOC_HOST_PTR buffers and cross the PU boundary by mapping.
  bool mapped = false;

  [[nodiscard]] DeviceSpan hidden_span() const { return hidden.span(0, rows * shape.d_model); }
};

namespace {

using Clock = std::chrono::steady_clock;

Seconds since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

Result<DeviceBuffer> upload(OpenClQueue& queue, const std::vector<float>& values) {
  return DeviceBuffer::upload(queue.context(), queue.get(), values);
}

}  // namespace

OpenClSubgraphRunner::OpenClSubgraphRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
OpenClSubgraphRunner::~OpenClSubgraphRunner() = default;

Result<std::unique_ptr<OpenClSubgraphRunner>> OpenClSubgraphRunner::create(
    std::shared_ptr<OpenClDevice> device, std::shared_ptr<const TransformerWeights> weights, const BlockShape& shape,
    std::span<const float> rotary_inverse_frequencies, const OpenClSubgraphSet& set) {
  if (!device) return Error{"OpenCL runner: no device given"};
  if (!weights) return Error{"OpenCL runner: no weights given"};
  const std::size_t layer_count = weights->layers.size();
  if (!set.layers.empty() && set.layers.size() != layer_count)
    return Error{"OpenCL runner: the subgraph set names " + std::to_string(set.layers.size()) + " layers, the model has " +
                 std::to_string(layer_count)};
  auto impl = std::make_unique<Impl>();
  impl->weights = weights;
  impl->shape = shape;
  impl->set = set;
  impl->set.layers.resize(layer_count, false);
  auto queue = OpenClQueue::create(std::move(device));
  if (!queue) return queue.error();
  impl->queue = std::move(queue).value();
  OpenClQueue& q = *impl->queue;
  impl->mapped = boundary_path(q.shared_device()) == BoundaryPath::map;
  const std::size_t attention_limit = kAttentionDimsPerItem * q.group_size(KernelId::attention);
  if (shape.attention.head_dim > attention_limit)
    return Error{"OpenCL runner: head_dim " + std::to_string(shape.attention.head_dim) + " exceeds " +
                 std::to_string(attention_limit) + ", what the attention kernel holds on '" + q.device().info().label() +
                 "'"};

  const TransformerWeights& w = *weights;
  if (set.embedding || (set.head && w.arch.tied_embeddings)) {
    auto table = upload_matrix(q, w.embedding);
    if (!table) return table.error();
    impl->embedding = std::move(table).value();
  }
  impl->layers.resize(layer_count);
  for (std::size_t l = 0; l < layer_count; ++l) {
    if (!impl->set.layers[l]) continue;
    auto layer = DeviceLayerWeights::upload(q, w.layers[l]);
    if (!layer) return layer.error();
    impl->layers[l] = std::move(layer).value();
    impl->any_layer = true;
  }
  if (set.head) {
    auto norm = upload(q, w.final_norm);
    if (!norm) return norm.error();
    impl->final_norm = std::move(norm).value();
    if (!w.arch.tied_embeddings) {
      auto head = upload_matrix(q, w.lm_head);
      if (!head) return head.error();
      impl->lm_head = std::move(head).value();
    }
  }
  impl->cache = DeviceKvCache(impl->set.layers, shape.attention.kv_heads * shape.attention.head_dim);
  impl->rotary = RotaryTable(std::vector<float>(rotary_inverse_frequencies.begin(), rotary_inverse_frequencies.end()));
  if (Status s = q.finish(); !s) return s.error();
  return std::unique_ptr<OpenClSubgraphRunner>(new OpenClSubgraphRunner(std::move(impl)));
}

const OpenClDevice& OpenClSubgraphRunner::device() const { return impl_->queue->device(); }
const std::shared_ptr<OpenClDevice>& OpenClSubgraphRunner::shared_device() const {
  return impl_->queue->shared_device();
}

Status OpenClSubgraphRunner::begin_pass(std::size_t rows, std::size_t first_position) {
  Impl& m = *impl_;
  OpenClQueue& q = *m.queue;
  for (std::size_t l = 0; l < m.layers.size(); ++l)
    if (m.set.layers[l] && m.cache.positions(l) != first_position)
      return Error{"OpenCL runner: layer " + std::to_string(l) + " holds " + std::to_string(m.cache.positions(l)) +
                   " positions, the pass starts at " + std::to_string(first_position)};
  m.rows = rows;
  if (Status s = ensure_size(m.hidden, q.context(), q.get(), rows * m.shape.d_model, m.mapped); !s) return s;
  if (m.any_layer) {
    if (Status s = m.cache.reserve(q, first_position + rows); !s) return s;
    if (Status s = m.rotary.ensure(q, first_position + rows); !s) return s;
  }
  return q.finish();
}

Status OpenClSubgraphRunner::embed(std::span<const int> tokens) {
  Impl& m = *impl_;
  OpenClQueue& q = *m.queue;
  if (!m.set.embedding) return Error{"OpenCL runner: the embedding is not placed on this device"};
  if (tokens.size() != m.rows) return Error{"OpenCL runner: embed of " + std::to_string(tokens.size()) +
                                            " tokens in a pass of " + std::to_string(m.rows) + " rows"};
  if (Status s = ensure_size(m.tokens, q.context(), q.get(), tokens.size()); !s) return s;
  if (Status s = write_ints(q.get(), m.tokens.span(0, tokens.size()), tokens); !s) return s;
  if (Status s = embedding_lookup(q, m.embedding, m.shape.d_model, m.tokens.span(0, tokens.size()),
                                  m.hidden_span());
      !s)
    return s;
  return q.finish();
}

Status OpenClSubgraphRunner::upload_hidden(std::span<const float> hidden) {
  Impl& m = *impl_;
  if (hidden.size() != m.rows * m.shape.d_model) return Error{"OpenCL runner: hidden state of the wrong size"};
  return m.mapped ? write_floats_mapped(m.queue->get(), m.hidden_span(), hidden)
                  : write_floats(m.queue->get(), m.hidden_span(), hidden);
}

Status OpenClSubgraphRunner::download_hidden(std::span<float> hidden) {
  Impl& m = *impl_;
  if (hidden.size() != m.rows * m.shape.d_model) return Error{"OpenCL runner: hidden state of the wrong size"};
  if (m.mapped) {
    // The map waits for the queue's earlier commands (in order) like the blocking read does.
    return read_floats_mapped(m.queue->get(), m.hidden_span(), hidden);
  }
  return read_floats(m.queue->get(), m.hidden_span(), hidden);
}

Status OpenClSubgraphRunner::run_block(std::size_t layer, std::size_t first_position, BlockOpTimes* op_times) {
  Impl& m = *impl_;
  if (layer >= m.layers.size() || !m.layers[layer])
    return Error{"OpenCL runner: layer " + std::to_string(layer) + " is not placed on this device"};
  if (Status s = run_device_decoder_block(*m.queue, m.hidden_span(), first_position, *m.layers[layer], m.shape,
                                          m.rotary, m.cache, layer, m.scratch, op_times);
      !s)
    return s;
  return m.queue->finish();
}

Status OpenClSubgraphRunner::run_head(std::size_t last_rows, std::span<float> logits, Seconds* norm_seconds,
                                      Seconds* head_seconds) {
  Impl& m = *impl_;
  OpenClQueue& q = *m.queue;
  if (!m.set.head) return Error{"OpenCL runner: the head is not placed on this device"};
  const std::size_t d = m.shape.d_model;
  const auto vocab = static_cast<std::size_t>(m.weights->arch.vocab);
  if (last_rows < 1 || last_rows > m.rows || logits.size() != last_rows * vocab)
    return Error{"OpenCL runner: head of " + std::to_string(last_rows) + " rows in a pass of " +
                 std::to_string(m.rows)};
  const Clock::time_point start = Clock::now();
  if (Status s = ensure_size(m.head_normed, q.context(), q.get(), last_rows * d); !s) return s;
  if (Status s = ensure_size(m.logits, q.context(), q.get(), last_rows * vocab, m.mapped); !s) return s;
  const DeviceSpan last = m.hidden_span().subspan((m.rows - last_rows) * d, last_rows * d);
  const DeviceSpan normed = m.head_normed.span(0, last_rows * d);
  const DeviceSpan out = m.logits.span(0, last_rows * vocab);
  if (Status s = rms_norm(q, last, m.final_norm.span(), m.shape.norm_eps, normed); !s) return s;
  Clock::time_point normed_at = start;
  if (norm_seconds != nullptr) {
    if (Status s = q.finish(); !s) return s;
    normed_at = Clock::now();
    *norm_seconds = std::chrono::duration<double>(normed_at - start).count();
  }
  // A tied head is the embedding table itself.
  const Status product = m.weights->arch.tied_embeddings
                             ? linear(q, normed, last_rows, m.embedding, d, vocab, out)
                             : linear(q, normed, last_rows, m.lm_head, d, vocab, out);
  if (Status s = product; !s) return s;
  // Sampling runs on the host: the logits come back inside the head's time (blocking read).
  if (Status r = m.mapped ? read_floats_mapped(q.get(), out, logits) : read_floats(q.get(), out, logits); !r)
    return r;
  if (head_seconds != nullptr) *head_seconds = since(normed_at);
  return {};
}

void OpenClSubgraphRunner::truncate(std::size_t positions) { impl_->cache.truncate(positions); }

}  // namespace specmap::runtime
