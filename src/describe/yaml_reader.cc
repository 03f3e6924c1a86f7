#include "describe/yaml_reader.h"

#include <limits>
#include <set>

#include <yaml-cpp/depthguard.h>

#include "core/files.h"
#include "core/input_limits.h"

namespace specmap {

namespace {

// yaml-cpp marks are 0-based and -1 when unknown; Error wants 1-based or 0.
int one_based(int mark_value) { return mark_value >= 0 ? mark_value + 1 : 0; }

std::string join(std::initializer_list<std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::string describe_type(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "something else";
}

}  // namespace

YamlValue::YamlValue(YAML::Node node, std::string path, std::shared_ptr<const std::string> file)
    : node_(std::move(node)), path_(std::move(path)), file_(std::move(file)) {}

Error YamlValue::error(const std::string& message) const {
  YAML::Mark mark = node_.IsDefined() ? node_.Mark() : YAML::Mark::null_mark();
  return Error{message, *file_, one_based(mark.line), one_based(mark.column), path_};
}

void YamlValue::fail(const std::string& message) const { throw InputError{error(message)}; }

const YamlValue& YamlValue::expect_map(std::initializer_list<std::string_view> allowed) const {
  if (!node_.IsMap()) fail("expected a map, found " + describe_type(node_));
  std::set<std::string> seen;
  for (const auto& [key, value] : entries()) {
    std::string name = key.as_string();
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    if (!known) key.fail("unknown key '" + name + "' (allowed: " + join(allowed) + ")");
    if (!seen.insert(name).second) key.fail("key '" + name + "' is given twice");
  }
  return *this;
}

bool YamlValue::has(std::string_view key) const { return find(key).has_value(); }

std::optional<YamlValue> YamlValue::find(std::string_view key) const {
  if (!node_.IsMap()) return std::nullopt;
  // Iterate instead of operator[]: a missing key must not create a node without a mark.
  for (auto it = node_.begin(); it != node_.end(); ++it)
    if (it->first.IsScalar() && it->first.Scalar() == key)
      return YamlValue(it->second, child_path(path_, key), file_);
  return std::nullopt;
}

YamlValue YamlValue::at(std::string_view key) const {
  std::optional<YamlValue> value = find(key);
  if (!value) {
    Error e = error("missing required key '" + std::string(key) + "'");
    e.key_path = child_path(path_, key);
    throw InputError{e};
  }
  return *value;
}

std::vector<std::pair<YamlValue, YamlValue>> YamlValue::entries() const {
  if (!node_.IsMap()) fail("expected a map, found " + describe_type(node_));
  std::vector<std::pair<YamlValue, YamlValue>> out;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    std::string name = it->first.IsScalar() ? it->first.Scalar() : std::string("?");
    std::string path = child_path(path_, name);
    out.emplace_back(YamlValue(it->first, path, file_), YamlValue(it->second, path, file_));
  }
  return out;
}

std::vector<YamlValue> YamlValue::items(bool allow_empty) const {
  if (!node_.IsSequence()) fail("expected a list, found " + describe_type(node_));
  if (!allow_empty && node_.size() == 0) fail("the list must not be empty");
  std::vector<YamlValue> out;
  for (std::size_t i = 0; i < node_.size(); ++i)
    out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", file_);
  return out;
}

std::string YamlValue::as_string() const {
  if (!node_.IsScalar()) fail("expected a string, found " + describe_type(node_));
  return node_.Scalar();
}

double YamlValue::as_real(RealRange range) const {
  if (!node_.IsScalar()) fail("expected a number, found " + describe_type(node_));
  std::string problem;
  std::optional<double> value = parse_checked_real(node_.Scalar(), range, problem);
  if (!value) fail(problem);
  return *value;
}

double YamlValue::as_double() const { return as_real({}); }

double YamlValue::as_positive() const {
  return as_real({0.0, std::numeric_limits<double>::max(), /*min_exclusive=*/true});
}

double YamlValue::as_non_negative() const { return as_real({0.0, std::numeric_limits<double>::max()}); }

double YamlValue::as_fraction() const { return as_real({0.0, 1.0}); }

std::int64_t YamlValue::as_int(IntRange range) const {
  if (!node_.IsScalar()) fail("expected an integer, found " + describe_type(node_));
  std::string problem;
  std::optional<std::int64_t> value = parse_checked_int(node_.Scalar(), range, problem);
  if (!value) fail(problem);
  return *value;
}

std::int64_t YamlValue::as_positive_int() const { return as_int({1, std::numeric_limits<int>::max()}); }

std::int64_t YamlValue::as_non_negative_int() const { return as_int({0, std::numeric_limits<int>::max()}); }

bool YamlValue::as_bool() const {
  if (!node_.IsScalar()) fail("expected true or false, found " + describe_type(node_));
  bool value = false;
  if (!YAML::convert<bool>::decode(node_, value))
    fail("expected true or false, found " + describe_type(node_));
  return value;
}

DType YamlValue::as_dtype() const {
  std::string name = as_string();
  std::optional<DType> dtype = parse_dtype(name);
  if (!dtype) fail("unknown data type '" + name + "' (known: f32, f16, bf16, int8, int4)");
  return *dtype;
}

std::size_t YamlValue::as_choice(const std::vector<std::string_view>& choices) const {
  std::string value = as_string();
  std::string listed;
  for (std::size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == value) return i;
    listed += (i ? ", " : "") + std::string(choices[i]);
  }
  fail("unknown value '" + value + "' (expected one of: " + listed + ")");
}

