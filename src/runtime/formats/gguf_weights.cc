#include "runtime/formats/gguf_weights.h"

#include <cstring>
#include <memory>

#include "runtime/formats/gguf_model.h"
#include "runtime/weights/synthetic_weights.h"

namespace specmap::runtime {

namespace {

TensorType runtime_type(formats::GgufTensorType t) {
  switch (t) {
    case formats::GgufTensorType::f32:
      return TensorType::f32;
    case formats::GgufTensorType::f16:
      return TensorType::f16;
    case formats::GgufTensorType::bf16:
      return TensorType::bf16;
    case formats::GgufTensorType::q8_0:
      return TensorType::q8_0;
    case formats::GgufTensorType::q4_0:
      return TensorType::q4_0;
  }
  return TensorType::f32;
}

Result<WeightTensor> matrix(const std::shared_ptr<const formats::GgufFile>& file,
                            const formats::GgufTensorInfo* t) {
  const auto bytes = std::as_bytes(t->data);
  auto view = WeightTensor::view(runtime_type(t->type), static_cast<std::size_t>(t->dims[1]),
                                 static_cast<std::size_t>(t->dims[0]), bytes, file);
  if (!view) return file->tensor_error(*t, view.error().message);
  return view;
}

// Rows of a llama file's Q or K back in Hugging Face's order: llama.cpp's converter stored head
// h's row h*hd + 2i + j from HF row h*hd + j*hd/2 + i (so ggml's adjacent-pair rope applies);
// the executor rotates half-split pairs (NEOX), so row h*hd + j*hd/2 + i is taken from there.
// This copies the matrix (Q and K only: about 7% of a Llama 3.2 1B's bytes).
WeightTensor neox_rows(const WeightTensor& m, std::size_t head_dim) {
  const std::size_t stride = m.row_stride();
  auto owned = std::make_shared<std::vector<std::byte>>(m.rows * stride);
  const std::size_t half = head_dim / 2;
  for (std::size_t r = 0; r < m.rows; ++r) {
    const std::size_t h = r / head_dim, within = r % head_dim;
    const std::size_t j = within / half, i = within % half;
    const std::size_t from = h * head_dim + 2 * i + j;
    std::memcpy(owned->data() + r * stride, m.bytes.data() + from * stride, stride);
  }
  std::span<const std::byte> bytes(owned->data(), owned->size());
  return *WeightTensor::view(m.type, m.rows, m.cols, bytes, owned);
}

std::vector<float> vector_of(const formats::GgufTensorInfo* t) {
  std::vector<float> v(static_cast<std::size_t>(t->elements()));
  std::memcpy(v.data(), t->data.data(), v.size() * sizeof(float));  // f32, checked by the model reader
  return v;
}

}  // namespace

Result<TransformerWeights> load_gguf_weights(const std::string& path, const std::string& fingerprint,
                                             const ModelArch& arch_in) {
  auto opened = formats::open_gguf(path);
  if (!opened) return opened.error();
  auto file = std::make_shared<const formats::GgufFile>(std::move(opened).value());
  if (!fingerprint.empty()) {
    const std::string now = formats::fingerprint_bytes(file->bytes());
    if (now != fingerprint)
      return Error{"the checkpoint changed since its model YAML was written (fnv1a64 " + now +
                       ", the YAML says " + fingerprint + "); run `specmap import gguf` again",
                   path};
  }
  auto model = formats::read_gguf_model(*file);
  if (!model) return model.error();
  const ModelArch arch = normalized_arch(arch_in);
  const ModelArch& f = model->arch;
  if (f.layers != arch.layers || f.d_model != arch.d_model || f.d_ff != arch.d_ff || f.heads != arch.heads ||
      f.kv_heads != arch.kv_heads || f.head_dim != arch.head_dim || f.vocab != arch.vocab ||
      f.tied_embeddings != arch.tied_embeddings)
    return Error{"the checkpoint's architecture (" + std::to_string(f.layers) + " layers, d_model " +
                     std::to_string(f.d_model) + ", vocab " + std::to_string(f.vocab) +
                     ") is not the model YAML's; run `specmap import gguf` again",
                 path};
  TransformerWeights w;
  w.arch = arch;
  w.arch.rope_style = RopeStyle::neox;  // Q/K rows of `normal` files are reordered below
  w.arch.attention_bias = f.attention_bias;
  auto embedding = matrix(file, model->embedding);
  if (!embedding) return embedding.error();
  w.embedding = std::move(embedding).value();
  for (const formats::GgufLayerTensors& l : model->layers) {
    LayerWeights layer;
    layer.attn_norm = vector_of(l.attn_norm);
    layer.mlp_norm = vector_of(l.ffn_norm);
    struct Slot {
      WeightTensor* out;
      const formats::GgufTensorInfo* in;
    };
    for (Slot s : {Slot{&layer.q_proj, l.q}, Slot{&layer.k_proj, l.k}, Slot{&layer.v_proj, l.v},
                   Slot{&layer.o_proj, l.o}, Slot{&layer.gate_proj, l.gate}, Slot{&layer.up_proj, l.up},
                   Slot{&layer.down_proj, l.down}}) {
      auto m = matrix(file, s.in);
      if (!m) return m.error();
      *s.out = std::move(m).value();
    }
    if (f.rope_style == RopeStyle::normal) {
      layer.q_proj = neox_rows(layer.q_proj, static_cast<std::size_t>(arch.head_dim));
      layer.k_proj = neox_rows(layer.k_proj, static_cast<std::size_t>(arch.head_dim));
    }
    if (l.q_bias) {
      layer.q_bias = vector_of(l.q_bias);
      layer.k_bias = vector_of(l.k_bias);
      layer.v_bias = vector_of(l.v_bias);
    }
    w.layers.push_back(std::move(layer));
  }
  w.final_norm = vector_of(model->output_norm);
  if (model->output) {
    auto head = matrix(file, model->output);
    if (!head) return head.error();
    w.lm_head = std::move(head).value();
  }
  if (Status st = check_weight_shapes(w); !st) return Error{st.error().message, path};
  pack_for_cpu(w);
  // Loading touched every page of the file (the fingerprint, the packing): hand them back.
  // What a forward pass still reads in place (unpacked tensors, a tied head's embedding rows)
  // comes back on first touch; the packed copies and owned reorders are what stays resident,
  // so resident memory stays near the checkpoint's size, not twice it.
  file->release(file->bytes());
  return w;
}

Result<TransformerWeights> model_weights(const ModelGraph& graph, std::uint64_t seed) {
  if (!graph.arch) return Error{"model '" + graph.name + "' has no architecture", graph.source_file};
  if (graph.weights) return load_gguf_weights(graph.weights->path, graph.weights->fingerprint, *graph.arch);
  return SyntheticWeights(seed).load(*graph.arch);
}

ExecutorOptions executor_options_for(const ModelGraph& graph) {
  ExecutorOptions options;
  if (graph.arch && graph.arch->rope_theta) options.rope_theta = *graph.arch->rope_theta;
  if (graph.arch && graph.arch->norm_eps) options.norm_eps = static_cast<float>(*graph.arch->norm_eps);
  return options;
}

}  // namespace specmap::runtime
