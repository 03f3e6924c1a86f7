#include "describe/yaml_reader.h"

#include <limits>
#include <set>

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

std::string describe_type(const YamlNode& node) {
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "nothing";
}

// YAML 1.1 booleans as yaml-cpp reads them: y/yes/true/on and n/no/false/off, each in lower
// case, upper case or capitalised.
std::optional<bool> yaml_bool(std::string_view s) {
  auto is_lower = [](char c) { return c >= 'a' && c <= 'z'; };
  auto is_upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto entirely = [](std::string_view t, auto test) {
    for (char c : t)
      if (!test(c)) return false;
    return true;
  };
  if (s.empty()) return std::nullopt;
  const std::string_view rest = s.substr(1);
  const bool flexible =
      entirely(s, is_lower) || (is_upper(s[0]) && (entirely(rest, is_lower) || entirely(rest, is_upper)));
  if (!flexible) return std::nullopt;
  std::string folded(s);
  for (char& c : folded)
    if (is_upper(c)) c = static_cast<char>(c - 'A' + 'a');
  for (const char* t : {"y", "yes", "true", "on"})
    if (folded == t) return true;
  for (const char* f : {"n", "no", "false", "off"})
    if (folded == f) return false;
  return std::nullopt;
}

}  // namespace

YamlValue::YamlValue(YamlNode node, std::string path, std::shared_ptr<const YamlSource> source)
    : node_(node), path_(std::move(path)), source_(std::move(source)) {}

Error YamlValue::error(const std::string& message) const {
  const YamlMark mark = node_.Mark();
  return Error{message, source_->file, one_based(mark.line), one_based(mark.column), path_};
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
  const YamlNode value = node_[key];
  if (!value) return std::nullopt;
  return YamlValue(value, child_path(path_, key), source_);
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
  out.reserve(node_.size());
  for (std::size_t i = 0; i < node_.size(); ++i) {
    const YamlNode key = node_.key_at(i);
    std::string path = child_path(path_, key.IsScalar() ? key.scalar_view() : std::string_view("?"));
    out.emplace_back(YamlValue(key, path, source_), YamlValue(node_.value_at(i), path, source_));
  }
  return out;
}

std::vector<YamlValue> YamlValue::items(bool allow_empty) const {
  if (!node_.IsSequence()) fail("expected a list, found " + describe_type(node_));
  if (!allow_empty && node_.size() == 0) fail("the list must not be empty");
  std::vector<YamlValue> out;
  out.reserve(node_.size());
  for (std::size_t i = 0; i < node_.size(); ++i)
    out.emplace_back(node_[i], path_ + "[" + std::to_string(i) + "]", source_);
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
  const std::optional<bool> value = yaml_bool(node_.scalar_view());
  if (!value) fail("expected true or false, found " + describe_type(node_));
  return *value;
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

Result<std::shared_ptr<const YamlDocument>> load_yaml_text(const std::string& text,
                                                           const std::string& file_label) {
  return parse_yaml_text(text, file_label);
}

Result<YamlValue> load_yaml_root(const std::string& text, const std::string& file_label) {
  Result<std::shared_ptr<const YamlDocument>> loaded = load_yaml_text(text, file_label);
  if (!loaded) return loaded.error();
  auto source = std::make_shared<const YamlSource>(YamlSource{*loaded, file_label});
  const YamlNode node = source->document->root();
  if (!node.IsMap()) {
    Error error{"expected a map of keys at the top of the file (starting with 'version: 1')", file_label, 0,
                0, ""};
    if (!node.IsNull()) {
      error.line = one_based(node.Mark().line);
      error.column = one_based(node.Mark().column);
    }
    return error;
  }
  YamlValue root(node, "", source);
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
