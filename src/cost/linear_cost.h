#pragma once
// For a fixed design variant, gamma and sequential schedule the extended cost of a
// mapping is a sum of per-node and per-edge terms. The search minimises over this
// form; predict() evaluates exactly the same terms, so the search's optimum is the
// cost model's optimum.
#include <limits>
#include <string>
#include <vector>

#include "core/units.h"

namespace specmap {

inline constexpr double kInfeasible = std::numeric_limits<double>::infinity();

struct LinearCost {
  int num_pus = 0;
  // Nodes: draft subgraphs first (ModelGraph order), then target subgraphs.
  std::size_t num_draft = 0;
  std::vector<std::string> node_names;          // "draft/block.3"
  // [node][pu]: expected seconds / joules per generated token if the node runs there;
  // kInfeasible where it cannot (PU off in the variant, unsupported data type).
  std::vector<std::vector<double>> node_time;
  std::vector<std::vector<double>> node_energy;   // energy above idle
  std::vector<std::vector<double>> node_memory;   // bytes resident on that PU's memory
  struct Edge {
    std::size_t u = 0, v = 0;                       // u before v in node order
    std::vector<std::vector<double>> time;          // [pu_u][pu_v] per generated token
    std::vector<std::vector<double>> energy;        // [pu_u][pu_v]
  };
  // Data edges and launch (dispatch) transitions between consecutive nodes.
  std::vector<Edge> edges;
  Seconds constant_time = 0;       // sampling/verification etc., per generated token
  Joules constant_energy = 0;
  Watts idle_power = 0;            // whole SoC idle draw: energy += idle_power * time
  std::vector<int> pu_memory;      // memory pool of each PU
  std::vector<Bytes> pool_capacity;
  std::vector<Bytes> pool_fixed;   // resident regardless of mapping
  // Memory that is not a sum of per-node terms (node_memory alone is a lower bound):
  // Tied weights: node b reuses `bytes` of node a's weights. node_memory[b] leaves them out;
  // when a and b sit on different PUs, b's PU holds its own copy: + bytes[pu of b].
  struct SharedWeights {
    std::size_t a = 0, b = 0;
    std::vector<Bytes> bytes;  // [pu of b]
  };
  std::vector<SharedWeights> shared_weights;
  // Transient activation buffers [node][pu]: a PU holds the largest buffer among its nodes.
  std::vector<std::vector<double>> node_scratch;

  // Evaluate a full assignment (node -> PU). Returns kInfeasible if any term is.
  [[nodiscard]] Seconds time(const std::vector<int>& assignment) const;
  [[nodiscard]] Joules energy(const std::vector<int>& assignment) const;  // includes idle * time
  // Empty when it fits; else the first pool that overflows, as a readable reason.
  [[nodiscard]] std::string memory_violation(const std::vector<int>& assignment,
                                             const std::vector<std::string>& pool_names) const;
};

}  // namespace specmap
