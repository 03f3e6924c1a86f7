#include "search/lagrangian.h"

#include <algorithm>
#include <cmath>

namespace specmap::search_detail {
namespace {

// Coordinate ascent budget: rounds over the resources, and per coordinate the doublings
// allowed to bracket the best multiplier and the bisection steps inside the bracket.
constexpr int kRounds = 2;
constexpr int kMaxDoublings = 200;
constexpr int kBisections = 30;

bool is_finite(double x) { return std::isfinite(x); }

// One relaxed resource: the time limit or a memory pool.
struct Resource {
  bool is_time = false;
  int pool = -1;
  double capacity = 0;  // max_time, or the pool's room
};

struct Multipliers {
  double time = 0;
  std::vector<double> pool;
};

// The chain optimum of the relaxed weights and what it uses of each resource.
struct RootSolution {
  double value = kInfeasible;  // the root lower bound
  double time_used = 0;
  std::vector<double> pool_used;
};

class Relaxer {
 public:
  explicit Relaxer(const AssignmentProblem& pb) : pb_(pb), pus_(static_cast<std::size_t>(pb.num_pus)) {
    if (pb.has_time_limit && is_finite(pb.max_time)) resources_.push_back({true, -1, pb.max_time});
    for (std::size_t k = 0; k < pb.pool_room.size(); ++k)
      if (is_finite(pb.pool_room[k])) resources_.push_back({false, static_cast<int>(k), pb.pool_room[k]});
  }

  AssignmentProblem::Relaxation run() {
    AssignmentProblem::Relaxation out;
    if (pb_.num_nodes == 0 || pus_ == 0 || resources_.empty()) return out;
    // When even the smallest footprints overflow a pool the search stops at its first node;
    // pricing memory would only delay that.
    for (std::size_t s = 0; s < pb_.pool_sets.size(); ++s)
      if (pb_.forced_memory[s][0] > pb_.set_room[s]) return out;
    Multipliers m{0, std::vector<double>(pb_.pool_room.size(), 0.0)};
    RootSolution base = solve(m);
    if (!is_finite(base.value) || all_met(base)) return out;

    double best_value = base.value;
    for (int round = 0; round < kRounds; ++round) {
      for (const Resource& r : resources_) ascend(m, r, best_value);
    }
    if (!(best_value > base.value)) return out;
    out.active = true;
    out.time_multiplier = m.time;
    out.pool_multiplier = m.pool;
    out.terms = relaxed_terms(m);
    compute_bounds(out.terms, pb_.num_nodes, pb_.num_pus);
    return out;
  }

 private:
  double& slot(Multipliers& m, const Resource& r) const {
    return r.is_time ? m.time : m.pool[static_cast<std::size_t>(r.pool)];
  }

  double usage_over(const RootSolution& s, const Resource& r) const {
    const double used = r.is_time ? s.time_used : s.pool_used[static_cast<std::size_t>(r.pool)];
    return used - r.capacity;
  }

  bool all_met(const RootSolution& s) const {
    for (const Resource& r : resources_)
      if (usage_over(s, r) > 0) return false;
    return true;
  }

