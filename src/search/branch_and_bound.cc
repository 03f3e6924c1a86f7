// Exact node -> PU assignment minimising a LinearCost under memory pools and an
// optional time limit: depth-first branch and bound in node order.
//
// Bound of a partial assignment (nodes 0..i placed): its cost so far, plus for the
// remaining nodes the cheapest chain (node terms and edges (k-1, k) only, by dynamic
// programming), plus for every other edge its cheapest entry given what is already
// placed. Every part is a minimum over a relaxation of the true remainder, so the
// sum never exceeds it and pruning on it never loses the optimum. Without binding
// memory and with only chain edges the cheapest child at each level is the optimum,
// so the first descent finds it and every other branch is cut at once.
//
// When memory or the time limit binds, three more cuts keep the search small, each exact:
// a Lagrangian bound that prices the scarce resources (lagrangian.h), memory lower bounds
// for the nodes still to place, and dominance between equivalent partial assignments
// (dominance.h).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "search/assignment_problem.h"
#include "search/dominance.h"
#include "search/search.h"

namespace specmap {
namespace {

using search_detail::AssignmentProblem;
using search_detail::WeightedTerms;

// Relative slack for comparing a bound with the incumbent or a limit. Bounds and totals
// are summed in different orders, so equal costs may differ in their last bits; without
// slack ties would be explored instead of cut. An improvement smaller than this is ignored.
constexpr double kRelativeSlack = 1e-12;

bool is_finite(double x) { return std::isfinite(x); }

double with_slack(double limit) { return limit + kRelativeSlack * std::fabs(limit); }

class BranchAndBound {
 public:
  explicit BranchAndBound(const AssignmentProblem& pb)
      : pb_(pb),
        assignment_(pb.num_nodes, -1),
        used_(pb.pool_room.size(), 0.0),
        used_in_set_(pb.pool_sets.size(), 0.0),
        children_(pb.num_nodes),
        saved_used_(pb.num_nodes),
        saved_used_in_set_(pb.num_nodes),
        scratch_(static_cast<std::size_t>(std::max(pb.num_pus, 0)), 0.0),
        saved_scratch_(pb.num_nodes),
        memo_(pb.num_nodes + 1) {}

  std::vector<int> run() {
    if (pb_.num_nodes == 0 || pb_.num_pus <= 0) return {};
    descend(0, State{});
    return best_;
  }

 private:
  struct State {
    double objective = 0;  // placed nodes' terms
    double open = 0;       // allowance for loose edges whose earlier node is placed
    double time = 0;
    double open_time = 0;
    double relaxed = 0;  // the same two for the Lagrangian weights
    double open_relaxed = 0;
  };

  struct Child {
    int pu = 0;
    double key = 0;        // lower bound of the objective through this child
    double objective = 0;  // terms this node adds (node, chain edge, closing loose edges)
    double open = 0;       // change of the loose-edge allowance
    double time = 0;
    double open_time = 0;
    double relaxed = 0;
    double open_relaxed = 0;
  };

  // Weight the node adds when placed on p (node term, its chain edge and loose edges it
  // closes) and the change of the loose-edge allowance. Infinite when infeasible.
  void node_terms(const WeightedTerms& w, std::size_t i, int p, double& add, double& open_delta) const {
    const auto pu = static_cast<std::size_t>(p);
    add = w.node[i][pu];
    if (i > 0 && !w.chain[i].values.empty()) add += w.chain[i].at(assignment_[i - 1], p);
    open_delta = 0;
    for (std::size_t e : pb_.loose_closing[i]) {
      const int earlier_pu = assignment_[w.loose[e].earlier];
      add += w.loose[e].cost.at(earlier_pu, p);
      open_delta -= w.loose_row_min[e][static_cast<std::size_t>(earlier_pu)];
    }
    for (std::size_t e : pb_.loose_opening[i]) open_delta += w.loose_row_min[e][pu];
  }

  // Bytes each pool gains when node i goes to PU p: its resident bytes, the growth of
  // p's largest scratch buffer, and second copies of tied weights it separates.
  void memory_delta(std::size_t i, int p, std::vector<double>& delta) const {
    delta.assign(used_.size(), 0.0);
    auto add = [&](int pu, double bytes) {
      const int pool = pb_.pool_of_pu[static_cast<std::size_t>(pu)];
      if (pool >= 0) delta[static_cast<std::size_t>(pool)] += bytes;
    };
    const auto pu = static_cast<std::size_t>(p);
    add(p, pb_.node_memory[i][pu] + std::max(0.0, pb_.node_scratch[i][pu] - scratch_[pu]));
    for (const auto& copy : pb_.shared_closing[i]) {
      const int pu_a = copy.a == i ? p : assignment_[copy.a];
      const int pu_b = copy.b == i ? p : assignment_[copy.b];
      if (pu_a != pu_b) add(pu_b, copy.bytes[static_cast<std::size_t>(pu_b)]);
    }
  }

