// `specmap import gguf FILE.gguf --out MODEL.yaml`: a model YAML (architecture form, per-group
// data types, `weights:` with the checkpoint's fingerprint) from a GGUF checkpoint.
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/value_checks.h"
#include "core/files.h"
#include "runtime/formats/gguf_import.h"

namespace specmap::cli {

namespace {
struct ImportGgufOptions {
  std::string file;
  std::string out;
  std::string name;
};
}  // namespace

void add_import_gguf_command(CLI::App& import, Runner& runner) {
  auto opt = std::make_shared<ImportGgufOptions>();
  CLI::App* cmd = import.add_subcommand("gguf", "Write a model YAML from a GGUF checkpoint (llama, qwen2)");
  cmd->add_option("file", opt->file, "GGUF v3 checkpoint (tensor types f32, f16, bf16, q8_0, q4_0)")
      ->required();
  cmd->add_option("--out", opt->out, "model YAML to write")->required()->check(non_empty());
  cmd->add_option("--name", opt->name, "model name (default: the output file's stem)")->check(non_empty());
  cmd->footer(
      "Example:\n  specmap import gguf models/target-q8_0.gguf --out configs/models/real-target-q8.yaml\n"
      "The YAML gives the architecture from the metadata, each tensor group's data type\n"
      "(embedding, blocks, head), rotary style and base, norm epsilon, context length, biases,\n"
      "and `weights: {file, fingerprint}` with the file relative to the YAML. A malformed\n"
      "checkpoint exits 2 naming the file, the key or tensor and the byte offset; nothing is written.");
  cmd->callback([opt, &runner] {
    runner = [opt] {
      auto imported = formats::import_gguf_model(opt->file, opt->out, opt->name);
      if (!imported) return report_error(imported.error(), kExitBadInput);
      if (Status st = write_file_atomic(opt->out, imported->yaml); !st)
        return report_write_error(st.error());
      std::cout << "wrote " << opt->out << ": " << imported->summary << "\n";
      return kExitOk;
    };
  });
}

}  // namespace specmap::cli
