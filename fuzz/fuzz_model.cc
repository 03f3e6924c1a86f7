// libFuzzer harness: the model YAML loader.
#include "describe/loaders.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-model.yaml";
  specmap::fuzz::check_result(specmap::parse_model(specmap::fuzz::as_text(data, size), label), label);
  return 0;
}
