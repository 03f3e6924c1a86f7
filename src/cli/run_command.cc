// `specmap run PLAN`: executes a plan on this host's CPU cores and OpenCL devices with
// synthetic weights and sets the measured time per token against the plan's prediction.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/format.h"
#include "describe/loaders.h"
#include "runtime/executor/plan_file.h"
#include "runtime/executor/plan_runner.h"
#include "runtime/formats/gguf_model.h"
#include "runtime/formats/tokenizer.h"

namespace specmap::cli {

namespace {

struct RunOptions {
  std::string plan;
  std::optional<std::size_t> prompt_tokens;
  std::optional<std::string> prompt;       // text, tokenized by the target checkpoint's tokenizer
  std::optional<std::string> prompt_file;  // the same, read from a file
  std::optional<std::size_t> new_tokens;
  std::uint64_t seed = 0;
  std::optional<double> temperature;
  std::optional<double> controlled_alpha;
  int repeat = 1;
};

// Every input the plan names must still be what the plan was computed from.
Status check_inputs(const runtime::PlanFile& plan) {
  for (const char* role : {"soc", "draft", "target", "workload"})
    if (plan.input(role) == nullptr)
      return Error{std::string("the plan names no '") + role + "' input", "", 0, 0, "inputs"};
  for (const auto& in : plan.inputs) {
    auto bytes = read_file(in.path);
    if (!bytes) return bytes.error();
    const std::string now = fingerprint(*bytes);
    if (now != in.fingerprint) {
      return Error{"the " + in.role + " input changed since the plan was made (fnv1a64 " + now +
                       ", the plan says " + in.fingerprint + "); run `specmap sweep` again",
                   in.path};
    }
  }
  return {};
}

std::string ms(double seconds) { return fixed(seconds * 1e3, 2) + " ms"; }

void print_subgraphs(const char* model, const std::vector<runtime::SubgraphMeasurement>& subgraphs,
                     std::size_t tokens) {
  if (subgraphs.empty()) return;
  std::cout << model << " subgraphs (total over the run, per generated token):\n";
  for (const auto& s : subgraphs) {
    const std::string where =
        s.opencl_device.empty() ? s.cores.to_string() : "(OpenCL " + s.opencl_device + ")";
    std::cout << "  " << s.name << " on " << s.pu << " " << where << ": " << s.calls << " calls, "
              << ms(s.total_seconds) << ", "
              << fixed(s.total_seconds * 1e3 / double(std::max<std::size_t>(1, tokens)), 3) << " ms/token\n";
  }
}

void print_transfers(const char* model, const std::vector<runtime::TransferMeasurement>& transfers) {
  if (transfers.empty()) return;
  std::cout << model << " transfers between PUs (boundary tensor copies, total over the run):\n";
  for (const auto& t : transfers)
    std::cout << "  " << t.from << " (" << t.from_pu << ") -> " << t.to << " (" << t.to_pu << "): " << t.calls
              << " copies, " << fixed(t.bytes / 1e6, 3) << " MB, " << ms(t.total_seconds) << "\n";
}

void print_report(const runtime::PlanFile& plan, const runtime::PlanRunReport& r) {
  const auto& st = r.stats;
  std::cout << "generated " << st.tokens_generated << " tokens in " << st.iterations << " iterations (gamma "
            << st.gamma << ")\n";
  std::cout << "measured: " << fixed(r.tokens_per_second, 2) << " tokens/s, " << ms(r.time_per_token)
            << "/token (draft " << ms(st.draft_time) << ", target " << ms(st.target_time) << ", other "
            << ms(st.other_time) << ")\n";
  if (plan.time_unit == "s" && plan.predicted_time_per_token > 0) {
    const double deviation =
        (r.time_per_token - plan.predicted_time_per_token) / plan.predicted_time_per_token;
    std::cout << "predicted: " << ms(plan.predicted_time_per_token) << "/token; measured deviates by "
              << (deviation >= 0 ? "+" : "") << fixed(deviation * 100, 1) << "%\n";
  } else {
    std::cout << "predicted: " << sig(plan.predicted_time_per_token) << " (" << plan.time_unit
              << " units, not comparable with seconds)\n";
  }
  if (st.gamma > 0) {
    std::cout << "acceptance"
              << (st.controlled_acceptance
                      ? " (controlled: forced to alpha " + fixed(st.controlled_alpha, 2) + ", not measured)"
                      : "")
              << ": accepted " << st.accepted << "/" << st.drafted << " drafted";
    if (r.accept_ratio) std::cout << " (" << fixed(*r.accept_ratio, 3) << ")";
    if (r.alpha_estimate) std::cout << ", Leviathan alpha " << fixed(*r.alpha_estimate, 3);
    std::cout << "; the plan assumed alpha " << fixed(plan.mean_alpha, 2) << "\n";
  } else {
    std::cout << "acceptance: none (gamma 0, the target decodes alone)\n";
  }
}

// The target checkpoint's tokenizer, for --prompt / --prompt-file.
Result<formats::Tokenizer> target_tokenizer(const ModelGraph& target) {
  if (!target.weights)
    return Error{
        "--prompt needs real weights: the target model has no `weights:` checkpoint (use --prompt-tokens "
        "with synthetic weights)",
        target.source_file, 0, 0, "weights"};
  auto file = formats::open_gguf(target.weights->path);
  if (!file) return file.error();
  auto model = formats::read_gguf_model(*file);
  if (!model) return model.error();
  return formats::Tokenizer::from_gguf(*file, model->arch.vocab);
}

int run_plan(const RunOptions& opt) {
  auto text = read_file(opt.plan);
  if (!text) return report_error(text.error(), kExitBadInput);
  auto plan = runtime::parse_plan(*text, opt.plan);
  if (!plan) return report_error(plan.error(), kExitBadInput);
  if (auto st = check_inputs(*plan); !st) return report_error(st.error(), kExitBadInput);
  auto soc = load_soc(plan->input("soc")->path);
  if (!soc) return report_error(soc.error(), kExitBadInput);
  auto draft = load_model(plan->input("draft")->path);
  if (!draft) return report_error(draft.error(), kExitBadInput);
  auto target = load_model(plan->input("target")->path);
  if (!target) return report_error(target.error(), kExitBadInput);
  auto workload = load_workload(plan->input("workload")->path);
  if (!workload) return report_error(workload.error(), kExitBadInput);
  // A valid plan whose cores this host lacks (offline, or too few) cannot run here: the run
  // fails (exit 1), the inputs are fine. An unknown variant is left to create() (bad input).
  const bool variant_known =
      std::any_of(soc->variants.begin(), soc->variants.end(),
                  [&](const DesignVariant& v) { return v.name == plan->choice.variant; });
  if (variant_known)
    if (Status st = runtime::check_host_cores(*soc, plan->choice.variant, runtime::online_cores()); !st)
      return report_error(Error{"cannot run plan " + opt.plan + ": " + st.error().message}, kExitFailure);

  runtime::PlanRunOptions options;
  std::optional<formats::Tokenizer> tokenizer;
  std::string prompt_text;
  if (opt.prompt || opt.prompt_file) {
    if (opt.prompt_tokens)
      return report_error(Error{"give --prompt/--prompt-file or --prompt-tokens, not both"}, kExitBadInput);
    if (opt.prompt) {
      prompt_text = *opt.prompt;
    } else {
      auto file_text = read_file(*opt.prompt_file);
      if (!file_text) return report_error(file_text.error(), kExitBadInput);
      prompt_text = *file_text;
      while (!prompt_text.empty() && (prompt_text.back() == '\n' || prompt_text.back() == '\r'))
        prompt_text.pop_back();
    }
    auto t = target_tokenizer(*target);
    if (!t) return report_error(t.error(), kExitBadInput);
    tokenizer = std::move(t).value();
    options.prompt = tokenizer->encode(prompt_text);
    if (options.prompt.empty()) return report_error(Error{"the prompt is empty"}, kExitBadInput);
    if (tokenizer->eos() >= 0) options.stop_token = tokenizer->eos();
  }
  options.prompt_tokens = opt.prompt_tokens.value_or(
      static_cast<std::size_t>(std::max(1.0, std::round(workload->mean_prompt_tokens()))));
  options.new_tokens = opt.new_tokens.value_or(
      static_cast<std::size_t>(std::max(1.0, std::round(workload->mean_generate_tokens()))));
  options.seed = opt.seed;
  options.temperature = opt.temperature;
  options.controlled_alpha = opt.controlled_alpha;
  options.kv_cache = workload->kv_cache;
  options.schedule = plan->schedule;
  const bool progress = ::isatty(::fileno(stderr)) != 0;
  if (progress) {
    const std::size_t total = options.new_tokens;
    options.on_iteration = [total](const runtime::IterationRecord& it) {
      std::cerr << "\r  iteration " << it.index + 1 << ": " << it.tokens_generated << "/" << total
                << " tokens, " << it.accepted << "/" << it.gamma << " drafts kept   " << std::flush;
    };
  }

  std::cout << "plan " << opt.plan << ": variant " << plan->choice.variant << ", gamma " << plan->choice.gamma
            << ", draft " << plan->draft_model << ", target " << plan->target_model << "\n";
  const std::size_t prompt_length = options.prompt.empty() ? options.prompt_tokens : options.prompt.size();
  std::string weights_note = "synthetic weights (seed " + std::to_string(options.seed) + ")";
  if (target->weights) weights_note = "weights from " + target->weights->path;
  std::cout << "prompt " << prompt_length << " tokens, generate " << options.new_tokens << ", KV cache "
            << (options.kv_cache ? "on" : "off") << ", "
            << (options.temperature ? "temperature " + sig(*options.temperature) : std::string("greedy"))
            << ", " << weights_note << "\n";
  if (progress) std::cerr << "building models...\n";
  auto runner = runtime::PlanRunner::create(*soc, *draft, *target, plan->choice, options);
  if (!runner) return report_error(runner.error(), kExitBadInput);

  double sum_time_per_token = 0;
  for (int i = 0; i < opt.repeat; ++i) {
    auto report = (*runner)->run();
    if (progress) std::cerr << "\n";
    if (!report) return report_error(report.error(), kExitFailure);
    if (opt.repeat > 1) std::cout << "--- run " << i + 1 << "/" << opt.repeat << "\n";
    if (tokenizer) {
      const bool stopped =
          !report->tokens.empty() && options.stop_token && report->tokens.back() == *options.stop_token;
      std::cout << "text: " << prompt_text << tokenizer->decode(report->tokens, true) << "\n";
      std::cout << "(" << report->tokens.size() << " tokens generated" << (stopped ? ", stopped at EOS" : "")
                << ")\n";
    }
    print_report(*plan, *report);
    if (i + 1 == opt.repeat) {
      print_subgraphs("draft", report->draft_subgraphs, report->tokens.size());
      print_subgraphs("target", report->target_subgraphs, report->tokens.size());
      print_transfers("draft", report->draft_transfers);
      print_transfers("target", report->target_transfers);
    }
    sum_time_per_token += report->time_per_token;
  }
  if (opt.repeat > 1) {
    const double mean = sum_time_per_token / opt.repeat;
    std::cout << "mean over " << opt.repeat << " runs: " << fixed(1.0 / mean, 2) << " tokens/s, " << ms(mean)
              << "/token\n";
  }
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, Runner& runner) {
  auto opt = std::make_shared<RunOptions>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Run a plan on this host's CPU cores and OpenCL devices and compare with its prediction");
  cmd->footer(
      "Example:\n"
      "  specmap sweep configs/experiments/host-small.yaml --out results/host\n"
      "  specmap run results/host/plan.json --new-tokens 32 --controlled-alpha 0.6 --repeat 3\n"
      "  specmap run results/real/plan.json --prompt \"The jury said\" --new-tokens 48\n"
      "Loads the SoC, models and workload the plan names (paths relative to the current folder, as\n"
      "the sweep wrote them) and refuses with exit code 2 if any input changed since the plan was made.\n"
      "Models whose YAML has `weights:` run that checkpoint (refused, exit 2, if the file changed);\n"
      "others get synthetic (seeded) weights: token agreement between draft and target is then meaningless,\n"
      "so --controlled-alpha forces an acceptance rate; it is reported as controlled, not measured.\n"
      "A CPU PU with u units in the plan's variant runs on the first u online cores.");
  cmd->add_option("plan", opt->plan, "plan.json written by `specmap sweep`")->required();
  cmd->add_option("--prompt-tokens", opt->prompt_tokens, "Prompt length (default: the workload's mean)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--prompt", opt->prompt,
                  "Prompt text, tokenized with the target checkpoint's tokenizer (models with `weights:`); "
                  "generation stops at EOS and the text is printed");
  cmd->add_option("--prompt-file", opt->prompt_file, "Prompt text read from a file (as --prompt)")
      ->excludes("--prompt")
      ->check(non_empty());
  cmd->add_option("--new-tokens", opt->new_tokens, "Tokens to generate (default: the workload's mean)")
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_option("--seed", opt->seed,
                  "Seed of weights, prompt and sampling (draft weights: seed, target: seed+1)")
      ->check(unsigned_up_to());
  cmd->add_option("--temperature", opt->temperature, "Sample at this temperature instead of greedy decoding")
      ->check(positive_up_to());
  cmd->add_option("--controlled-alpha", opt->controlled_alpha,
                  "Accept each drafted token with this probability (synthetic acceptance)")
      ->check(finite_in(0.0, 1.0));
  cmd->add_option("--repeat", opt->repeat, "Generations to run on the same models")
      ->check(CLI::Range(1, 1000));
  cmd->callback([opt, &runner] { runner = [opt] { return run_plan(*opt); }; });
}

}  // namespace specmap::cli