Error error_from_yaml_exception(const YAML::Exception& e, const std::string& file_label) {
  return Error{e.msg.empty() ? std::string(e.what()) : e.msg, file_label, one_based(e.mark.line),
               one_based(e.mark.column), ""};
}

namespace {

// Walks a parsed document once: duplicate keys, depth, and the expansion through aliases.
class TreeCheck {
 public:
  TreeCheck(std::string file, std::size_t text_size) : file_(std::move(file)), budget_(2 * text_size + 1024) {}

  void walk(const YAML::Node& node, int depth, const std::string& path) {
    if (++visited_ > budget_)
      fail(node, path,
           "the document expands (through aliases) to more than " + std::to_string(budget_) + " values");
    if (!node.IsMap() && !node.IsSequence()) return;
    if (depth > limits::kMaxNestingDepth)
      fail(node, path,
           "nested deeper than " + std::to_string(limits::kMaxNestingDepth) + " levels of maps and lists");
    if (node.IsSequence()) {
      std::size_t i = 0;
      for (auto it = node.begin(); it != node.end(); ++it, ++i)
        walk(*it, depth + 1, path + "[" + std::to_string(i) + "]");
      return;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) fail(it->first, path, "a key must be a plain name, not " + describe_type(it->first));
      const std::string& key = it->first.Scalar();
      const std::string key_path = child_path(path, key);
      if (!seen.insert(key).second) fail(it->first, key_path, "key '" + key + "' is given twice in this map");
      walk(it->second, depth + 1, key_path);
    }
  }

 private:
  [[noreturn]] void fail(const YAML::Node& node, const std::string& path, const std::string& message) const {
    const YAML::Mark mark = node.Mark();
    throw InputError{Error{message, file_, one_based(mark.line), one_based(mark.column), path}};
  }

  std::string file_;
  std::size_t budget_;
  std::size_t visited_ = 0;
};

}  // namespace

Result<YAML::Node> load_yaml_text(const std::string& text, const std::string& file_label) {
  if (Status st = check_text_input(text, file_label); !st) return st.error();
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::DeepRecursion& e) {
    Error error = error_from_yaml_exception(e, file_label);
    error.message = "nested deeper than " + std::to_string(limits::kMaxNestingDepth) + " levels of maps and lists";
    return error;
  } catch (const YAML::ParserException& e) {
    Error error = error_from_yaml_exception(e, file_label);
    error.message = "malformed YAML: " + error.message;
    return error;
  } catch (const YAML::Exception& e) {
    return error_from_yaml_exception(e, file_label);
  }
  try {
    TreeCheck(file_label, text.size()).walk(node, 0, "");
  } catch (const InputError& e) {
    return e.error;
  }
  return node;
}

Result<YamlValue> load_yaml_root(const std::string& text, const std::string& file_label) {
  auto file = std::make_shared<const std::string>(file_label);
  Result<YAML::Node> loaded = load_yaml_text(text, file_label);
  if (!loaded) return loaded.error();
  YAML::Node node = *loaded;
  if (!node.IsMap()) {
    Error error{"expected a map of keys at the top of the file (starting with 'version: 1')", file_label, 0,
                0, ""};
    if (node.IsDefined() && !node.IsNull()) {
      error.line = one_based(node.Mark().line);
      error.column = one_based(node.Mark().column);
    }
    return error;
  }
  YamlValue root(node, "", file);
  try {
    YamlValue version = root.at("version");
    if (version.as_int({}) != 1)
      version.fail("unsupported version " + version.as_string() + " (this specmap reads version 1)");
  } catch (const InputError& e) {
    return e.error;
  }
  return root;
}

Result<std::string> read_text_file(const std::string& path) { return read_text_input(path); }

}  // namespace specmap
