// best_assignment against exhaustive enumeration and, for long chains, against a
// textbook dynamic programme.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "brute_force.h"
#include "search/search.h"

namespace specmap {
namespace {

using testing_support::brute_force;
using testing_support::evaluate;

std::vector<std::vector<double>> matrix(std::size_t rows, std::size_t cols, double v) {
  return std::vector<std::vector<double>>(rows, std::vector<double>(cols, v));
}

struct RandomShape {
  int min_nodes = 5, max_nodes = 8;
  int min_pus = 2, max_pus = 3;
  double infeasible_node_share = 0.08;
  double infeasible_edge_share = 0.04;
  int loose_edges = 2;
  bool bind_memory = true;
  bool tied_weights = true;
};

LinearCost random_cost(std::mt19937& rng, const RandomShape& shape) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::uniform_int_distribution<int> nodes_dist(shape.min_nodes, shape.max_nodes);
  std::uniform_int_distribution<int> pus_dist(shape.min_pus, shape.max_pus);
  LinearCost c;
  const auto n = static_cast<std::size_t>(nodes_dist(rng));
  c.num_pus = pus_dist(rng);
  const auto pus = static_cast<std::size_t>(c.num_pus);
  c.num_draft = n / 2;
  c.node_time = matrix(n, pus, 0);
  c.node_energy = matrix(n, pus, 0);
  c.node_memory = matrix(n, pus, 0);
  c.node_scratch = matrix(n, pus, 0);
  for (std::size_t i = 0; i < n; ++i) {
    c.node_names.push_back("node." + std::to_string(i));
    for (std::size_t p = 0; p < pus; ++p) {
      c.node_time[i][p] = 0.1 + unit(rng);
      c.node_energy[i][p] = 0.05 + unit(rng);
      c.node_memory[i][p] = std::floor(1 + 9 * unit(rng));
      c.node_scratch[i][p] = std::floor(4 * unit(rng));
      if (unit(rng) < shape.infeasible_node_share) c.node_time[i][p] = kInfeasible;
    }
    // A few nodes with large buffers, like a model head's logits: the largest per PU counts.
    if (unit(rng) < 0.25) {
      const double big = std::floor(5 + 10 * unit(rng));
      for (std::size_t p = 0; p < pus; ++p) c.node_scratch[i][p] = big;
    }
  }
  auto random_edge = [&](std::size_t u, std::size_t v) {
    LinearCost::Edge e;
    e.u = u;
    e.v = v;
    e.time = matrix(pus, pus, 0);
    e.energy = matrix(pus, pus, 0);
    for (std::size_t a = 0; a < pus; ++a) {
      for (std::size_t b = 0; b < pus; ++b) {
        // Staying on one PU is cheap, moving costs: the usual shape of transfers.
        e.time[a][b] = (a == b ? 0.05 : 0.4) * unit(rng);
        e.energy[a][b] = (a == b ? 0.05 : 0.4) * unit(rng);
        if (unit(rng) < shape.infeasible_edge_share) e.energy[a][b] = kInfeasible;
      }
    }
    return e;
  };
  for (std::size_t i = 1; i < n; ++i) {
    if (unit(rng) < 0.8) c.edges.push_back(random_edge(i - 1, i));
    if (unit(rng) < 0.2) c.edges.push_back(random_edge(i - 1, i));  // parallel edges add up
  }
  for (int k = 0; k < shape.loose_edges; ++k) {
    std::uniform_int_distribution<std::size_t> node(0, n - 1);
    std::size_t u = node(rng), v = node(rng);
    if (u == v) continue;
    if (u > v) std::swap(u, v);
    c.edges.push_back(random_edge(u, v));
  }
  if (shape.tied_weights) {
    // Like a tied embedding and head: the last node reuses the first one's weights.
    LinearCost::SharedWeights shared{0, n - 1, {}};
    for (std::size_t p = 0; p < pus; ++p) shared.bytes.push_back(std::floor(1 + 6 * unit(rng)));
    c.shared_weights.push_back(shared);
  }
  c.constant_time = 0.3 * unit(rng);
  c.constant_energy = 0.3 * unit(rng);
  c.idle_power = 0.5 * unit(rng);
  // One or two pools; capacities set below the unconstrained footprint so they bind.
  const int pools = unit(rng) < 0.5 ? 1 : 2;
  for (std::size_t p = 0; p < pus; ++p) c.pu_memory.push_back(static_cast<int>(p) % pools);
  double mean_total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double s = 0;
    for (std::size_t p = 0; p < pus; ++p) s += c.node_memory[i][p];
    mean_total += s / static_cast<double>(pus);
  }
  double largest_scratch = 0;
  for (const auto& row : c.node_scratch) largest_scratch = std::max(largest_scratch, row[0]);
  mean_total += largest_scratch;
  for (int k = 0; k < pools; ++k) {
    c.pool_fixed.push_back(std::floor(3 * unit(rng)));
    const double share = shape.bind_memory ? 0.35 + 0.5 * unit(rng) : 10.0;
    c.pool_capacity.push_back(std::floor(mean_total * share / pools * (pools == 1 ? 1.0 : 1.3)) + 3);
  }
  return c;
}

