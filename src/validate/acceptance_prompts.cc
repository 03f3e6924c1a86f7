#include "validate/acceptance_prompts.h"

#include <cctype>
#include <charconv>
#include <limits>

#include "core/files.h"
#include "core/format.h"

namespace specmap {

namespace {

bool blank(const std::string& line) {
  for (const char c : line)
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  return true;
}

Result<std::vector<int>> parse_ids(const std::string& line, const std::string& path, int line_number,
                                   int vocab) {
  std::vector<int> ids;
  std::size_t i = 0;
  while (i < line.size()) {
    if (std::isspace(static_cast<unsigned char>(line[i]))) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < line.size() && !std::isspace(static_cast<unsigned char>(line[end]))) ++end;
    long long value = 0;
    const auto [ptr, ec] = std::from_chars(line.data() + i, line.data() + end, value);
    const int column = static_cast<int>(i) + 1;
    if (ec != std::errc() || ptr != line.data() + end) {
      // Quoted with escapes: a control character in the file is shown, not printed raw.
      return Error{"expected a token id (a non-negative integer), found " + yaml_quoted(line.substr(i, end - i)) +
                       " (give --token-ids only for files of token ids)",
                   path, line_number, column};
    }
    if (value < 0 || value >= vocab) {
      return Error{"token id " + std::to_string(value) + " is outside the vocabulary [0, " +
                       std::to_string(vocab) + ")",
                   path, line_number, column};
    }
    ids.push_back(static_cast<int>(value));
    i = end;
  }
  return ids;
}

}  // namespace

std::size_t PromptSet::total_tokens() const {
  std::size_t total = 0;
  for (const AcceptancePrompt& p : prompts) total += p.tokens.size();
  return total;
}

Result<PromptSet> parse_prompt_set(const std::string& bytes, const std::string& path, int vocab,
                                   const Tokenizer& tokenize) {
  PromptSet set;
  set.path = path;
  set.fingerprint = fingerprint(bytes);
  int line_number = 0;
  std::size_t start = 0;
  while (start < bytes.size()) {
    std::size_t end = bytes.find('\n', start);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(start, end - start);
    start = end + 1;
    ++line_number;
    if (line_number == std::numeric_limits<int>::max()) return Error{"too many lines", path, line_number};
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (blank(line)) continue;
    AcceptancePrompt prompt;
    prompt.line = line_number;
    prompt.text = line;
    if (tokenize) {
      Result<std::vector<int>> tokens = tokenize(line);
      if (!tokens) return Error{tokens.error().message, path, line_number};
      prompt.tokens = std::move(tokens).value();
      for (const int t : prompt.tokens)
        if (t < 0 || t >= vocab)
          return Error{"the tokenizer produced id " + std::to_string(t) + ", outside the vocabulary", path,
                       line_number};
    } else {
      Result<std::vector<int>> ids = parse_ids(line, path, line_number, vocab);
      if (!ids) return ids.error();
      prompt.tokens = std::move(ids).value();
    }
    if (prompt.tokens.empty()) return Error{"the prompt has no tokens", path, line_number};
    set.prompts.push_back(std::move(prompt));
  }
  if (set.prompts.empty()) return Error{"no prompt in the file (one prompt per non-blank line)", path};
  return set;
}

Result<PromptSet> load_prompt_set(const std::string& path, int vocab, const Tokenizer& tokenize) {
  // A prompt set is text, ids or words: a NUL byte (a binary file given by mistake) is
  // refused with its byte offset, as are files over the text inputs' size limit.
  Result<std::string> bytes = read_text_input(path);
  if (!bytes) return bytes.error();
  return parse_prompt_set(*bytes, path, vocab, tokenize);
}

Result<std::size_t> cut_prompts_to(PromptSet& set, std::size_t length) {
  if (length == 0) return Error{"a prompt length must be at least 1", set.path};
  std::vector<AcceptancePrompt> kept;
  for (AcceptancePrompt& p : set.prompts) {
    if (p.tokens.size() < length) continue;
    p.tokens.resize(length);
    kept.push_back(std::move(p));
  }
  const std::size_t dropped = set.prompts.size() - kept.size();
  set.prompts = std::move(kept);
  if (set.prompts.empty())
    return Error{"no prompt has " + std::to_string(length) + " tokens (every one is shorter)", set.path};
  return dropped;
}

}  // namespace specmap
