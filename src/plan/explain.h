#pragma once
// `specmap explain`: where the predicted time of a plan goes.
#include <string>

#include "core/result.h"

namespace specmap {

// Reads plan JSON text and renders the breakdown per model, per PU, per subgraph,
// transfers and expected tokens per iteration.
Result<std::string> explain_plan(const std::string& plan_text, const std::string& file_label);

}  // namespace specmap
