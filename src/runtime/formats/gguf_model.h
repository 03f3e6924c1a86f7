#pragma once
// A Llama-family decoder described by a GGUF file: the architecture from the metadata
// (`llama` and `qwen2`), every tensor the runtime needs located and its shape and type
// checked against that architecture.
//
// Rotary convention: llama.cpp's converter permutes the rows of Q and K of `llama` models
// from Hugging Face's half-split layout into ggml's "normal" rope, which rotates adjacent
// pairs (2i, 2i+1); `qwen2` files keep the Hugging Face order and ggml rotates them NEOX-style
// (i, i + head_dim/2). ModelArch::rope_style says which one a file needs.
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "describe/model.h"
#include "runtime/formats/gguf_file.h"

namespace specmap::formats {

// Tensors of one decoder layer; the biases only with attention_bias.
struct GgufLayerTensors {
  const GgufTensorInfo* attn_norm = nullptr;
  const GgufTensorInfo* q = nullptr;
  const GgufTensorInfo* k = nullptr;
  const GgufTensorInfo* v = nullptr;
  const GgufTensorInfo* q_bias = nullptr;
  const GgufTensorInfo* k_bias = nullptr;
  const GgufTensorInfo* v_bias = nullptr;
  const GgufTensorInfo* o = nullptr;
  const GgufTensorInfo* ffn_norm = nullptr;
  const GgufTensorInfo* gate = nullptr;
  const GgufTensorInfo* up = nullptr;
  const GgufTensorInfo* down = nullptr;
};

struct GgufModel {
  std::string architecture;  // "llama" or "qwen2"
  std::string name;          // general.name, empty when absent
  ModelArch arch;            // dtypes per tensor group, rope style, biases, epsilon, theta, context
  const GgufTensorInfo* embedding = nullptr;  // token_embd.weight [d_model x vocab] (ggml order)
  std::vector<GgufLayerTensors> layers;
  const GgufTensorInfo* output_norm = nullptr;
  const GgufTensorInfo* output = nullptr;  // nullptr when tied to the embedding
  // Tensors present but not used (e.g. rope_freqs.weight), for the user to see.
  std::vector<std::string> unused_tensors;
  // Set when the decoder blocks mix tensor types: arch.dtype is then the type of most of
  // their weights, and this says so.
  std::string mixed_block_types;
};

// The architecture and tensors of `file`; errors name the file, the key or tensor and the
// byte offset (missing key, unsupported architecture, a tensor missing, of the wrong shape or
// type, a vocabulary that disagrees with the embedding or the tokenizer).
Result<GgufModel> read_gguf_model(const GgufFile& file);

}  // namespace specmap::formats
