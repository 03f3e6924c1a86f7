#include "plan/export_text.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace specmap {

void CommandLine::add(std::initializer_list<std::string> words) { lines_.emplace_back(words); }

void CommandLine::add_inline(std::initializer_list<std::string> words) {
  inline_.insert(inline_.end(), words.begin(), words.end());
}

std::string CommandLine::text() const {
  std::string out = program_;
  for (const std::string& w : inline_) out += " " + shell_word(w);
  for (const auto& line : lines_) {
    out += " \\\n ";
    for (const std::string& w : line) out += " " + shell_word(w);
  }
  return out + "\n";
}

void dedupe(std::vector<std::string>& lines) {
  std::vector<std::string> kept;
  for (const std::string& line : lines)
    if (std::find(kept.begin(), kept.end(), line) == kept.end()) kept.push_back(line);
  lines = std::move(kept);
}

std::string shell_word(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word)
    if (!(std::isalnum(static_cast<unsigned char>(c)) ||
          std::string("-_./=,:+@%").find(c) != std::string::npos))
      plain = false;
  if (plain) return word;
  std::string out = "'";
  for (char c : word) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::vector<std::string> flags_in(const std::string& text) {
  std::vector<std::string> flags;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind('#', 0) == 0) continue;
    std::istringstream words(line);
    std::string w;
    while (words >> w)
      if (w.size() > 1 && w[0] == '-' && !(w[1] >= '0' && w[1] <= '9'))
        flags.push_back(w.substr(0, w.find('=')));
  }
  return flags;
}

}  // namespace specmap
