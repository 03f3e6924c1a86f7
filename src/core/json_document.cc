#include "core/json_document.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <unordered_set>

#include "core/files.h"
#include "core/input_limits.h"

namespace specmap {

namespace {

using nlohmann::json;

// A char pointer that tells how far nlohmann's lexer has read. The lexer reads one byte at a
// time and never ahead, except one byte after a number or a literal, so at each SAX event
// the high-water mark is the end of the token just read; the next token starts at the first
// byte after it that is not white space, ',' or ':'.
class CountingIterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char** high_water) : p_(p), high_water_(high_water) {}
  reference operator*() const { return *p_; }
  CountingIterator& operator++() {
    ++p_;
    if (p_ > *high_water_) *high_water_ = p_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator before = *this;
    ++*this;
    return before;
  }
  bool operator==(const CountingIterator& other) const { return p_ == other.p_; }
  bool operator!=(const CountingIterator& other) const { return p_ != other.p_; }

 private:
  const char* p_;
  const char** high_water_;
};

// nlohmann's messages start "[json.exception.parse_error.101] parse error at line 2, column 3: ";
// the location travels in the Error, so only the description is kept.
std::string plain_message(const std::string& what) {
  std::string m = what;
  if (!m.empty() && m[0] == '[') {
    const std::size_t close = m.find("] ");
    if (close != std::string::npos) m = m.substr(close + 2);
  }
  if (m.rfind("parse error at line", 0) == 0) {
    const std::size_t colon = m.find(": ");
    if (colon != std::string::npos) m = m.substr(colon + 2);
  }
  return m;
}

class PositionedBuilder {
 public:
  using number_integer_t = json::number_integer_t;
  using number_unsigned_t = json::number_unsigned_t;
  using number_float_t = json::number_float_t;
  using string_t = json::string_t;
  using binary_t = json::binary_t;

  PositionedBuilder(const std::string& text, const char** high_water, json& root,
                    std::vector<JsonDocument::PathStart>& starts)
      : text_(text), high_water_(high_water), root_(root), starts_(starts) {}

  bool null() { return value(nullptr); }
  bool boolean(bool v) { return value(v); }
  bool number_integer(number_integer_t v) { return value(v); }
  bool number_unsigned(number_unsigned_t v) { return value(v); }
  bool number_float(number_float_t v, const string_t&) { return value(v); }
  bool string(string_t& v) { return value(std::move(v)); }
  bool binary(binary_t& v) { return value(std::move(v)); }

  bool start_object(std::size_t) { return open(json::object()); }
  bool start_array(std::size_t) { return open(json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(string_t& k) {
    const std::size_t start = token_start();
    Frame& frame = frames_.back();
    frame.key = k;
    if (!frame.keys.insert(k).second) {
      failure_ = Error{"key '" + k + "' is given twice in this object", "", 0, 0,
                       JsonDocument::child(frame.path, k)};
      failure_offset_ = start;
      return false;
    }
    return true;
  }

  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    failure_ = Error{plain_message(e.what()), "", 0, 0, ""};
    // `position` counts the bytes read, the offending one included.
    failure_offset_ = position > 0 ? position - 1 : 0;
    if (e.id == 406) failure_->message += " (beyond the range of a double, about 1.8e308)";
    return false;
  }

  const std::optional<Error>& failure() const { return failure_; }
  std::size_t failure_offset() const { return failure_offset_; }

 private:
  struct Frame {
    json* container;
    std::string path;
    std::unordered_set<std::string> keys;
    std::string key;
    std::size_t next_index = 0;
  };

  std::size_t consumed() const { return static_cast<std::size_t>(*high_water_ - text_.data()); }

  std::size_t token_start() {
    std::size_t i = last_end_;
    while (i < text_.size() && (text_[i] == ' ' || text_[i] == '\t' || text_[i] == '\n' || text_[i] == '\r' ||
                                text_[i] == ',' || text_[i] == ':'))
      ++i;
    last_end_ = consumed();
    return i;
  }

  // Places `v` in the current container and returns where it now lives.
  json* place(json&& v, std::string& path) {
    const std::size_t start = token_start();
    if (frames_.empty()) {
      root_ = std::move(v);
      path.clear();
      record(path, start);
      return &root_;
    }
    Frame& frame = frames_.back();
    json* slot = nullptr;
    if (frame.container->is_array()) {
      path = JsonDocument::item(frame.path, frame.next_index++);
      frame.container->push_back(std::move(v));
      slot = &frame.container->back();
    } else {
      path = JsonDocument::child(frame.path, frame.key);
      slot = &(*frame.container)[frame.key];
      *slot = std::move(v);
    }
    record(path, start);
    return slot;
  }

  void record(const std::string& path, std::size_t start) {
    starts_.push_back(
        JsonDocument::PathStart{JsonDocument::path_hash(path), static_cast<std::uint32_t>(start)});
  }

  bool value(json&& v) {
    std::string path;
    place(std::move(v), path);
    return true;
  }

  bool open(json&& container) {
    if (static_cast<int>(frames_.size()) >= limits::kMaxNestingDepth) {
      failure_offset_ = token_start();
      failure_ = Error{
          "nested deeper than " + std::to_string(limits::kMaxNestingDepth) + " levels of objects and arrays",
          "", 0, 0, frames_.back().path};
      return false;
    }
    std::string path;
    json* slot = place(std::move(container), path);
    frames_.push_back(Frame{slot, path, {}, {}, 0});
    return true;
  }

  bool close() {
    frames_.pop_back();
    last_end_ = consumed();
    return true;
  }

  const std::string& text_;
  const char** high_water_;
  json& root_;
  std::vector<JsonDocument::PathStart>& starts_;
  std::vector<Frame> frames_;
  std::size_t last_end_ = 0;
  std::optional<Error> failure_;
  std::size_t failure_offset_ = 0;
};

}  // namespace

