// libFuzzer harness: Google Benchmark JSON read as a profile.
#include "fuzz/fuzz_input.h"
#include "profile/profile_db.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-profile.json";
  specmap::fuzz::check_result(specmap::parse_benchmark_json(specmap::fuzz::as_text(data, size), label),
                              label);
  return 0;
}
