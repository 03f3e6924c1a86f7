#include "cost/subgraph_timer.h"

#include <cmath>
#include <typeinfo>

#include "cost/placement.h"

namespace specmap::cost_internal {
namespace {

bool same_op(const Op& a, const Op& b) {
  return a.name == b.name && a.kind == b.kind && a.dtype == b.dtype && a.in_features == b.in_features &&
         a.out_features == b.out_features && a.heads == b.heads && a.kv_heads == b.kv_heads &&
         a.head_dim == b.head_dim && a.kv_dtype == b.kv_dtype && a.width == b.width &&
         a.flops_per_element == b.flops_per_element && a.vocab == b.vocab;
}

bool same_work(const Subgraph& a, const Subgraph& b) {
  if (a.kind != b.kind || a.ops.size() != b.ops.size()) return false;
  for (std::size_t i = 0; i < a.ops.size(); ++i)
    if (!same_op(a.ops[i], b.ops[i])) return false;
  return true;
}

bool is_forward_scale(Provenance p) {
  return p == Provenance::measured_forward || p == Provenance::roofline_scaled;
}

}  // namespace

SubgraphTimer::SubgraphTimer(const CostInputs& in, int variant) : in_(in), models_{&in.draft, &in.target} {
  const int num_pus = static_cast<int>(in.soc.pus.size());
  units_.resize(num_pus);
  for (int pu = 0; pu < num_pus; ++pu) units_[pu] = units_in_variant(in.soc, variant, pu);
  stock_oracle_ = typeid(in.oracle) == typeid(LatencyOracle);
  for (int role = 0; role < kRoles; ++role) classify(role);
}

void SubgraphTimer::classify(int role) {
  const ModelGraph& model = *models_[role];
  const int num_pus = static_cast<int>(in_.soc.pus.size());
  forward_measured_[role].assign(num_pus, false);
  std::set<std::string> measured_subgraphs;
  for (const ProfileEntry& entry : in_.oracle.db().entries) {
    if (entry.model != model.name) continue;
    if (entry.level == ProfileLevel::subgraph) measured_subgraphs.insert(entry.key);
    if (entry.level != ProfileLevel::forward) continue;
    for (int pu = 0; pu < num_pus; ++pu)
      if (in_.soc.pus[pu].id == entry.pu) forward_measured_[role][pu] = true;
  }
  std::vector<std::size_t>& representative = representative_[role];
  representative.resize(model.subgraphs.size());
  std::vector<std::size_t> classes;
  for (std::size_t s = 0; s < model.subgraphs.size(); ++s) {
    representative[s] = s;
    if (!stock_oracle_ || measured_subgraphs.count(model.subgraphs[s].name)) continue;
    for (std::size_t r : classes) {
      if (same_work(model.subgraphs[r], model.subgraphs[s])) {
        representative[s] = r;
        break;
      }
    }
    if (representative[s] == s) classes.push_back(s);
  }
}

Seconds SubgraphTimer::roofline_weight(int role, std::size_t index, int pu, Tokens new_tokens,
                                       Tokens context) const {
  Seconds total = 0;
  for (const Op& op : models_[role]->subgraphs[index].ops)
    total += in_.oracle.roofline_op(op, pu, units_[pu], new_tokens, context);
  return total;
}

const std::vector<SubgraphTime>& SubgraphTimer::pass(int role, int pu, Tokens new_tokens, Tokens context,
                                                     Tokens rows) {
  const auto key = std::make_tuple(role, pu, new_tokens, context, rows);
  if (auto found = memo_.find(key); found != memo_.end()) return found->second;

  const ModelGraph& model = *models_[role];
  const std::vector<std::size_t>& representative = representative_[role];
  const std::size_t count = model.subgraphs.size();
  std::vector<TimeEstimate> own(count);
  bool subgraph_measured = false;
  bool all_available = true;
  for (std::size_t s = 0; s < count; ++s) {
    own[s] = representative[s] == s
                 ? in_.oracle.subgraph_rows(model, s, pu, units_[pu], new_tokens, context, rows)
                 : own[representative[s]];
    subgraph_measured = subgraph_measured || own[s].source == Provenance::measured_subgraph;
    all_available = all_available && own[s].source != Provenance::unavailable && std::isfinite(own[s].median);
  }

  std::vector<SubgraphTime> times(count);
  TimeEstimate forward;
  // The stock oracle without forward entries answers forward() with the sum of the subgraphs:
  // splitting that back changes nothing, so it is not asked.
  const bool ask_forward = !subgraph_measured && count > 0 && (!stock_oracle_ || forward_measured_[role][pu]);
  if (ask_forward) forward = in_.oracle.forward_rows(model, pu, units_[pu], new_tokens, context, rows);
  if (ask_forward && is_forward_scale(forward.source)) {
    // Shares follow the subgraphs' own estimates; where one is missing (e.g. a profile in
    // relative units), all shares follow the roofline so they stay comparable; failing that,
    // equal shares.
    std::vector<Seconds> weight(count);
    Seconds total = 0;
    for (std::size_t s = 0; s < count; ++s) {
      if (all_available)
        weight[s] = own[s].median;
      else
        weight[s] = representative[s] == s ? roofline_weight(role, s, pu, new_tokens, context)
                                           : weight[representative[s]];
      total += weight[s];
    }
    const bool usable = std::isfinite(total) && total > 0;
    for (std::size_t s = 0; s < count; ++s) {
      const double share = usable ? weight[s] / total : 1.0 / static_cast<double>(count);
      times[s] = SubgraphTime{forward.median * share, forward.stddev * share, forward.source, true, {}};
    }
  } else {
    for (std::size_t s = 0; s < count; ++s) {
      times[s] = SubgraphTime{own[s].median, own[s].stddev, own[s].source, false, own[s].why};
      if (times[s].source != Provenance::unavailable && !std::isfinite(times[s].median)) {
        // The roofline never ends: the SoC gives no throughput for a type this subgraph uses.
        times[s].source = Provenance::unavailable;
        times[s].why = "no finite time: the SoC description gives no throughput for its data types";
      }
    }
  }
  if (ask_forward && is_forward_scale(forward.source) && !std::isfinite(forward.median)) {
    for (SubgraphTime& t : times) {
      t.source = Provenance::unavailable;
      t.why = "no finite time for the forward pass";
    }
  }
  return memo_.emplace(key, std::move(times)).first->second;
}

}  // namespace specmap::cost_internal
