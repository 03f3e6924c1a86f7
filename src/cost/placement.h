#pragma once
// Internal to src/cost: can a subgraph run on a PU at all (PU switched on in the
// design variant, every data type it uses has an execution path there)?
#include <cstddef>
#include <string>

#include "describe/model.h"
#include "describe/soc.h"

namespace specmap::cost_internal {

// Active units of `pu` in `variant` (0 when the variant does not list it).
int units_in_variant(const Soc& soc, int variant, int pu);

// "gpu is off in variant 3" (the variant's name, else its index).
std::string pu_off_reason(const Soc& soc, int variant, int pu);

// Empty when subgraph `index` of `model` can run on `pu`, else a readable reason such as
// "target subgraph block.0 (int8) cannot run on gpu: no int8 path". Does not look at the variant.
std::string dtype_problem(const ProcessingUnit& pu, const ModelGraph& model, const std::string& role_name,
                          std::size_t index);

}  // namespace specmap::cost_internal
