#include "describe/yaml_document.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <limits>
#include <streambuf>
#include <unordered_map>
#include <unordered_set>

#include "core/files.h"
#include "core/input_limits.h"

namespace specmap {

namespace {

constexpr std::uint32_t kUnknown = std::numeric_limits<std::uint32_t>::max();

int one_based(int mark_value) { return mark_value >= 0 ? mark_value + 1 : 0; }

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

// Reads the caller's text in place (an istringstream would copy it).
class TextBuffer : public std::streambuf {
 public:
  explicit TextBuffer(const std::string& text) {
    char* begin = const_cast<char*>(text.data());  // only read: the get area is never written
    setg(begin, begin, begin + text.size());
  }
};

}  // namespace

// ---- YamlNode

YamlNode::YamlNode(const YamlDocument* doc, std::uint32_t index) : doc_(doc), index_(index) {
  if (doc_ != nullptr && doc_->nodes_[index_].kind == YamlKind::alias) index_ = doc_->nodes_[index_].a;
}

const YamlRecord& YamlNode::record() const { return doc_->nodes_[index_]; }

bool YamlNode::IsNull() const { return doc_ != nullptr && record().kind == YamlKind::null; }
bool YamlNode::IsScalar() const { return doc_ != nullptr && record().kind == YamlKind::scalar; }
bool YamlNode::IsSequence() const { return doc_ != nullptr && record().kind == YamlKind::sequence; }
bool YamlNode::IsMap() const { return doc_ != nullptr && record().kind == YamlKind::map; }

std::string_view YamlNode::scalar_view() const {
  if (!IsScalar()) return {};
  const YamlRecord& r = record();
  return std::string_view(doc_->text_).substr(r.a, r.b);
}

std::string YamlNode::Scalar() const { return std::string(scalar_view()); }

YamlMark YamlNode::Mark() const {
  if (doc_ == nullptr) return {};
  const YamlRecord& r = record();
  if (r.line == kUnknown) return {};
  return {static_cast<int>(r.line), static_cast<int>(r.column)};
}

std::size_t YamlNode::size() const {
  if (IsSequence()) return record().b;
  if (IsMap()) return record().b / 2;
  return 0;
}

YamlNode YamlNode::child(std::size_t i) const { return YamlNode(doc_, doc_->children_[record().a + i]); }

YamlNode YamlNode::operator[](std::size_t i) const {
  return IsSequence() && i < size() ? child(i) : YamlNode();
}

YamlNode YamlNode::key_at(std::size_t i) const { return IsMap() && i < size() ? child(2 * i) : YamlNode(); }

YamlNode YamlNode::value_at(std::size_t i) const {
  return IsMap() && i < size() ? child(2 * i + 1) : YamlNode();
}

YamlNode YamlNode::operator[](std::string_view key) const {
  const std::size_t n = IsMap() ? size() : 0;
  for (std::size_t i = 0; i < n; ++i) {
    const YamlNode k = key_at(i);
    if (k.IsScalar() && k.scalar_view() == key) return value_at(i);
  }
  return {};
}

std::size_t YamlDocument::memory_bytes() const {
  return nodes_.capacity() * sizeof(YamlRecord) + children_.capacity() * sizeof(std::uint32_t) +
         text_.capacity();
}

// ---- Building from parser events

class YamlDocumentBuilder : public YAML::EventHandler {
 public:
  YamlDocumentBuilder(const std::string& file, std::size_t text_size)
      : file_(file), budget_(2 * text_size + 1024), doc_(std::make_shared<YamlDocument>()) {}

