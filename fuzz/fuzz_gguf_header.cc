// libFuzzer harness: a GGUF file's header and metadata (parse_gguf on the bytes in memory),
// then every typed accessor on every key, as the model reader and the tokenizer use them.
#include "fuzz/fuzz_input.h"
#include "runtime/formats/gguf_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string label = "fuzz-header.gguf";
  auto file = specmap::formats::parse_gguf({data, size}, label);
  specmap::fuzz::check_result(file, label);
  if (!file) return 0;
  for (const auto& kv : file->metadata) {
    specmap::fuzz::check_result(file->uint_value(kv.key), label);
    specmap::fuzz::check_result(file->real_value(kv.key), label);
    specmap::fuzz::check_result(file->string_value(kv.key), label);
    specmap::fuzz::check_result(file->bool_value(kv.key), label);
    if (file->find(kv.key) != &kv) __builtin_trap();  // keys are unique and indexed
  }
  specmap::fuzz::check_result(file->uint_value("no.such.key"), label);
  for (const auto& t : file->tensors) {
    // Every tensor's data lies inside the bytes parsed.
    if (t.data.size() != t.bytes) __builtin_trap();
    if (t.bytes > 0 && (t.data.data() < data || t.data.data() + t.data.size() > data + size))
      __builtin_trap();
  }
  (void)file->metadata_end();
  return 0;
}
