#include "search/assignment_problem.h"

#include <algorithm>
#include <cmath>

#include "search/lagrangian.h"

namespace specmap::search_detail {
namespace {

// Sets of pools enumerated exactly up to this many pools; beyond, single pools and all.
constexpr std::size_t kMaxPoolsForAllSets = 4;

bool is_finite(double x) { return std::isfinite(x); }

// Missing energy or memory entries count as zero: a cost without them is still usable.
double entry_or(const std::vector<std::vector<double>>& table, std::size_t i, int p, double missing) {
  if (i >= table.size() || static_cast<std::size_t>(p) >= table[i].size()) return missing;
  return table[i][static_cast<std::size_t>(p)];
}

double pair_or_zero(const std::vector<std::vector<double>>& table, int a, int b) {
  return entry_or(table, static_cast<std::size_t>(a), b, 0.0);
}

// Objective and time weight of one edge as tables [pu of earlier node][pu of later node].
struct EdgeWeights {
  PairTable objective;
  PairTable time;
};

EdgeWeights edge_weights(const LinearCost& cost, const LinearCost::Edge& e, bool objective_energy) {
  const int n = cost.num_pus;
  EdgeWeights w{{n, std::vector<double>(static_cast<std::size_t>(n) * n)},
                {n, std::vector<double>(static_cast<std::size_t>(n) * n)}};
  const bool reversed = e.u > e.v;
  for (int a = 0; a < n; ++a) {
    for (int b = 0; b < n; ++b) {
      // Tables are indexed [pu_u][pu_v]; rows here follow the earlier node.
      const int pu_u = reversed ? b : a;
      const int pu_v = reversed ? a : b;
      const double t = pair_or_zero(e.time, pu_u, pu_v);
      const double en = pair_or_zero(e.energy, pu_u, pu_v);
      const std::size_t k = static_cast<std::size_t>(a) * n + b;
      if (!is_finite(t) || !is_finite(en)) {
        w.objective.values[k] = kInfeasible;
        w.time.values[k] = kInfeasible;
      } else {
        w.objective.values[k] = objective_energy ? en + cost.idle_power * t : t;
        w.time.values[k] = t;
      }
    }
  }
  return w;
}

void add_into(PairTable& sum, const PairTable& add) {
  if (sum.values.empty()) {
    sum = add;
    return;
  }
  for (std::size_t k = 0; k < sum.values.size(); ++k) sum.values[k] += add.values[k];
}

double min_entry(const std::vector<double>& values) {
  double m = kInfeasible;
  for (double v : values) m = std::min(m, v);
  return m;
}

void fill_memory(const LinearCost& cost, AssignmentProblem& pb) {
  const std::size_t pools = cost.pool_capacity.size();
  pb.pool_room.assign(pools, kInfeasible);
  for (std::size_t k = 0; k < pools; ++k) {
    const double fixed = k < cost.pool_fixed.size() ? cost.pool_fixed[k] : 0.0;
    pb.pool_room[k] = cost.pool_capacity[k] - fixed;
  }
  pb.pool_of_pu.assign(static_cast<std::size_t>(pb.num_pus), -1);
  for (int p = 0; p < pb.num_pus; ++p) {
    if (static_cast<std::size_t>(p) < cost.pu_memory.size()) {
      const int pool = cost.pu_memory[static_cast<std::size_t>(p)];
      if (pool >= 0 && static_cast<std::size_t>(pool) < pools)
        pb.pool_of_pu[static_cast<std::size_t>(p)] = pool;
    }
  }
  pb.node_memory.assign(pb.num_nodes, std::vector<double>(static_cast<std::size_t>(pb.num_pus), 0.0));
  for (std::size_t i = 0; i < pb.num_nodes; ++i)
    for (int p = 0; p < pb.num_pus; ++p)
      pb.node_memory[i][static_cast<std::size_t>(p)] = entry_or(cost.node_memory, i, p, 0.0);
  pb.node_scratch.assign(pb.num_nodes, std::vector<double>(static_cast<std::size_t>(pb.num_pus), 0.0));
  for (std::size_t i = 0; i < pb.num_nodes; ++i)
    for (int p = 0; p < pb.num_pus; ++p)
      pb.node_scratch[i][static_cast<std::size_t>(p)] = entry_or(cost.node_scratch, i, p, 0.0);
  pb.shared_closing.assign(pb.num_nodes, {});
  for (const LinearCost::SharedWeights& sw : cost.shared_weights) {
    if (sw.a >= pb.num_nodes || sw.b >= pb.num_nodes || sw.a == sw.b) continue;
    AssignmentProblem::SharedCopy copy{sw.a, sw.b,
                                       std::vector<double>(static_cast<std::size_t>(pb.num_pus), 0.0)};
    for (int p = 0; p < pb.num_pus && static_cast<std::size_t>(p) < sw.bytes.size(); ++p)
      copy.bytes[static_cast<std::size_t>(p)] = sw.bytes[static_cast<std::size_t>(p)];
    pb.shared_closing[std::max(sw.a, sw.b)].push_back(std::move(copy));
    pb.has_scratch_or_copies = true;
  }
  for (const auto& row : pb.node_scratch)
    for (double v : row)
      if (v > 0) pb.has_scratch_or_copies = true;

  pb.pool_sets.clear();
  if (pools == 0) return;
  if (pools <= kMaxPoolsForAllSets) {
    for (std::uint32_t s = 1; s < (1u << pools); ++s) pb.pool_sets.push_back(s);
  } else {
    for (std::size_t k = 0; k < pools && k < 32; ++k) pb.pool_sets.push_back(1u << k);
  }
  for (std::uint32_t s : pb.pool_sets) {
    double room = 0;
    for (std::size_t k = 0; k < pools && k < 32; ++k)
      if (s & (1u << k)) room += pb.pool_room[k];
    pb.set_room.push_back(room);
    std::vector<double> forced(pb.num_nodes + 1, 0.0);
    for (std::size_t i = pb.num_nodes; i-- > 0;) {
      bool confined = true;
      double least = kInfeasible;
      for (int p = 0; p < pb.num_pus; ++p) {
        if (!is_finite(pb.objective.node[i][static_cast<std::size_t>(p)])) continue;
        const int pool = pb.pool_of_pu[static_cast<std::size_t>(p)];
        if (pool < 0 || pool >= 32 || !(s & (1u << pool))) {
          confined = false;
          break;
        }
        least = std::min(least, pb.node_memory[i][static_cast<std::size_t>(p)]);
      }
      forced[i] = forced[i + 1] + (confined && is_finite(least) ? least : 0.0);
    }
    pb.forced_memory.push_back(std::move(forced));
  }
}

void fill_context(AssignmentProblem& pb) {
  pb.context_nodes.assign(pb.num_nodes + 1, {});
  auto span = [&](std::size_t earlier, std::size_t later) {
    for (std::size_t d = earlier + 1; d <= later && d <= pb.num_nodes; ++d)
      pb.context_nodes[d].push_back(earlier);
  };
  for (std::size_t i = 1; i < pb.num_nodes; ++i) span(i - 1, i);
  for (const LooseEdge& e : pb.objective.loose) span(e.earlier, e.later);
  for (const auto& copies : pb.shared_closing)
    for (const auto& copy : copies) span(std::min(copy.a, copy.b), std::max(copy.a, copy.b));
  for (auto& nodes : pb.context_nodes) {
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  }
}

}  // namespace

void compute_bounds(WeightedTerms& w, std::size_t num_nodes, int num_pus) {
  const auto pus = static_cast<std::size_t>(num_pus);
  w.after.assign(num_nodes, std::vector<double>(pus, 0.0));
  for (std::size_t i = num_nodes; i-- > 1;) {
    // Fill after[i-1] from after[i].
    for (int p = 0; p < num_pus; ++p) {
      double best = kInfeasible;
      for (int q = 0; q < num_pus; ++q) {
        const double chain = w.chain[i].values.empty() ? 0.0 : w.chain[i].at(p, q);
        best = std::min(
            best, chain + w.node[i][static_cast<std::size_t>(q)] + w.after[i][static_cast<std::size_t>(q)]);
      }
      w.after[i - 1][static_cast<std::size_t>(p)] = best;
    }
  }
  w.unopened_loose.assign(num_nodes + 1, 0.0);
  for (const LooseEdge& e : w.loose) w.unopened_loose[e.earlier] += min_entry(e.cost.values);
  for (std::size_t i = num_nodes; i-- > 0;) w.unopened_loose[i] += w.unopened_loose[i + 1];
  w.loose_row_min.clear();
  for (const LooseEdge& e : w.loose) {
    std::vector<double> row(pus, kInfeasible);
    for (int p = 0; p < num_pus; ++p)
      for (int q = 0; q < num_pus; ++q)
        row[static_cast<std::size_t>(p)] = std::min(row[static_cast<std::size_t>(p)], e.cost.at(p, q));
    w.loose_row_min.push_back(std::move(row));
  }
}

AssignmentProblem make_assignment_problem(const LinearCost& cost, bool objective_energy, double max_time) {
  AssignmentProblem pb;
  pb.cost = &cost;
  pb.num_nodes = cost.node_time.size();
  pb.num_pus = cost.num_pus;
  pb.has_time_limit = max_time < kInfeasible || std::isnan(max_time);
  pb.max_time = max_time;
  const auto pus = static_cast<std::size_t>(cost.num_pus);

  for (WeightedTerms* w : {&pb.objective, &pb.time}) {
    w->node.assign(pb.num_nodes, std::vector<double>(pus, kInfeasible));
    w->chain.assign(pb.num_nodes, PairTable{cost.num_pus, {}});
  }
  for (std::size_t i = 0; i < pb.num_nodes; ++i) {
    for (int p = 0; p < cost.num_pus; ++p) {
      const double t = entry_or(cost.node_time, i, p, kInfeasible);
      const double e = entry_or(cost.node_energy, i, p, 0.0);
      const double m = entry_or(cost.node_memory, i, p, 0.0);
      const double scratch = entry_or(cost.node_scratch, i, p, 0.0);
      if (!is_finite(t) || !is_finite(e) || !is_finite(m) || !is_finite(scratch)) continue;
      pb.objective.node[i][static_cast<std::size_t>(p)] = objective_energy ? e + cost.idle_power * t : t;
      pb.time.node[i][static_cast<std::size_t>(p)] = t;
    }
  }
  pb.objective.constant =
      objective_energy ? cost.constant_energy + cost.idle_power * cost.constant_time : cost.constant_time;
  pb.time.constant = cost.constant_time;

  pb.loose_closing.assign(pb.num_nodes, {});
  pb.loose_opening.assign(pb.num_nodes, {});
  for (const LinearCost::Edge& e : cost.edges) {
    if (e.u >= pb.num_nodes || e.v >= pb.num_nodes) continue;  // malformed edge: no node to charge
    const EdgeWeights w = edge_weights(cost, e, objective_energy);
    const std::size_t earlier = std::min(e.u, e.v);
    const std::size_t later = std::max(e.u, e.v);
    if (earlier == later) {
      // A node's edge to itself depends on its own PU only: fold it into the node.
      for (int p = 0; p < cost.num_pus; ++p) {
        pb.objective.node[earlier][static_cast<std::size_t>(p)] += w.objective.at(p, p);
        pb.time.node[earlier][static_cast<std::size_t>(p)] += w.time.at(p, p);
      }
    } else if (later == earlier + 1) {
      add_into(pb.objective.chain[later], w.objective);
      add_into(pb.time.chain[later], w.time);
    } else {
      pb.loose_closing[later].push_back(pb.objective.loose.size());
      pb.loose_opening[earlier].push_back(pb.objective.loose.size());
      pb.objective.loose.push_back({earlier, later, w.objective});
      pb.time.loose.push_back({earlier, later, w.time});
    }
  }
  compute_bounds(pb.objective, pb.num_nodes, pb.num_pus);
  if (pb.has_time_limit) {
    compute_bounds(pb.time, pb.num_nodes, pb.num_pus);
  } else {
    pb.time = WeightedTerms{};
  }
  fill_memory(cost, pb);
  fill_context(pb);
  pb.relaxation = make_relaxation(pb);
  return pb;
}

}  // namespace specmap::search_detail
