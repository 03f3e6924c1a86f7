// The hand-written profile format (see docs/profiles.md and profiles/paper.yaml).
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "core/checked_number.h"
#include "core/input_limits.h"
#include "describe/yaml_reader.h"
#include "profile/profile_db.h"
#include "profile/profile_names.h"

namespace specmap {

namespace {

struct TimeUnitSpec {
  std::string_view name;
  std::string_view latency_key;
  double to_seconds;  // for "relative": 1, the raw number is kept
};

constexpr TimeUnitSpec kTimeUnits[] = {
    {"relative", "latency_rel", 1.0}, {"s", "latency_s", 1.0},    {"ms", "latency_ms", 1e-3},
    {"us", "latency_us", 1e-6},       {"ns", "latency_ns", 1e-9},
};

std::string join(const std::vector<std::string_view>& items) {
  std::string out;
  for (std::string_view item : items) {
    if (!out.empty()) out += ", ";
    out += item;
  }
  return out;
}

// Walks the document; every failure is thrown as InputError and caught at the public boundary.
class ProfileYamlReader {
 public:
  explicit ProfileYamlReader(std::string file) : file_(std::move(file)) {}

  ProfileDb read(const YamlNode& root) {
    if (!root.IsMap()) fail(root, "", "a profile is a mapping with version, time_unit and entries");
    check_keys(root, "", {"version", "time_unit", "machine", "reference", "entries"});

    const YamlNode version = required(root, "version", "");
    if (integer(version, "version", {}) != 1) fail(version, "version", "only version 1 is supported");

    const YamlNode unit_node = required(root, "time_unit", "");
    const std::string unit_name = text(unit_node, "time_unit");
    unit_ = nullptr;
    std::vector<std::string_view> names;
    for (const TimeUnitSpec& spec : kTimeUnits) {
      names.push_back(spec.name);
      if (spec.name == unit_name) unit_ = &spec;
    }
    if (unit_ == nullptr)
      fail(unit_node, "time_unit", "unknown time unit '" + unit_name + "' (use " + join(names) + ")");

    ProfileDb db;
    db.time_unit = relative() ? "relative" : "s";
    if (root["machine"]) db.machine = text(root["machine"], "machine");
    if (root["reference"]) {
      if (!relative())
        fail(root["reference"], "reference", "a reference only makes sense with time_unit: relative");
      db.reference = text(root["reference"], "reference");
    } else if (relative()) {
      fail(root, "", "a relative profile must say what 1.0 means in `reference`");
    }

    const YamlNode entries = required(root, "entries", "");
    if (!entries.IsSequence()) fail(entries, "entries", "must be a list");
    for (std::size_t i = 0; i < entries.size(); ++i)
      read_entry(entries[i], "entries[" + std::to_string(i) + "]", db);
    db.source_files.push_back(file_);
    return db;
  }

 private:
  bool relative() const { return unit_->name == "relative"; }

  [[noreturn]] void fail(const YamlNode& node, const std::string& key_path,
                         const std::string& message) const {
    const YamlMark mark = node.Mark();
    const bool known = mark.line >= 0;
    throw InputError{Error{message, file_, known ? mark.line + 1 : 0, known ? mark.column + 1 : 0, key_path}};
  }

  static std::string child_path(const std::string& parent, std::string_view key) {
    return parent.empty() ? std::string(key) : parent + "." + std::string(key);
  }

  void check_keys(const YamlNode& map, const std::string& path,
                  const std::vector<std::string_view>& allowed) {
    std::set<std::string> seen;
    for (std::size_t i = 0; i < map.size(); ++i) {
      const YamlNode key_node = map.key_at(i);
      const std::string key = key_node.Scalar();
      bool ok = false;
      for (std::string_view a : allowed) ok = ok || a == key;
      if (!ok) {
        std::string hint;
        if (key.rfind("latency_", 0) == 0)
          hint = "; time_unit is '" + std::string(unit_ ? unit_->name : "?") + "', so latencies go under '" +
                 std::string(unit_ ? unit_->latency_key : "latency_<unit>") + "'";
        fail(key_node, child_path(path, key),
             "unknown key '" + key + "' (allowed: " + join(allowed) + ")" + hint);
      }
      if (!seen.insert(key).second) fail(key_node, child_path(path, key), "key '" + key + "' appears twice");
    }
  }

  YamlNode required(const YamlNode& map, std::string_view key, const std::string& path) const {
    YamlNode child = map[std::string(key)];
    if (!child) fail(map, child_path(path, key), "missing required key '" + std::string(key) + "'");
    return child;
  }

  std::string text(const YamlNode& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "must be a string");
    return node.Scalar();
  }

  std::int64_t integer(const YamlNode& node, const std::string& path, IntRange range) const {
    if (!node.IsScalar()) fail(node, path, "must be an integer");
    std::string problem;
    std::optional<std::int64_t> v = parse_checked_int(node.Scalar(), range, problem);
    if (!v) fail(node, path, problem);
    return *v;
  }

  double number(const YamlNode& node, const std::string& path) const {
    if (!node.IsScalar()) fail(node, path, "must be a number");
    std::string problem;
    std::optional<double> v = parse_checked_real(node.Scalar(), {}, problem);
    if (!v) fail(node, path, problem);
    return *v;
  }