  // Memory only grows as nodes are placed, so a partial overflow is final. The nodes still
  // to place add at least their forced minimum of resident bytes to every set of pools,
  // plus at least what any single one of them must add in scratch growth and tied-weight
  // copies (these do not add up across nodes, so only the largest counts).
  bool memory_fits(std::size_t i, int p) const {
    if (used_.empty()) return true;
    memory_delta(i, p, delta_);
    for (std::size_t k = 0; k < used_.size(); ++k)
      if (delta_[k] > 0 && used_[k] + delta_[k] > with_slack(pb_.pool_room[k])) return false;
    future_extra(i, p, extra_);
    for (std::size_t s = 0; s < pb_.pool_sets.size(); ++s) {
      double need = used_in_set_[s] + pb_.forced_memory[s][i + 1] + extra_[s];
      for (std::size_t k = 0; k < used_.size() && k < 32; ++k)
        if (pb_.pool_sets[s] & (1u << k)) need += delta_[k];
      if (need > with_slack(pb_.set_room[s])) return false;
    }
    return true;
  }

  bool in_set(std::size_t s, int pu) const {
    const int pool = pu < 0 ? -1 : pb_.pool_of_pu[static_cast<std::size_t>(pu)];
    return pool >= 0 && pool < 32 && (pb_.pool_sets[s] & (1u << pool));
  }

  // extra[s]: the largest over nodes after i of the least scratch growth plus tied-weight
  // copy that node adds to pool set s, node i being on p.
  void future_extra(std::size_t i, int p, std::vector<double>& extra) const {
    extra.assign(pb_.pool_sets.size(), 0.0);
    if (!pb_.has_scratch_or_copies) return;
    least_.resize(pb_.pool_sets.size());
    auto pu_of = [&](std::size_t node) { return node == i ? p : node < i ? assignment_[node] : -1; };
    for (std::size_t j = i + 1; j < pb_.num_nodes; ++j) {
      std::fill(least_.begin(), least_.end(), kInfeasible);
      for (int q = 0; q < pb_.num_pus; ++q) {
        const auto qu = static_cast<std::size_t>(q);
        if (!is_finite(pb_.objective.node[j][qu])) continue;
        double current = scratch_[qu];
        if (q == p) current = std::max(current, pb_.node_scratch[i][qu]);
        const double growth = std::max(0.0, pb_.node_scratch[j][qu] - current);
        for (std::size_t s = 0; s < least_.size(); ++s) {
          double add = in_set(s, q) ? growth : 0.0;
          for (const auto& copy : pb_.shared_closing[j]) {
            const int other = pu_of(copy.a == j ? copy.b : copy.a);
            if (other < 0 || other == q) continue;
            const int pu_b = copy.b == j ? q : other;
            if (in_set(s, pu_b)) add += copy.bytes[static_cast<std::size_t>(pu_b)];
          }
          least_[s] = std::min(least_[s], add);
        }
      }
      for (std::size_t s = 0; s < least_.size(); ++s)
        if (is_finite(least_[s])) extra[s] = std::max(extra[s], least_[s]);
    }
  }

  void place(std::size_t i, int p) {
    if (!used_.empty()) {
      memory_delta(i, p, delta_);
      for (std::size_t k = 0; k < used_.size(); ++k) used_[k] += delta_[k];
      for (std::size_t s = 0; s < pb_.pool_sets.size(); ++s)
        for (std::size_t k = 0; k < used_.size() && k < 32; ++k)
          if (pb_.pool_sets[s] & (1u << k)) used_in_set_[s] += delta_[k];
      auto& largest = scratch_[static_cast<std::size_t>(p)];
      largest = std::max(largest, pb_.node_scratch[i][static_cast<std::size_t>(p)]);
    }
    assignment_[i] = p;
  }

