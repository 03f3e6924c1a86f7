#pragma once
// A command line built flag by flag and printed one flag group per line ("\" continued),
// and the flags of a printed command, for checking them against a tool's documented list.
#include <initializer_list>
#include <string>
#include <vector>

namespace specmap {

class CommandLine {
 public:
  explicit CommandLine(std::string program) : program_(std::move(program)) {}
  // One line of the printed command: a flag and its value, or several.
  void add(std::initializer_list<std::string> words);
  // Arguments without a line of their own (input file, -o FILE) go right after the program.
  void add_inline(std::initializer_list<std::string> words);
  [[nodiscard]] std::string text() const;

 private:
  std::string program_;
  std::vector<std::string> inline_;
  std::vector<std::vector<std::string>> lines_;
};

// Removes repeated warnings, keeping the first of each in order.
void dedupe(std::vector<std::string>& lines);

// Quotes a word for a POSIX shell when it needs it.
std::string shell_word(const std::string& word);

// Every word of the commands in `text` (comment lines skipped) that starts with '-', up to
// an '=': "--device=local-task" gives "--device".
std::vector<std::string> flags_in(const std::string& text);

}  // namespace specmap
