#include <filesystem>
#include <iostream>

#include "cli/command.h"

namespace specmap::cli {

int report_error(const Error& error, int exit_code) {
  std::cerr << "specmap: error: " << error.format() << "\n";
  return exit_code;
}

Status ensure_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create output folder: " + ec.message(), dir};
  return {};
}

}  // namespace specmap::cli
