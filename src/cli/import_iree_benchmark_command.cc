// `specmap import iree-benchmark FILE.json --name-map MAP`: iree-benchmark-module's Google
// Benchmark JSON with its function names turned into specmap profile names.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "profile/iree_benchmark_names.h"
#include "profile/profile_db.h"

namespace specmap::cli {

namespace {

struct IreeBenchmarkOptions {
  std::string file;
  std::string name_map;
  std::string out;
};

int run_import(const IreeBenchmarkOptions& opt) {
  auto map_text = read_file(opt.name_map);
  if (!map_text) return report_error(map_text.error(), kExitBadInput);
  auto names = parse_name_map(*map_text, opt.name_map);
  if (!names) return report_error(names.error(), kExitBadInput);
  auto text = read_file(opt.file);
  if (!text) return report_error(text.error(), kExitBadInput);
  auto renamed = rename_iree_benchmarks(*text, opt.file, *names);
  if (!renamed) return report_error(renamed.error(), kExitBadInput);
  // The renamed file must load as a profile (a mapped name off the scheme is caught here).
  auto db = parse_benchmark_json(*renamed, opt.file);
  if (!db) return report_error(db.error(), kExitBadInput);
  if (auto st = write_file_atomic(opt.out, *renamed); !st) return report_write_error(st.error());
  std::cout << "wrote " << opt.out << ": " << db->entries.size() << " profile entries\n";
  return kExitOk;
}

}  // namespace

void add_import_iree_benchmark_command(CLI::App& import, Runner& runner) {
  auto opt = std::make_shared<IreeBenchmarkOptions>();
  CLI::App* cmd = import.add_subcommand(
      "iree-benchmark", "iree-benchmark-module's JSON with function names mapped to specmap profile names");
  cmd->footer(
      "Example:\n"
      "  iree-benchmark-module --module=draft.vmfb --device=local-task --function=step_ctx16 --input=... \\\n"
      "      --benchmark_repetitions=5 --benchmark_out=draft.json --benchmark_out_format=json\n"
      "  specmap import iree-benchmark draft.json --name-map names.txt --out profiles/iree-draft.json\n"
      "names.txt has one 'FUNCTION = specmap/<level>/<model>/<key>/<pu>/units:<u>/n:<N>/ctx:<C>' per line\n"
      "(docs/profiles.md); every function of the file must be mapped. The result loads with --profiles.");
  cmd->add_option("file", opt->file, "iree-benchmark-module output (--benchmark_format=json)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--name-map", opt->name_map, "FUNCTION = specmap/... lines")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--out", opt->out, "Profile JSON to write")->required()->check(non_empty());
  cmd->callback([opt, &runner] { runner = [opt] { return run_import(*opt); }; });
}

}  // namespace specmap::cli
