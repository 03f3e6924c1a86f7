// libFuzzer harness: a GGUF file's tensor table as the model reader checks it against the
// architecture (read_gguf_model: every tensor located, its shape and type checked), after
// parse_gguf has bounded each tensor's data by the file.
#include "fuzz/fuzz_input.h"
#include "runtime/formats/gguf_file.h"
#include "runtime/formats/gguf_model.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-tensors.gguf";
  auto file = specmap::formats::parse_gguf({data, size}, label);
  specmap::fuzz::check_result(file, label);
  if (!file) return 0;
  auto model = specmap::formats::read_gguf_model(*file);
  specmap::fuzz::check_result(model, label);
  if (!model) return 0;
  // What the runtime then reads: every tensor the model names lies inside the file, with the
  // size its shape and type give.
  auto inside = [&](const specmap::formats::GgufTensorInfo* t) {
    if (t == nullptr) return;
    if (t->data.size() != t->bytes || t->data.data() < data || t->data.data() + t->data.size() > data + size)
      __builtin_trap();
  };
  inside(model->embedding);
  inside(model->output_norm);
  inside(model->output);
  if (model->layers.size() != static_cast<std::size_t>(model->arch.layers)) __builtin_trap();
  for (const auto& layer : model->layers)
    for (const auto* t : {layer.attn_norm, layer.q, layer.k, layer.v, layer.q_bias, layer.k_bias,
                          layer.v_bias, layer.o, layer.ffn_norm, layer.gate, layer.up, layer.down})
      inside(t);
  return 0;
}
