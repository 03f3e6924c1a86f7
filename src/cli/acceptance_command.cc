// `specmap acceptance EXPERIMENT --prompts FILE --out DIR`: measures the acceptance of the
// experiment's draft/target pair on a prompt set and writes it as data and as a workload.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/format.h"
#include "core/output_set.h"
#include "describe/loaders.h"
#include "runtime/formats/tokenizer.h"
#include "validate/acceptance_measure.h"
#include "validate/acceptance_models.h"
#include "validate/acceptance_prompts.h"
#include "validate/acceptance_report.h"

namespace specmap::cli {

namespace {

struct AcceptanceCommandOptions {
  std::string experiment;
  std::string prompts;
  std::string out;
  std::optional<std::size_t> new_tokens;
  std::optional<int> gamma_max;
  std::optional<double> temperature;
  std::uint64_t seed = 0;
  int resamples = 2000;
  bool token_ids = false;
  std::optional<std::size_t> prompt_length;
};

std::string opt_fixed(const std::optional<double>& v, int digits) { return v ? fixed(*v, digits) : "-"; }

void print_summary(const AcceptanceMeasurement& m, const PromptSet& set) {
  std::cout << "prompt set " << set.path << ": " << set.prompts.size() << " prompts, " << set.total_tokens()
            << " tokens (fnv1a64 " << set.fingerprint << ")\n";
  std::cout << "Leviathan alpha " << opt_fixed(m.alpha, 4);
  if (m.alpha_interval)
    std::cout << ", " << fixed(m.interval_level * 100, 0) << "% interval " << fixed(m.alpha_interval->low, 4)
              << " .. " << fixed(m.alpha_interval->high, 4) << " (bootstrap over prompts)";
  std::cout << "; " << m.accepted << " accepted, " << m.rejections << " rejections at gamma " << m.gamma_max
            << "\n";
  if (m.prompt_alpha_percentiles)
    std::cout << "per prompt: median " << fixed(m.prompt_alpha_percentiles->p50, 3) << ", p10 "
              << fixed(m.prompt_alpha_percentiles->p10, 3) << ", p90 "
              << fixed(m.prompt_alpha_percentiles->p90, 3) << "\n";
  std::cout << "per position a_k:";
  for (const PositionAcceptance& p : m.positions) std::cout << " " << opt_fixed(p.rate, 3);
  std::cout << "\naccepted/drafted per gamma (measured | from alpha):";
  for (const GammaAcceptance& g : m.gammas)
    std::cout << " " << g.gamma << ": " << opt_fixed(g.ratio, 3) << " | " << opt_fixed(g.ratio_from_alpha, 3)
              << ";";
  std::cout << "\n";
  if (m.greedy_outputs_agree && !*m.greedy_outputs_agree)
    std::cout << "warning: greedy outputs differ between gammas (they should not)\n";
}

int run_acceptance(const AcceptanceCommandOptions& opt) {
  auto experiment = load_experiment(opt.experiment);
  if (!experiment) return report_error(experiment.error(), kExitBadInput);
  auto draft = load_model(experiment->draft_path);
  if (!draft) return report_error(draft.error(), kExitBadInput);
  auto target = load_model(experiment->target_path);
  if (!target) return report_error(target.error(), kExitBadInput);
  auto workload = load_workload(experiment->workload_path);
  if (!workload) return report_error(workload.error(), kExitBadInput);

  AcceptanceOptions options;
  options.gamma_max = opt.gamma_max.value_or(experiment->search.gamma_max);
  if (options.gamma_max < 1)
    return report_error(Error{"acceptance needs gamma_max >= 1 (the experiment says " +
                                  std::to_string(options.gamma_max) + "); give --gamma-max",
                              experiment->source_file},
                        kExitBadInput);
  options.new_tokens = opt.new_tokens.value_or(
      static_cast<std::size_t>(std::max(2.0, std::round(workload->mean_generate_tokens()))));
  options.temperature = opt.temperature;
  options.seed = opt.seed;
  options.bootstrap_resamples = opt.resamples;

  if (!target->arch)
    return report_error(Error{"the target model has no architecture (explicit subgraphs cannot run)",
                              experiment->target_path},
                        kExitBadInput);
  // Text prompts: the target checkpoint's tokenizer (the drafter shares its vocabulary).
  Tokenizer tokenize;  // empty: token-id lines
  std::optional<formats::Tokenizer> text_tokenizer;
  if (!opt.token_ids) {
    auto t = checkpoint_tokenizer(*target);
    if (!t) return report_error(t.error(), kExitBadInput);
    text_tokenizer = std::move(t).value();
    tokenize = [&text_tokenizer](const std::string& text) -> Result<std::vector<int>> {
      return text_tokenizer->encode(text);
    };
  }
  auto prompts = load_prompt_set(opt.prompts, static_cast<int>(target->arch->vocab), tokenize);
  if (!prompts) return report_error(prompts.error(), kExitBadInput);
  std::size_t dropped = 0;
  if (opt.prompt_length) {
    auto cut = cut_prompts_to(*prompts, *opt.prompt_length);
    if (!cut) return report_error(cut.error(), kExitBadInput);
    dropped = *cut;
  }
  std::vector<std::vector<int>> token_prompts;
  for (const AcceptancePrompt& p : prompts->prompts) token_prompts.push_back(p.tokens);

  const bool progress = ::isatty(::fileno(stderr)) != 0;
  if (progress) std::cerr << "building models...\n";
  auto draft_model = build_acceptance_model(*draft, opt.seed, workload->kv_cache);
  if (!draft_model) return report_error(draft_model.error(), kExitBadInput);
  auto target_model = build_acceptance_model(*target, opt.seed + 1, workload->kv_cache);
  if (!target_model) return report_error(target_model.error(), kExitBadInput);

  AcceptanceProgressHook hook;
  if (progress) {
    hook = [](const AcceptanceProgress& p) {
      std::cerr << "\r  gamma " << p.gamma << ", prompt " << p.prompt + 1 << ": run " << p.runs_done << "/"
                << p.runs_total << "   " << std::flush;
    };
  }
  auto measured =
      measure_acceptance(*draft_model->executor, *target_model->executor, token_prompts, options, hook);
  if (progress) std::cerr << "\n";
  if (!measured) return report_error(measured.error(), kExitFailure);

  AcceptanceContext ctx;
  ctx.experiment = opt.experiment;
  ctx.draft_model = draft->name;
  ctx.target_model = target->name;
  ctx.weights = "draft " + draft_model->weights + ", target " + target_model->weights;
  ctx.host = host_machine_name();
  ctx.prompt_format = opt.token_ids ? "token ids" : "text, tokenized with the target checkpoint's tokenizer";
  if (opt.prompt_length)
    ctx.prompt_format += ", each cut to its first " + std::to_string(*opt.prompt_length) + " tokens (" +
                         std::to_string(dropped) + " shorter prompts dropped)";
  ctx.kv_cache = workload->kv_cache;
  ctx.options = options;
  const std::string json = acceptance_json(*measured, *prompts, ctx);
  const std::string yaml = acceptance_workload_yaml(*measured, *prompts, ctx, *workload);
  // The workload must read back as a workload before anything is written.
  if (auto check = parse_workload(yaml, opt.out + "/workload.yaml"); !check)
    return report_error(check.error(), kExitFailure);

  // Both files or neither: a workload.yaml beside another run's acceptance.json would mislead.
  OutputSet outputs;
  outputs.add(opt.out + "/acceptance.json", json);
  outputs.add(opt.out + "/workload.yaml", yaml);
  if (auto st = outputs.commit(); !st) return report_write_error(st.error());
  print_summary(*measured, *prompts);
  std::cout << "wrote " << opt.out << "/acceptance.json and " << opt.out << "/workload.yaml\n";
  return kExitOk;
}

}  // namespace

void add_acceptance_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<AcceptanceCommandOptions>();
  CLI::App* cmd = app.add_subcommand(
      "acceptance",
      "Measure the acceptance (Leviathan alpha) of the experiment's draft/target pair on a prompt set");
  cmd->footer(
      "Example:\n"
      "  specmap acceptance configs/experiments/host-real-f32-kv.yaml --prompts models/prompts-train.txt "
      "--out /tmp/acc\n"
      "  specmap acceptance configs/experiments/host-small.yaml --prompts ids.txt --token-ids --out /tmp/acc2\n"
      "Every prompt (one per line; text, or token ids with --token-ids) is decoded speculatively at each\n"
      "gamma 1..gamma_max, greedily (a drafted token is kept iff it is the target's argmax) or with\n"
      "--temperature by speculative sampling, and the runtime's counters are summarised in "
      "DIR/acceptance.json:\n"
      "Leviathan alpha (pooled maximum likelihood at gamma_max) with a 90% percentile-bootstrap interval\n"
      "over prompts, acceptance per draft position, accepted/drafted per gamma, per-prompt alphas with\n"
      "their 10/50/90th percentiles and the prompt set's fingerprint. DIR/workload.yaml is the experiment's\n"
      "workload with that acceptance (one sample per prompt, per-position alphas), for `specmap sweep`.\n"
      "Models run on every online core of this host, with the workload's KV-cache setting, on their\n"
      "`weights:` checkpoints (text prompts are tokenized with the target's tokenizer) or, without one,\n"
      "on synthetic weights (token-id prompts; alpha is then about 0).");
  cmd->add_option("experiment", opt->experiment, "Experiment YAML (draft, target, workload)")->required();
  cmd->add_option("--prompts", opt->prompts, "Prompt set: one prompt per line")->required()->check(non_empty());
  cmd->add_option("--out", opt->out, "Output folder for acceptance.json and workload.yaml")->required()->check(non_empty());
  cmd->add_flag("--token-ids", opt->token_ids, "Each line is a prompt of whitespace-separated token ids");
  cmd->add_option("--prompt-length", opt->prompt_length,
                  "Keep each prompt's first N tokens and drop shorter prompts (one request shape, "
                  "for `specmap validate`)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--new-tokens", opt->new_tokens,
                  "Tokens generated per prompt and gamma (default: the workload's)")
      ->check(CLI::Range(2, 100000));
  cmd->add_option("--gamma-max", opt->gamma_max, "Largest draft length measured (default: the experiment's)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--temperature", opt->temperature,
                  "Speculative sampling at this temperature (default: greedy decoding)")
      ->check(positive_up_to());
  cmd->add_option("--seed", opt->seed, "Seed of sampling, bootstrap and synthetic weights")
      ->check(unsigned_up_to());
  cmd->add_option("--resamples", opt->resamples, "Bootstrap resamples of the interval")
      ->check(CLI::Range(100, 100000));
  cmd->callback([opt, &runner] { runner = [opt] { return run_acceptance(*opt); }; });
}

}  // namespace specmap::cli
