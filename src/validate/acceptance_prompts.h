#pragma once
// A prompt set for measuring acceptance: one prompt per line of a text file, either text
// (tokenized by the caller's tokenizer) or whitespace-separated token ids. Blank lines are
// skipped. The set's fingerprint identifies the file it came from.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/result.h"

namespace specmap {

struct AcceptancePrompt {
  int line = 0;             // 1-based line in the file
  std::string text;         // the line as written (without its line break)
  std::vector<int> tokens;  // what the models are fed
};

struct PromptSet {
  std::string path;
  std::string fingerprint;  // fnv1a64 of the file's bytes (core/files.h)
  std::vector<AcceptancePrompt> prompts;
  [[nodiscard]] std::size_t total_tokens() const;
};

// Text to token ids; an error's message is reported at the prompt's line.
using Tokenizer = std::function<Result<std::vector<int>>(const std::string& text)>;

// `tokenize` empty: every line holds token ids, each in [0, vocab). Errors name the file
// and line (and column for a bad id): an unreadable file, no prompt at all, a line that is
// not a list of ids, an id outside the vocabulary, a prompt that tokenizes to nothing.
Result<PromptSet> parse_prompt_set(const std::string& bytes, const std::string& path, int vocab,
                                   const Tokenizer& tokenize);
Result<PromptSet> load_prompt_set(const std::string& path, int vocab, const Tokenizer& tokenize);

// Keeps each prompt's first `length` tokens and drops the prompts that are shorter, so every
// prompt has one length (a workload of one request shape, as `specmap validate` needs).
// Returns how many were dropped; an error naming the file when none is left.
Result<std::size_t> cut_prompts_to(PromptSet& set, std::size_t length);

}  // namespace specmap
