#pragma once
// iree-benchmark-module writes Google Benchmark JSON with one benchmark per function,
// named "BM_<function>/process_time/real_time" (plus "_mean", "_median", ... aggregates).
// specmap's profile loader needs "specmap/<level>/<model>/<key>/<pu>/units:<u>/n:<N>/ctx:<C>"
// (docs/profiles.md). A name map turns the one into the other:
//
//   # iree function   specmap benchmark name
//   draft_step_ctx16 = specmap/forward/host-draft-20m/forward/cpu/units:2/n:1/ctx:16
//
// one pair per line, '#' comments, blank lines ignored.
#include <map>
#include <string>

#include "core/result.h"

namespace specmap {

// Errors name the file and line: no '=', an empty side, a function given twice, a name that
// does not start with "specmap/".
Result<std::map<std::string, std::string>> parse_name_map(const std::string& text,
                                                          const std::string& file_label);

// The JSON with every benchmark's name (and run_name) renamed; the library's suffixes stay
// ("/process_time/real_time" is dropped: specmap ignores it anyway). A benchmark whose function
// the map lacks is an error naming it: nothing is dropped silently.
Result<std::string> rename_iree_benchmarks(const std::string& json_text, const std::string& file_label,
                                           const std::map<std::string, std::string>& names);

}  // namespace specmap
