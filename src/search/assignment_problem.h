#pragma once
// A LinearCost rearranged for branch and bound in node order: every term reduced to
// one weight (the objective, and separately time for a latency bound), edges split
// into chain edges (i-1, i), which the lower bound counts exactly, and the others,
// which it counts by their cheapest entry. Internal to the search module.
#include <cstdint>
#include <vector>

#include "cost/linear_cost.h"

namespace specmap::search_detail {

// A square matrix [pu_earlier][pu_later] stored row-major.
struct PairTable {
  int num_pus = 0;
  std::vector<double> values;
  [[nodiscard]] double at(int earlier, int later) const {
    return values[static_cast<std::size_t>(earlier) * num_pus + later];
  }
};

// An edge whose endpoints are not consecutive nodes.
struct LooseEdge {
  std::size_t earlier = 0;
  std::size_t later = 0;
  PairTable cost;
};

// One weight (objective or time) over nodes and edges, with the suffix bounds.
struct WeightedTerms {
  std::vector<std::vector<double>> node;  // [node][pu]; kInfeasible where it cannot run
  std::vector<PairTable> chain;           // [node]: summed edges (node-1, node); empty table at 0
  std::vector<LooseEdge> loose;
  double constant = 0;
  // after[i][p]: least node + chain-edge weight of nodes i+1.. when node i runs on p
  // (memory and loose edges ignored, so it never exceeds the true remainder).
  std::vector<std::vector<double>> after;
  // unopened_loose[i]: sum of the cheapest entry of every loose edge whose earlier node is >= i.
  std::vector<double> unopened_loose;
  // Cheapest entry of each loose edge's row once its earlier node is placed: [edge][pu].
  std::vector<std::vector<double>> loose_row_min;
};

struct AssignmentProblem {
  const LinearCost* cost = nullptr;  // the source, for the authoritative memory check of a result
  std::size_t num_nodes = 0;
  int num_pus = 0;
  WeightedTerms objective;
  bool has_time_limit = false;
  WeightedTerms time;  // filled only when has_time_limit
  double max_time = kInfeasible;

  // Loose edges indexed by endpoint: edge ids (into loose) that close / open at each node.
  std::vector<std::vector<std::size_t>> loose_closing;
  std::vector<std::vector<std::size_t>> loose_opening;

  // Memory: pool per PU (-1: unconstrained), room per pool (capacity - fixed).
  std::vector<int> pool_of_pu;
  std::vector<double> pool_room;
  std::vector<std::vector<double>> node_memory;   // [node][pu]
  std::vector<std::vector<double>> node_scratch;  // [node][pu]; a PU holds the largest of its nodes'
  // Tied weights, charged when the later of their two nodes is placed: a second copy on
  // b's PU when a and b sit on different PUs.
  struct SharedCopy {
    std::size_t a = 0, b = 0;
    std::vector<double> bytes;  // [pu of b]
  };
  std::vector<std::vector<SharedCopy>> shared_closing;  // [node]
  bool has_scratch_or_copies = false;
  // [depth i]: placed nodes (< i) whose PU still matters to nodes i..: node i-1 (chain edge),
  // earlier ends of loose edges and tied weights that reach past i. Ascending.
  std::vector<std::vector<std::size_t>> context_nodes;
  // For every non-empty set of pools (bit mask), the least memory the nodes i.. must place
  // inside that set: nodes whose every allowed PU lies in it, each at its smallest footprint.
  std::vector<std::uint32_t> pool_sets;
  std::vector<std::vector<double>> forced_memory;  // [set index][node i], size num_nodes + 1
  std::vector<double> set_room;                    // [set index]

  // Lagrangian relaxation of the time limit and the memory pools (see lagrangian.h);
  // inactive when no constraint binds the unconstrained optimum.
  struct Relaxation {
    bool active = false;
    double time_multiplier = 0;           // per second over the limit
    std::vector<double> pool_multiplier;  // per byte over the room, per pool
    WeightedTerms terms;                  // objective + multipliers x resources, with bounds
  };
  Relaxation relaxation;
};

// Fills `after`, `unopened_loose` and `loose_row_min` of a weight from its terms.
void compute_bounds(WeightedTerms& w, std::size_t num_nodes, int num_pus);

// Builds the problem. Nothing is feasible when the result's objective has a node with
// no finite choice; the caller's search finds that quickly.
AssignmentProblem make_assignment_problem(const LinearCost& cost, bool objective_energy, double max_time);

}  // namespace specmap::search_detail
