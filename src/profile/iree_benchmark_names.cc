#include "profile/iree_benchmark_names.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_document.h"

namespace specmap {

namespace {

std::string trim(const std::string& s) {
  const std::size_t a = s.find_first_not_of(" \t\r");
  if (a == std::string::npos) return "";
  const std::size_t b = s.find_last_not_of(" \t\r");
  return s.substr(a, b - a + 1);
}

// "BM_draft_step/process_time/real_time_median" -> ("draft_step", "_median").
bool split_name(const std::string& name, std::string& function, std::string& aggregate_suffix) {
  if (name.rfind("BM_", 0) != 0) return false;
  const std::size_t slash = name.find('/');
  function = name.substr(3, slash == std::string::npos ? std::string::npos : slash - 3);
  aggregate_suffix.clear();
  if (slash != std::string::npos) {
    const std::string rest = name.substr(slash);
    const std::string timing = "/process_time/real_time";
    if (rest.rfind(timing, 0) == 0) aggregate_suffix = rest.substr(timing.size());
  }
  return !function.empty();
}

}  // namespace

Result<std::map<std::string, std::string>> parse_name_map(const std::string& text, const std::string& file) {
  std::map<std::string, std::string> names;
  std::istringstream lines(text);
  std::string line;
  int number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const std::string content = trim(line.substr(0, line.find('#')));
    if (content.empty()) continue;
    const std::size_t eq = content.find('=');
    if (eq == std::string::npos) return Error{"expected 'FUNCTION = specmap/...'", file, number};
    const std::string function = trim(content.substr(0, eq)), target = trim(content.substr(eq + 1));
    if (function.empty() || target.empty()) return Error{"a side of '=' is empty", file, number};
    if (target.rfind("specmap/", 0) != 0)
      return Error{"'" + target + "' is not a specmap benchmark name (specmap/<level>/...)", file, number};
    if (!names.emplace(function, target).second)
      return Error{"function '" + function + "' is mapped twice", file, number};
  }
  if (names.empty()) return Error{"the name map is empty", file};
  return names;
}

Result<std::string> rename_iree_benchmarks(const std::string& json_text, const std::string& file,
                                           const std::map<std::string, std::string>& names) {
  // The checked parse first (core/json_document.h: malformed text, 1e400, a key given twice or
  // deep nesting is an error with line and column), then the key order that is written back.
  if (Result<JsonDocument> checked = parse_json_document(json_text, file); !checked) return checked.error();
  nlohmann::ordered_json root;
  try {
    root = nlohmann::ordered_json::parse(json_text);
  } catch (const nlohmann::json::exception& e) {
    return Error{std::string("malformed JSON: ") + e.what(), file};
  }
  if (!root.is_object() || !root.contains("benchmarks") || !root["benchmarks"].is_array())
    return Error{"not Google Benchmark JSON: no 'benchmarks' list", file};
  auto& benchmarks = root["benchmarks"];
  for (std::size_t i = 0; i < benchmarks.size(); ++i) {
    auto& b = benchmarks[i];
    const std::string at = "benchmarks[" + std::to_string(i) + "]";
    if (!b.is_object() || !b.contains("name") || !b["name"].is_string())
      return Error{"a benchmark without a name", file, 0, 0, at};
    // Per-dispatch rows (--dispatch_statistics) carry "calls": they time parts of a function.
    if (b.contains("calls"))
      return Error{"a per-dispatch row; run without --dispatch_statistics", file, 0, 0, at};
    std::string function, suffix;
    if (!split_name(b["name"].get<std::string>(), function, suffix))
      return Error{
          "'" + b["name"].get<std::string>() + "' is not an iree-benchmark-module name (BM_<function>/...)",
          file, 0, 0, at + ".name"};
    auto it = names.find(function);
    if (it == names.end())
      return Error{"function '" + function + "' is not in the name map", file, 0, 0, at + ".name"};
    b["name"] = it->second + suffix;
    b["run_name"] = it->second;  // aggregates ("_mean", ...) group under it
  }
  return root.dump(2) + "\n";
}

}  // namespace specmap
