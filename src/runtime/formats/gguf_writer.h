#pragma once
// Writes GGUF v3 files: tiny models for tests (and every malformed variant of them, by
// overriding what the writer would get right), and large files in real shapes streamed one
// tensor at a time. Values are written as given, so a test can also write what the reader
// must refuse.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/formats/gguf_file.h"

namespace specmap::formats {

struct GgufWriterTensor {
  std::string name;
  std::vector<std::uint64_t> dims;  // ggml order
  std::uint32_t type_id = kGgmlF32;
  std::uint64_t bytes = 0;                       // data size
  std::function<std::string()> data;             // produces `bytes` bytes when written
  std::optional<std::uint64_t> offset_override;  // stored instead of the real offset
};

class GgufWriter {
 public:
  explicit GgufWriter(std::uint64_t alignment = kGgufDefaultAlignment) : alignment_(alignment) {}

  // Metadata in call order. `set` writes any value, arrays and nested arrays included.
  void set(const std::string& key, GgufValue value);
  void set_u32(const std::string& key, std::uint32_t v);
  void set_u64(const std::string& key, std::uint64_t v);
  void set_i32(const std::string& key, std::int32_t v);
  void set_f32(const std::string& key, float v);
  void set_bool(const std::string& key, bool v);
  void set_string(const std::string& key, const std::string& v);
  void set_strings(const std::string& key, const std::vector<std::string>& v);
  void set_f32s(const std::string& key, const std::vector<float>& v);
  void set_i32s(const std::string& key, const std::vector<std::int32_t>& v);

  void add_tensor(const std::string& name, std::vector<std::uint64_t> dims, std::uint32_t type_id,
                  std::string data);
  void add_tensor(GgufWriterTensor tensor);
  std::vector<GgufWriterTensor>& tensors() { return tensors_; }

  // Overrides for malformed files.
  std::uint32_t magic = kGgufMagic;
  std::uint32_t version = kGgufVersion;

  [[nodiscard]] std::string bytes() const;                    // the whole file in memory
  [[nodiscard]] Status write(const std::string& path) const;  // streamed, one tensor at a time

 private:
  [[nodiscard]] std::string header_and_infos() const;
  std::uint64_t alignment_;
  std::string metadata_;
  std::uint64_t metadata_count_ = 0;
  std::vector<GgufWriterTensor> tensors_;
};

// Element encodings, for building tensor data: IEEE binary16 and bfloat16 (round to nearest
// even), and ggml's q8_0 / q4_0 blocks of a row (its length a multiple of 32), quantized as
// ggml's reference quantizer does (d = max|x| / 127, resp. d = x_maxabs / -8).
std::uint16_t f32_to_f16_bits(float value);
float f16_bits_to_f32(std::uint16_t bits);
std::uint16_t f32_to_bf16_bits(float value);
std::string encode_tensor(std::span<const float> values, std::uint32_t type_id);

}  // namespace specmap::formats
