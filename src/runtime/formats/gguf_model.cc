#include "runtime/formats/gguf_model.h"

#include <limits>
#include <map>

#include "core/input_limits.h"

namespace specmap::formats {

namespace {

std::string dims_text(const std::vector<std::uint64_t>& dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

class ModelReader {
 public:
  explicit ModelReader(const GgufFile& file) : file_(file) {}

  Result<GgufModel> read() {
    auto arch_name = file_.string_value("general.architecture");
    if (!arch_name) return arch_name.error();
    model_.architecture = *arch_name;
    if (model_.architecture != "llama" && model_.architecture != "qwen2")
      return file_.key_error("general.architecture", "architecture '" + model_.architecture +
                                                         "' is not supported (llama and qwen2 are)");
    if (file_.find("general.name") != nullptr) {
      auto name = file_.string_value("general.name");
      if (!name) return name.error();
      model_.name = *name;
    }
    if (Status st = read_hyperparameters(); !st) return st.error();
    if (Status st = read_tensors(); !st) return st.error();
    if (Status st = check_tokenizer(); !st) return st.error();
    return model_;
  }

 private:
  std::string key(const std::string& suffix) const { return model_.architecture + "." + suffix; }

  // A positive size within `range`: the limits a model YAML has (docs/formats.md#limits), so
  // products such as heads * head_dim cannot overflow and the imported YAML loads.
  Result<std::int64_t> positive(const std::string& k, IntRange range = {1, std::int64_t(1) << 40}) {
    auto v = file_.uint_value(k);
    if (!v) return v.error();
    if (*v == 0) return file_.key_error(k, "expected a positive size, found 0");
    if (*v > static_cast<std::uint64_t>(range.max))
      return file_.key_error(k, "size " + std::to_string(*v) + " is above the largest specmap accepts (" +
                                    std::to_string(range.max) + ")");
    return static_cast<std::int64_t>(*v);
  }

  Status read_hyperparameters() {
    ModelArch& a = model_.arch;
    auto layers = positive(key("block_count"), limits::kLayers);
    if (!layers) return layers.error();
    auto d_model = positive(key("embedding_length"), limits::kWidth);
    if (!d_model) return d_model.error();
    auto d_ff = positive(key("feed_forward_length"), limits::kWidth);
    if (!d_ff) return d_ff.error();
    auto heads = positive(key("attention.head_count"), limits::kHeads);
    if (!heads) return heads.error();
    auto context = positive(key("context_length"), {1, std::numeric_limits<int>::max()});
    if (!context) return context.error();
    a.layers = *layers;
    a.d_model = *d_model;
    a.d_ff = *d_ff;
    a.heads = *heads;
    a.context_length = *context;
    a.kv_heads = a.heads;  // without the key: no grouped-query attention
    if (file_.find(key("attention.head_count_kv"))) {
      auto kv = positive(key("attention.head_count_kv"), limits::kHeads);
      if (!kv) return kv.error();
      if (a.heads % *kv != 0)
        return file_.key_error(key("attention.head_count_kv"),
                               std::to_string(*kv) + " KV heads do not divide the " +
                                   std::to_string(a.heads) + " attention heads");
      a.kv_heads = *kv;
    }
    // head_dim: the key length when given, else the rotary dimension count, else d_model / heads.
    std::optional<std::int64_t> key_length, rope_dims;
    if (file_.find(key("attention.key_length"))) {
      auto v = positive(key("attention.key_length"), limits::kWidth);
      if (!v) return v.error();
      key_length = *v;
      if (file_.find(key("attention.value_length"))) {
        auto vl = positive(key("attention.value_length"), limits::kWidth);
        if (!vl) return vl.error();
        if (*vl != *v)
          return file_.key_error(key("attention.value_length"), "value length " + std::to_string(*vl) +
                                                                    " differs from the key length " +
                                                                    std::to_string(*v) + ": not supported");
      }
    }
    if (file_.find(key("rope.dimension_count"))) {
      auto v = positive(key("rope.dimension_count"), limits::kWidth);
      if (!v) return v.error();
      rope_dims = *v;
    }
    if (key_length) {
      a.head_dim = *key_length;
    } else if (rope_dims) {
      a.head_dim = *rope_dims;
    } else {
      if (a.d_model % a.heads != 0)
        return file_.key_error(key("attention.key_length"),
                               "missing, and embedding_length is not a multiple of head_count");
      a.head_dim = a.d_model / a.heads;
    }
    if (rope_dims && *rope_dims != a.head_dim)
      return file_.key_error(key("rope.dimension_count"),
                             "rotary embeddings over " + std::to_string(*rope_dims) + " of " +
                                 std::to_string(a.head_dim) +
                                 " head dimensions (partial rotary) are not supported");
    if (a.head_dim % 2 != 0)
      return file_.key_error(key("attention.key_length"), "head dimension must be even");
    auto eps = file_.real_value(key("attention.layer_norm_rms_epsilon"));
    if (!eps) return eps.error();
    if (!(*eps > 0 && *eps < 1))
      return file_.key_error(key("attention.layer_norm_rms_epsilon"), "expected a small positive epsilon");
    a.norm_eps = *eps;
    a.rope_theta = 10000.0;  // llama.cpp's default when the key is absent
    if (file_.find(key("rope.freq_base"))) {
      auto theta = file_.real_value(key("rope.freq_base"));
      if (!theta) return theta.error();
      if (!(*theta > 1)) return file_.key_error(key("rope.freq_base"), "expected a rotary base above 1");
      a.rope_theta = *theta;
    }
    a.rope_style = model_.architecture == "qwen2" ? RopeStyle::neox : RopeStyle::normal;
    a.kv_dtype = DType::f32;
    return {};
  }

  const GgufTensorInfo* find(const std::string& name) {
    const GgufTensorInfo* t = file_.tensor(name);
    if (t) used_[name] = true;
    return t;
  }

  Error missing(const std::string& name) const {
    const std::uint64_t at = file_.tensors.empty() ? file_.metadata_end() : file_.tensors.front().info_offset;
    return Error{"tensor '" + name + "' is missing (the file's " + std::to_string(file_.tensors.size()) +
                     " tensor infos start at byte " + std::to_string(at) + ")",
                 file_.label};
  }

  // The tensor `name` with ggml dims `dims`; 1-D tensors (norms, biases) must be f32.
  Result<const GgufTensorInfo*> expect(const std::string& name, std::vector<std::uint64_t> dims,
                                       const std::string& meaning) {
    const GgufTensorInfo* t = find(name);
    if (t == nullptr) return missing(name);
    if (t->dims != dims)
      return file_.tensor_error(*t, "shape " + dims_text(t->dims) +
                                        " (ggml order) disagrees with the metadata, which gives " +
                                        dims_text(dims) + " (" + meaning + ")");
    if (dims.size() == 1 && t->type != GgufTensorType::f32)
      return file_.tensor_error(
          *t, "is " + std::string(gguf_tensor_type_name(t->type)) + "; norm weights and biases must be f32");
    return t;
  }

  Status read_tensors() {
    const ModelArch& a = model_.arch;
    const auto d = static_cast<std::uint64_t>(a.d_model);
    const auto ff = static_cast<std::uint64_t>(a.d_ff);
    const auto q_width = static_cast<std::uint64_t>(a.heads * a.head_dim);
    const auto kv_width = static_cast<std::uint64_t>(a.kv_heads * a.head_dim);

    const GgufTensorInfo* embd = find("token_embd.weight");
    if (embd == nullptr) return missing("token_embd.weight");
    if (embd->dims.size() != 2 || embd->dims[0] != d)
      return file_.tensor_error(*embd, "shape " + dims_text(embd->dims) +
                                           " (ggml order) disagrees with the metadata, which gives [" +
                                           std::to_string(d) + ", vocab] (embedding_length x vocabulary)");
    if (embd->dims[1] > (std::uint64_t(1) << 31))
      return file_.tensor_error(*embd,
                                "vocabulary of " + std::to_string(embd->dims[1]) + " tokens is too large");
    model_.embedding = embd;
    model_.arch.vocab = static_cast<std::int64_t>(embd->dims[1]);
    const std::uint64_t vocab = embd->dims[1];
    if (file_.find(key("vocab_size"))) {
      auto n = file_.uint_value(key("vocab_size"));
      if (!n) return n.error();
      if (*n != vocab)
        return file_.key_error(key("vocab_size"), "vocabulary of " + std::to_string(*n) +
                                                      " tokens disagrees with tensor 'token_embd.weight' (" +
                                                      std::to_string(vocab) + " rows)");
    }

    std::map<GgufTensorType, std::uint64_t> block_elements;
    bool any_bias = false, all_bias = true;
    for (std::int64_t i = 0; i < a.layers; ++i) {
      const std::string p = "blk." + std::to_string(i) + ".";
      GgufLayerTensors layer;
      struct Want {
        const GgufTensorInfo** slot;
        std::string name;
        std::vector<std::uint64_t> dims;
        const char* meaning;
      };
      const Want wants[] = {
          {&layer.attn_norm, p + "attn_norm.weight", {d}, "embedding_length"},
          {&layer.q, p + "attn_q.weight", {d, q_width}, "embedding_length x head_count * head_dim"},
          {&layer.k, p + "attn_k.weight", {d, kv_width}, "embedding_length x head_count_kv * head_dim"},
          {&layer.v, p + "attn_v.weight", {d, kv_width}, "embedding_length x head_count_kv * head_dim"},
          {&layer.o, p + "attn_output.weight", {q_width, d}, "head_count * head_dim x embedding_length"},
          {&layer.ffn_norm, p + "ffn_norm.weight", {d}, "embedding_length"},
          {&layer.gate, p + "ffn_gate.weight", {d, ff}, "embedding_length x feed_forward_length"},
          {&layer.up, p + "ffn_up.weight", {d, ff}, "embedding_length x feed_forward_length"},
          {&layer.down, p + "ffn_down.weight", {ff, d}, "feed_forward_length x embedding_length"},
      };
      for (const Want& w : wants) {
        auto t = expect(w.name, w.dims, w.meaning);
        if (!t) return t.error();
        *w.slot = *t;
        if (w.dims.size() == 2) block_elements[(*t)->type] += (*t)->elements();
      }
      const bool has_bias = file_.tensor(p + "attn_q.bias") || file_.tensor(p + "attn_k.bias") ||
                            file_.tensor(p + "attn_v.bias");
      any_bias = any_bias || has_bias;
      all_bias = all_bias && has_bias;
      if (has_bias) {
        const Want biases[] = {{&layer.q_bias, p + "attn_q.bias", {q_width}, "head_count * head_dim"},
                               {&layer.k_bias, p + "attn_k.bias", {kv_width}, "head_count_kv * head_dim"},
                               {&layer.v_bias, p + "attn_v.bias", {kv_width}, "head_count_kv * head_dim"}};
        for (const Want& w : biases) {
          auto t = expect(w.name, w.dims, w.meaning);
          if (!t) return t.error();
          *w.slot = *t;
        }
      }
      model_.layers.push_back(layer);
    }
    if (any_bias && !all_bias) {
      for (std::int64_t i = 0; i < a.layers; ++i)
        if (!model_.layers[static_cast<std::size_t>(i)].q_bias)
          return missing("blk." + std::to_string(i) + ".attn_q.bias");
    }
    if (model_.architecture == "qwen2" && !any_bias && a.layers > 0) return missing("blk.0.attn_q.bias");
    model_.arch.attention_bias = any_bias;

    auto norm = expect("output_norm.weight", {d}, "embedding_length");
    if (!norm) return norm.error();
    model_.output_norm = *norm;
    if (file_.tensor("output.weight")) {
      auto out = expect("output.weight", {d, vocab}, "embedding_length x vocabulary");
      if (!out) return out.error();
      model_.output = *out;
    }

    // Types per tensor group: blocks by the type of most of their weights.
    DType blocks = DType::f32;
    std::uint64_t most = 0;
    for (const auto& [type, n] : block_elements)
      if (n > most) {
        most = n;
        blocks = gguf_tensor_dtype(type);
      }
    if (block_elements.size() > 1) {
      std::uint64_t total = 0;
      for (const auto& entry : block_elements) total += entry.second;
      std::string mix;
      for (const auto& [type, n] : block_elements)
        mix += (mix.empty() ? "" : ", ") + std::string(gguf_tensor_type_name(type)) + " " +
               std::to_string(n * 100 / total) + "%";
      model_.mixed_block_types = "decoder block weights mix types (" + mix + ")";
    }
    ModelArch& arch = model_.arch;
    arch.dtype = blocks;
    arch.tied_embeddings = model_.output == nullptr;
    const DType embedding = gguf_tensor_dtype(embd->type);
    if (embedding != blocks) arch.embedding_dtype = embedding;
    if (model_.output && gguf_tensor_dtype(model_.output->type) != blocks)
      arch.head_dtype = gguf_tensor_dtype(model_.output->type);

    for (const GgufTensorInfo& t : file_.tensors)
      if (!used_.count(t.name)) model_.unused_tensors.push_back(t.name);
    return {};
  }

  Status check_tokenizer() {
    const GgufKeyValue* tokens = file_.find("tokenizer.ggml.tokens");
    if (tokens == nullptr) return {};
    if (tokens->value.type != GgufValueType::array || tokens->value.element_type != GgufValueType::string)
      return file_.key_error("tokenizer.ggml.tokens", "expected an array of strings");
    const std::size_t n = tokens->value.strings.size();
    if (n != static_cast<std::size_t>(model_.arch.vocab))
      return file_.key_error("tokenizer.ggml.tokens", "the tokenizer has " + std::to_string(n) +
                                                          " tokens but tensor 'token_embd.weight' has " +
                                                          std::to_string(model_.arch.vocab) +
                                                          " rows (the vocabulary sizes disagree)");
    return {};
  }

  const GgufFile& file_;
  GgufModel model_;
  std::map<std::string, bool> used_;
};

}  // namespace

Result<GgufModel> read_gguf_model(const GgufFile& file) { return ModelReader(file).read(); }

}  // namespace specmap::formats
