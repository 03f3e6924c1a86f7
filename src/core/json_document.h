#pragma once
// The one JSON parse every loader uses (Google Benchmark profiles, plans): nlohmann's SAX
// parser building the usual nlohmann::json tree, plus where each value starts, so that every
// complaint names file, line, column and key path ("benchmarks[3].time_unit"). While parsing
// it refuses NUL bytes and oversized text (check_text_input), a key given twice in an object,
// nesting deeper than limits::kMaxNestingDepth and numbers beyond a double's range (1e400).
// The typed reads below check type and range and throw InputError with the value's location.
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/checked_number.h"
#include "core/result.h"

namespace specmap {

class JsonDocument {
 public:
  nlohmann::json root;

  [[nodiscard]] const std::string& file() const { return file_; }
  // Error at the value under `key_path` (its line and column when the path was parsed).
  [[nodiscard]] Error error(const std::string& key_path, const std::string& message) const;
  [[noreturn]] void fail(const std::string& key_path, const std::string& message) const;
  // 1-based line and column of a byte offset of the text.
  [[nodiscard]] std::pair<int, int> line_column(std::size_t offset) const;

  // Typed reads of `value` (found at `key_path`); each throws InputError naming the location.
  [[nodiscard]] std::int64_t integer(const nlohmann::json& value, const std::string& key_path,
                                     IntRange range) const;
  [[nodiscard]] double real(const nlohmann::json& value, const std::string& key_path,
                            RealRange range = {}) const;
  [[nodiscard]] std::string string(const nlohmann::json& value, const std::string& key_path) const;
  [[nodiscard]] bool boolean(const nlohmann::json& value, const std::string& key_path) const;
  // The member `key` of the object `object` (at `object_path`): required, or nullptr when absent.
  [[nodiscard]] const nlohmann::json& member(const nlohmann::json& object, const std::string& object_path,
                                             const std::string& key) const;
  [[nodiscard]] const nlohmann::json* find(const nlohmann::json& object, const std::string& object_path,
                                           const std::string& key) const;

  // "a.b" or "a[3]" from a parent path.
  static std::string child(const std::string& parent, const std::string& key);
  static std::string item(const std::string& parent, std::size_t index);

  // Where each value starts: its key path's 64-bit hash and byte offset, sorted by hash after
  // parsing (16 bytes a value; the key path strings themselves took about 100). Two paths of
  // one file sharing a hash would at worst put a message at the other value's line.
  struct PathStart {
    std::uint64_t hash;
    std::uint32_t offset;
  };
  static std::uint64_t path_hash(const std::string& path);

 private:
  friend Result<JsonDocument> parse_json_document(const std::string& text, const std::string& file_label);
  std::string file_;
  std::vector<std::uint32_t> line_starts_;  // byte offset of each line's first byte
  std::vector<PathStart> starts_;           // sorted by hash
};

Result<JsonDocument> parse_json_document(const std::string& text, const std::string& file_label);

// "an object", "a string", "the number 3", ...: what a JSON value is, for messages.
std::string describe_json(const nlohmann::json& value);

}  // namespace specmap
