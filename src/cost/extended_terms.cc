#include "cost/extended_terms.h"

#include <algorithm>
#include <map>
#include <utility>

#include "cost/loop_work.h"
#include "cost/memory_terms.h"
#include "cost/placement.h"

namespace specmap::cost_internal {
namespace {

using Matrix = std::vector<std::vector<PhaseSplit>>;

Seconds& phase_of(PhaseSplit& split, bool prefill) { return prefill ? split.prefill : split.decode; }

// Transfer times of one pass, asked once per (bytes, from, to): decoder blocks all hand over
// tensors of the same size.
class TransferCache {
 public:
  TransferCache(const LatencyOracle& oracle, int num_pus) : oracle_(oracle), num_pus_(num_pus) {}
  void clear() { entries_.clear(); }
  Seconds get(Bytes bytes, int from, int to) {
    for (Entry& entry : entries_) {
      if (entry.bytes != bytes) continue;
      Seconds& slot = entry.time[from * num_pus_ + to];
      if (slot < 0) slot = oracle_.transfer(from, to, bytes);
      return slot;
    }
    entries_.push_back(Entry{bytes, std::vector<Seconds>(num_pus_ * num_pus_, -1.0)});
    return entries_.back().time[from * num_pus_ + to] = oracle_.transfer(from, to, bytes);
  }

 private:
  struct Entry {
    Bytes bytes;
    std::vector<Seconds> time;
  };
  const LatencyOracle& oracle_;
  int num_pus_;
  std::vector<Entry> entries_;
};

// Builds the terms of one model (draft or target).
class ModelTermsBuilder {
 public:
  ModelTermsBuilder(const CostInputs& in, int role, std::size_t offset, SubgraphTimer& timer,
                    const std::vector<int>* only, ExtendedTerms& out)
      : in_(in),
        role_(role),
        offset_(offset),
        timer_(timer),
        model_(timer.model(role)),
        num_pus_(static_cast<int>(in.soc.pus.size())),
        out_(out),
        transfers_(in.oracle, num_pus_) {
    const std::size_t count = model_.subgraphs.size();
    candidates_.resize(count);
    for (std::size_t s = 0; s < count; ++s) {
      for (int pu = 0; pu < num_pus_; ++pu) {
        if (only && (*only)[offset + s] != pu) continue;
        if (timer.units(pu) > 0) {
          NodeTerms& terms = out.node[offset + s][pu];
          terms.problem = dtype_problem(in.soc.pus[pu], model_, role_name(role), s);
          if (terms.problem.empty()) candidates_[s].push_back(pu);
        }
      }
    }
    for (int pu = 0; pu < num_pus_; ++pu)
      for (std::size_t s = 0; s < count; ++s)
        if (std::count(candidates_[s].begin(), candidates_[s].end(), pu)) {
          pus_used_.push_back(pu);
          break;
        }
    for (const auto& [u, v] : model_.edges)
      if (u != v && u < count && v < count) edge(u, v);
    for (std::size_t s = 1; s < count; ++s) edge(s - 1, s);
  }

