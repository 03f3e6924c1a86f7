#include "validate/acceptance_measure.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "describe/workload.h"
#include "runtime/speculative/speculative.h"

namespace specmap {

namespace {

std::optional<double> ratio(std::int64_t num, std::int64_t den) {
  if (den <= 0) return std::nullopt;
  return static_cast<double>(num) / static_cast<double>(den);
}

Status check_options(const AcceptanceOptions& o, std::size_t prompts) {
  if (o.gamma_max < 1 || o.gamma_max > 64)
    return Error{"acceptance: gamma_max must be in 1..64, got " + std::to_string(o.gamma_max)};
  if (prompts == 0) return Error{"acceptance: the prompt set is empty"};
  if (o.new_tokens < 2) return Error{"acceptance: generate at least 2 tokens per prompt"};
  if (o.bootstrap_resamples < 100) return Error{"acceptance: use at least 100 bootstrap resamples"};
  if (!(o.interval_level > 0 && o.interval_level < 1))
    return Error{"acceptance: interval level must be in (0, 1)"};
  if (o.temperature && !(*o.temperature > 0 && std::isfinite(*o.temperature)))
    return Error{"acceptance: temperature must be > 0"};
  return {};
}

// Percentile bootstrap over prompts of the pooled alpha.
std::optional<Interval> bootstrap_alpha(const std::vector<PromptAcceptance>& prompts,
                                        const AcceptanceOptions& o) {
  const std::size_t n = prompts.size();
  std::mt19937_64 engine(o.seed ^ 0xa5a5a5a5deadbeefULL);
  std::vector<double> estimates;
  estimates.reserve(static_cast<std::size_t>(o.bootstrap_resamples));
  for (int b = 0; b < o.bootstrap_resamples; ++b) {
    std::int64_t accepted = 0;
    std::int64_t trials = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const PromptAcceptance& p = prompts[engine() % n];
      accepted += p.accepted;
      trials += p.accepted + p.rejections;
    }
    if (trials > 0) estimates.push_back(static_cast<double>(accepted) / static_cast<double>(trials));
  }
  if (estimates.empty()) return std::nullopt;
  const double tail = (1.0 - o.interval_level) / 2.0;
  return Interval{percentile(estimates, tail), percentile(estimates, 1.0 - tail)};
}

}  // namespace

