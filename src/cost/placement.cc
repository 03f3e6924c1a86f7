#include "cost/placement.h"

namespace specmap::cost_internal {

int units_in_variant(const Soc& soc, int variant, int pu) {
  if (variant < 0 || variant >= static_cast<int>(soc.variants.size())) return 0;
  const std::vector<int>& units = soc.variants[variant].units;
  if (pu < 0 || pu >= static_cast<int>(units.size())) return 0;
  return units[pu];
}

std::string pu_off_reason(const Soc& soc, int variant, int pu) {
  const std::string& name = soc.variants[variant].name;
  return soc.pus[pu].id + " is off in variant " + (name.empty() ? std::to_string(variant) : name);
}

std::string dtype_problem(const ProcessingUnit& pu, const ModelGraph& model, const std::string& role_name,
                          std::size_t index) {
  const Subgraph& subgraph = model.subgraphs[index];
  auto problem = [&](DType t, const char* what) {
    const std::string type(dtype_name(t));
    return role_name + " subgraph " + subgraph.name + " (" + what + type + ") cannot run on " + pu.id +
           ": no " + type + " path";
  };
  for (const Op& op : subgraph.ops) {
    if (!pu.execution(op.dtype)) return problem(op.dtype, "");
    if (op.kind == OpKind::attention && !pu.execution(op.kv_dtype)) return problem(op.kv_dtype, "kv ");
  }
  return {};
}

}  // namespace specmap::cost_internal
