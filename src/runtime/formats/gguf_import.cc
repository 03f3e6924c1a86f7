#include "runtime/formats/gguf_import.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/format.h"
#include "describe/loaders.h"
#include "runtime/formats/gguf_model.h"

namespace specmap::formats {

namespace {

namespace fs = std::filesystem;

// The shortest decimal that reads back as the same f32 (metadata floats are f32: 1e-05, not
// 9.99999974737875e-06), or as the same double for f64 values.
std::string short_number(double value) {
  const bool is_float = static_cast<double>(static_cast<float>(value)) == value;
  char buf[40];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    const double back = std::strtod(buf, nullptr);
    if (back == value || (is_float && static_cast<float>(back) == static_cast<float>(value))) return buf;
  }
  return buf;
}

double parameter_count(const GgufFile& file) {
  double n = 0;
  for (const GgufTensorInfo& t : file.tensors) n += double(t.elements());
  return n;
}

}  // namespace

Result<GgufImport> import_gguf_model(const std::string& gguf_path, const std::string& yaml_path,
                                     const std::string& name_in) {
  auto file = open_gguf(gguf_path);
  if (!file) return file.error();
  auto model = read_gguf_model(*file);
  if (!model) return model.error();
  auto fp = fingerprint_file(gguf_path);
  if (!fp) return fp.error();

  const ModelArch& a = model->arch;
  const std::string name = name_in.empty() ? fs::path(yaml_path).stem().string() : name_in;
  std::error_code ec;
  fs::path yaml_dir = fs::absolute(fs::path(yaml_path), ec).parent_path();
  fs::path checkpoint = fs::absolute(fs::path(gguf_path), ec).lexically_normal();
  std::string weights_file = checkpoint.lexically_relative(yaml_dir.lexically_normal()).string();
  if (weights_file.empty()) weights_file = checkpoint.string();

  const double params = parameter_count(*file);
  std::string description =
      "Imported from " + fs::path(gguf_path).filename().string() + " (" + model->architecture;
  if (!model->name.empty()) description += ", general.name '" + model->name + "'";
  description += ", " + short_number(params / 1e6) + "M parameters)";

  std::string y;
  y += "# Written by `specmap import gguf " + fs::path(gguf_path).filename().string() + "`.\n";
  y += "# Rotary style " + std::string(rope_style_name(a.rope_style)) + ": " +
       (a.rope_style == RopeStyle::normal
            ? "llama.cpp's converter permuted Q/K rows so ggml rotates adjacent pairs.\n"
            : "half-split pairs (i, i + head_dim/2), as Hugging Face stores them.\n");
  if (!model->mixed_block_types.empty())
    y += "# " + model->mixed_block_types + "; dtypes.blocks is the type of most of them.\n";
  if (!model->unused_tensors.empty()) {
    y += "# Tensors in the file the runtime does not use:";
    for (const std::string& t : model->unused_tensors) y += " " + t;
    y += "\n";
  }
  y += "version: 1\n";
  y += "name: " + yaml_quoted(name) + "\n";
  y += "description: " + yaml_quoted(description) + "\n";
  y += "architecture:\n";
  y += "  layers: " + std::to_string(a.layers) + "\n";
  y += "  d_model: " + std::to_string(a.d_model) + "\n";
  y += "  d_ff: " + std::to_string(a.d_ff) + "\n";
  y += "  heads: " + std::to_string(a.heads) + "\n";
  y += "  kv_heads: " + std::to_string(a.kv_heads) + "\n";
  y += "  head_dim: " + std::to_string(a.head_dim) + "\n";
  y += "  vocab: " + std::to_string(a.vocab) + "\n";
  y += "  dtypes:\n";
  y += "    embedding: " + std::string(dtype_name(a.embedding_type())) + "\n";
  y += "    blocks: " + std::string(dtype_name(a.dtype)) + "\n";
  y += "    head: " + std::string(dtype_name(a.head_type())) + "\n";
  y += "  kv_dtype: f32\n";
  y += std::string("  tied_embeddings: ") + (a.tied_embeddings ? "true" : "false") + "\n";
  y += std::string("  attention_bias: ") + (a.attention_bias ? "true" : "false") + "\n";
  y += "  rope_theta: " + short_number(*a.rope_theta) + "\n";
  y += "  rope_style: " + std::string(rope_style_name(a.rope_style)) + "\n";
  y += "  norm_eps: " + short_number(*a.norm_eps) + "\n";
  y += "  context_length: " + std::to_string(a.context_length) + "\n";
  y += "weights:\n";
  y += "  file: " + yaml_quoted(weights_file) + "\n";
  y += "  fingerprint: \"" + *fp + "\"\n";

  // What is written must load as it will be read.
  auto check = parse_model(y, yaml_path);
  if (!check)
    return Error{"the model YAML written for this checkpoint does not load: " + check.error().format(),
                 gguf_path};
  GgufImport out;
  out.yaml = y;
  out.summary = model->architecture + ", " + std::to_string(a.layers) + " layers, d_model " +
                std::to_string(a.d_model) + ", vocab " + std::to_string(a.vocab) + ", " +
                short_number(params / 1e6) + "M parameters; embedding " +
                std::string(dtype_name(a.embedding_type())) + ", blocks " + std::string(dtype_name(a.dtype)) +
                ", head " + std::string(dtype_name(a.head_type())) + (a.tied_embeddings ? " (tied)" : "");
  return out;
}

}  // namespace specmap::formats
