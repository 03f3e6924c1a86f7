#pragma once
// The plan: what deployment consumes. Schema-versioned JSON naming every input by
// fingerprint, the chosen variant, gamma and per-subgraph assignment, and what the
// cost model predicts for it and for the next-best alternatives.
#include <string>

#include "core/result.h"
#include "search/search.h"
#include "study/study.h"

namespace specmap {

inline constexpr int kPlanSchemaVersion = 1;

// Error when no candidate is feasible (there is nothing to deploy).
Result<std::string> plan_json(const Study& study, const SearchResult& result);

// Seconds, or "relative" when the profiles are normalised (the paper profile).
std::string time_unit(const Study& study);

}  // namespace specmap
