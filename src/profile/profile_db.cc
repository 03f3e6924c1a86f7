#include "profile/profile_db.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>

#include "core/files.h"
#include "profile/profile_names.h"

namespace specmap {

namespace {

constexpr ProfileLevel kAllLevels[] = {ProfileLevel::op, ProfileLevel::subgraph, ProfileLevel::forward};
constexpr EntryOrigin kAllOrigins[] = {EntryOrigin::measured, EntryOrigin::derived, EntryOrigin::back_solved,
                                       EntryOrigin::bound, EntryOrigin::assumed};

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string describe_point(const ProfileEntry& e) {
  return std::string(profile_level_name(e.level)) + " " + e.model + "/" + e.key + " on " + e.pu + " x" +
         std::to_string(e.units) + " at n=" + std::to_string(e.new_tokens) +
         " ctx=" + std::to_string(e.context);
}

std::string where(const ProfileEntry& e) {
  if (e.line > 0 && e.column > 0) return e.file + ":" + std::to_string(e.line) + ":" + std::to_string(e.column);
  if (e.line > 0) return e.file + ":" + std::to_string(e.line);
  return e.file;
}

}  // namespace

std::string_view profile_level_name(ProfileLevel l) {
  switch (l) {
    case ProfileLevel::op:
      return "op";
    case ProfileLevel::subgraph:
      return "subgraph";
    case ProfileLevel::forward:
      return "forward";
  }
  return "forward";
}

std::string_view entry_origin_name(EntryOrigin o) {
  switch (o) {
    case EntryOrigin::measured:
      return "measured";
    case EntryOrigin::derived:
      return "derived";
    case EntryOrigin::back_solved:
      return "back_solved";
    case EntryOrigin::bound:
      return "bound";
    case EntryOrigin::assumed:
      return "assumed";
  }
  return "measured";
}

std::optional<ProfileLevel> parse_profile_level(std::string_view name) {
  for (ProfileLevel l : kAllLevels)
    if (profile_level_name(l) == name) return l;
  return std::nullopt;
}

std::optional<EntryOrigin> parse_entry_origin(std::string_view name) {
  for (EntryOrigin o : kAllOrigins)
    if (entry_origin_name(o) == name) return o;
  return std::nullopt;
}

Status check_unique_points(const std::vector<ProfileEntry>& entries) {
  auto point_of = [&](std::size_t i) {
    const ProfileEntry& e = entries[i];
    return std::tie(e.level, e.model, e.key, e.pu, e.units, e.new_tokens, e.context, e.rows);
  };
  std::vector<std::size_t> order(entries.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return point_of(a) < point_of(b); });
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (point_of(order[k - 1]) != point_of(order[k])) continue;
    const ProfileEntry& first = entries[order[k - 1]];
    const ProfileEntry& second = entries[order[k]];
    return Error{"duplicate profile point " + describe_point(second) + " (also at " + where(first) + ")",
                 second.file, second.line, second.column, ""};
  }
  return {};
}

