// libFuzzer harness: the hand-written YAML profile loader.
#include "fuzz/fuzz_input.h"
#include "profile/profile_db.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-profile.yaml";
  specmap::fuzz::check_result(specmap::parse_profile_yaml(specmap::fuzz::as_text(data, size), label), label);
  return 0;
}
