// `specmap import <format>`: turns another tool's files (checkpoints, benchmark outputs,
// logs) into specmap's own inputs. Each format binds its options in its own file and
// registers itself here.
#include "cli/command.h"

namespace specmap::cli {

void add_import_command(CLI::App& app, Runner& runner) {
  CLI::App* import = app.add_subcommand(
      "import", "Turn another tool's file (a checkpoint, a benchmark output, a log) into a specmap input");
  import->require_subcommand(1);
  import->footer("Run `specmap import <format> --help` for a format's options.");
  add_import_llama_bench_command(*import, runner);
  add_import_llama_spec_command(*import, runner);
  add_import_iree_benchmark_command(*import, runner);
  add_import_gguf_command(*import, runner);
}

}  // namespace specmap::cli
