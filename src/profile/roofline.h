#pragma once
// Roofline estimates from the SoC description: an op takes the longer of its compute time
// at the PU's peak and its memory time at the PU's bandwidth. Always seconds.
#include "core/units.h"
#include "describe/model.h"
#include "describe/soc.h"

namespace specmap {

// Datasheet peaks and bandwidths are upper bounds that real kernels rarely reach, so a roofline
// figure is uncertain by tens of percent; its stddev is this fraction of the median.
inline constexpr double kRooflineRelativeStddev = 0.25;

// +infinity when the op's data type cannot run on the PU or no unit is active.
Seconds roofline_op_time(const ProcessingUnit& pu, const Op& op, int units, Tokens new_tokens,
                         Tokens context);
Seconds roofline_subgraph_time(const ProcessingUnit& pu, const Subgraph& subgraph, int units,
                               Tokens new_tokens, Tokens context);
Seconds roofline_forward_time(const ProcessingUnit& pu, const ModelGraph& model, int units, Tokens new_tokens,
                              Tokens context);
// Whether every op of the model has an execution path on the PU (natively or promoted).
bool runs_on(const ProcessingUnit& pu, const ModelGraph& model);

}  // namespace specmap
