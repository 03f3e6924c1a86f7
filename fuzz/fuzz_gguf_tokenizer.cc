// libFuzzer harness: the tokenizer a GGUF file carries (Tokenizer::from_gguf), then encoding
// and decoding with it: fixed texts (spaces, multi-byte UTF-8, invalid UTF-8, text that looks
// like control tokens) and the input's own last bytes as arbitrary text.
#include <algorithm>
#include <string_view>

#include "fuzz/fuzz_input.h"
#include "runtime/formats/gguf_file.h"
#include "runtime/formats/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace specmap::formats;
  const std::string label = "fuzz-tokenizer.gguf";
  auto file = parse_gguf({data, size}, label);
  specmap::fuzz::check_result(file, label);
  if (!file) return 0;
  // The vocabulary must have the embedding's rows; without an embedding, the tokens' count.
  std::int64_t rows = 0;
  if (const GgufTensorInfo* embd = file->tensor("token_embd.weight"); embd && embd->dims.size() == 2)
    rows = static_cast<std::int64_t>(std::min<std::uint64_t>(embd->dims[1], INT64_MAX));
  else if (const GgufKeyValue* tokens = file->find("tokenizer.ggml.tokens"))
    rows = static_cast<std::int64_t>(tokens->value.strings.size());
  auto tokenizer = Tokenizer::from_gguf(*file, rows);
  specmap::fuzz::check_result(tokenizer, label);
  if (!tokenizer) return 0;
  const std::size_t tail = std::min<std::size_t>(size, 64);
  const std::string_view texts[] = {
      "",
      " ",
      "a",
      "the ab  ab",
      "\xe2\x96\x81the",
      "<s> </s> <unk> <tool>",
      "caf\xc3\xa9 \xf0\x9f\x99\x82",
      "\xff\xfe\x80 \xe2\x96",
      std::string_view(reinterpret_cast<const char*>(data + size - tail), tail)};
  for (std::string_view text : texts) {
    const std::vector<int> ids = tokenizer->encode(text);
    for (int id : ids)
      if (id < 0 || static_cast<std::size_t>(id) >= tokenizer->size()) __builtin_trap();
    (void)tokenizer->decode(ids);
    (void)tokenizer->decode(ids, true);
  }
  const int wild[] = {-1, 0, 1, 2, 3, static_cast<int>(tokenizer->size()), 1 << 30};
  (void)tokenizer->decode(wild);
  return 0;
}
