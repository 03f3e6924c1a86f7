#include "cost/workload_passes.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

namespace specmap::cost_internal {
namespace {

using PassKey = std::tuple<int, bool, Tokens, Tokens, Tokens>;

class PassCollector {
 public:
  void add(int role, bool prefill, Tokens new_tokens, Tokens context, double occurrences, Tokens rows = 0) {
    if (occurrences <= 0) return;
    new_tokens = std::max<Tokens>(new_tokens, 1);
    context = std::max<Tokens>(context, 0);
    occurrences_[PassKey{role, prefill, new_tokens, context, rows}] += occurrences;
  }
  // Normalised by the generated tokens, in key order (deterministic).
  std::vector<Pass> passes(double generated_tokens) const {
    std::vector<Pass> out;
    out.reserve(occurrences_.size());
    for (const auto& [key, occurrences] : occurrences_) {
      const auto& [role, prefill, new_tokens, context, rows] = key;
      out.push_back(Pass{role, prefill, new_tokens, context, rows, occurrences / generated_tokens});
    }
    return out;
  }

 private:
  std::map<PassKey, double> occurrences_;
};

// Acceptance of draft position k (1-based), as expected_tokens_per_iteration reads it.
double alpha_at(const std::vector<double>& alphas, int k) {
  if (alphas.empty()) return 0.0;
  return alphas[std::min<std::size_t>(static_cast<std::size_t>(k - 1), alphas.size() - 1)];
}

// Adds `visits` iterations at offset `offset` to the two nodes around it, linearly.
void spread(const std::vector<Tokens>& nodes, Tokens offset, double visits, std::vector<double>& at_node) {
  if (nodes.size() == 1 || offset <= nodes.front()) {
    at_node.front() += visits;
    return;
  }
  if (offset >= nodes.back()) {
    at_node.back() += visits;
    return;
  }
  const std::size_t hi =
      static_cast<std::size_t>(std::upper_bound(nodes.begin(), nodes.end(), offset) - nodes.begin());
  const std::size_t lo = hi - 1;
  const double t = static_cast<double>(offset - nodes[lo]) / static_cast<double>(nodes[hi] - nodes[lo]);
  at_node[lo] += visits * (1.0 - t);
  at_node[hi] += visits * t;
}

// Adds `density` iterations at every offset of [begin, end) to the nodes, as spread() would
// one by one (sums of arithmetic series per segment between two nodes).
void spread_uniform(const std::vector<Tokens>& nodes, Tokens begin, Tokens end, double density,
                    std::vector<double>& at_node) {
  if (end <= begin || density <= 0) return;
  if (nodes.size() == 1) {
    at_node.front() += density * static_cast<double>(end - begin);
    return;
  }
  for (std::size_t k = 0; k + 1 < nodes.size(); ++k) {
    const Tokens a = nodes[k], b = nodes[k + 1];
    // Offsets [a, b) of this segment; the last node's own offset goes with the last segment.
    const Tokens lo = std::max(begin, a);
    const Tokens hi = std::min(end, k + 2 == nodes.size() ? b + 1 : b);
    if (hi <= lo) continue;
    const auto n = static_cast<double>(hi - lo);
    const double sum = (static_cast<double>(lo) + static_cast<double>(hi - 1)) * n / 2.0;
    const auto width = static_cast<double>(b - a);
    at_node[k] += density * (static_cast<double>(b) * n - sum) / width;
    at_node[k + 1] += density * (sum - static_cast<double>(a) * n) / width;
  }
}

}  // namespace

std::vector<Tokens> quadrature_nodes(Tokens generate) {
  std::vector<Tokens> nodes;
  if (generate <= 0) return nodes;
  const Tokens k = std::min<Tokens>(generate, kMaxQuadraturePoints);
  if (k == 1) return {0};
  for (Tokens i = 0; i < k; ++i)
    nodes.push_back(static_cast<Tokens>(std::llround(
        static_cast<double>(i) * static_cast<double>(generate - 1) / static_cast<double>(k - 1))));
  return nodes;
}

IterationCounts count_iterations(const std::vector<double>& alphas, int gamma, Tokens generate) {
  IterationCounts counts;
  gamma = std::max(gamma, 0);
  counts.ending.assign(static_cast<std::size_t>(gamma) + 1, 0.0);
  if (generate <= 0) return counts;
  counts.nodes = quadrature_nodes(generate);
  counts.at_node.assign(counts.nodes.size(), 0.0);
  counts.at_node_after_all_kept.assign(counts.nodes.size(), 0.0);
  counts.ending_after_all_kept.assign(static_cast<std::size_t>(gamma) + 1, 0.0);
  // accept[d][k]: probability that an iteration drafting d tokens has exactly k accepted.
  std::vector<std::vector<double>> accept(static_cast<std::size_t>(gamma) + 1);
  for (int d = 0; d <= gamma; ++d) {
    double prefix = 1.0;  // all of the first k accepted
    for (int k = 0; k < d; ++k) {
      const double a = alpha_at(alphas, k + 1);
      accept[d].push_back(prefix * (1.0 - a));
      prefix *= a;
    }
    accept[d].push_back(prefix);
  }
  // Beyond this many tokens the states near the end are those of the stationary renewal
  // process to double precision: start there and count the iterations before by their mean.
  constexpr Tokens kExactTokens = Tokens{1} << 20;
  Tokens start = generate;
  if (generate > kExactTokens) {
    start = kExactTokens;
    counts.full = static_cast<double>(generate - kExactTokens) / expected_tokens_per_iteration(alphas, gamma);
    spread_uniform(counts.nodes, 0, generate - kExactTokens,
                   1.0 / expected_tokens_per_iteration(alphas, gamma), counts.at_node);
    // Stationary: the iteration before kept all gamma drafts with the product of the alphas.
    const double all_kept = gamma > 0 ? accept[static_cast<std::size_t>(gamma)].back() : 0.0;
    spread_uniform(counts.nodes, 0, generate - kExactTokens,
                   all_kept / expected_tokens_per_iteration(alphas, gamma), counts.at_node_after_all_kept);
  }
  // visits[m mod R]: expected iterations that start with m tokens missing. An iteration at m
  // drafts d = min(gamma, m - 1) and moves to m - (k + 1), k accepted: at most gamma + 1 down.
  const std::size_t ring = static_cast<std::size_t>(gamma) + 2;
  std::vector<double> visits(ring, 0.0);
  // The part of visits[] that arrives from an iteration keeping all its d >= 1 drafts.
  std::vector<double> after_all_kept(ring, 0.0);
  visits[static_cast<std::size_t>(start) % ring] = 1.0;
  for (Tokens m = start; m >= 1; --m) {
    double& slot = visits[static_cast<std::size_t>(m) % ring];
    double& kept_slot = after_all_kept[static_cast<std::size_t>(m) % ring];
    const double v = slot;
    const double v_kept = kept_slot;
    slot = 0.0;
    kept_slot = 0.0;
    if (v == 0.0) continue;
    const int d = static_cast<int>(std::min<Tokens>(gamma, m - 1));
    if (m > gamma) {
      counts.full += v;
      spread(counts.nodes, generate - m, v, counts.at_node);
      spread(counts.nodes, generate - m, v_kept, counts.at_node_after_all_kept);
    } else {
      counts.ending[static_cast<std::size_t>(m)] += v;
      counts.ending_after_all_kept[static_cast<std::size_t>(m)] += v_kept;
    }
    for (int k = 0; k <= d; ++k) {
      const Tokens next = m - (k + 1);
      if (next < 1) continue;
      const double moved = v * accept[d][static_cast<std::size_t>(k)];
      visits[static_cast<std::size_t>(next) % ring] += moved;
      if (k == d && d >= 1) after_all_kept[static_cast<std::size_t>(next) % ring] += moved;
    }
  }
  return counts;
}

const std::string& role_name(int role) {
  static const std::string kNames[kRoles] = {"draft", "target"};
  return kNames[role];
}

PassPlan plan_passes(const Workload& workload, int gamma, bool catch_up_pairs) {
  PassPlan plan;
  PassCollector collector;
  gamma = std::max(gamma, 0);
  const bool kv = workload.kv_cache;
  std::vector<double> by_drafts;
  for (const WorkloadSample& sample : workload.samples) {
    if (sample.weight <= 0) continue;
    const double w = sample.weight;
    const Tokens p = std::max<Tokens>(sample.prompt_tokens, 0);
    const Tokens generate = std::max<Tokens>(sample.generate_tokens, 0);
    plan.max_prompt_tokens = std::max(plan.max_prompt_tokens, p);
    plan.max_generate_tokens = std::max(plan.max_generate_tokens, generate);
    if (generate == 0) continue;  // the loop runs no pass at all
    IterationCounts counts = count_iterations(sample.alphas, gamma, generate);
    plan.generated_tokens += w * static_cast<double>(generate);
    plan.iterations += w * counts.total();
    if (by_drafts.size() < static_cast<std::size_t>(gamma) + 1) by_drafts.resize(static_cast<std::size_t>(gamma) + 1, 0.0);
    by_drafts[static_cast<std::size_t>(gamma)] += w * counts.full;
    for (Tokens m = 1; m <= gamma && m <= generate; ++m)
      by_drafts[static_cast<std::size_t>(m - 1)] += w * counts.ending[static_cast<std::size_t>(m)];

    // One iteration drafting d tokens at sequence length `length` (when it starts);
    // `first_step_tokens`: what the drafter's first step appends (1, or 2 catching up).
    auto add_iteration = [&](Tokens length, int d, double occurrences, Tokens first_step_tokens) {
      for (int j = 0; j < d; ++j) {
        if (!kv)
          collector.add(kDraft, false, length + j, 0, occurrences);
        else if (j == 0 && first_step_tokens == 2)
          collector.add(kDraft, false, 2, length - 2, occurrences, 1);  // appends 2, samples 1 row
        else
          collector.add(kDraft, false, 1, length + j - 1, occurrences);
      }
      if (kv)
        collector.add(kTarget, false, d + 1, length - 1, occurrences);
      else
        // The whole sequence, sampling the d + 1 rows it verifies.
        collector.add(kTarget, false, length + d, 0, occurrences, d > 0 ? d + 1 : 0);
    };
    // An ordinary iteration, split by what its drafter's first step catches up on.
    auto add_iterations = [&](Tokens length, int d, double occurrences, double after_all_kept) {
      if (!kv || !catch_up_pairs || d == 0) {
        add_iteration(length, d, occurrences, 1);
        return;
      }
      after_all_kept = std::clamp(after_all_kept, 0.0, occurrences);
      add_iteration(length, d, occurrences - after_all_kept, 1);
      add_iteration(length, d, after_all_kept, 2);
    };

    // The first iteration starts at offset 0 (node 0, or the ending iteration with all
    // `generate` tokens missing, exactly once): with a cache its passes take in the prompt
    // (see the header), so it is costed on its own and taken out of the counts.
    const int first_drafts = static_cast<int>(std::min<Tokens>(gamma, generate - 1));
    if (kv) {
      double& first = generate > gamma ? counts.at_node.front() : counts.ending[static_cast<std::size_t>(generate)];
      first = first - 1.0 > 1e-9 ? first - 1.0 : 0.0;  // no rounding residue as a pass of its own
      if (first_drafts > 0) {
        collector.add(kDraft, true, p, 0, w);
        for (int j = 1; j < first_drafts; ++j) collector.add(kDraft, false, 1, p + j - 1, w);
      }
      collector.add(kTarget, true, p + first_drafts, 0, w, first_drafts > 0 ? first_drafts + 1 : 0);
    }
    // The iterations that draft gamma tokens, at the nodes around where they start.
    for (std::size_t k = 0; k < counts.nodes.size(); ++k)
      add_iterations(p + counts.nodes[k], gamma, w * counts.at_node[k], w * counts.at_node_after_all_kept[k]);
    // The last ones, m tokens missing, draft m - 1 and start at length p + generate - m.
    for (Tokens m = 1; m <= gamma && m <= generate; ++m)
      add_iterations(p + generate - m, static_cast<int>(m - 1), w * counts.ending[static_cast<std::size_t>(m)],
                     w * counts.ending_after_all_kept[static_cast<std::size_t>(m)]);
  }
  // Activation buffers are sized for the largest pass any sample can reach: with a cache the
  // target's first verification (prompt and drafts), the draft's prompt step (or a 2-token
  // catch-up after a 1-token prompt).
  for (int role = 0; role < kRoles; ++role) {
    if (kv)
      plan.max_pass_tokens[role] =
          role == kTarget ? plan.max_prompt_tokens + gamma : std::max<Tokens>(plan.max_prompt_tokens, 2);
    else
      plan.max_pass_tokens[role] = plan.max_prompt_tokens + plan.max_generate_tokens + gamma;
  }
  if (gamma == 0) plan.max_pass_tokens[kDraft] = 0;
  if (plan.generated_tokens > 0) {
    plan.passes = collector.passes(plan.generated_tokens);
    for (double& n : by_drafts) n /= plan.generated_tokens;
    plan.iterations_by_drafts = std::move(by_drafts);
  }
  return plan;
}

}  // namespace specmap::cost_internal