void expect_matches_brute_force(const LinearCost& c, bool energy, double max_time, int instance) {
  const auto expected = brute_force(c, energy, max_time);
  const auto got = best_assignment(c, energy, max_time);
  SCOPED_TRACE("instance " + std::to_string(instance) + (energy ? " energy" : " time") + " max_time " +
               std::to_string(max_time));
  if (expected.assignment.empty()) {
    EXPECT_TRUE(got.empty());
    return;
  }
  ASSERT_EQ(got.size(), c.node_time.size());
  const auto ev = evaluate(c, got);
  ASSERT_TRUE(ev.feasible);
  EXPECT_LE(ev.time, max_time * (1 + 1e-12));
  const double obj = energy ? ev.energy : ev.time;
  EXPECT_NEAR(obj, expected.objective, 1e-9 * std::max(1.0, std::fabs(expected.objective)));
}

TEST(BestAssignment, MatchesBruteForceOnRandomInstances) {
  std::mt19937 rng(20240611);
  int nothing_feasible = 0, memory_bound = 0;
  for (int instance = 0; instance < 400; ++instance) {
    const LinearCost c = random_cost(rng, RandomShape{});
    for (bool energy : {false, true}) expect_matches_brute_force(c, energy, kInfeasible, instance);
    // Count instances where memory changes the answer, so the test is known to exercise it.
    LinearCost unbounded = c;
    for (auto& cap : unbounded.pool_capacity) cap = 1e18;
    const auto free_best = brute_force(unbounded, false, kInfeasible);
    const auto best = brute_force(c, false, kInfeasible);
    if (best.assignment.empty())
      ++nothing_feasible;
    else if (best.objective > free_best.objective + 1e-12)
      ++memory_bound;
  }
  EXPECT_GT(memory_bound, 50);
  EXPECT_GT(nothing_feasible, 0);
}

TEST(BestAssignment, MatchesBruteForceUnderTimeLimit) {
  std::mt19937 rng(777);
  for (int instance = 0; instance < 300; ++instance) {
    const LinearCost c = random_cost(rng, RandomShape{});
    const auto fastest = brute_force(c, false, kInfeasible);
    if (fastest.assignment.empty()) continue;
    // Limits from just above the fastest time to well above it; the energy optimum
    // without a limit is usually slower, so the limit binds.
    for (double factor : {1.0, 1.05, 1.2, 1.5}) {
      const double limit = fastest.objective * factor;
      expect_matches_brute_force(c, true, limit, instance);
      expect_matches_brute_force(c, false, limit, instance);
    }
    // Below the fastest time nothing qualifies.
    EXPECT_TRUE(best_assignment(c, true, fastest.objective * 0.99).empty());
  }
}

TEST(BestAssignment, MatchesBruteForceOnTwelveNodes) {
  std::mt19937 rng(4242);
  RandomShape shape;
  shape.min_nodes = shape.max_nodes = 12;
  shape.min_pus = shape.max_pus = 3;
  shape.loose_edges = 4;
  for (int instance = 0; instance < 6; ++instance) {
    const LinearCost c = random_cost(rng, shape);
    for (bool energy : {false, true}) expect_matches_brute_force(c, energy, kInfeasible, instance);
  }
}

// Viterbi over a chain without memory limits: the exact optimum of a chain-only cost.
double chain_optimum(const LinearCost& c) {
  const std::size_t n = c.node_time.size();
  const auto pus = static_cast<std::size_t>(c.num_pus);
  std::vector<std::vector<const LinearCost::Edge*>> into(n);
  for (const auto& e : c.edges) into[e.v].push_back(&e);
  std::vector<double> best(pus);
  for (std::size_t p = 0; p < pus; ++p) best[p] = c.node_time[0][p];
  for (std::size_t i = 1; i < n; ++i) {
    std::vector<double> next(pus, kInfeasible);
    for (std::size_t q = 0; q < pus; ++q)
      for (std::size_t p = 0; p < pus; ++p) {
        double v = best[p] + c.node_time[i][q];
        for (const auto* e : into[i]) v += e->time[p][q];
        next[q] = std::min(next[q], v);
      }
    best = next;
  }
  return c.constant_time + *std::min_element(best.begin(), best.end());
}