  // A multiplier scale to start bracketing from: objective spread per unit of capacity.
  double seed(const Resource& r) const {
    double spread = 0;
    for (const auto& row : pb_.objective.node) {
      double lo = kInfeasible, hi = -kInfeasible;
      for (double v : row)
        if (is_finite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
      if (is_finite(lo)) spread += std::max(hi - lo, std::fabs(hi));
    }
    return std::max(spread, 1e-300) / std::max(std::fabs(r.capacity), 1.0) * 1e-4;
  }

  // Maximises the root bound along one multiplier (the dual is concave in it).
  void ascend(Multipliers& m, const Resource& r, double& best_value) {
    double& x = slot(m, r);
    const double start = x;
    RootSolution s = solve(m);
    double best_x = start;
    auto consider = [&](double value) {
      const double v = try_value(m, r, value, s);
      if (v > best_value) {
        best_value = v;
        best_x = value;
      }
      return usage_over(s, r);
    };
    double over = usage_over(s, r);
    double lo = 0, hi = 0;
    if (over > 0) {
      // Raise the price until the relaxed optimum fits.
      lo = start;
      hi = start > 0 ? 2 * start : seed(r);
      int doublings = 0;
      while (consider(hi) > 0 && doublings++ < kMaxDoublings) {
        lo = hi;
        hi *= 2;
      }
    } else {
      if (start == 0) return;  // fits for free: nothing to gain along this multiplier
      // Lower the price until the resource is overused again (or the price is zero).
      hi = start;
      lo = start / 2;
      int halvings = 0;
      while (consider(lo) <= 0 && halvings++ < kMaxDoublings) {
        hi = lo;
        lo /= 2;
      }
      if (halvings > kMaxDoublings) lo = 0;
    }
    for (int i = 0; i < kBisections; ++i) {
      const double mid = 0.5 * (lo + hi);
      if (consider(mid) > 0)
        lo = mid;
      else
        hi = mid;
    }
    x = best_x;
  }

  double try_value(Multipliers& m, const Resource& r, double value, RootSolution& s) {
    double& x = slot(m, r);
    const double keep = x;
    x = value;
    s = solve(m);
    x = keep;
    return s.value;
  }

  double node_weight(const Multipliers& m, std::size_t i, std::size_t p) const {
    const double o = pb_.objective.node[i][p];
    if (!is_finite(o)) return kInfeasible;
    double w = o;
    if (m.time > 0) w += m.time * pb_.time.node[i][p];
    const int pool = pb_.pool_of_pu[p];
    if (pool >= 0 && m.pool[static_cast<std::size_t>(pool)] > 0)
      w += m.pool[static_cast<std::size_t>(pool)] * pb_.node_memory[i][p];
    return w;
  }

  double chain_weight(const Multipliers& m, std::size_t i, std::size_t p, std::size_t q) const {
    const PairTable& o = pb_.objective.chain[i];
    if (o.values.empty()) return 0.0;
    const double v = o.at(static_cast<int>(p), static_cast<int>(q));
    if (!is_finite(v) || m.time <= 0) return v;
    return v + m.time * pb_.time.chain[i].at(static_cast<int>(p), static_cast<int>(q));
  }

  double loose_weight(const Multipliers& m, std::size_t e, std::size_t k) const {
    const double v = pb_.objective.loose[e].cost.values[k];
    if (!is_finite(v) || m.time <= 0) return v;
    return v + m.time * pb_.time.loose[e].cost.values[k];
  }

  double constant(const Multipliers& m) const {
    double c = pb_.objective.constant;
    if (m.time > 0) c += m.time * (pb_.time.constant - pb_.max_time);
    for (const Resource& r : resources_)
      if (!r.is_time) c -= m.pool[static_cast<std::size_t>(r.pool)] * r.capacity;
    return c;
  }

  // Chain dynamic programme on the relaxed weights, then the optimum's resource use.
  // Called a few hundred times per problem: flat buffers, no allocation after the first.
  RootSolution solve(const Multipliers& m) {
    const std::size_t n = pb_.num_nodes;
    weight_.resize(n * pus_);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p = 0; p < pus_; ++p) weight_[i * pus_ + p] = node_weight(m, i, p);
    after_.assign(n * pus_, 0.0);
    for (std::size_t i = n; i-- > 1;)
      for (std::size_t p = 0; p < pus_; ++p) {
        double best = kInfeasible;
        for (std::size_t q = 0; q < pus_; ++q)
          best = std::min(best, chain_weight(m, i, p, q) + weight_[i * pus_ + q] + after_[i * pus_ + q]);
        after_[(i - 1) * pus_ + p] = best;
      }
    RootSolution s;
    s.pool_used.assign(pb_.pool_room.size(), 0.0);
    double loose = 0;
    for (std::size_t e = 0; e < pb_.objective.loose.size(); ++e) {
      double least = kInfeasible;
      for (std::size_t k = 0; k < pb_.objective.loose[e].cost.values.size(); ++k)
        least = std::min(least, loose_weight(m, e, k));
      loose += least;
    }
    path_.assign(n, 0);
    double best = kInfeasible;
    for (std::size_t p = 0; p < pus_; ++p) {
      const double v = weight_[p] + after_[p];
      if (v < best) best = v, path_[0] = p;
    }
    s.value = constant(m) + loose + best;
    if (!is_finite(s.value)) return s;
    for (std::size_t i = 1; i < n; ++i) {
      double step = kInfeasible;
      for (std::size_t q = 0; q < pus_; ++q) {
        const double v = chain_weight(m, i, path_[i - 1], q) + weight_[i * pus_ + q] + after_[i * pus_ + q];
        if (v < step) step = v, path_[i] = q;
      }
    }
    // Resource use of that chain optimum (loose edges are left out of it: the bound
    // charges them at their cheapest, whatever the assignment).
    if (pb_.has_time_limit) {
      double t = pb_.time.constant;
      for (std::size_t i = 0; i < n; ++i) {
        t += pb_.time.node[i][path_[i]];
        if (i > 0 && !pb_.time.chain[i].values.empty())
          t += pb_.time.chain[i].at(static_cast<int>(path_[i - 1]), static_cast<int>(path_[i]));
      }
      s.time_used = t;
    }
    for (std::size_t i = 0; i < n; ++i) {
      const int pool = pb_.pool_of_pu[path_[i]];
      if (pool >= 0) s.pool_used[static_cast<std::size_t>(pool)] += pb_.node_memory[i][path_[i]];
    }
    return s;
  }

  WeightedTerms relaxed_terms(const Multipliers& m) const {
    WeightedTerms w;
    const std::size_t n = pb_.num_nodes;
    w.node.assign(n, std::vector<double>(pus_, kInfeasible));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t p = 0; p < pus_; ++p) w.node[i][p] = node_weight(m, i, p);
    w.chain.assign(n, PairTable{pb_.num_pus, {}});
    for (std::size_t i = 0; i < n; ++i) {
      if (pb_.objective.chain[i].values.empty()) continue;
      w.chain[i].values.resize(pus_ * pus_);
      for (std::size_t p = 0; p < pus_; ++p)
        for (std::size_t q = 0; q < pus_; ++q) w.chain[i].values[p * pus_ + q] = chain_weight(m, i, p, q);
    }
    w.loose = pb_.objective.loose;
    for (std::size_t e = 0; e < w.loose.size(); ++e)
      for (std::size_t k = 0; k < w.loose[e].cost.values.size(); ++k)
        w.loose[e].cost.values[k] = loose_weight(m, e, k);
    w.constant = constant(m);
    return w;
  }

  const AssignmentProblem& pb_;
  std::size_t pus_;
  std::vector<Resource> resources_;
  // Buffers of solve(), [node * pus + pu].
  std::vector<double> weight_;
  std::vector<double> after_;
  std::vector<std::size_t> path_;
};

}  // namespace

AssignmentProblem::Relaxation make_relaxation(const AssignmentProblem& pb) { return Relaxer(pb).run(); }

}  // namespace specmap::search_detail
