#include "describe/llama_spec_log.h"

#include <regex>
#include <sstream>

namespace specmap {

Result<LlamaSpecStats> parse_llama_spec_log(const std::string& text, const std::string& file) {
  // Field names as llama-speculative prints them; values on the same line after '='.
  static const std::regex kField(R"(^\s*(n_draft|n_predict|n_drafted|n_accept)\s*=\s*(\d+)\s*$)");
  static const std::regex kEncoded(R"(encoded\s+(\d+)\s+tokens\s+in)");
  static const std::regex kServer(
      R"(draft acceptance(?: rate)?\s*=\s*[0-9.]+\s*\(\s*(\d+)\s+accepted\s*/\s*(\d+)\s+generated\s*\))");
  LlamaSpecStats stats;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  int gamma_line = 0;
  bool pending_drafted = false, pending_accept = false;
  while (std::getline(lines, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::smatch m;
    if (std::regex_search(line, m, kServer)) {
      const std::int64_t a = std::stoll(m[1]), d = std::stoll(m[2]);
      if (a > d) return Error{"more tokens accepted than generated", file, number};
      stats.accepted += a;
      stats.drafted += d;
      ++stats.runs;
      continue;
    }
    if (std::regex_search(line, m, kEncoded)) {
      const Tokens p = std::stoll(m[1]);
      if (stats.prompt_tokens && *stats.prompt_tokens != p)
        return Error{"a second run with a different prompt length (" + std::to_string(p) +
                         " tokens, before " + std::to_string(*stats.prompt_tokens) +
                         "): import one setting at a time",
                     file, number};
      stats.prompt_tokens = p;
      continue;
    }
    if (!std::regex_match(line, m, kField)) continue;
    const std::string key = m[1];
    const std::int64_t v = std::stoll(m[2]);
    if (key == "n_draft") {
      if (stats.gamma && *stats.gamma != v)
        return Error{"n_draft " + std::to_string(v) + " differs from n_draft " +
                         std::to_string(*stats.gamma) + " on line " + std::to_string(gamma_line) +
                         ": import one draft length at a time",
                     file, number};
      if (v <= 0 || v > 64) return Error{"n_draft must be between 1 and 64", file, number};
      stats.gamma = static_cast<int>(v);
      gamma_line = number;
    } else if (key == "n_predict") {
      stats.generate_tokens = v;
    } else if (key == "n_drafted") {
      stats.drafted += v;
      pending_drafted = true;
    } else {
      stats.accepted += v;
      pending_accept = true;
    }
    if (pending_drafted && pending_accept) {
      ++stats.runs;
      pending_drafted = pending_accept = false;
    }
  }
  if (stats.runs == 0)
    return Error{
        "no speculative statistics found (llama-speculative's n_drafted / n_accept lines, or "
        "llama-server's 'draft acceptance rate = ... ( A accepted / D generated)')",
        file};
  if (pending_drafted || pending_accept)
    return Error{"an n_drafted line without its n_accept line (or the reverse)", file};
  if (stats.drafted == 0) return Error{"no token was drafted", file};
  if (stats.accepted > stats.drafted) return Error{"more tokens accepted than drafted", file};
  return stats;
}

Result<std::string> llama_spec_workload_yaml(const LlamaSpecStats& stats,
                                             const LlamaSpecWorkloadOptions& options,
                                             const std::string& file) {
  const std::optional<int> gamma = options.gamma ? options.gamma : stats.gamma;
  if (!gamma)
    return Error{"the log gives no draft length (llama-server does not print it): give --gamma", file};
  if (options.gamma && stats.gamma && *options.gamma != *stats.gamma)
    return Error{"--gamma " + std::to_string(*options.gamma) + " contradicts the log's n_draft " +
                     std::to_string(*stats.gamma),
                 file};
  const auto prompt = options.prompt_tokens ? options.prompt_tokens : stats.prompt_tokens;
  if (!prompt || *prompt <= 0) return Error{"the log gives no prompt length: give --prompt-tokens", file};
  const auto generate = options.generate_tokens ? options.generate_tokens : stats.generate_tokens;
  if (!generate || *generate <= 0)
    return Error{"the log gives no generated length: give --generate-tokens", file};
  std::ostringstream y;
  y << "# Imported by `specmap import llama-spec` from " << file << ": " << stats.runs << " run(s), "
    << stats.accepted << " of " << stats.drafted << " drafted tokens accepted at draft length " << *gamma
    << ".\n"
    << "# llama.cpp may end a draft early (its draft p-min, the end of the text), so fewer than n_draft\n"
    << "# tokens per step are possible; the conversion to Leviathan alpha assumes n_draft every step.\n"
    << "version: 1\nname: " << options.name << "\nprompt_tokens: " << *prompt
    << "\ngenerate_tokens: " << *generate << "\nkv_cache: " << (options.kv_cache ? "true" : "false")
    << "\nacceptance:\n"
    << "  definition: accepted_over_drafted\n"
    << "  counts: {accepted: " << stats.accepted << ", drafted: " << stats.drafted << ", gamma: " << *gamma
    << "}\n";
  return y.str();
}

}  // namespace specmap
