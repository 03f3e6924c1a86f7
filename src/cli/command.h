#pragma once
// Each subcommand binds its options in one file and hands main a runner that
// calls a plain library function. Only main turns results into exit codes.
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/result.h"

namespace specmap::cli {

using Runner = std::function<int()>;

// Exit codes: 0 success; 1 the run failed (nothing feasible, cannot write);
// 2 bad input (a file, a key or a command-line value is wrong).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

void add_sweep_command(CLI::App& app, Runner& runner);
void add_explain_command(CLI::App& app, Runner& runner);
void add_reproduce_command(CLI::App& app, Runner& runner);
void add_check_command(CLI::App& app, Runner& runner);
void add_run_command(CLI::App& app, Runner& runner);
void add_detect_command(CLI::App& app, Runner& runner);
void add_profile_command(CLI::App& app, Runner& runner);
void add_validate_command(CLI::App& app, Runner& runner);
void add_acceptance_command(CLI::App& app, Runner& runner);
// `specmap import`: a group; each format (add_import_<format>_command) is its own file.
void add_import_command(CLI::App& app, Runner& runner);
void add_import_llama_bench_command(CLI::App& import, Runner& runner);
void add_import_llama_spec_command(CLI::App& import, Runner& runner);
void add_import_iree_benchmark_command(CLI::App& import, Runner& runner);
// `specmap export PLAN --to llama.cpp|iree`.
void add_export_command(CLI::App& app, Runner& runner);
void add_import_gguf_command(CLI::App& import, Runner& runner);

// "specmap: <file>:<line>:<col>: key '<path>': <message>" on stderr.
int report_error(const Error& error, int exit_code);
// report_error for a failed write: exit code 2 when the command line was wrong (an output that
// would replace one of the command's inputs), 1 when the writing itself failed.
int report_write_error(const Error& error);
// Creates DIR (and parents) once the run has something to write.
Status ensure_directory(const std::string& dir);
// "AMD EPYC ... (2 online cores)": where measurements were made, for their records.
std::string host_machine_name();

}  // namespace specmap::cli
