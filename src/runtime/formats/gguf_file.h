#pragma once
// A parsed GGUF v3 file (ggml's docs/gguf.md): header, metadata key/values, tensor infos
// and the aligned tensor data. Every length, count, offset and size is checked against the
// bytes that are there before it is used; every error names the file, the key or tensor and
// the byte offset. Tensor data is not copied: each tensor's `data` points into the bytes
// parsed, which a GgufFile opened from a path keeps mapped for its lifetime.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/formats/gguf_types.h"
#include "runtime/formats/mapped_file.h"

namespace specmap::formats {

inline constexpr std::uint32_t kGgufMagic = 0x46554747;  // "GGUF" little-endian
inline constexpr std::uint32_t kGgufVersion = 3;
inline constexpr std::uint64_t kGgufDefaultAlignment = 32;
inline constexpr std::size_t kGgufMaxDims = 4;
inline constexpr std::size_t kGgufMaxTensorName = 64;  // bytes, as the spec bounds it
inline constexpr std::size_t kGgufMaxKey = 65535;
inline constexpr int kGgufMaxArrayNesting = 8;

// One metadata value. Scalars: unsigned types (and bool) in `uint`, signed in `sint`,
// f32/f64 in `real`, strings in `text`. Arrays: `element_type` and the elements in the one
// vector that matches it (integers and bools in `ints`, u64 elements above 2^63 wrap,
// floats in `reals`, strings in `strings`, nested arrays in `arrays`).
struct GgufValue {
  GgufValueType type = GgufValueType::u8;
  std::uint64_t offset = 0;  // byte offset of the value (after its type) in the file
  std::uint64_t uint = 0;
  std::int64_t sint = 0;
  double real = 0;
  std::string text;
  GgufValueType element_type = GgufValueType::u8;
  std::vector<std::int64_t> ints;
  std::vector<double> reals;
  std::vector<std::string> strings;
  std::vector<GgufValue> arrays;

  [[nodiscard]] std::size_t array_size() const;
  [[nodiscard]] bool is_integer() const;  // u8..u64, i8..i64 (not bool)
};

struct GgufKeyValue {
  std::string key;
  std::uint64_t offset = 0;  // byte offset of the key/value pair
  GgufValue value;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<std::uint64_t> dims;  // ggml order: dims[0] is the row length (fastest varying)
  GgufTensorType type = GgufTensorType::f32;
  std::uint64_t offset = 0;       // relative to the data section, as stored
  std::uint64_t info_offset = 0;  // byte offset of this tensor info in the file
  std::uint64_t bytes = 0;        // size of the data
  std::span<const std::uint8_t> data;

  [[nodiscard]] std::uint64_t elements() const;
  [[nodiscard]] std::uint64_t file_offset(std::uint64_t data_section) const { return data_section + offset; }
};

class GgufFile {
 public:
  std::string label;  // the file's path (or the name given to an in-memory buffer)
  std::uint32_t version = 0;
  std::uint64_t alignment = kGgufDefaultAlignment;
  std::uint64_t data_offset = 0;  // where the data section starts in the file
  std::uint64_t file_size = 0;
  std::vector<GgufKeyValue> metadata;   // in file order
  std::vector<GgufTensorInfo> tensors;  // in file order

  [[nodiscard]] const GgufKeyValue* find(const std::string& key) const;
  [[nodiscard]] const GgufTensorInfo* tensor(const std::string& name) const;

  // Typed metadata access; errors name the file, the key and its byte offset.
  [[nodiscard]] Result<std::uint64_t> uint_value(const std::string& key) const;  // any integer type >= 0
  [[nodiscard]] Result<double> real_value(const std::string& key) const;         // f32, f64 or integer
  [[nodiscard]] Result<std::string> string_value(const std::string& key) const;
  [[nodiscard]] Result<bool> bool_value(const std::string& key) const;
  // An error about `key` (present or not) or `tensor`, naming the file and byte offset.
  [[nodiscard]] Error key_error(const std::string& key, const std::string& message) const;
  [[nodiscard]] Error tensor_error(const GgufTensorInfo& tensor, const std::string& message) const;
  // The whole file as mapped (empty for a GgufFile parsed from a caller's buffer).
  [[nodiscard]] std::span<const std::uint8_t> bytes() const {
    return mapping_ ? mapping_->bytes() : std::span<const std::uint8_t>{};
  }
  // MappedFile::release on the mapping (nothing for a parsed buffer).
  void release(std::span<const std::uint8_t> range) const {
    if (mapping_) mapping_->release(range);
  }
  // Where the metadata ends (the first tensor info, or the data section).
  [[nodiscard]] std::uint64_t metadata_end() const;

 private:
  friend struct GgufReader;
  friend Result<GgufFile> open_gguf(const std::string&);
  std::map<std::string, std::size_t, std::less<>> key_index_;
  std::map<std::string, std::size_t, std::less<>> tensor_index_;
  std::shared_ptr<const MappedFile> mapping_;  // keeps `data` spans valid when opened from a path
};

// Parses a GGUF file held in memory; the tensors' data spans point into `bytes`, which the
// caller keeps alive. Never reads outside `bytes` (the fuzzing entry point).
Result<GgufFile> parse_gguf(std::span<const std::uint8_t> bytes, const std::string& label);
// Maps the file read-only and parses it; the result keeps the mapping.
Result<GgufFile> open_gguf(const std::string& path);

}  // namespace specmap::formats
