#include "describe/llama_spec_log.h"

#include <charconv>
#include <regex>
#include <sstream>

#include "core/format.h"
#include "core/input_limits.h"

namespace specmap {

namespace {

// A count the log prints (digits only, by the patterns below), refused beyond 2^53 rather
// than thrown by std::stoll or rounded by the double the acceptance becomes.
std::int64_t count_at(const std::string& digits, const char* what, const std::string& file, int line) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size() || value > limits::kCount.max)
    throw InputError{Error{std::string(what) + " " + digits + " is beyond the largest count specmap reads (2^53)",
                           file, line}};
  return value;
}

// Sums of counts over the log's runs stay within the same bound.
void add_count(std::int64_t& total, std::int64_t value, const char* what, const std::string& file, int line) {
  if (value > limits::kCount.max - total)
    throw InputError{Error{std::string("the ") + what + " counts of the log add up to more than 2^53", file, line}};
  total += value;
}

Result<LlamaSpecStats> parse_log(const std::string& text, const std::string& file);

}  // namespace

Result<LlamaSpecStats> parse_llama_spec_log(const std::string& text, const std::string& file) {
  try {
    return parse_log(text, file);
  } catch (const InputError& e) {
    return e.error;
  }
}

namespace {

Result<LlamaSpecStats> parse_log(const std::string& text, const std::string& file) {
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
      const std::int64_t a = count_at(m[1], "accepted", file, number);
      const std::int64_t d = count_at(m[2], "generated", file, number);
      if (a > d) return Error{"more tokens accepted than generated", file, number};
      add_count(stats.accepted, a, "accepted", file, number);
      add_count(stats.drafted, d, "drafted", file, number);
      ++stats.runs;
      continue;
    }
    if (std::regex_search(line, m, kEncoded)) {
      const Tokens p = count_at(m[1], "the prompt length", file, number);
      if (p < limits::kTokens.min || p > limits::kTokens.max)
        return Error{"a prompt of " + std::to_string(p) + " tokens: specmap reads prompts of " +
                         std::to_string(limits::kTokens.min) + " to " + std::to_string(limits::kTokens.max) +
                         " tokens",
                     file, number};
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
    const std::int64_t v = count_at(m[2], key.c_str(), file, number);
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
      if (v < limits::kTokens.min || v > limits::kTokens.max)
        return Error{"n_predict " + std::to_string(v) + ": specmap reads generated lengths of " +
                         std::to_string(limits::kTokens.min) + " to " + std::to_string(limits::kTokens.max) +
                         " tokens",
                     file, number};
      stats.generate_tokens = v;
    } else if (key == "n_drafted") {
      add_count(stats.drafted, v, "n_drafted", file, number);
      pending_drafted = true;
    } else {
      add_count(stats.accepted, v, "n_accept", file, number);
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

}  // namespace

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
    << "version: 1\nname: " << yaml_quoted(options.name) << "\nprompt_tokens: " << *prompt
    << "\ngenerate_tokens: " << *generate << "\nkv_cache: " << (options.kv_cache ? "true" : "false")
    << "\nacceptance:\n"
    << "  definition: accepted_over_drafted\n"
    << "  counts: {accepted: " << stats.accepted << ", drafted: " << stats.drafted << ", gamma: " << *gamma
    << "}\n";
  return y.str();
}

}  // namespace specmap
