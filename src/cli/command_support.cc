#include <filesystem>
#include <iostream>

#include "cli/command.h"
#include "core/input_registry.h"
#include "runtime/measure/host_detect.h"

namespace specmap::cli {

int report_error(const Error& error, int exit_code) {
  std::cerr << "specmap: error: " << error.format() << "\n";
  return exit_code;
}

int report_write_error(const Error& error) {
  // OutputSet checks every target against the inputs before it writes anything, so an error
  // naming an input as its file is that refusal.
  return report_error(error, input_file_at(error.file) ? kExitBadInput : kExitFailure);
}

Status ensure_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error{"cannot create output folder: " + ec.message(), dir};
  return {};
}

std::string host_machine_name() {
  const runtime::HostInfo host = runtime::detect_host();
  std::string name = host.cpu_model.empty() ? std::string("unknown CPU") : host.cpu_model;
  return name + " (" + std::to_string(host.online_cores.size()) + " online cores)";
}

}  // namespace specmap::cli
