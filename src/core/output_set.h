#pragma once
// All the files one command writes, written all or nothing. Every output is computed first and
// added here; commit() then checks every target (a folder standing where a file goes fails
// before anything is touched), writes each file to a temporary name beside its target, and
// only when all are written renames them into place. A file it replaced is kept aside until
// every rename succeeded and put back otherwise, so a failed command leaves the previous
// outputs exactly as they were and no temporary behind.
#include <string>
#include <vector>

#include "core/result.h"

namespace specmap {

class OutputSet {
 public:
  // `path` relative to the working folder or absolute; the same path twice is a bug.
  void add(std::string path, std::string contents);
  // Creates missing parent folders, then writes everything or nothing.
  [[nodiscard]] Status commit() const;
  [[nodiscard]] const std::vector<std::string>& paths() const { return paths_; }

 private:
  std::vector<std::string> paths_;
  std::vector<std::string> contents_;
};

}  // namespace specmap