  // A latency is a bare number (the median) or {median, mean, stddev, repetitions}.
  ProfileStats latency(const YamlNode& node, const std::string& path) {
    ProfileStats stats;
    const double scale = unit_->to_seconds;
    if (node.IsScalar()) {
      stats.median = positive(node, path) * scale;
      stats.mean = stats.median;
      stats.stddev = 0;
      return stats;
    }
    if (!node.IsMap())
      fail(node, path, "must be a number or a mapping with median, mean, stddev, repetitions");
    check_keys(node, path, {"median", "mean", "stddev", "repetitions"});
    stats.median = positive(required(node, "median", path), child_path(path, "median")) * scale;
    stats.mean = node["mean"] ? positive(node["mean"], child_path(path, "mean")) * scale : stats.median;
    if (node["stddev"]) {
      const double sd = number(node["stddev"], child_path(path, "stddev"));
      if (sd < 0) fail(node["stddev"], child_path(path, "stddev"), "a standard deviation cannot be negative");
      stats.stddev = sd * scale;
    }
    if (node["repetitions"]) {
      stats.repetitions = static_cast<int>(
          integer(node["repetitions"], child_path(path, "repetitions"), limits::kRepetitions));
    }
    return stats;
  }

  double positive(const YamlNode& node, const std::string& path) const {
    const double v = number(node, path);
    if (v <= 0) fail(node, path, "a latency must be positive");
    return v;
  }

  Tokens tokens(const YamlNode& node, const std::string& path, IntRange range) const {
    return static_cast<Tokens>(integer(node, path, range));
  }

  // Fills new_tokens, context and stats of `entry` from a mapping that holds them.
  void read_point(const YamlNode& node, const std::string& path, ProfileEntry& entry) {
    const std::string lat(unit_->latency_key);
    entry.new_tokens =
        tokens(required(node, "new_tokens", path), child_path(path, "new_tokens"), limits::kTokens);
    entry.context = tokens(required(node, "context", path), child_path(path, "context"), limits::kContext);
    entry.stats = latency(required(node, lat, path), child_path(path, lat));
    entry.line = node.Mark().line + 1;
    entry.column = node.Mark().column + 1;
  }

  void read_entry(const YamlNode& node, const std::string& path, ProfileDb& db) {
    if (!node.IsMap()) fail(node, path, "an entry is a mapping");
    const std::string_view lat = unit_->latency_key;
    check_keys(
        node, path,
        {"level", "model", "key", "pu", "units", "new_tokens", "context", lat, "points", "origin", "note"});

    ProfileEntry head;
    head.file = file_;
    const YamlNode level_node = required(node, "level", path);
    const auto level = parse_profile_level(text(level_node, child_path(path, "level")));
    if (!level) fail(level_node, child_path(path, "level"), "level is op, subgraph or forward");
    head.level = *level;
    head.model = text(required(node, "model", path), child_path(path, "model"));
    if (head.level == ProfileLevel::forward) {
      head.key = "forward";
      if (node["key"] && text(node["key"], child_path(path, "key")) != "forward")
        fail(node["key"], child_path(path, "key"), "a forward-level entry's key is 'forward' (or omitted)");
    } else {
      head.key = text(required(node, "key", path), child_path(path, "key"));
      if (head.key.empty() || head.key.find('/') != std::string::npos)
        fail(node["key"], child_path(path, "key"), "must be a non-empty op key or subgraph name without '/'");
    }
    head.pu = text(required(node, "pu", path), child_path(path, "pu"));
    head.units =
        static_cast<int>(integer(required(node, "units", path), child_path(path, "units"), limits::kUnits));

    head.origin = EntryOrigin::measured;
    if (node["origin"]) {
      const auto origin = parse_entry_origin(text(node["origin"], child_path(path, "origin")));
      if (!origin)
        fail(node["origin"], child_path(path, "origin"),
             "origin is measured, derived, back_solved, bound or assumed");
      head.origin = *origin;
    }
    if (node["note"]) head.note = text(node["note"], child_path(path, "note"));
    if (head.origin != EntryOrigin::measured && head.note.empty())
      fail(node, child_path(path, "note"),
           "a figure that is not measured needs a note saying where it comes from");

    if (node["points"]) {
      for (std::string_view single : {std::string_view("new_tokens"), std::string_view("context"), lat})
        if (node[std::string(single)])
          fail(node[std::string(single)], child_path(path, single),
               "an entry has either `points` or a single new_tokens/context/" + std::string(lat));
      const YamlNode points = node["points"];
      const std::string points_path = child_path(path, "points");
      if (!points.IsSequence() || points.size() == 0) fail(points, points_path, "must be a non-empty list");
      for (std::size_t i = 0; i < points.size(); ++i) {
        const std::string point_path = points_path + "[" + std::to_string(i) + "]";
        if (!points[i].IsMap())
          fail(points[i], point_path, "a point is a mapping with new_tokens, context, " + std::string(lat));
        check_keys(points[i], point_path, {"new_tokens", "context", lat});
        ProfileEntry entry = head;
        read_point(points[i], point_path, entry);
        entry.path = path;
        db.entries.push_back(std::move(entry));
      }
      return;
    }
    ProfileEntry entry = head;
    read_point(node, path, entry);
    entry.path = path;
    db.entries.push_back(std::move(entry));
  }

  std::string file_;
  const TimeUnitSpec* unit_ = nullptr;
};

}  // namespace

Result<ProfileDb> parse_profile_yaml(const std::string& text, const std::string& file_label) {
  try {
    Result<std::shared_ptr<const YamlDocument>> loaded = load_yaml_text(text, file_label);
    if (!loaded) return loaded.error();
    const YamlNode root = (*loaded)->root();
    if (!root || root.IsNull())
      return Error{"empty profile (expected version, time_unit and entries)", file_label, 0, 0, ""};
    ProfileDb db = ProfileYamlReader(file_label).read(root);
    if (Status st = check_unique_points(db.entries); !st) return st.error();
    return db;
  } catch (const InputError& e) {
    return e.error;
  }
}

}  // namespace specmap
