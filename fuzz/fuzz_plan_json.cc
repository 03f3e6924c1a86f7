// libFuzzer harness: plan.json as `specmap run` reads it and as `specmap explain` renders it.
#include "fuzz/fuzz_input.h"
#include "plan/explain.h"
#include "runtime/executor/plan_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-plan.json";
  const std::string text = specmap::fuzz::as_text(data, size);
  specmap::fuzz::check_result(specmap::runtime::parse_plan(text, label), label);
  specmap::fuzz::check_result(specmap::explain_plan(text, label), label);
  return 0;
}
