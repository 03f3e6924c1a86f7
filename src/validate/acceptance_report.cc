#include "validate/acceptance_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/format.h"

namespace specmap {

namespace {

using Json = nlohmann::ordered_json;

Json optional_number(const std::optional<double>& v) { return v ? Json(*v) : Json(nullptr); }

std::string decoding_text(const AcceptanceOptions& o) {
  return o.temperature ? "speculative sampling at temperature " + sig(*o.temperature)
                       : std::string("greedy (a drafted token is kept iff it is the target's argmax)");
}

// A YAML double-quoted scalar.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::string acceptance_json(const AcceptanceMeasurement& m, const PromptSet& prompts,
                            const AcceptanceContext& ctx) {
  Json j;
  j["experiment"] = ctx.experiment;
  j["draft"] = ctx.draft_model;
  j["target"] = ctx.target_model;
  j["weights"] = ctx.weights;
  j["host"] = ctx.host;
  j["decoding"] = decoding_text(ctx.options);
  j["kv_cache"] = ctx.kv_cache;
  j["new_tokens_per_prompt"] = ctx.options.new_tokens;
  j["gamma_max"] = m.gamma_max;
  j["seed"] = ctx.options.seed;

  Json set;
  set["path"] = prompts.path;
  set["fingerprint_fnv1a64"] = prompts.fingerprint;
  set["format"] = ctx.prompt_format;
  set["prompts"] = prompts.prompts.size();
  set["prompt_tokens_total"] = prompts.total_tokens();
  j["prompt_set"] = set;

  Json alpha;
  alpha["definition"] =
      "Leviathan alpha: P(a drafted token is kept | every earlier one in its block was kept), "
      "maximum likelihood under i.i.d. acceptance = accepted / (accepted + rejections), pooled over "
      "the prompts' runs at gamma_max";
  alpha["value"] = optional_number(m.alpha);
  alpha["accepted"] = m.accepted;
  alpha["rejections"] = m.rejections;
  alpha["drafted"] = m.drafted;
  Json interval;
  interval["level"] = m.interval_level;
  interval["low"] = m.alpha_interval ? Json(m.alpha_interval->low) : Json(nullptr);
  interval["high"] = m.alpha_interval ? Json(m.alpha_interval->high) : Json(nullptr);
  interval["method"] = "percentile bootstrap over prompts: " + std::to_string(m.bootstrap_resamples) +
                       " resamples of the prompt set with replacement, the pooled alpha recomputed on each; "
                       "it covers the variation between prompts, not only between tokens";
  alpha["interval"] = interval;
  j["alpha"] = alpha;

  Json positions = Json::array();
  for (const PositionAcceptance& p : m.positions) {
    Json x;
    x["position"] = p.position;
    x["reached"] = p.reached;
    x["accepted"] = p.accepted;
    x["rate"] = optional_number(p.rate);
    positions.push_back(x);
  }
  j["per_position"] = {{"definition", "a_k = kept / reached at draft position k, runs at gamma_max"},
                       {"positions", positions}};

  Json gammas = Json::array();
  for (const GammaAcceptance& g : m.gammas) {
    Json x;
    x["gamma"] = g.gamma;
    x["drafted"] = g.drafted;
    x["accepted"] = g.accepted;
    x["rejections"] = g.rejections;
    x["accepted_over_drafted"] = optional_number(g.ratio);
    x["predicted_from_alpha"] = optional_number(g.ratio_from_alpha);
    x["alpha_from_ratio"] = optional_number(g.alpha_from_ratio);
    gammas.push_back(x);
  }
  j["per_gamma"] = {{"definition",
                     "accepted/drafted of the runs at each gamma (what runtimes such as llama.cpp print); "
                     "predicted_from_alpha = (E - 1) / gamma with E = 1 + sum_{k=1..gamma} alpha^k; "
                     "alpha_from_ratio inverts that relation"},
                    {"gammas", gammas}};

  Json per_prompt = Json::array();
  for (const PromptAcceptance& p : m.prompts) {
    const AcceptancePrompt& source = prompts.prompts[p.prompt];
    Json x;
    x["line"] = source.line;
    x["prompt_tokens"] = source.tokens.size();
    x["accepted"] = p.accepted;
    x["rejections"] = p.rejections;
    x["alpha"] = optional_number(p.alpha);
    per_prompt.push_back(x);
  }
  Json pp;
  pp["definition"] = "each prompt's alpha from its own run at gamma_max";
  if (m.prompt_alpha_percentiles) {
    pp["median"] = m.prompt_alpha_percentiles->p50;
    pp["p10"] = m.prompt_alpha_percentiles->p10;
    pp["p50"] = m.prompt_alpha_percentiles->p50;
    pp["p90"] = m.prompt_alpha_percentiles->p90;
  } else {
    pp["median"] = nullptr;
  }
  pp["prompts_without_trials"] = m.prompts_without_trials;
  pp["prompts"] = per_prompt;
  j["per_prompt"] = pp;
  j["greedy_outputs_agree_across_gamma"] =
      m.greedy_outputs_agree ? Json(*m.greedy_outputs_agree) : Json(nullptr);
  return j.dump(1) + "\n";
}

std::string acceptance_workload_yaml(const AcceptanceMeasurement& m, const PromptSet& prompts,
                                     const AcceptanceContext& ctx, const Workload& base) {
  std::ostringstream y;
  double mean_prompt = 0;
  for (const AcceptancePrompt& p : prompts.prompts) mean_prompt += static_cast<double>(p.tokens.size());
  mean_prompt /= static_cast<double>(prompts.prompts.size());
  y << "# Written by `specmap acceptance`: acceptance of " << ctx.draft_model << " drafting for "
    << ctx.target_model << ",\n# measured on " << prompts.path << " (fnv1a64 " << prompts.fingerprint << ", "
    << prompts.prompts.size() << " prompts), " << decoding_text(ctx.options) << ".\n";
  if (m.alpha) {
    y << "# Pooled Leviathan alpha " << fixed(*m.alpha, 4);
    if (m.alpha_interval)
      y << " (" << fixed(m.interval_level * 100, 0) << "% interval " << fixed(m.alpha_interval->low, 4)
        << " .. " << fixed(m.alpha_interval->high, 4) << ")";
    y << ".\n";
  }
  y << "# One sample per prompt, equally weighted, with its length and its per-position alphas\n"
    << "# (its own counts shrunk toward the pooled a_k with " << sig(kShrinkTrials) << " pseudo-trials).\n";
  y << "version: 1\n";
  y << "name: " << quoted(base.name + "-measured") << "\n";
  y << "description: "
    << quoted("acceptance measured on " + prompts.path + "; generation and KV cache as in " +
              (base.name.empty() ? std::string("the experiment's workload") : base.name))
    << "\n";
  y << "prompt_tokens: " << std::max<long long>(1, std::llround(mean_prompt)) << "\n";
  y << "generate_tokens: " << std::max<long long>(1, std::llround(base.mean_generate_tokens())) << "\n";
  y << "kv_cache: " << (base.kv_cache ? "true" : "false") << "\n";
  y << "acceptance:\n  definition: leviathan_alpha\n  samples:\n";
  for (const PromptAcceptance& p : m.prompts) {
    const AcceptancePrompt& source = prompts.prompts[p.prompt];
    y << "    - {weight: 1, prompt_tokens: " << source.tokens.size() << ", per_position: [";
    for (std::size_t k = 0; k < p.per_position.size(); ++k) {
      const double a = std::min(1.0, std::max(0.0, p.per_position[k]));
      y << (k ? ", " : "") << fixed(a, 4);
    }
    y << "]}  # line " << source.line << ", alpha "
      << (p.alpha ? fixed(*p.alpha, 3) : std::string("none (no trial)")) << "\n";
  }
  return y.str();
}

}  // namespace specmap