  void collect_children(std::size_t i, const State& st, std::vector<Child>& out) const {
    out.clear();
    const WeightedTerms& obj = pb_.objective;
    for (int p = 0; p < pb_.num_pus; ++p) {
      if (!is_finite(obj.node[i][static_cast<std::size_t>(p)])) continue;
      if (!memory_fits(i, p)) continue;
      Child c;
      c.pu = p;
      node_terms(obj, i, p, c.objective, c.open);
      c.key = st.objective + c.objective + st.open + c.open + obj.after[i][static_cast<std::size_t>(p)] +
              obj.unopened_loose[i + 1];
      if (!is_finite(c.key)) continue;
      if (pb_.relaxation.active) {
        // The Lagrangian bound (which prices memory and time) next to the plain one: both are
        // valid, the larger is the better.
        const WeightedTerms& rw = pb_.relaxation.terms;
        node_terms(rw, i, p, c.relaxed, c.open_relaxed);
        const double relaxed_key = rw.constant - obj.constant + st.relaxed + c.relaxed + st.open_relaxed +
                                   c.open_relaxed + rw.after[i][static_cast<std::size_t>(p)] +
                                   rw.unopened_loose[i + 1];
        if (!is_finite(relaxed_key)) continue;
        c.key = std::max(c.key, relaxed_key);
      }
      if (pb_.has_time_limit) {
        const WeightedTerms& tw = pb_.time;
        node_terms(tw, i, p, c.time, c.open_time);
        const double time_bound = tw.constant + st.time + c.time + st.open_time + c.open_time +
                                  tw.after[i][static_cast<std::size_t>(p)] + tw.unopened_loose[i + 1];
        if (!is_finite(time_bound) || !(time_bound <= with_slack(pb_.max_time))) continue;
      }
      out.push_back(c);
    }
    std::sort(out.begin(), out.end(),
              [](const Child& a, const Child& b) { return a.key != b.key ? a.key < b.key : a.pu < b.pu; });
  }

  void record_leaf(const State& st) {
    // Slack here too: a limit equal to a total summed in another order must not exclude it.
    if (pb_.has_time_limit && !(pb_.time.constant + st.time <= with_slack(pb_.max_time))) return;
    const double total = pb_.objective.constant + st.objective;
    if (!is_finite(total)) return;
    if (!best_.empty() && !(total < best_value_)) return;
    // The search's own memory sums use a little slack; the cost model has the last word.
    if (!pb_.cost->memory_violation(assignment_, {}).empty()) return;
    best_value_ = total;
    best_ = assignment_;
  }

  bool cut(double key) const {
    if (best_.empty()) return false;
    return key + pb_.objective.constant >= best_value_ - kRelativeSlack * std::fabs(best_value_);
  }

  std::vector<int> context(std::size_t i) const {
    std::vector<int> pus;
    pus.reserve(pb_.context_nodes[i].size());
    for (std::size_t node : pb_.context_nodes[i]) pus.push_back(assignment_[node]);
    return pus;
  }

  search_detail::PartialState partial_state(const State& st) const {
    search_detail::PartialState s{st.objective, st.time, used_, scratch_};
    // used_ holds each PU's largest scratch buffer; compare residents without it.
    for (int p = 0; p < pb_.num_pus; ++p) {
      const int pool = pb_.pool_of_pu[static_cast<std::size_t>(p)];
      if (pool >= 0) s.resident[static_cast<std::size_t>(pool)] -= scratch_[static_cast<std::size_t>(p)];
    }
    return s;
  }

  // The state travels by value so that sums are never undone by subtraction (which
  // would drift in the last bits and make results depend on the search path).
  void descend(std::size_t i, const State& st) {
    if (i == pb_.num_nodes) {
      record_leaf(st);
      return;
    }
    if (i > 0 && memo_.dominated(i, context(i), partial_state(st))) return;
    std::vector<Child>& children = children_[i];
    collect_children(i, st, children);
    if (children.empty()) return;
    saved_used_[i] = used_;
    saved_used_in_set_[i] = used_in_set_;
    saved_scratch_[i] = scratch_;
    for (const Child& c : children) {
      if (cut(c.key)) break;  // children are sorted by key: the rest cannot do better
      place(i, c.pu);
      descend(i + 1,
              State{st.objective + c.objective, st.open + c.open, st.time + c.time,
                    st.open_time + c.open_time, st.relaxed + c.relaxed, st.open_relaxed + c.open_relaxed});
      assignment_[i] = -1;
      used_ = saved_used_[i];
      used_in_set_ = saved_used_in_set_[i];
      scratch_ = saved_scratch_[i];
    }
  }

  const AssignmentProblem& pb_;
  std::vector<int> assignment_;
  std::vector<double> used_;                            // per pool
  std::vector<double> used_in_set_;                     // per pool set
  std::vector<std::vector<Child>> children_;            // per depth, reused
  std::vector<std::vector<double>> saved_used_;         // per depth
  std::vector<std::vector<double>> saved_used_in_set_;  // per depth
  std::vector<double> scratch_;                         // largest buffer per PU
  std::vector<std::vector<double>> saved_scratch_;      // per depth
  mutable std::vector<double> delta_;                   // per pool, reused
  mutable std::vector<double> extra_;                   // per pool set, reused
  mutable std::vector<double> least_;                   // per pool set, reused
  search_detail::DominanceMemo memo_;
  std::vector<int> best_;
  double best_value_ = kInfeasible;
};

}  // namespace

std::vector<int> best_assignment(const LinearCost& cost, bool objective_energy, double max_time) {
  const AssignmentProblem pb = search_detail::make_assignment_problem(cost, objective_energy, max_time);
  return BranchAndBound(pb).run();
}

}  // namespace specmap
