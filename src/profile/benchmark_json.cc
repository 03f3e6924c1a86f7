// Google Benchmark JSON (--benchmark_format=json / --benchmark_out) as a profile.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/input_limits.h"
#include "core/json_document.h"
#include "profile/profile_db.h"
#include "profile/profile_names.h"

namespace specmap {

namespace {

using nlohmann::json;

constexpr std::string_view kPrefix = "specmap/";

// What a benchmark measured: a profile point, a transfer, a contention reference or the loop's work.
enum class NameKind { point, transfer, contention, loop };

// For transfers pu/key/new_tokens hold from/to/bytes; for contention pu/units/key/context
// hold the PU, its units, the PU beside it ("" = alone) and that PU's units; for the loop
// new_tokens/context hold the vocabulary and the drafts.
struct ParsedName {
  NameKind kind = NameKind::point;
  ProfileLevel level = ProfileLevel::forward;
  std::string model, key, pu;
  int units = 0;
  Tokens new_tokens = 0;
  Tokens context = 0;
  Tokens rows = 0;   // points: the optional "rows:<R>" segment
  std::string role;  // contention: the optional "role:<draft|target>" segment
};

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

std::optional<long long> tagged_integer(std::string_view segment, std::string_view tag) {
  if (segment.substr(0, tag.size()) != tag) return std::nullopt;
  std::string_view digits = segment.substr(tag.size());
  long long v = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return v;
}

// Segments Google Benchmark appends to a registered name (BenchmarkName::str()).
bool is_library_suffix(std::string_view segment) {
  for (std::string_view tag : {"repeats:", "iterations:", "min_time:", "min_warmup_time:", "threads:"})
    if (segment.substr(0, tag.size()) == tag) return true;
  return segment == "manual_time" || segment == "real_time" || segment == "process_time";
}

bool only_library_suffixes(const std::vector<std::string_view>& parts, std::size_t from) {
  for (std::size_t i = from; i < parts.size(); ++i)
    if (!is_library_suffix(parts[i])) return false;
  return true;
}

// specmap/transfer/<from>/<to>/bytes:<B>
std::optional<ParsedName> parse_transfer_name(const std::vector<std::string_view>& parts) {
  if (parts.size() < 5 || !only_library_suffixes(parts, 5) || parts[2].empty() || parts[3].empty())
    return std::nullopt;
  auto bytes = tagged_integer(parts[4], "bytes:");
  if (!bytes || *bytes < 1) return std::nullopt;
  ParsedName p;
  p.kind = NameKind::transfer;
  p.pu = std::string(parts[2]);
  p.key = std::string(parts[3]);
  p.new_tokens = *bytes;
  return p;
}

// specmap/contention/<pu>/units:<u>/beside:<other|none>/units:<v>[/role:<draft|target>]
std::optional<ParsedName> parse_contention_name(const std::vector<std::string_view>& parts) {
  std::string role;
  std::size_t suffix = 6;
  if (parts.size() > 6 && parts[6].substr(0, 5) == "role:") {
    role = std::string(parts[6].substr(5));
    if (role != "draft" && role != "target") return std::nullopt;
    suffix = 7;
  }
  if (parts.size() < 6 || !only_library_suffixes(parts, suffix) || parts[2].empty()) return std::nullopt;
  auto units = tagged_integer(parts[3], "units:");
  auto beside_units = tagged_integer(parts[5], "units:");
  constexpr std::string_view kBeside = "beside:";
  if (!units || *units < 1 || !beside_units || parts[4].substr(0, kBeside.size()) != kBeside) return std::nullopt;
  const std::string_view beside = parts[4].substr(kBeside.size());
  if (beside.empty()) return std::nullopt;
  ParsedName p;
  p.kind = NameKind::contention;
  p.pu = std::string(parts[2]);
  p.units = static_cast<int>(*units);
  p.key = beside == "none" ? std::string() : std::string(beside);
  p.context = *beside_units;
  p.role = role;
  if (p.key.empty() ? p.context != 0 : p.context < 1) return std::nullopt;
  return p;
}

// specmap/loop/vocab:<V>/drafts:<d>
std::optional<ParsedName> parse_loop_name(const std::vector<std::string_view>& parts) {
  if (parts.size() < 4 || !only_library_suffixes(parts, 4)) return std::nullopt;
  auto vocab = tagged_integer(parts[2], "vocab:");
  auto drafts = tagged_integer(parts[3], "drafts:");
  if (!vocab || *vocab < 1 || !drafts || *drafts < 0 || *drafts > (1 << 20)) return std::nullopt;
  ParsedName p;
  p.kind = NameKind::loop;
  p.new_tokens = *vocab;
  p.context = *drafts;
  return p;
}

std::optional<ParsedName> parse_name(std::string_view name) {
  std::vector<std::string_view> parts = split(name, '/');
  if (parts.size() >= 2 && parts[0] == "specmap" && parts[1] == "loop") return parse_loop_name(parts);
  if (parts.size() >= 2 && parts[0] == "specmap" && parts[1] == "transfer") return parse_transfer_name(parts);
  if (parts.size() >= 2 && parts[0] == "specmap" && parts[1] == "contention") return parse_contention_name(parts);
  if (parts.size() < 8 || parts[0] != "specmap") return std::nullopt;
  ParsedName p;
  std::size_t suffix = 8;
  if (parts.size() > 8 && parts[8].substr(0, 5) == "rows:") {
    auto rows = tagged_integer(parts[8], "rows:");
    if (!rows || *rows < 1) return std::nullopt;
    p.rows = *rows;
    suffix = 9;
  }
  for (std::size_t i = suffix; i < parts.size(); ++i)
    if (!is_library_suffix(parts[i])) return std::nullopt;
  auto level = parse_profile_level(parts[1]);
  if (!level || parts[2].empty() || parts[3].empty() || parts[4].empty()) return std::nullopt;
  if (*level == ProfileLevel::forward && parts[3] != "forward") return std::nullopt;
  p.level = *level;
  p.model = std::string(parts[2]);
  p.key = std::string(parts[3]);
  p.pu = std::string(parts[4]);
  auto units = tagged_integer(parts[5], "units:");
  auto n = tagged_integer(parts[6], "n:");
  auto ctx = tagged_integer(parts[7], "ctx:");
  if (!units || !n || !ctx || *units < 1 || *n < 1 || *ctx < 0) return std::nullopt;
  if (p.rows > *n + *ctx) return std::nullopt;  // a pass cannot sample more rows than it holds
  p.units = static_cast<int>(*units);
  p.new_tokens = *n;
  p.context = *ctx;
  return p;
}

std::optional<double> seconds_per(std::string_view unit) {
  if (unit == "ns") return 1e-9;
  if (unit == "us") return 1e-6;
  if (unit == "ms") return 1e-3;
  if (unit == "s") return 1.0;
  return std::nullopt;
}

// One benchmark instance: its repetitions and/or the library's aggregates over them.
struct RunGroup {
  std::string run_name;
  ParsedName name;
  std::vector<double> samples_s;
  std::optional<double> mean_s, median_s, stddev_s;
  int aggregate_repetitions = 0;
  int line = 0, column = 0;  // where its first benchmark object starts
  std::string path;          // and its key path
};

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

// Sample standard deviation (n - 1), as Google Benchmark's own stddev aggregate.
double stddev_of(const std::vector<double>& v) {
  if (v.size() < 2) return 0;
  const double mean = mean_of(v);
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

std::string machine_from_context(const json& context) {
  if (!context.is_object()) return "";
  if (auto it = context.find("specmap_machine"); it != context.end() && it->is_string())
    return it->get<std::string>();
  std::string machine;
  if (auto it = context.find("host_name"); it != context.end() && it->is_string())
    machine = it->get<std::string>();
  std::string cpus;
  if (auto it = context.find("num_cpus"); it != context.end() && it->is_number_integer())
    cpus = std::to_string(it->get<long long>()) + " CPUs";
  if (auto it = context.find("mhz_per_cpu"); it != context.end() && it->is_number())
    cpus += (cpus.empty() ? "" : " @ ") + std::to_string(std::llround(it->get<double>())) + " MHz";
  if (!cpus.empty()) machine += machine.empty() ? cpus : " (" + cpus + ")";
  return machine;
}

// Median, mean, spread and repetitions of one benchmark instance: the library's aggregates
// when it wrote them, else computed from the repetitions.
Status group_stats(const RunGroup& g, const JsonDocument& doc, ProfileStats& stats) {
  if (g.median_s || g.mean_s) {
    stats.median = g.median_s ? *g.median_s : *g.mean_s;
    stats.mean = g.mean_s ? *g.mean_s : stats.median;
    stats.stddev = g.stddev_s ? *g.stddev_s : stddev_of(g.samples_s);
    stats.repetitions = g.aggregate_repetitions > 0 ? g.aggregate_repetitions
                                                    : std::max<int>(1, static_cast<int>(g.samples_s.size()));
  } else if (!g.samples_s.empty()) {
    stats.median = median_of(g.samples_s);
    stats.mean = mean_of(g.samples_s);
    stats.stddev = stddev_of(g.samples_s);
    stats.repetitions = static_cast<int>(g.samples_s.size());
  } else {
    return doc.error(g.path, "benchmark '" + g.run_name + "' has only a stddev aggregate, no mean or median");
  }
  if (!(stats.median > 0) || !std::isfinite(stats.median))
    return doc.error(g.path, "benchmark '" + g.run_name + "' has a non-positive time");
  return {};
}

// The benchmarks of a parsed document; errors throw InputError with the value's location.
ProfileDb read_benchmarks(const JsonDocument& doc) {
  const std::string& file_label = doc.file();
  const json& root = doc.root;
  if (!root.is_object()) doc.fail("", "Google Benchmark JSON is an object with `context` and `benchmarks`");
  const json* benchmarks = doc.find(root, "", "benchmarks");
  if (benchmarks == nullptr || !benchmarks->is_array())
    doc.fail("benchmarks", "missing `benchmarks` list (is this Google Benchmark JSON output?)");

  ProfileDb db;
  db.time_unit = "s";
  if (const json* context = doc.find(root, "", "context")) db.machine = machine_from_context(*context);

  std::vector<RunGroup> groups;
  std::map<std::string, std::size_t> group_of_run;
  std::string first_unrecognised;
  int unrecognised = 0;
  for (std::size_t i = 0; i < benchmarks->size(); ++i) {
    const json& b = (*benchmarks)[i];
    const std::string path = JsonDocument::item("benchmarks", i);
    if (!b.is_object()) doc.fail(path, "every benchmark is an object with a string `name`");
    const json* name_value = doc.find(b, path, "name");
    if (name_value == nullptr || !name_value->is_string())
      doc.fail(JsonDocument::child(path, "name"), "every benchmark needs a string `name`");
    const std::string name = name_value->get<std::string>();
    auto text_of = [&](const char* key, const std::string& fallback) {
      const json* v = doc.find(b, path, key);
      return v == nullptr ? fallback : doc.string(*v, JsonDocument::child(path, key));
    };
    const std::string run_name = text_of("run_name", name);

    bool failed = false;
    if (const json* error = doc.find(b, path, "error_occurred"))
      failed = doc.boolean(*error, JsonDocument::child(path, "error_occurred"));
    if (const json* skipped = doc.find(b, path, "skipped")) {
      if (skipped->is_boolean())
        failed = failed || skipped->get<bool>();
      else
        failed = failed || doc.integer(*skipped, JsonDocument::child(path, "skipped"), {0, 1 << 20}) != 0;
    }
    if (failed) {
      const json* message = doc.find(b, path, "error_message");
      const std::string why =
          message != nullptr && message->is_string() ? message->get<std::string>() : std::string("(no message)");
      doc.fail(path, "benchmark '" + name + "' did not complete: " + why);
    }

    std::optional<ParsedName> parsed = parse_name(run_name);
    if (!parsed) {
      if (run_name.rfind(kPrefix, 0) == 0)
        doc.fail(JsonDocument::child(path, "name"),
                 "benchmark name '" + run_name +
                     "' does not follow specmap/<level>/<model>/<key>/<pu>/units:<u>/n:<N>/ctx:<C>[/rows:<R>], "
                     "specmap/transfer/<from>/<to>/bytes:<B> or "
                     "specmap/contention/<pu>/units:<u>/beside:<pu|none>/units:<v> or "
                     "specmap/loop/vocab:<V>/drafts:<d>");
      if (unrecognised++ == 0) first_unrecognised = name;
      continue;
    }

    // Google Benchmark always writes the unit; without it a figure could be off by 10^9.
    const json* unit_value = doc.find(b, path, "time_unit");
    if (unit_value == nullptr)
      doc.fail(path, "benchmark '" + name + "' has no `time_unit` (ns, us, ms or s)");
    const std::string unit = doc.string(*unit_value, JsonDocument::child(path, "time_unit"));
    const auto scale = seconds_per(unit);
    if (!scale) doc.fail(JsonDocument::child(path, "time_unit"), "unknown time unit '" + unit + "' (ns, us, ms, s)");
    const json* real_time = doc.find(b, path, "real_time");
    if (real_time == nullptr) doc.fail(path, "benchmark '" + name + "' has no numeric real_time");
    const double seconds = doc.real(*real_time, JsonDocument::child(path, "real_time")) * *scale;

    const bool aggregate = text_of("run_type", "iteration") == "aggregate";
    // Only time aggregates; "cv" and user statistics in percent are not latencies.
    if (aggregate && text_of("aggregate_unit", "time") != "time") continue;
    const std::string aggregate_name = text_of("aggregate_name", "");
    int repetitions = 0;
    if (const json* reps = doc.find(b, path, "repetitions"))
      repetitions = static_cast<int>(doc.integer(*reps, JsonDocument::child(path, "repetitions"), limits::kRepetitions));
    const Error where = doc.error(path, "");
    auto record = [&](const std::string& group_name, const ParsedName& point, double value) {
      auto [slot, inserted] = group_of_run.emplace(group_name, groups.size());
      if (inserted) {
        groups.push_back(RunGroup{group_name, point, {}, {}, {}, {}, 0});
        groups.back().line = where.line;
        groups.back().column = where.column;
        groups.back().path = path;
      }
      RunGroup& group = groups[slot->second];
      if (aggregate) {
        if (aggregate_name == "mean") group.mean_s = value;
        if (aggregate_name == "median") group.median_s = value;
        if (aggregate_name == "stddev") group.stddev_s = value;
        group.aggregate_repetitions = std::max(group.aggregate_repetitions, repetitions);
      } else {
        group.samples_s.push_back(value);
      }
    };
    record(run_name, *parsed, seconds);
    // Subgraph and op times measured within a forward pass travel as its user counters,
    // "subgraph:<name>" and "op:<key>" in seconds per iteration (see runtime/measure/profiler.h).
    if (parsed->kind != NameKind::point || parsed->level != ProfileLevel::forward) continue;
    for (const auto& [counter, value] : b.items()) {
      const bool is_subgraph = counter.rfind(kSubgraphCounterPrefix, 0) == 0;
      const bool is_op = counter.rfind(kOpCounterPrefix, 0) == 0;
      if (!is_subgraph && !is_op) continue;
      const std::string counter_path = JsonDocument::child(path, counter);
      if (!value.is_number()) doc.fail(counter_path, "counter '" + counter + "' must be a number of seconds");
      const double counter_seconds = doc.real(value, counter_path);
      ParsedName sub = *parsed;
      sub.level = is_subgraph ? ProfileLevel::subgraph : ProfileLevel::op;
      sub.key = counter.substr(is_subgraph ? kSubgraphCounterPrefix.size() : kOpCounterPrefix.size());
      if (sub.key.empty()) doc.fail(counter_path, "counter names no subgraph or op");
      record(benchmark_name(sub.level, sub.model, sub.key, sub.pu, sub.units, sub.new_tokens, sub.context,
                            sub.rows),
             sub, counter_seconds);
    }
  }
  if (unrecognised > 0) {
    doc.fail("benchmarks",
              std::to_string(unrecognised) + " benchmark(s) do not start with 'specmap/', first '" +
                  first_unrecognised +
                  "'; run the profiler with --benchmark_filter=^specmap/ so every entry is a profile point");
  }

  for (const RunGroup& g : groups) {
    ProfileStats stats;
    if (Status st = group_stats(g, doc, stats); !st) throw InputError{st.error()};
    if (g.name.kind == NameKind::transfer) {
      db.transfers.push_back(TransferEntry{g.name.pu, g.name.key, static_cast<Bytes>(g.name.new_tokens), stats,
                                           file_label});
      continue;
    }
    if (g.name.kind == NameKind::contention) {
      db.contention.push_back(ContentionEntry{g.name.pu, g.name.units, g.name.key,
                                              static_cast<int>(g.name.context), stats, file_label,
                                              g.name.role});
      continue;
    }
    if (g.name.kind == NameKind::loop) {
      db.loops.push_back(LoopEntry{g.name.new_tokens, static_cast<int>(g.name.context), stats, file_label});
      continue;
    }
    ProfileEntry e;
    e.level = g.name.level;
    e.model = g.name.model;
    e.key = g.name.key;
    e.pu = g.name.pu;
    e.units = g.name.units;
    e.new_tokens = g.name.new_tokens;
    e.context = g.name.context;
    e.rows = g.name.rows;
    e.origin = EntryOrigin::measured;
    e.file = file_label;
    e.line = g.line;
    e.column = g.column;
    e.path = g.path;
    e.stats = stats;
    db.entries.push_back(std::move(e));
  }
  if (Status st = check_unique_points(db.entries); !st) throw InputError{st.error()};
  db.source_files.push_back(file_label);
  return db;
}

}  // namespace


Result<ProfileDb> parse_benchmark_json(const std::string& text, const std::string& file_label) {
  Result<JsonDocument> parsed = parse_json_document(text, file_label);
  if (!parsed) return parsed.error();
  try {
    return read_benchmarks(*parsed);
  } catch (const InputError& e) {
    return e.error;
  } catch (const json::exception& e) {
    // Every access above checks types first; this keeps a missed one an error, not an abort.
    return Error{std::string("unexpected JSON content: ") + e.what(), file_label};
  }
}

}  // namespace specmap
