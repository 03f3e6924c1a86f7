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

}  // namespace

const std::string& role_name(int role) {
  static const std::string kNames[kRoles] = {"draft", "target"};
  return kNames[role];
}

PassPlan plan_passes(const Workload& workload, int gamma) {
  PassPlan plan;
  PassCollector collector;
  gamma = std::max(gamma, 0);
  for (const WorkloadSample& sample : workload.samples) {
    if (sample.weight <= 0) continue;
    const double w = sample.weight;
    const Tokens p = std::max<Tokens>(sample.prompt_tokens, 0);
    const Tokens generate = std::max<Tokens>(sample.generate_tokens, 0);
    plan.max_prompt_tokens = std::max(plan.max_prompt_tokens, p);
    plan.max_generate_tokens = std::max(plan.max_generate_tokens, generate);
    const double expected = expected_tokens_per_iteration(sample.alphas, gamma);
    const double iterations = static_cast<double>(generate) / expected;
    plan.generated_tokens += w * static_cast<double>(generate);
    plan.iterations += w * iterations;

    if (workload.kv_cache) {
      // Prefill fills the caches; the draft only needs one when it runs at all.
      collector.add(kTarget, true, p, 0, w);
      if (gamma > 0) collector.add(kDraft, true, p, 0, w);
    }
    if (generate == 0) continue;
    const int points = static_cast<int>(std::min<double>(std::ceil(iterations), kMaxQuadraturePoints));
    const double iterations_per_point = iterations / points;
    for (int k = 0; k < points; ++k) {
      const double midpoint = static_cast<double>(p) + (k + 0.5) * static_cast<double>(generate) / points;
      const Tokens length = std::llround(midpoint);  // sequence length when the iteration starts
      const double occurrences = w * iterations_per_point;
      for (int j = 0; j < gamma; ++j) {
        if (workload.kv_cache)
          collector.add(kDraft, false, 1, length + j - 1, occurrences);
        else
          collector.add(kDraft, false, length + j, 0, occurrences);
      }
      if (workload.kv_cache)
        collector.add(kTarget, false, gamma + 1, length, occurrences);
      else
        // The whole sequence, sampling the gamma + 1 rows it verifies.
        collector.add(kTarget, false, length + gamma, 0, occurrences, gamma > 0 ? gamma + 1 : 0);
    }
  }
  // Activation buffers are sized for the largest pass any sample can reach.
  for (int role = 0; role < kRoles; ++role) {
    if (workload.kv_cache)
      plan.max_pass_tokens[role] = std::max<Tokens>(plan.max_prompt_tokens, gamma + 1);
    else
      plan.max_pass_tokens[role] = plan.max_prompt_tokens + plan.max_generate_tokens + gamma;
  }
  if (gamma == 0) plan.max_pass_tokens[kDraft] = 0;
  if (plan.generated_tokens > 0) plan.passes = collector.passes(plan.generated_tokens);
  return plan;
}

}  // namespace specmap::cost_internal
