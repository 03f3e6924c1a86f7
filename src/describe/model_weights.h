#pragma once
// Weight accounting of subgraphs, including weights shared between subgraphs (tied
// embeddings): a subgraph with `shares_weights_with` reuses the referenced subgraph's
// weights, so only what it holds beyond them is its own.
#include <cstddef>

#include "describe/model.h"

namespace specmap {

// All weight bytes the subgraph's ops use, shared or not.
Bytes subgraph_weight_bytes(const Subgraph& subgraph);
// Weight bytes the subgraph reuses from model.subgraphs[*shares_weights_with] (0 if none):
// the smaller of the two subgraphs' weights. When both sit on the same PU these are stored once.
Bytes subgraph_shared_weight_bytes(const ModelGraph& model, std::size_t index);
// subgraph_weight_bytes minus subgraph_shared_weight_bytes.
Bytes subgraph_own_weight_bytes(const ModelGraph& model, std::size_t index);

// Parameter count of one op (matmul in*out, norm width, embedding vocab*width, else 0).
double op_parameters(const Op& op);

}  // namespace specmap