  void add(const Pass& pass) {
    const double w = pass.per_token;
    for (int pu : pus_used_) {
      const std::vector<SubgraphTime>& times =
          timer_.pass(role_, pu, pass.new_tokens, pass.context, pass.rows);
      for (std::size_t s = 0; s < times.size(); ++s) {
        if (!runs_on(s, pu)) continue;
        NodeTerms& terms = out_.node[offset_ + s][pu];
        const SubgraphTime& time = times[s];
        phase_of(terms.compute, pass.prefill) += w * time.median;
        terms.stddev += w * time.stddev;
        terms.source = terms.evaluated ? std::max(terms.source, time.source) : time.source;
        terms.evaluated = true;
        terms.apportioned = terms.apportioned || time.apportioned;
        if (time.source == Provenance::unavailable && terms.problem.empty())
          terms.problem = role_name(role_) + " subgraph " + model_.subgraphs[s].name + " on " +
                          in_.soc.pus[pu].id + ": " + time.why;
      }
      // The launch of the model's first run on `pu`, unless the pass was timed whole in the
      // runtime: a measured forward pass or subgraph already holds its launch (waking the
      // thread pool, an enqueue and finish), and adding the SoC's figure on top counted it
      // twice (5 us per pass on this host's CPU: 10-40% of the real pair's 0.01-0.05 ms
      // passes). Launches at PU switches inside a pass (edges below) stay.
      if (seconds_units() && runs_on(0, pu) && !times.empty() && !launch_measured(times.front().source))
        phase_of(out_.node[offset_][pu].dispatch, pass.prefill) += w * dispatch_seconds(pu);
    }
    if (!seconds_units()) return;  // a relative-unit profile cannot be mixed with seconds
    transfers_.clear();
    for (const auto& [u, v] : model_.edges) {
      if (u == v || u >= candidates_.size() || v >= candidates_.size()) continue;
      const Bytes bytes = model_.subgraphs[u].output_bytes_per_token * static_cast<double>(pass.new_tokens);
      Matrix& transfer = edge(u, v).transfer;
      for (int a : candidates_[u])
        for (int b : candidates_[v]) {
          if (a == b) continue;
          const Seconds t = w * transfers_.get(bytes, a, b);
          phase_of(u < v ? transfer[a][b] : transfer[b][a], pass.prefill) += t;
        }
    }
    for (std::size_t s = 1; s < candidates_.size(); ++s) {
      Matrix& dispatch = edge(s - 1, s).dispatch;
      for (int a : candidates_[s - 1])
        for (int b : candidates_[s])
          if (a != b) phase_of(dispatch[a][b], pass.prefill) += w * dispatch_seconds(b);
    }
  }

  // Appends the model's edges to the linear form, in (u, v) order.
  void emit_edges() {
    for (auto& [key, terms] : edges_) {
      LinearCost::Edge edge;
      edge.u = offset_ + key.first;
      edge.v = offset_ + key.second;
      edge.time.assign(num_pus_, std::vector<double>(num_pus_, 0.0));
      edge.energy.assign(num_pus_, std::vector<double>(num_pus_, 0.0));  // transfers draw idle power only
      for (int a = 0; a < num_pus_; ++a)
        for (int b = 0; b < num_pus_; ++b) {
          const PhaseSplit& t = terms.transfer[a][b];
          const PhaseSplit& d = terms.dispatch[a][b];
          edge.time[a][b] = t.decode + t.prefill + d.decode + d.prefill;
        }
      out_.cost.edges.push_back(std::move(edge));
      out_.edge.push_back(std::move(terms));
    }
  }

 private:
  [[nodiscard]] bool runs_on(std::size_t s, int pu) const {
    return std::count(candidates_[s].begin(), candidates_[s].end(), pu) > 0;
  }
  [[nodiscard]] bool seconds_units() const { return in_.oracle.db().time_unit != "relative"; }
  [[nodiscard]] Seconds dispatch_seconds(int pu) const {
    return from_us(in_.soc.pus[pu].dispatch_overhead_us);
  }
  EdgeTerms& edge(std::size_t u, std::size_t v) {
    const auto key = std::minmax(u, v);
    auto found = edges_.find(key);
    if (found != edges_.end()) return found->second;
    EdgeTerms terms{Matrix(num_pus_, std::vector<PhaseSplit>(num_pus_)),
                    Matrix(num_pus_, std::vector<PhaseSplit>(num_pus_))};
    return edges_.emplace(key, std::move(terms)).first->second;
  }