double percentile(std::span<const double> values, double q) {
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  const double h = q * static_cast<double>(sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

AcceptanceMeasurement summarize_acceptance(const std::vector<AcceptanceRun>& runs, std::size_t prompts,
                                           const AcceptanceOptions& options) {
  AcceptanceMeasurement m;
  const int gmax = options.gamma_max;
  m.gamma_max = gmax;
  m.interval_level = options.interval_level;
  m.bootstrap_resamples = options.bootstrap_resamples;
  m.positions.resize(static_cast<std::size_t>(gmax));
  m.gammas.resize(static_cast<std::size_t>(gmax));
  for (int k = 0; k < gmax; ++k) {
    m.positions[static_cast<std::size_t>(k)].position = k + 1;
    m.gammas[static_cast<std::size_t>(k)].gamma = k + 1;
  }
  m.prompts.resize(prompts);
  for (std::size_t i = 0; i < prompts; ++i) m.prompts[i].prompt = i;

  // Per-prompt position counts of the gamma_max runs, for the per-sample workload.
  std::vector<std::vector<std::int64_t>> reached(prompts, std::vector<std::int64_t>(gmax, 0));
  std::vector<std::vector<std::int64_t>> kept(prompts, std::vector<std::int64_t>(gmax, 0));
  std::vector<const std::vector<int>*> first_tokens(prompts, nullptr);
  bool agree = true;
  for (const AcceptanceRun& run : runs) {
    if (run.gamma < 1 || run.gamma > gmax || run.prompt >= prompts) continue;
    GammaAcceptance& g = m.gammas[static_cast<std::size_t>(run.gamma - 1)];
    g.drafted += run.drafted;
    g.accepted += run.accepted;
    g.rejections += run.rejections;
    if (first_tokens[run.prompt] == nullptr)
      first_tokens[run.prompt] = &run.tokens;
    else if (*first_tokens[run.prompt] != run.tokens)
      agree = false;
    if (run.gamma != gmax) continue;
    m.accepted += run.accepted;
    m.rejections += run.rejections;
    m.drafted += run.drafted;
    PromptAcceptance& p = m.prompts[run.prompt];
    p.accepted += run.accepted;
    p.rejections += run.rejections;
    for (std::size_t k = 0; k < run.position_reached.size() && k < static_cast<std::size_t>(gmax); ++k) {
      m.positions[k].reached += run.position_reached[k];
      reached[run.prompt][k] += run.position_reached[k];
      if (k < run.position_accepted.size()) {
        m.positions[k].accepted += run.position_accepted[k];
        kept[run.prompt][k] += run.position_accepted[k];
      }
    }
  }
  if (!options.temperature) m.greedy_outputs_agree = agree;

  m.alpha = ratio(m.accepted, m.accepted + m.rejections);
  for (PositionAcceptance& pos : m.positions) pos.rate = ratio(pos.accepted, pos.reached);
  for (GammaAcceptance& g : m.gammas) {
    g.ratio = ratio(g.accepted, g.drafted);
    if (m.alpha) g.ratio_from_alpha = accept_ratio_from_alpha(*m.alpha, g.gamma);
    if (g.ratio) g.alpha_from_ratio = alpha_from_accept_ratio(*g.ratio, g.gamma);
  }

  std::vector<double> alphas;
  for (std::size_t i = 0; i < prompts; ++i) {
    PromptAcceptance& p = m.prompts[i];
    p.alpha = ratio(p.accepted, p.accepted + p.rejections);
    if (p.alpha)
      alphas.push_back(*p.alpha);
    else
      m.prompts_without_trials += 1;
    // Positions the whole set never reached fall back to the last pooled rate, then alpha.
    double fallback = m.alpha.value_or(0.0);
    for (int k = 0; k < gmax; ++k) {
      const PositionAcceptance& pos = m.positions[static_cast<std::size_t>(k)];
      const double pooled = pos.rate.value_or(fallback);
      fallback = pooled;
      const double own = (static_cast<double>(kept[i][k]) + kShrinkTrials * pooled) /
                         (static_cast<double>(reached[i][k]) + kShrinkTrials);
      p.per_position.push_back(own);
    }
  }
  if (!alphas.empty())
    m.prompt_alpha_percentiles =
        Percentiles{percentile(alphas, 0.1), percentile(alphas, 0.5), percentile(alphas, 0.9)};
  m.alpha_interval = bootstrap_alpha(m.prompts, options);
  return m;
}

Result<AcceptanceMeasurement> measure_acceptance(runtime::TokenModel& draft, runtime::TokenModel& target,
                                                 const std::vector<std::vector<int>>& prompts,
                                                 const AcceptanceOptions& options,
                                                 const AcceptanceProgressHook& progress) {
  if (Status st = check_options(options, prompts.size()); !st) return st.error();
  runtime::SpeculativeDecoder decoder(draft, target);
  std::vector<AcceptanceRun> runs;
  const std::size_t total = prompts.size() * static_cast<std::size_t>(options.gamma_max);
  runs.reserve(total);
  // gamma_max first: it carries the alpha estimate, so a progress display shows it early.
  for (int gamma = options.gamma_max; gamma >= 1; --gamma) {
    for (std::size_t i = 0; i < prompts.size(); ++i) {
      runtime::SpeculativeConfig config;
      config.greedy = !options.temperature.has_value();
      config.temperature = options.temperature.value_or(1.0);
      // One stream per (prompt, gamma), so adding prompts or gammas leaves the others' draws alone.
      config.seed = options.seed * 0x9e3779b97f4a7c15ULL + i * 131 + static_cast<std::uint64_t>(gamma);
      Result<runtime::GenerationResult> result =
          decoder.generate(prompts[i], options.new_tokens, gamma, config);
      if (!result) {
        Error e = result.error();
        e.message = "prompt " + std::to_string(i + 1) + ", gamma " + std::to_string(gamma) + ": " + e.message;
        return e;
      }
      const runtime::SpeculativeStats& st = result->stats;
      AcceptanceRun run;
      run.prompt = i;
      run.gamma = gamma;
      run.drafted = st.drafted;
      run.accepted = st.accepted;
      run.rejections = st.rejections;
      run.position_reached = st.position_reached;
      run.position_accepted = st.position_accepted;
      run.tokens = std::move(result->tokens);
      runs.push_back(std::move(run));
      if (progress) progress({gamma, i, runs.size(), total});
    }
  }
  return summarize_acceptance(runs, prompts.size(), options);
}

}  // namespace specmap