TEST(BestAssignment, LongChainWithoutBindingMemoryIsExact) {
  std::mt19937 rng(99);
  RandomShape shape;
  shape.min_nodes = shape.max_nodes = 120;
  shape.min_pus = shape.max_pus = 4;
  shape.loose_edges = 0;
  shape.bind_memory = false;
  shape.infeasible_edge_share = 0;
  for (int instance = 0; instance < 5; ++instance) {
    const LinearCost c = random_cost(rng, shape);
    const auto got = best_assignment(c, false);
    const double expected = chain_optimum(c);
    if (!std::isfinite(expected)) {
      EXPECT_TRUE(got.empty());
      continue;
    }
    ASSERT_FALSE(got.empty());
    EXPECT_NEAR(evaluate(c, got).time, expected, 1e-9 * expected);
  }
}

// Without a binding constraint the bound is the plain chain one, whose children are
// tried cheapest first and, among equal ones, lowest PU first.
TEST(BestAssignment, UnconstrainedTiesGoToTheLowestPu) {
  LinearCost c;
  c.num_pus = 3;
  c.node_time = matrix(6, 3, 1.0);
  c.node_energy = matrix(6, 3, 1.0);
  c.node_memory = matrix(6, 3, 1.0);
  c.pu_memory = {0, 0, 0};
  c.pool_capacity = {100};
  c.pool_fixed = {0};
  EXPECT_EQ(best_assignment(c, false), std::vector<int>(6, 0));
  EXPECT_EQ(best_assignment(c, true), std::vector<int>(6, 0));
}

TEST(BestAssignment, NothingFeasibleGivesEmpty) {
  LinearCost c;
  c.num_pus = 2;
  c.node_time = matrix(3, 2, 1.0);
  c.node_time[1] = {kInfeasible, kInfeasible};
  c.node_energy = matrix(3, 2, 1.0);
  c.node_memory = matrix(3, 2, 1.0);
  EXPECT_TRUE(best_assignment(c, false).empty());

  // Every node fits alone but not all together.
  c.node_time = matrix(3, 2, 1.0);
  c.pu_memory = {0, 0};
  c.pool_capacity = {2.5};
  c.pool_fixed = {0};
  EXPECT_TRUE(best_assignment(c, false).empty());
  c.pool_capacity = {3};
  EXPECT_EQ(best_assignment(c, false).size(), 3u);
}

TEST(BestAssignment, MemoryPushesNodesToTheSlowerPool) {
  // PU 0 is faster but its pool holds only two of the four nodes; moving between
  // PUs costs, so the optimum keeps the two on PU 0 contiguous.
  LinearCost c;
  c.num_pus = 2;
  c.node_time = {{1, 3}, {1, 3}, {1, 3}, {1, 3}};
  c.node_energy = matrix(4, 2, 0);
  c.node_memory = matrix(4, 2, 10);
  c.pu_memory = {0, 1};
  c.pool_capacity = {20, 100};
  c.pool_fixed = {0, 0};
  for (std::size_t i = 1; i < 4; ++i) {
    LinearCost::Edge e;
    e.u = i - 1;
    e.v = i;
    e.time = {{0, 0.5}, {0.5, 0}};
    e.energy = matrix(2, 2, 0);
    c.edges.push_back(e);
  }
  const auto got = best_assignment(c, false);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(std::count(got.begin(), got.end(), 0), 2);
  EXPECT_DOUBLE_EQ(evaluate(c, got).time, 1 + 1 + 3 + 3 + 0.5);
  // Two optima: the fast pair first or last.
  EXPECT_TRUE(got == (std::vector<int>{0, 0, 1, 1}) || got == (std::vector<int>{1, 1, 0, 0}));
}

TEST(BestAssignment, IsDeterministic) {
  std::mt19937 rng(5);
  for (int instance = 0; instance < 20; ++instance) {
    const LinearCost c = random_cost(rng, RandomShape{});
    EXPECT_EQ(best_assignment(c, true), best_assignment(c, true));
  }
}

}  // namespace
}  // namespace specmap
