#pragma once
// A candidate point of the design space: a design variant, an assignment of every
// subgraph of both models to a PU, a draft length and a schedule.
#include <string>
#include <vector>

#include "describe/experiment.h"

namespace specmap {

struct Mapping {
  std::vector<int> draft;   // PU index per draft subgraph (ModelGraph order); ignored when gamma == 0
  std::vector<int> target;  // PU index per target subgraph
};

struct Candidate {
  int variant = 0;  // index into Soc::variants
  Mapping mapping;
  int gamma = 0;
  Schedule schedule = Schedule::sequential;
};

// Every subgraph of a model on one PU.
std::vector<int> whole_model_on(int pu, std::size_t subgraphs);

}  // namespace specmap