  std::shared_ptr<YamlDocument> finish() {
    if (doc_->nodes_.empty()) doc_->nodes_.push_back(YamlRecord{kUnknown, kUnknown, 0, 0, YamlKind::null});
    doc_->nodes_.shrink_to_fit();
    doc_->children_.shrink_to_fit();
    doc_->text_.shrink_to_fit();
    return std::move(doc_);
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const std::uint32_t index = add(mark, YamlKind::null, 0, 0);
    remember(anchor, index, 1);
    attach(index, YamlKind::null, mark, 1);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= anchors_.size() || anchors_[anchor].index == kUnknown)
      fail(mark, path(), "the alias refers to an anchor that is not defined");
    const Anchor& target = anchors_[anchor];
    // An alias inside the collection it names would make the document infinite.
    const std::uint64_t expanded = target.expanded == 0 ? budget_ + 1 : target.expanded;
    const std::uint32_t index = add(mark, YamlKind::alias, target.index, 0);
    attach(index, doc_->nodes_[target.index].kind, mark, expanded);
  }

  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    const std::uint32_t offset = store(value);
    const std::uint32_t index = add(mark, YamlKind::scalar, offset, static_cast<std::uint32_t>(value.size()));
    remember(anchor, index, 1);
    attach(index, YamlKind::scalar, mark, 1, &value);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, YamlKind::sequence, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, YamlKind::map, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Frame {
    std::uint32_t index = 0;
    YamlKind kind = YamlKind::map;
    std::vector<std::uint32_t> children;
    std::unordered_set<std::string> keys;  // a map's keys so far
    std::string key;                       // the key whose value comes next (or came last)
    bool expect_key = true;
    std::uint64_t visited_at_start = 0;
    YAML::anchor_t anchor = 0;
  };
  struct Anchor {
    std::uint32_t index = kUnknown;
    std::uint64_t expanded = 0;  // values it expands to; 0 while it is still open
  };

  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& key_path,
                         const std::string& message) const {
    throw InputError{Error{message, file_, one_based(mark.line), one_based(mark.column), key_path}};
  }

  // The key path of the value that comes next: "pus[1].peak_gflops_per_unit".
  std::string path() const {
    std::string out;
    for (const Frame& f : stack_) {
      // The innermost collection is where the next node goes; the others each hold the
      // collection being read as their last child.
      const bool innermost = &f == &stack_.back();
      if (innermost && f.kind == YamlKind::map && f.expect_key) break;
      if (f.kind == YamlKind::map)
        out = child_path(out, f.key);
      else
        out += "[" + std::to_string(f.children.size() - (innermost ? 0 : 1)) + "]";
    }
    return out;
  }

  std::uint32_t store(const std::string& value) {
    // Short scalars (keys, type names, small numbers) repeat: each is kept once.
    if (value.size() <= 24) {
      auto [it, inserted] = interned_.emplace(value, static_cast<std::uint32_t>(doc_->text_.size()));
      if (!inserted) return it->second;
    }
    const auto offset = static_cast<std::uint32_t>(doc_->text_.size());
    doc_->text_ += value;
    return offset;
  }

  std::uint32_t add(const YAML::Mark& mark, YamlKind kind, std::uint32_t a, std::uint32_t b) {
    const auto line = mark.line >= 0 ? static_cast<std::uint32_t>(mark.line) : kUnknown;
    const auto column = mark.column >= 0 ? static_cast<std::uint32_t>(mark.column) : kUnknown;
    doc_->nodes_.push_back(YamlRecord{line, column, a, b, kind});
    return static_cast<std::uint32_t>(doc_->nodes_.size() - 1);
  }

  void remember(YAML::anchor_t anchor, std::uint32_t index, std::uint64_t expanded) {
    if (anchor == YAML::NullAnchor) return;
    if (anchor >= anchors_.size()) anchors_.resize(anchor + 1);
    anchors_[anchor] = Anchor{index, expanded};
  }

  void count(std::uint64_t values, const YAML::Mark& mark) {
    visited_ += values;
    if (visited_ > budget_)
      fail(mark, path(),
           "the document expands (through aliases) to more than " + std::to_string(budget_) + " values");
  }

  // Adds a finished node (or an alias, or a collection just opened) to the open collection.
  // `kind` is what the node is (an alias's target kind); `values` what it expands to.
  void attach(std::uint32_t index, YamlKind kind, const YAML::Mark& mark, std::uint64_t values,
              const std::string* scalar = nullptr) {
    if (stack_.empty()) {
      count(values, mark);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.kind == YamlKind::map && parent.expect_key) {
      std::string key;
      if (scalar != nullptr) {
        key = *scalar;
      } else if (kind == YamlKind::scalar) {
        key = YamlNode(doc_.get(), index).Scalar();
      } else {
        const char* what = kind == YamlKind::map        ? "a map"
                           : kind == YamlKind::sequence ? "a list"
                                                        : "nothing";
        fail(mark, path(), std::string("a key must be a plain name, not ") + what);
      }
      parent.key = key;
      parent.expect_key = false;
      if (!parent.keys.insert(key).second) fail(mark, path(), "key '" + key + "' is given twice in this map");
      parent.children.push_back(index);
      return;
    }
    count(values, mark);
    parent.children.push_back(index);
    if (parent.kind == YamlKind::map) parent.expect_key = true;
  }

  void open(const YAML::Mark& mark, YamlKind kind, YAML::anchor_t anchor) {
    if (static_cast<int>(stack_.size()) > limits::kMaxNestingDepth)
      fail(mark, path(),
           "nested deeper than " + std::to_string(limits::kMaxNestingDepth) + " levels of maps and lists");
    const std::uint32_t index = add(mark, kind, 0, 0);
    remember(anchor, index, 0);
    attach(index, kind, mark, 1);  // checks it is not a key, counts the collection itself
    Frame frame;
    if (!spare_.empty()) {
      frame = std::move(spare_.back());
      spare_.pop_back();
      frame.children.clear();
      frame.keys.clear();
      frame.expect_key = true;
    }
    frame.index = index;
    frame.kind = kind;
    frame.anchor = anchor;
    frame.visited_at_start = visited_ - 1;
    stack_.push_back(std::move(frame));
  }

  void close() {
    Frame& f = stack_.back();
    YamlRecord& r = doc_->nodes_[f.index];
    r.a = static_cast<std::uint32_t>(doc_->children_.size());
    r.b = static_cast<std::uint32_t>(f.children.size());
    doc_->children_.insert(doc_->children_.end(), f.children.begin(), f.children.end());
    if (f.anchor != YAML::NullAnchor) anchors_[f.anchor].expanded = visited_ - f.visited_at_start;
    spare_.push_back(std::move(f));
    stack_.pop_back();
  }

  const std::string& file_;
  std::uint64_t budget_;
  std::uint64_t visited_ = 0;
  std::shared_ptr<YamlDocument> doc_;
  std::vector<Frame> stack_;
  std::vector<Frame> spare_;  // frames of closed collections, reused for their allocations
  std::vector<Anchor> anchors_;
  std::unordered_map<std::string, std::uint32_t> interned_;
};

