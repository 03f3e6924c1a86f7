// load_model / parse_model: a model from architecture hyperparameters or explicit subgraphs.
#include <filesystem>
#include <map>
#include <set>

#include "core/input_limits.h"
#include "describe/loaders.h"
#include "describe/subgraph_dag.h"
#include "describe/yaml_reader.h"

namespace specmap {

namespace {

// `dtypes: {embedding, blocks, head}`: per tensor group, over `dtype`.
void read_group_dtypes(const YamlValue& v, ModelArch& arch, bool have_dtype) {
  v.expect_map({"embedding", "blocks", "head"});
  if (auto blocks = v.find("blocks")) {
    arch.dtype = blocks->as_dtype();
  } else if (!have_dtype) {
    v.fail("give 'dtype' or 'dtypes.blocks'");
  }
  if (auto embedding = v.find("embedding")) arch.embedding_dtype = embedding->as_dtype();
  if (auto head = v.find("head")) {
    arch.head_dtype = head->as_dtype();
    if (arch.tied_embeddings && *arch.head_dtype != arch.embedding_type())
      head->fail("a tied LM head is the embedding table: its type is the embedding's (" +
                 std::string(dtype_name(arch.embedding_type())) + ")");
  }
}

ModelArch read_architecture(const YamlValue& v) {
  v.expect_map({"layers", "d_model", "d_ff", "heads", "kv_heads", "vocab", "dtype", "dtypes", "tied_embeddings",
                "head_dim", "kv_dtype", "encoder_layers", "attention_bias", "rope_theta", "rope_style", "norm_eps",
                "context_length"});
  ModelArch arch;
  arch.layers = v.at("layers").as_int(limits::kLayers);
  arch.d_model = v.at("d_model").as_int(limits::kWidth);
  arch.d_ff = v.at("d_ff").as_int(limits::kWidth);
  arch.heads = v.at("heads").as_int(limits::kHeads);
  YamlValue kv_heads = v.at("kv_heads");
  arch.kv_heads = kv_heads.as_int(limits::kHeads);
  if (arch.heads % arch.kv_heads != 0) kv_heads.fail("heads must be a multiple of kv_heads");
  arch.vocab = v.at("vocab").as_int(limits::kVocab);
  if (auto tied = v.find("tied_embeddings")) arch.tied_embeddings = tied->as_bool();
  std::optional<YamlValue> dtype = v.find("dtype");
  std::optional<YamlValue> dtypes = v.find("dtypes");
  if (dtype) arch.dtype = dtype->as_dtype();
  if (dtypes)
    read_group_dtypes(*dtypes, arch, dtype.has_value());
  else if (!dtype)
    (void)v.at("dtype");  // reports the missing key
  if (auto bias = v.find("attention_bias")) arch.attention_bias = bias->as_bool();
  if (auto theta = v.find("rope_theta")) arch.rope_theta = theta->as_positive();
  if (auto style = v.find("rope_style"))
    arch.rope_style = style->as_choice({"neox", "normal"}) == 0 ? RopeStyle::neox : RopeStyle::normal;
  if (auto eps = v.find("norm_eps")) arch.norm_eps = eps->as_positive();
  if (auto context = v.find("context_length")) arch.context_length = context->as_positive_int();
  if (auto head_dim = v.find("head_dim")) {
    arch.head_dim = head_dim->as_int(limits::kWidth);
  } else {
    if (arch.d_model % arch.heads != 0)
      v.at("heads").fail("d_model is not a multiple of heads; give head_dim explicitly");
    arch.head_dim = arch.d_model / arch.heads;
  }
  if (auto kv_dtype = v.find("kv_dtype")) arch.kv_dtype = kv_dtype->as_dtype();
  if (auto encoder = v.find("encoder_layers")) arch.encoder_layers = encoder->as_int(limits::kEncoderLayers);
  return arch;
}

Op read_op(const YamlValue& v) {
  if (!v.node().IsMap()) v.fail("expected a map describing an op");
  Op op;
  op.kind = static_cast<OpKind>(
      v.at("kind").as_choice({"matmul", "attention", "norm", "elementwise", "embedding"}));
  switch (op.kind) {
    case OpKind::matmul:
      v.expect_map({"name", "kind", "dtype", "in_features", "out_features"});
      op.dtype = v.at("dtype").as_dtype();
      op.in_features = v.at("in_features").as_int(limits::kFeatures);
      op.out_features = v.at("out_features").as_int(limits::kFeatures);
      break;
    case OpKind::attention:
      v.expect_map({"name", "kind", "dtype", "heads", "kv_heads", "head_dim", "kv_dtype"});
      op.heads = v.at("heads").as_int(limits::kHeads);
      op.kv_heads = v.at("kv_heads").as_int(limits::kHeads);
      op.head_dim = v.at("head_dim").as_int(limits::kWidth);
      if (auto kv_dtype = v.find("kv_dtype")) op.kv_dtype = kv_dtype->as_dtype();
      op.dtype = op.kv_dtype;
      if (auto dtype = v.find("dtype")) op.dtype = dtype->as_dtype();
      break;
    case OpKind::norm:
    case OpKind::elementwise:
      v.expect_map({"name", "kind", "dtype", "width", "flops_per_element"});
      op.width = v.at("width").as_int(limits::kFeatures);
      op.flops_per_element = op.kind == OpKind::norm ? 4.0 : 1.0;  // RMSNorm ~4, add ~1
      if (auto fpe = v.find("flops_per_element")) op.flops_per_element = fpe->as_non_negative();
      if (auto dtype = v.find("dtype")) op.dtype = dtype->as_dtype();
      break;
    case OpKind::embedding:
      v.expect_map({"name", "kind", "dtype", "vocab", "width"});
      op.dtype = v.at("dtype").as_dtype();
      op.vocab = v.at("vocab").as_int(limits::kVocab);
      op.width = v.at("width").as_int(limits::kWidth);
      break;
  }
  op.name = v.at("name").as_string();
  return op;
}

struct ParsedSubgraph {
  Subgraph subgraph;
  std::vector<YamlValue> inputs;
  std::optional<YamlValue> shares_weights_with;
  YamlValue where;
};

ParsedSubgraph read_subgraph(const YamlValue& v) {
  v.expect_map({"name", "kind", "inputs", "output_bytes_per_token", "shares_weights_with", "ops"});
  ParsedSubgraph parsed{{}, {}, v.find("shares_weights_with"), v};
  Subgraph& subgraph = parsed.subgraph;
  subgraph.name = v.at("name").as_string();
  subgraph.kind = static_cast<SubgraphKind>(
      v.at("kind").as_choice({"embedding", "decoder_block", "encoder_block", "head", "custom"}));
  if (auto inputs = v.find("inputs")) parsed.inputs = inputs->items(true);
  subgraph.output_bytes_per_token = v.at("output_bytes_per_token").as_positive();
  std::set<std::string> op_names;
  for (const YamlValue& o : v.at("ops").items()) {
    subgraph.ops.push_back(read_op(o));
    if (!op_names.insert(subgraph.ops.back().name).second)
      o.at("name").fail("op name '" + subgraph.ops.back().name + "' is used twice in this subgraph");
  }
  return parsed;
}

// The type most matmuls use (ties: the earlier type in kAllDTypes); else the embedding's; else f32.
DType dominant_dtype(const std::vector<Subgraph>& subgraphs) {
  std::map<DType, int> matmuls;
  std::optional<DType> embedding;
  for (const Subgraph& s : subgraphs)
    for (const Op& op : s.ops) {
      if (op.kind == OpKind::matmul) ++matmuls[op.dtype];
      if (op.kind == OpKind::embedding && !embedding) embedding = op.dtype;
    }
  std::optional<DType> best;
  for (DType t : kAllDTypes)
    if (matmuls[t] > 0 && (!best || matmuls[t] > matmuls[*best])) best = t;
  return best.value_or(embedding.value_or(DType::f32));
}

void read_subgraphs(const YamlValue& list, ModelGraph& model) {
  std::vector<ParsedSubgraph> parsed;
  std::map<std::string, std::size_t> index_of;
  for (const YamlValue& v : list.items()) {
    parsed.push_back(read_subgraph(v));
    if (!index_of.emplace(parsed.back().subgraph.name, parsed.size() - 1).second)
      v.at("name").fail("subgraph name '" + parsed.back().subgraph.name + "' is used twice");
  }
  auto resolve = [&](const YamlValue& reference) {
    std::string name = reference.as_string();
    auto it = index_of.find(name);
    if (it == index_of.end()) reference.fail("subgraph '" + name + "' is not defined");
    return it->second;
  };

  std::vector<std::string> names;
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  std::vector<std::optional<std::size_t>> shares(parsed.size());
  for (std::size_t i = 0; i < parsed.size(); ++i) {
    names.push_back(parsed[i].subgraph.name);
    for (const YamlValue& input : parsed[i].inputs) edges.emplace_back(resolve(input), i);
    if (parsed[i].shares_weights_with) {
      shares[i] = resolve(*parsed[i].shares_weights_with);
      if (*shares[i] == i) parsed[i].shares_weights_with->fail("a subgraph cannot share weights with itself");
    }
  }

  Result<std::vector<std::size_t>> order = topological_subgraph_order(names, edges);
  if (!order) {
    // Report the cycle at a subgraph on it.
    std::string message = order.error().message;
    for (std::size_t i = 0; i < parsed.size(); ++i)
      if (message.find("'" + names[i] + "'") != std::string::npos) parsed[i].where.fail(message);
    list.fail(message);
  }
  std::vector<std::size_t> new_index(parsed.size());
  for (std::size_t position = 0; position < order->size(); ++position)
    new_index[(*order)[position]] = position;
  for (std::size_t old_index : *order) {
    Subgraph subgraph = std::move(parsed[old_index].subgraph);
    if (shares[old_index]) subgraph.shares_weights_with = new_index[*shares[old_index]];
    model.subgraphs.push_back(std::move(subgraph));
  }
  for (const auto& [from, to] : edges) model.edges.emplace_back(new_index[from], new_index[to]);
  model.dtype = dominant_dtype(model.subgraphs);
}

bool is_hex_fingerprint(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// `weights: {file, fingerprint}`: the file relative to the model YAML's folder.
ModelWeightsFile read_weights(const YamlValue& v) {
  v.expect_map({"file", "fingerprint"});
  ModelWeightsFile weights;
  YamlValue file = v.at("file");
  weights.file = file.as_string();
  if (weights.file.empty()) file.fail("empty file name");
  std::filesystem::path path(weights.file);
  if (path.is_relative()) path = std::filesystem::path(v.file()).parent_path() / path;
  weights.path = path.lexically_normal().string();
  YamlValue fp = v.at("fingerprint");
  weights.fingerprint = fp.as_string();
  if (!is_hex_fingerprint(weights.fingerprint))
    fp.fail("expected the file's fnv1a64 as 16 lower-case hex digits (as `specmap import gguf` writes it)");
  return weights;
}

ModelGraph build_model(const YamlValue& root) {
  root.expect_map({"version", "name", "description", "architecture", "subgraphs", "weights"});
  std::string name = root.at("name").as_string();
  std::optional<YamlValue> architecture = root.find("architecture");
  std::optional<YamlValue> subgraphs = root.find("subgraphs");
  if (architecture && subgraphs) subgraphs->fail("give either 'architecture' or 'subgraphs', not both");
  if (!architecture && !subgraphs) root.fail("missing 'architecture' or 'subgraphs'");

  ModelGraph model;
  if (architecture) {
    model = derive_model(name, read_architecture(*architecture));
  } else {
    model.name = name;
    read_subgraphs(*subgraphs, model);
  }
  if (auto d = root.find("description")) model.description = d->as_string();
  if (auto weights = root.find("weights")) {
    if (!architecture) weights->fail("'weights' needs the 'architecture' form (the runtime builds the model from it)");
    model.weights = read_weights(*weights);
  }
  return model;
}

}  // namespace

Result<ModelGraph> parse_model(const std::string& yaml_text, const std::string& file_label) {
  Result<ModelGraph> model = parse_yaml_document<ModelGraph>(yaml_text, file_label, build_model);
  if (model) model->source_file = file_label;
  return model;
}

Result<ModelGraph> load_model(const std::string& path) {
  Result<std::string> text = read_text_file(path);
  if (!text) return text.error();
  return parse_model(*text, path);
}

}  // namespace specmap
