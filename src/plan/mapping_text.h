#pragma once
// Short human-readable forms of a mapping, used in tables, CSV and plans.
#include <string>
#include <vector>

#include "describe/model.h"
#include "describe/soc.h"

namespace specmap {

// "gpu" when the whole model is on one PU, "-" when it does not run (gamma 0),
// else runs of consecutive subgraphs: "cpu:embedding..block.7 gpu:block.8..head".
std::string mapping_text(const ModelGraph& model, const std::vector<int>& pus, const Soc& soc);

// "cpu=1 gpu=1": units each PU has in a design variant (PUs that are off omitted).
std::string variant_units_text(const DesignVariant& variant, const Soc& soc);

}  // namespace specmap
