#include "profile/roofline.h"

#include <algorithm>
#include <limits>

namespace specmap {

namespace {

constexpr Seconds kInfinite = std::numeric_limits<Seconds>::infinity();

// Amount / rate, where no work costs nothing and work at zero rate never ends.
Seconds time_at_rate(double amount, double rate_per_second) {
  if (amount <= 0) return 0;
  if (rate_per_second <= 0) return kInfinite;
  return amount / rate_per_second;
}

}  // namespace

Seconds roofline_op_time(const ProcessingUnit& pu, const Op& op, int units, Tokens new_tokens,
                         Tokens context) {
  if (units <= 0) return kInfinite;
  const std::optional<DTypeExecution> exec = pu.execution(op.dtype);
  if (!exec) return kInfinite;
  const Flops flops = op_flops(op, new_tokens, context) * exec->cost_factor;
  Bytes bytes = op_bytes(op, new_tokens, context);
  if (exec->promoted) {
    // Promoted weights are stored, and therefore streamed, in the compute type.
    const Bytes weights = op_weight_bytes(op);
    bytes += weights * (dtype_bytes(exec->compute) / dtype_bytes(op.dtype) - 1.0);
  }
  const Seconds compute = time_at_rate(flops, pu.peak_gflops(exec->compute, units) * kGiga);
  const Seconds memory = time_at_rate(bytes, pu.bandwidth_gbps(units) * kGiga);
  return std::max(compute, memory);
}

Seconds roofline_subgraph_time(const ProcessingUnit& pu, const Subgraph& subgraph, int units,
                               Tokens new_tokens, Tokens context) {
  Seconds total = 0;
  for (const Op& op : subgraph.ops) total += roofline_op_time(pu, op, units, new_tokens, context);
  return total;
}

Seconds roofline_forward_time(const ProcessingUnit& pu, const ModelGraph& model, int units, Tokens new_tokens,
                              Tokens context) {
  Seconds total = 0;
  for (const Subgraph& subgraph : model.subgraphs)
    total += roofline_subgraph_time(pu, subgraph, units, new_tokens, context);
  return total;
}

bool runs_on(const ProcessingUnit& pu, const ModelGraph& model) {
  for (const Subgraph& subgraph : model.subgraphs)
    for (const Op& op : subgraph.ops)
      if (!pu.execution(op.dtype)) return false;
  return true;
}

}  // namespace specmap
