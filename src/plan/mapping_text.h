#pragma once
// Short human-readable forms of a mapping, used in tables, CSV and plans.
#include <string>
#include <vector>

#include "core/result.h"
#include "describe/model.h"
#include "describe/soc.h"

namespace specmap {

// "gpu" when the whole model is on one PU, "-" when it does not run (gamma 0),
// else runs of consecutive subgraphs: "cpu:embedding..block.7 gpu:block.8..head".
std::string mapping_text(const ModelGraph& model, const std::vector<int>& pus, const Soc& soc);

// The inverse of mapping_text: "gpu" (the whole model), or runs "pu:first..last" (or
// "pu:name" for one subgraph) that together cover every subgraph once, in model order.
// Errors name the unknown PU or subgraph, a gap or an overlap.
Result<std::vector<int>> parse_mapping_text(const ModelGraph& model, const std::string& text, const Soc& soc);

// "cpu=1 gpu=1": units each PU has in a design variant (PUs that are off omitted).
std::string variant_units_text(const DesignVariant& variant, const Soc& soc);

}  // namespace specmap
