#pragma once
// `specmap explain`: where the predicted time of a plan goes.
#include <string>

#include "core/result.h"
#include "describe/soc.h"

namespace specmap {

// Reads plan JSON text and renders the breakdown per model, per PU, per subgraph,
// transfers and expected tokens per iteration. A gamma out of range or a PU outside the
// plan's variant is an error; given the SoC the plan was made for, so are a variant or a PU
// the SoC does not define.
Result<std::string> explain_plan(const std::string& plan_text, const std::string& file_label,
                                 const Soc* soc = nullptr);

}  // namespace specmap