  const CostInputs& in_;
  int role_;
  std::size_t offset_;
  SubgraphTimer& timer_;
  const ModelGraph& model_;
  int num_pus_;
  ExtendedTerms& out_;
  TransferCache transfers_;
  std::vector<std::vector<int>> candidates_;  // [subgraph]: PUs to evaluate it on
  std::vector<int> pus_used_;
  std::map<std::pair<std::size_t, std::size_t>, EdgeTerms> edges_;
};

void fill_node_terms(const CostInputs& in, int variant, int gamma, SubgraphTimer& timer,
                     const std::vector<int>* only, ExtendedTerms& out) {
  const int num_pus = static_cast<int>(in.soc.pus.size());
  LinearCost& cost = out.cost;
  const std::size_t nodes = out.node.size();
  cost.node_time.assign(nodes, std::vector<double>(num_pus, 0.0));
  cost.node_energy.assign(nodes, std::vector<double>(num_pus, 0.0));
  for (std::size_t node = 0; node < nodes; ++node) {
    if (node < cost.num_draft && gamma == 0) continue;  // the draft does not run: free everywhere
    for (int pu = 0; pu < num_pus; ++pu) {
      NodeTerms& terms = out.node[node][pu];
      const int units = timer.units(pu);
      if (units <= 0) {
        cost.node_time[node][pu] = cost.node_energy[node][pu] = kInfeasible;
        if (!only || (*only)[node] == pu) terms.problem = pu_off_reason(in.soc, variant, pu);
        continue;
      }
      if (only && (*only)[node] != pu) continue;  // not evaluated, never read
      if (!terms.problem.empty()) {
        cost.node_time[node][pu] = cost.node_energy[node][pu] = kInfeasible;
        continue;
      }
      const Seconds compute = terms.compute.decode + terms.compute.prefill;
      cost.node_time[node][pu] = compute + terms.dispatch.decode + terms.dispatch.prefill;
      const ProcessingUnit& unit = in.soc.pus[pu];
      cost.node_energy[node][pu] = compute * (unit.active_power(units) - unit.idle_power(units));
    }
  }
}

}  // namespace

ExtendedTerms build_extended_terms(const CostInputs& in, int variant, int gamma, SubgraphTimer& timer,
                                   const std::vector<int>* only, bool catch_up_pairs) {
  ExtendedTerms out;
  out.plan = plan_passes(in.workload, gamma, catch_up_pairs);
  LinearCost& cost = out.cost;
  const int num_pus = static_cast<int>(in.soc.pus.size());
  cost.num_pus = num_pus;
  cost.num_draft = in.draft.subgraphs.size();
  for (const Subgraph& s : in.draft.subgraphs) cost.node_names.push_back("draft/" + s.name);
  for (const Subgraph& s : in.target.subgraphs) cost.node_names.push_back("target/" + s.name);
  out.node.assign(cost.node_names.size(), std::vector<NodeTerms>(num_pus));

  for (int role = 0; role < kRoles; ++role) {
    if (role == kDraft && gamma == 0) continue;
    ModelTermsBuilder builder(in, role, role == kDraft ? 0 : cost.num_draft, timer, only, out);
    for (const Pass& pass : out.plan.passes)
      if (pass.role == role) builder.add(pass);
    builder.emit_edges();
  }
  fill_node_terms(in, variant, gamma, timer, only, out);

  // Sampling each pass's rows runs inside the head subgraph's "sample" op; what the loop does
  // beyond it per iteration (its own buffers, verification, the next token) is the profile's
  // loop work, on the calling thread whatever the mapping.
  cost.constant_time = 0;
  const std::int64_t vocab = model_vocab(in.target);
  for (std::size_t d = 0; d < out.plan.iterations_by_drafts.size(); ++d)
    if (out.plan.iterations_by_drafts[d] > 0)
      cost.constant_time += out.plan.iterations_by_drafts[d] * loop_work(in.oracle.db(), vocab, static_cast<int>(d)).median;
  cost.constant_energy = 0;
  cost.idle_power = 0;
  for (int pu = 0; pu < num_pus; ++pu)
    if (timer.units(pu) > 0) cost.idle_power += in.soc.pus[pu].idle_power(timer.units(pu));
  fill_memory_terms(in, variant, gamma, out.plan, cost);
  return out;
}

}  // namespace specmap::cost_internal
