#pragma once
// The sweep as CSV (every candidate) and as a ranked text table (the best few).
#include <string>

#include "search/search.h"
#include "study/study.h"

namespace specmap {

std::string sweep_csv(const Study& study, const SearchResult& result);
std::string ranked_table(const Study& study, const SearchResult& result, std::size_t rows);

}  // namespace specmap
