#pragma once
// A YAML node that knows its file and key path, so every complaint about user input
// names file, line, column and key (e.g. "pus[1].peak_gflops_per_unit.f32").
// Errors are thrown as InputError and turned into Result at each loader's boundary.
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/checked_number.h"
#include "core/dtype.h"
#include "core/result.h"
#include "describe/yaml_document.h"

namespace specmap {

// The parsed document and the file it came from, shared by every YamlValue of one load.
struct YamlSource {
  std::shared_ptr<const YamlDocument> document;
  std::string file;
};

class YamlValue {
 public:
  YamlValue(YamlNode node, std::string path, std::shared_ptr<const YamlSource> source);

  [[nodiscard]] const std::string& path() const { return path_; }
  [[nodiscard]] const std::string& file() const { return source_->file; }
  [[nodiscard]] const YamlNode& node() const { return node_; }
  [[nodiscard]] Error error(const std::string& message) const;
  [[noreturn]] void fail(const std::string& message) const;

  // Maps. expect_map checks the node is a map whose keys are all in `allowed`, with no key
  // given twice; an unknown key is reported at the key itself.
  const YamlValue& expect_map(std::initializer_list<std::string_view> allowed) const;
  [[nodiscard]] bool has(std::string_view key) const;
  [[nodiscard]] YamlValue at(std::string_view key) const;  // required key
  [[nodiscard]] std::optional<YamlValue> find(std::string_view key) const;
  // Map entries in file order; `first` is the key node (for errors about the key).
  [[nodiscard]] std::vector<std::pair<YamlValue, YamlValue>> entries() const;
  // Sequence elements with paths "path[i]"; `allow_empty` false rejects [].
  [[nodiscard]] std::vector<YamlValue> items(bool allow_empty = false) const;

  // Scalars; each rejects other node types and values that do not parse. Numbers go through
  // core/checked_number.h: a number out of range, beyond a double's range or not finite is an
  // error with the range, never a truncated, wrapped or infinite value.
  [[nodiscard]] std::string as_string() const;
  [[nodiscard]] double as_real(RealRange range) const;
  [[nodiscard]] double as_double() const;        // any finite number
  [[nodiscard]] double as_positive() const;      // > 0
  [[nodiscard]] double as_non_negative() const;  // >= 0
  [[nodiscard]] double as_fraction() const;      // in [0, 1]
  [[nodiscard]] std::int64_t as_int(IntRange range) const;
  // Without a stated range: [1, 2^31 - 1] and [0, 2^31 - 1], so a value always fits an int.
  [[nodiscard]] std::int64_t as_positive_int() const;
  [[nodiscard]] std::int64_t as_non_negative_int() const;
  [[nodiscard]] bool as_bool() const;
  [[nodiscard]] DType as_dtype() const;
  // Index of the value in `choices`; the message lists the choices.
  [[nodiscard]] std::size_t as_choice(const std::vector<std::string_view>& choices) const;

 private:
  YamlNode node_;
  std::string path_;
  std::shared_ptr<const YamlSource> source_;
};

// Parses `text` and runs `build` on the root map after checking `version: 1`. Malformed YAML
// and InputError become an Error; nothing escapes.
template <class T>
Result<T> parse_yaml_document(const std::string& text, const std::string& file_label,
                              const std::function<T(const YamlValue& root)>& build);

// Reads a whole text input (core/files.h read_text_input): a missing file, a folder, a FIFO,
// a file over the size limit or one with a NUL byte is an Error naming it.
Result<std::string> read_text_file(const std::string& path);

// The one YAML parse every loader uses (describe/yaml_document.h): checks the text (size, NUL
// bytes), parses it into a compact document and checks it while it is built, so that in every
// map (block or flow style) a key given twice is an error at the second one, nesting deeper
// than limits::kMaxNestingDepth is an error where it gets too deep, and aliases cannot expand
// the document beyond about twice its size in values.
Result<std::shared_ptr<const YamlDocument>> load_yaml_text(const std::string& text,
                                                           const std::string& file_label);

// Implementation detail of parse_yaml_document (non-template part).
Result<YamlValue> load_yaml_root(const std::string& text, const std::string& file_label);

template <class T>
Result<T> parse_yaml_document(const std::string& text, const std::string& file_label,
                              const std::function<T(const YamlValue& root)>& build) {
  Result<YamlValue> root = load_yaml_root(text, file_label);
  if (!root) return root.error();
  try {
    return build(*root);
  } catch (const InputError& e) {
    return e.error;
  }
}

}  // namespace specmap
