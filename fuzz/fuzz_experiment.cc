// libFuzzer harness: the experiment YAML loader. Paths resolve against configs/experiments of
// the source tree, so the seeds' references to real files pass and the fuzzer reaches the
// search options behind them.
#include "describe/loaders.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-experiment.yaml";
  specmap::fuzz::check_result(specmap::parse_experiment(specmap::fuzz::as_text(data, size), label,
                                                        SPECMAP_SOURCE_DIR "/configs/experiments"),
                              label);
  return 0;
}