std::uint64_t JsonDocument::path_hash(const std::string& path) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  return h;
}

std::string JsonDocument::child(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string JsonDocument::item(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::pair<int, int> JsonDocument::line_column(std::size_t offset) const {
  if (line_starts_.empty()) return {0, 0};
  auto after = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  const std::size_t line = static_cast<std::size_t>(after - line_starts_.begin());  // 1-based
  return {static_cast<int>(line), static_cast<int>(offset - line_starts_[line - 1] + 1)};
}

Error JsonDocument::error(const std::string& key_path, const std::string& message) const {
  Error e{message, file_, 0, 0, key_path};
  // The value itself, else the nearest enclosing value that was parsed.
  std::string path = key_path;
  while (true) {
    const std::uint64_t h = path_hash(path);
    auto it = std::lower_bound(starts_.begin(), starts_.end(), h,
                               [](const PathStart& s, std::uint64_t v) { return s.hash < v; });
    if (it != starts_.end() && it->hash == h) {
      std::tie(e.line, e.column) = line_column(it->offset);
      break;
    }
    if (path.empty()) break;
    const std::size_t cut = path.find_last_of(".[");
    path = cut == std::string::npos ? std::string() : path.substr(0, cut);
  }
  return e;
}

void JsonDocument::fail(const std::string& key_path, const std::string& message) const {
  throw InputError{error(key_path, message)};
}

std::string describe_json(const json& value) {
  switch (value.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::object:
      return "an object";
    case json::value_t::array:
      return "an array";
    case json::value_t::string:
      return "the string " + value.dump();
    case json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      return "the number " + value.dump();
    default:
      return "something else";
  }
}

std::int64_t JsonDocument::integer(const json& value, const std::string& key_path, IntRange range) const {
  std::string problem;
  std::optional<std::int64_t> v;
  if (value.is_number_unsigned()) {
    const auto u = value.get<json::number_unsigned_t>();
    if (u > static_cast<json::number_unsigned_t>(std::numeric_limits<std::int64_t>::max()))
      fail(key_path, "must be " + describe_range(range) + ", found " + value.dump());
    v = check_int_range(static_cast<std::int64_t>(u), range, problem);
  } else if (value.is_number_integer()) {
    v = check_int_range(value.get<std::int64_t>(), range, problem);
  } else {
    fail(key_path, "expected an integer, found " + describe_json(value));
  }
  if (!v) fail(key_path, problem);
  return *v;
}

double JsonDocument::real(const json& value, const std::string& key_path, RealRange range) const {
  if (!value.is_number()) fail(key_path, "expected a number, found " + describe_json(value));
  std::string problem;
  std::optional<double> v = check_real_range(value.get<double>(), range, problem);
  if (!v) fail(key_path, problem);
  return *v;
}

std::string JsonDocument::string(const json& value, const std::string& key_path) const {
  if (!value.is_string()) fail(key_path, "expected a string, found " + describe_json(value));
  return value.get<std::string>();
}

bool JsonDocument::boolean(const json& value, const std::string& key_path) const {
  if (!value.is_boolean()) fail(key_path, "expected true or false, found " + describe_json(value));
  return value.get<bool>();
}

const json* JsonDocument::find(const json& object, const std::string& object_path,
                               const std::string& key) const {
  if (!object.is_object()) fail(object_path, "expected an object, found " + describe_json(object));
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

const json& JsonDocument::member(const json& object, const std::string& object_path,
                                 const std::string& key) const {
  const json* found = find(object, object_path, key);
  if (found == nullptr) {
    Error e = error(object_path, "missing required key '" + key + "'");
    e.key_path = child(object_path, key);
    throw InputError{e};
  }
  return *found;
}

Result<JsonDocument> parse_json_document(const std::string& text, const std::string& file_label) {
  if (Status st = check_text_input(text, file_label); !st) return st.error();
  JsonDocument doc;
  doc.file_ = file_label;
  doc.line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') doc.line_starts_.push_back(static_cast<std::uint32_t>(i + 1));

  const char* high_water = text.data();
  PositionedBuilder builder(text, &high_water, doc.root, doc.starts_);
  bool ok = false;
  try {
    ok = json::sax_parse(CountingIterator(text.data(), &high_water),
                         CountingIterator(text.data() + text.size(), &high_water), &builder);
  } catch (const json::exception& e) {
    // The builder reports errors through parse_error; this is only a safety net.
    return Error{plain_message(e.what()), file_label};
  }
  std::stable_sort(
      doc.starts_.begin(), doc.starts_.end(),
      [](const JsonDocument::PathStart& a, const JsonDocument::PathStart& b) { return a.hash < b.hash; });
  doc.starts_.shrink_to_fit();
  doc.line_starts_.shrink_to_fit();
  if (!ok || builder.failure()) {
    Error e = builder.failure().value_or(Error{"malformed JSON"});
    e.file = file_label;
    std::tie(e.line, e.column) = doc.line_column(builder.failure_offset());
    if (e.key_path.empty())
      e.message = "malformed JSON at byte " + std::to_string(builder.failure_offset()) + ": " + e.message;
    return e;
  }
  return doc;
}

}  // namespace specmap
