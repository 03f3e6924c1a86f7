#pragma once
// A parsed YAML document in a compact form: one 20-byte record per node, the children of
// every map and list as one run of indices, and the scalars' text in one buffer (short
// scalars, such as keys repeated in every entry, stored once). Built from yaml-cpp's event
// parser (YAML::Parser), not its YAML::Node tree, which takes about 60 times the text's size
// in memory: this one takes a few times the text (docs/formats.md#limits gives figures).
//
// While it is built the document is checked: in every map (block or flow style) a key given
// twice is an error at the second one, a key must be a scalar, nesting deeper than
// limits::kMaxNestingDepth is an error where it gets too deep, and aliases cannot expand the
// document beyond about twice its size in values. An alias is stored as a reference to the
// node it names, so an alias-heavy document takes no more memory than its text.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace specmap {

class YamlDocument;

// 0-based line and column as yaml-cpp reports them; -1 when unknown.
struct YamlMark {
  int line = -1;
  int column = -1;
};

// A handle on one node of a YamlDocument (which must outlive it), or an undefined node (a
// key that is not there). Aliases are resolved: a handle never refers to an alias.
class YamlNode {
 public:
  YamlNode() = default;
  YamlNode(const YamlDocument* doc, std::uint32_t index);

  [[nodiscard]] bool IsDefined() const { return doc_ != nullptr; }
  explicit operator bool() const { return IsDefined(); }
  [[nodiscard]] bool IsNull() const;
  [[nodiscard]] bool IsScalar() const;
  [[nodiscard]] bool IsSequence() const;
  [[nodiscard]] bool IsMap() const;
  // The scalar's text (empty for anything else).
  [[nodiscard]] std::string Scalar() const;
  [[nodiscard]] std::string_view scalar_view() const;
  [[nodiscard]] YamlMark Mark() const;

  // Items of a list, entries of a map (0 for anything else).
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] YamlNode operator[](std::size_t i) const;  // list item i
  // A map's entry i: its key and value nodes.
  [[nodiscard]] YamlNode key_at(std::size_t i) const;
  [[nodiscard]] YamlNode value_at(std::size_t i) const;
  // The value of a scalar key (linear in the map's size); undefined when absent.
  [[nodiscard]] YamlNode operator[](std::string_view key) const;

 private:
  [[nodiscard]] const struct YamlRecord& record() const;
  [[nodiscard]] YamlNode child(std::size_t i) const;
  const YamlDocument* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

enum class YamlKind : std::uint8_t { null, scalar, sequence, map, alias };

struct YamlRecord {
  std::uint32_t line = 0;
  std::uint32_t column = 0;
  // Scalar: offset and length in the text buffer. List or map: offset and count in the
  // children run (a map's children alternate key, value). Alias: `a` is the node it names.
  std::uint32_t a = 0;
  std::uint32_t b = 0;
  YamlKind kind = YamlKind::null;
};

class YamlDocument {
 public:
  [[nodiscard]] YamlNode root() const { return YamlNode(this, 0); }
  [[nodiscard]] std::size_t node_count() const { return nodes_.size(); }
  // Bytes held (nodes, children, text), for the loader-memory figures and tests.
  [[nodiscard]] std::size_t memory_bytes() const;

 private:
  friend class YamlNode;
  friend class YamlDocumentBuilder;
  std::vector<YamlRecord> nodes_;  // nodes_[0] is the root
  std::vector<std::uint32_t> children_;
  std::string text_;
};

// Parses the first document of `text` (after check_text_input: size, NUL bytes). Malformed
// YAML and every check above are an Error with file, line, column and key path.
Result<std::shared_ptr<const YamlDocument>> parse_yaml_text(const std::string& text,
                                                            const std::string& file_label);

}  // namespace specmap
