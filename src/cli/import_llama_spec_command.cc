// `specmap import llama-spec LOG`: llama.cpp's speculative statistics as a workload.
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "core/input_limits.h"
#include "describe/llama_spec_log.h"
#include "describe/loaders.h"

namespace specmap::cli {

namespace {

struct LlamaSpecOptions {
  std::string log;
  std::string out;
  std::string name;
  int gamma = 0;
  std::int64_t prompt_tokens = 0, generate_tokens = 0;
  bool no_kv_cache = false;
};

int run_import(const LlamaSpecOptions& opt) {
  auto text = read_file(opt.log);
  if (!text) return report_error(text.error(), kExitBadInput);
  auto stats = parse_llama_spec_log(*text, opt.log);
  if (!stats) return report_error(stats.error(), kExitBadInput);
  LlamaSpecWorkloadOptions w;
  w.name = opt.name.empty() ? std::filesystem::path(opt.log).stem().string() : opt.name;
  if (opt.gamma > 0) w.gamma = opt.gamma;
  if (opt.prompt_tokens > 0) w.prompt_tokens = opt.prompt_tokens;
  if (opt.generate_tokens > 0) w.generate_tokens = opt.generate_tokens;
  w.kv_cache = !opt.no_kv_cache;
  auto yaml = llama_spec_workload_yaml(*stats, w, opt.log);
  if (!yaml) return report_error(yaml.error(), kExitBadInput);
  // The workload loader does the conversion; what it would refuse is not written.
  auto workload = parse_workload(*yaml, opt.out);
  if (!workload) {
    Error error = workload.error();
    error.message = "the workload the log and options give is not valid (nothing was written): " + error.message;
    return report_error(error, kExitBadInput);
  }
  if (auto st = write_file_atomic(opt.out, *yaml); !st) return report_write_error(st.error());
  std::cout << "wrote " << opt.out << ": " << workload->acceptance_note << "\n";
  return kExitOk;
}

}  // namespace

void add_import_llama_spec_command(CLI::App& import, Runner& runner) {
  auto opt = std::make_shared<LlamaSpecOptions>();
  CLI::App* cmd = import.add_subcommand(
      "llama-spec", "llama.cpp's speculative statistics (a log) as a workload's acceptance");
  cmd->footer(
      "Example:\n"
      "  llama-speculative -m target.gguf -md draft.gguf --draft-max 8 -p \"...\" 2> spec.log\n"
      "  specmap import llama-spec spec.log --out configs/workloads/measured.yaml\n"
      "  llama-server ... 2> server.log; specmap import llama-spec server.log --gamma 4 --prompt-tokens 64 "
      "\\\n"
      "      --generate-tokens 128 --out w.yaml\n"
      "Reads llama-speculative's n_draft / n_predict / n_drafted / n_accept lines and 'encoded N tokens', "
      "or\n"
      "llama-server's 'draft acceptance rate = r ( A accepted / D generated)' lines (summed), and writes a\n"
      "workload whose acceptance is counts {accepted, drafted, gamma}; specmap converts them to Leviathan "
      "alpha.");
  cmd->add_option("log", opt->log, "The log llama-speculative or llama-server printed")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", opt->out, "Workload YAML to write")->required()->check(non_empty());
  cmd->add_option("--name", opt->name, "Workload name (default: the log's file name)")->check(non_empty());
  cmd->add_option("--gamma", opt->gamma, "Draft length the log ran with, when it does not say")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--prompt-tokens", opt->prompt_tokens, "Prompt length, when the log does not say")
      ->check(CLI::Range(limits::kTokens.min, limits::kTokens.max));
  cmd->add_option("--generate-tokens", opt->generate_tokens, "Generated tokens, when the log does not say")
      ->check(CLI::Range(limits::kTokens.min, limits::kTokens.max));
  cmd->add_flag("--no-kv-cache", opt->no_kv_cache, "The workload runs without a KV cache");
  cmd->callback([opt, &runner] { runner = [opt] { return run_import(*opt); }; });
}

}  // namespace specmap::cli
