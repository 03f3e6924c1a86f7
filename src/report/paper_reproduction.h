#pragma once
// `specmap reproduce paper`: the paper's Tables II and III and Fig. 7a from the
// paper experiment, each figure next to the paper's, with every difference explained.
#include <string>

#include "core/result.h"
#include "study/study.h"

namespace specmap {

struct PaperReproduction {
  std::string table2_csv;  // alpha = 0.90
  std::string table3_csv;  // alpha = 0.17
  std::string fig7a_csv;   // alpha, gamma, predicted speedup for the validated mapping
  std::string fig7a_svg;
  // Table II's setting under specmap's extended model, sequential and overlapped schedules
  // (estimated: the paper profile has no per-subgraph or per-context figures for the board).
  std::string table2_extended_csv;
  std::string report_md;
};

// `study` is the paper experiment (SoC with variants "1".."6", PUs cpu and gpu).
Result<PaperReproduction> reproduce_paper(const Study& study);

}  // namespace specmap
