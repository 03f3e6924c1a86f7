#include <algorithm>

#include "describe/model.h"
#include "describe/model_weights.h"

namespace specmap {

namespace {

double subgraph_parameters(const Subgraph& subgraph) {
  double total = 0;
  for (const Op& op : subgraph.ops) total += op_parameters(op);
  return total;
}

}  // namespace

double op_parameters(const Op& op) {
  switch (op.kind) {
    case OpKind::matmul:
      return double(op.in_features) * double(op.out_features);
    case OpKind::norm:
      return double(op.width);
    case OpKind::embedding:
      return double(op.vocab) * double(op.width);
    case OpKind::attention:
    case OpKind::elementwise:
      return 0.0;
  }
  return 0.0;
}

Bytes subgraph_weight_bytes(const Subgraph& subgraph) {
  Bytes total = 0;
  for (const Op& op : subgraph.ops) total += op_weight_bytes(op);
  return total;
}

Bytes subgraph_shared_weight_bytes(const ModelGraph& model, std::size_t index) {
  const Subgraph& subgraph = model.subgraphs.at(index);
  if (!subgraph.shares_weights_with || *subgraph.shares_weights_with >= model.subgraphs.size()) return 0;
  return std::min(subgraph_weight_bytes(subgraph),
                  subgraph_weight_bytes(model.subgraphs[*subgraph.shares_weights_with]));
}

Bytes subgraph_own_weight_bytes(const ModelGraph& model, std::size_t index) {
  return subgraph_weight_bytes(model.subgraphs.at(index)) - subgraph_shared_weight_bytes(model, index);
}

std::string_view subgraph_kind_name(SubgraphKind kind) {
  switch (kind) {
    case SubgraphKind::embedding:
      return "embedding";
    case SubgraphKind::decoder_block:
      return "decoder_block";
    case SubgraphKind::encoder_block:
      return "encoder_block";
    case SubgraphKind::head:
      return "head";
    case SubgraphKind::custom:
      return "custom";
  }
  return "custom";
}

Bytes ModelGraph::weight_bytes() const {
  Bytes total = 0;
  for (std::size_t i = 0; i < subgraphs.size(); ++i) total += subgraph_own_weight_bytes(*this, i);
  return total;
}

Bytes ModelGraph::kv_bytes_per_token() const {
  Bytes total = 0;
  for (const Subgraph& subgraph : subgraphs)
    for (const Op& op : subgraph.ops) total += op_kv_bytes_per_token(op);
  return total;
}

double ModelGraph::parameters() const {
  double total = 0;
  for (const Subgraph& subgraph : subgraphs) {
    double own = subgraph_parameters(subgraph);
    if (subgraph.shares_weights_with && *subgraph.shares_weights_with < subgraphs.size())
      own -= std::min(own, subgraph_parameters(subgraphs[*subgraph.shares_weights_with]));
    total += own;
  }
  return total;
}

std::optional<std::size_t> ModelGraph::subgraph_index(const std::string& name) const {
  for (std::size_t i = 0; i < subgraphs.size(); ++i)
    if (subgraphs[i].name == name) return i;
  return std::nullopt;
}

}  // namespace specmap