Status ProfileDb::merge(const ProfileDb& other) {
  const bool empty = entries.empty() && source_files.empty();
  const std::string other_file = other.source_files.empty() ? "" : other.source_files.front();
  if (empty) {
    time_unit = other.time_unit;
    reference = other.reference;
  } else if (time_unit != other.time_unit) {
    return Error{"cannot merge a profile in time unit '" + other.time_unit + "' into one in '" + time_unit +
                     "': relative figures and seconds do not mix",
                 other_file, 0, 0, "time_unit"};
  } else if (time_unit == "relative" && !reference.empty() && !other.reference.empty() &&
             reference != other.reference) {
    return Error{"cannot merge relative profiles with different references ('" + reference + "' vs '" +
                     other.reference + "')",
                 other_file, 0, 0, "reference"};
  }
  std::vector<ProfileEntry> combined = entries;
  combined.insert(combined.end(), other.entries.begin(), other.entries.end());
  if (Status st = check_unique_points(combined); !st) return st;

  for (const TransferEntry& t : other.transfers)
    for (const TransferEntry& mine : transfers)
      if (mine.from == t.from && mine.to == t.to && mine.bytes == t.bytes)
        return Error{"transfer " + t.from + " -> " + t.to + " of " + std::to_string(std::llround(t.bytes)) +
                         " bytes is measured in both " + mine.file + " and " + t.file,
                     t.file};
  for (const ContentionEntry& c : other.contention)
    for (const ContentionEntry& mine : contention)
      if (mine.pu == c.pu && mine.units == c.units && mine.beside == c.beside &&
          mine.beside_units == c.beside_units)
        return Error{"contention of " + c.pu + " beside '" + c.beside + "' is measured in both " + mine.file +
                         " and " + c.file,
                     c.file};

  for (const LoopEntry& l : other.loops)
    for (const LoopEntry& mine : loops)
      if (mine.vocab == l.vocab && mine.drafts == l.drafts)
        return Error{"the loop's work at vocabulary " + std::to_string(l.vocab) + " and " + std::to_string(l.drafts) +
                         " drafts is measured in both " + mine.file + " and " + l.file,
                     l.file};

  entries = std::move(combined);
  transfers.insert(transfers.end(), other.transfers.begin(), other.transfers.end());
  contention.insert(contention.end(), other.contention.begin(), other.contention.end());
  loops.insert(loops.end(), other.loops.begin(), other.loops.end());
  if (reference.empty()) reference = other.reference;
  if (machine.empty()) {
    machine = other.machine;
  } else if (!other.machine.empty() && other.machine != machine) {
    machine += "; " + other.machine;
  }
  source_files.insert(source_files.end(), other.source_files.begin(), other.source_files.end());
  return {};
}

std::string benchmark_name(ProfileLevel level, const std::string& model, const std::string& key,
                           const std::string& pu, int units, Tokens new_tokens, Tokens context, Tokens rows) {
  std::string name = "specmap/";
  name += profile_level_name(level);
  name += '/';
  name += model;
  name += '/';
  name += key.empty() && level == ProfileLevel::forward ? std::string("forward") : key;
  name += '/';
  name += pu;
  name += "/units:" + std::to_string(units);
  name += "/n:" + std::to_string(new_tokens);
  name += "/ctx:" + std::to_string(context);
  if (rows > 0) name += "/rows:" + std::to_string(rows);
  return name;
}

std::string transfer_benchmark_name(const std::string& from, const std::string& to, Bytes bytes) {
  return "specmap/transfer/" + from + "/" + to + "/bytes:" + std::to_string(std::llround(bytes));
}

std::string loop_benchmark_name(std::int64_t vocab, int drafts) {
  return "specmap/loop/vocab:" + std::to_string(vocab) + "/drafts:" + std::to_string(drafts);
}

std::string contention_benchmark_name(const std::string& pu, int units, const std::string& beside,
                                      int beside_units, const std::string& role) {
  return "specmap/contention/" + pu + "/units:" + std::to_string(units) +
         "/beside:" + (beside.empty() ? std::string("none") : beside) +
         "/units:" + std::to_string(beside.empty() ? 0 : beside_units) +
         (role.empty() ? "" : "/role:" + role);
}

Result<ProfileDb> load_profile(const std::string& path) {
  const std::string lower = lowercase(path);
  const bool json = ends_with(lower, ".json");
  if (!json && !ends_with(lower, ".yaml") && !ends_with(lower, ".yml")) {
    return Error{"profile files end in .yaml, .yml (hand-written) or .json (Google Benchmark output)", path,
                 0, 0, ""};
  }
  Result<std::string> text = read_text_input(path);
  if (!text) return text.error();
  return json ? parse_benchmark_json(*text, path) : parse_profile_yaml(*text, path);
}

}  // namespace specmap
