#pragma once
// Shared by every harness: the fuzzer's bytes as the text a loader reads, and the label
// used in messages. A harness only checks that the loader returns (a value or an Error);
// crashes, hangs, leaks and sanitizer reports are what the fuzzer looks for.
#include <cstddef>
#include <cstdint>
#include <string>

namespace specmap::fuzz {

inline std::string as_text(const std::uint8_t* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Every error must name the file it is about; a loader that loses the label is a bug.
template <class R>
void check_result(const R& result, const std::string& label) {
  if (!result && result.error().file != label) __builtin_trap();
}

}  // namespace specmap::fuzz
