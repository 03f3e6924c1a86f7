#pragma once
// llama.cpp's speculative-decoding statistics as a workload: llama-speculative prints
// `n_draft = G`, `n_drafted = D`, `n_accept = A` (and `encoded N tokens`, `n_predict = M`);
// llama-server prints `draft acceptance rate = r ( A accepted / D generated)` per request.
// The counts become the workload's acceptance `counts` (accepted / drafted at gamma G), which
// the workload loader converts to Leviathan's alpha.
#include <optional>
#include <string>

#include "core/result.h"
#include "core/units.h"

namespace specmap {

struct LlamaSpecStats {
  std::optional<int> gamma;  // n_draft (llama-speculative); the server does not print it
  std::int64_t drafted = 0;  // summed over the log's runs / requests
  std::int64_t accepted = 0;
  std::optional<Tokens> prompt_tokens;    // "encoded N tokens"
  std::optional<Tokens> generate_tokens;  // "n_predict = M"
  int runs = 0;                           // statistics blocks / server lines read
};

// Errors name the file and the 1-based line of a value that contradicts another.
Result<LlamaSpecStats> parse_llama_spec_log(const std::string& text, const std::string& file_label);

struct LlamaSpecWorkloadOptions {
  std::string name;
  std::optional<int> gamma;             // overrides / supplies n_draft
  std::optional<Tokens> prompt_tokens;  // supplies what the log lacks
  std::optional<Tokens> generate_tokens;
  bool kv_cache = true;
};

// The workload YAML (acceptance as counts), or an error saying which figure is missing.
Result<std::string> llama_spec_workload_yaml(const LlamaSpecStats& stats,
                                             const LlamaSpecWorkloadOptions& options,
                                             const std::string& file_label);

}  // namespace specmap
