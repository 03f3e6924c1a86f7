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
  // OutputSet checks every target (against the inputs, and that a file can go there) before
  // it writes anything; a target it refused is the user's input, a failed write the machine.
  const bool users_path = error.unusable_output_path || input_file_at(error.file);
  return report_error(error, users_path ? kExitBadInput : kExitFailure);
}

Status ensure_directory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec) return {};
  Error error{"cannot create output folder: " + ec.message(), dir};
  // The folder the user named cannot be made (a file stands there or on the way, or it may
  // not be written): their input to mend, exit 2.
  error.unusable_output_path = true;
  return error;
}

std::string host_machine_name() {
  const runtime::HostInfo host = runtime::detect_host();
  std::string name = host.cpu_model.empty() ? std::string("unknown CPU") : host.cpu_model;
  return name + " (" + std::to_string(host.online_cores.size()) + " online cores)";
}

}  // namespace specmap::cli
