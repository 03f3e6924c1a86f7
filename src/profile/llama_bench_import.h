#pragma once
// llama-bench's `-o json` output as forward-pass profile entries: a prompt-processing test
// (n_prompt = P, n_gen = 0) is one pass over P new tokens at context n_depth; a generation
// test (n_gen = G) is G single-token steps, recorded as one step at the mean context
// n_depth + (G - 1) / 2 with its time divided by G.
#include <string>
#include <vector>

#include "core/result.h"
#include "describe/model.h"

namespace specmap {

struct LlamaBenchImportOptions {
  std::string pu;   // the PU id the measurements are for
  int units = 1;    // active units; on a CPU PU only tests with n_threads == units are taken
  bool cpu = true;  // the PU is a CPU (tests must not offload layers)
};

struct LlamaBenchImport {
  std::string profile_yaml;  // a profile file `--profiles` loads
  std::size_t entries = 0;
  std::vector<std::string> notes;  // tests skipped and why
};

// Refuses a file whose model_n_params is more than 1% from the model's parameter count, or
// whose bits per parameter (8 * model_size / model_n_params) is outside 0.8..1.6 times the
// model's data type width (a Q4_K_M file for an int4 model passes, an F16 file for an f32
// model does not).
Result<LlamaBenchImport> import_llama_bench(const std::string& json_text, const std::string& file_label,
                                            const ModelGraph& model, const LlamaBenchImportOptions& options);

}  // namespace specmap
