#include "cost/memory_terms.h"

#include <algorithm>

#include "cost/cost_memo.h"
#include "cost/placement.h"

namespace specmap::cost_internal {
namespace {

// Bytes of `bytes_in_type` once the PU stores type `t` the way it executes it.
Bytes stored_as(const ProcessingUnit& pu, DType t, Bytes bytes_in_type) {
  const std::optional<DTypeExecution> execution = pu.execution(t);
  if (!execution || !execution->promoted) return bytes_in_type;
  return bytes_in_type * dtype_bytes(execution->compute) / dtype_bytes(t);
}

Bytes weight_bytes_on(const ProcessingUnit& pu, const Subgraph& subgraph) {
  Bytes total = 0;
  for (const Op& op : subgraph.ops) total += stored_as(pu, op.dtype, op_weight_bytes(op));
  return total;
}

Bytes kv_bytes_per_token_on(const ProcessingUnit& pu, const Subgraph& subgraph) {
  Bytes total = 0;
  for (const Op& op : subgraph.ops) total += stored_as(pu, op.kv_dtype, op_kv_bytes_per_token(op));
  return total;
}

// {weights stored on `unit`, the part reused from a tied subgraph, KV bytes per token}.
std::array<Bytes, 3> subgraph_bytes(const ModelGraph& model, std::size_t s, const ProcessingUnit& unit) {
  const Subgraph& subgraph = model.subgraphs[s];
  const bool tied = subgraph.shares_weights_with.has_value() && *subgraph.shares_weights_with < model.subgraphs.size() &&
                    *subgraph.shares_weights_with != s;
  const Bytes weights = weight_bytes_on(unit, subgraph);
  // What a tied subgraph reuses is the smaller of the two weight sets (the head's table
  // is the embedding's, its final norm is its own).
  const Bytes reused =
      tied ? std::min(weights, weight_bytes_on(unit, model.subgraphs[*subgraph.shares_weights_with])) : 0.0;
  return {weights, reused, kv_bytes_per_token_on(unit, subgraph)};
}

std::array<Bytes, 3> subgraph_bytes_memo(const CostInputs& in, int role, std::size_t s, int pu) {
  const ModelGraph& model = role == kDraft ? in.draft : in.target;
  if (!in.memo) return subgraph_bytes(model, s, in.soc.pus[pu]);
  const auto key = std::make_tuple(role, s, pu);
  auto it = in.memo->subgraph_bytes.find(key);
  if (it == in.memo->subgraph_bytes.end())
    it = in.memo->subgraph_bytes.emplace(key, subgraph_bytes(model, s, in.soc.pus[pu])).first;
  return it->second;
}

}  // namespace

void fill_memory_terms(const CostInputs& in, int variant, int gamma, const PassPlan& plan, LinearCost& cost) {
  const Soc& soc = in.soc;
  const int num_pus = static_cast<int>(soc.pus.size());
  const std::size_t nodes = cost.num_draft + in.target.subgraphs.size();
  cost.node_memory.assign(nodes, std::vector<double>(num_pus, 0.0));
  cost.node_scratch.assign(nodes, std::vector<double>(num_pus, 0.0));
  cost.shared_weights.clear();

  // The KV cache holds the longest sequence plus one iteration's drafted tokens.
  const double cached_tokens =
      static_cast<double>(plan.max_prompt_tokens + plan.max_generate_tokens + gamma + 1);
  const ModelGraph* models[kRoles] = {&in.draft, &in.target};
  for (int role = 0; role < kRoles; ++role) {
    if (role == kDraft && gamma == 0) continue;  // the draft is not even loaded
    const ModelGraph& model = *models[role];
    const std::size_t offset = role == kDraft ? 0 : cost.num_draft;
    const double buffer_tokens = static_cast<double>(plan.max_pass_tokens[role]);
    for (std::size_t s = 0; s < model.subgraphs.size(); ++s) {
      const Subgraph& subgraph = model.subgraphs[s];
      const bool tied = subgraph.shares_weights_with.has_value() &&
                        *subgraph.shares_weights_with < model.subgraphs.size() &&
                        *subgraph.shares_weights_with != s;
      LinearCost::SharedWeights shared{offset + (tied ? *subgraph.shares_weights_with : 0), offset + s,
                                       std::vector<Bytes>(num_pus, 0.0)};
      for (int pu = 0; pu < num_pus; ++pu) {
        if (units_in_variant(soc, variant, pu) <= 0) continue;
        const auto [weights, reused, kv_per_token] = subgraph_bytes_memo(in, role, s, pu);
        const Bytes kv = in.workload.kv_cache ? kv_per_token * cached_tokens : 0.0;
        cost.node_memory[offset + s][pu] = weights - reused + kv;
        shared.bytes[pu] = reused;
        // Input and output of a pass side by side.
        cost.node_scratch[offset + s][pu] = 2.0 * buffer_tokens * subgraph.output_bytes_per_token;
      }
      if (tied) cost.shared_weights.push_back(std::move(shared));
    }
  }

  cost.pu_memory.assign(num_pus, 0);
  for (int pu = 0; pu < num_pus; ++pu) cost.pu_memory[pu] = soc.memory_index(pu);
  cost.pool_capacity.assign(soc.memories.size(), 0.0);
  for (std::size_t m = 0; m < soc.memories.size(); ++m)
    cost.pool_capacity[m] = gb_to_bytes(soc.memories[m].capacity_gb);
  cost.pool_fixed.assign(soc.memories.size(), 0.0);
}

std::vector<Bytes> resident_bytes_per_pu(const LinearCost& cost, const std::vector<int>& assignment) {
  std::vector<Bytes> resident(cost.num_pus, 0.0);
  std::vector<Bytes> scratch(cost.num_pus, 0.0);
  auto placed = [&](std::size_t node) {
    return node < assignment.size() && assignment[node] >= 0 && assignment[node] < cost.num_pus;
  };
  for (std::size_t node = 0; node < assignment.size() && node < cost.node_memory.size(); ++node) {
    if (!placed(node)) continue;
    const int pu = assignment[node];
    resident[pu] += cost.node_memory[node][pu];
    if (node < cost.node_scratch.size()) scratch[pu] = std::max(scratch[pu], cost.node_scratch[node][pu]);
  }
  for (const LinearCost::SharedWeights& shared : cost.shared_weights) {
    if (!placed(shared.b)) continue;
    const int pu_b = assignment[shared.b];
    if (placed(shared.a) && assignment[shared.a] == pu_b) continue;
    resident[pu_b] += shared.bytes[pu_b];
  }
  for (int pu = 0; pu < cost.num_pus; ++pu) resident[pu] += scratch[pu];
  return resident;
}

}  // namespace specmap::cost_internal