namespace {

// Handles the events after the first document: the first one that comes is an error.
class SecondDocumentGuard : public YAML::EventHandler {
 public:
  explicit SecondDocumentGuard(const std::string& file) : file_(file) {}
  void OnDocumentStart(const YAML::Mark& mark) override { fail(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { fail(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { fail(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    fail(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    fail(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    fail(mark);
  }
  void OnMapEnd() override {}

 private:
  [[noreturn]] void fail(const YAML::Mark& mark) const {
    throw InputError{Error{"a second YAML document (after '---'): specmap reads one document per file, and "
                           "would ignore this one",
                           file_, one_based(mark.line), one_based(mark.column), ""}};
  }
  const std::string& file_;
};

}  // namespace

Result<std::shared_ptr<const YamlDocument>> parse_yaml_text(const std::string& text,
                                                            const std::string& file_label) {
  if (Status st = check_text_input(text, file_label); !st) return st.error();
  auto error_of = [&](const YAML::Exception& e) {
    return Error{e.msg.empty() ? std::string(e.what()) : e.msg, file_label, one_based(e.mark.line),
                 one_based(e.mark.column), ""};
  };
  try {
    TextBuffer buffer(text);
    std::istream in(&buffer);
    YAML::Parser parser(in);
    YamlDocumentBuilder builder(file_label, text.size());
    parser.HandleNextDocument(builder);  // the first document, as YAML::Load reads it
    // A second document (after `---`) would be silently dropped: refuse it where it starts.
    SecondDocumentGuard second(file_label);
    parser.HandleNextDocument(second);
    return std::shared_ptr<const YamlDocument>(builder.finish());
  } catch (const InputError& e) {
    return e.error;
  } catch (const YAML::DeepRecursion& e) {
    Error error = error_of(e);
    error.message =
        "nested deeper than " + std::to_string(limits::kMaxNestingDepth) + " levels of maps and lists";
    return error;
  } catch (const YAML::ParserException& e) {
    Error error = error_of(e);
    error.message = "malformed YAML: " + error.message;
    return error;
  } catch (const YAML::Exception& e) {
    return error_of(e);
  }
}

}  // namespace specmap
