#include "plan/mapping_text.h"

#include <optional>
#include <sstream>

namespace specmap {

namespace {

std::string pu_name(int pu, const Soc& soc) {
  if (pu < 0 || pu >= static_cast<int>(soc.pus.size())) return "?";
  return soc.pus[pu].id;
}

}  // namespace

std::string mapping_text(const ModelGraph& model, const std::vector<int>& pus, const Soc& soc) {
  if (pus.empty() || pus.front() < 0) return "-";
  bool uniform = true;
  for (int p : pus) uniform = uniform && p == pus.front();
  if (uniform) return pu_name(pus.front(), soc);
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 1; i <= pus.size(); ++i) {
    if (i < pus.size() && pus[i] == pus[start]) continue;
    if (!out.empty()) out += ' ';
    out += pu_name(pus[start], soc) + ":" + model.subgraphs[start].name;
    if (i - 1 > start) out += ".." + model.subgraphs[i - 1].name;
    start = i;
  }
  return out;
}

Result<std::vector<int>> parse_mapping_text(const ModelGraph& model, const std::string& text, const Soc& soc) {
  auto pu_of = [&](const std::string& id) -> std::optional<int> { return soc.pu_index(id); };
  auto subgraph_of = [&](const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < model.subgraphs.size(); ++i)
      if (model.subgraphs[i].name == name) return i;
    return std::nullopt;
  };
  std::istringstream words(text);
  std::vector<std::string> runs;
  for (std::string w; words >> w;) runs.push_back(w);
  const std::string where = "mapping '" + text + "' of model '" + model.name + "'";
  if (runs.empty()) return Error{where + " is empty"};
  std::vector<int> pus(model.subgraphs.size(), -1);
  if (runs.size() == 1 && runs.front().find(':') == std::string::npos) {
    auto pu = pu_of(runs.front());
    if (!pu) return Error{where + ": SoC '" + soc.name + "' has no PU '" + runs.front() + "'"};
    pus.assign(model.subgraphs.size(), *pu);
    return pus;
  }
  std::size_t next = 0;
  for (const std::string& run : runs) {
    const std::size_t colon = run.find(':');
    if (colon == std::string::npos) return Error{where + ": '" + run + "' is not pu:first..last"};
    auto pu = pu_of(run.substr(0, colon));
    if (!pu) return Error{where + ": SoC '" + soc.name + "' has no PU '" + run.substr(0, colon) + "'"};
    const std::string range = run.substr(colon + 1);
    const std::size_t dots = range.find("..");
    const std::string first = dots == std::string::npos ? range : range.substr(0, dots);
    const std::string last = dots == std::string::npos ? range : range.substr(dots + 2);
    auto a = subgraph_of(first);
    auto b = subgraph_of(last);
    if (!a) return Error{where + ": no subgraph '" + first + "'"};
    if (!b) return Error{where + ": no subgraph '" + last + "'"};
    if (*a != next)
      return Error{where + ": '" + run + "' starts at " + first + " but the next subgraph to place is " +
                   (next < model.subgraphs.size() ? model.subgraphs[next].name : std::string("none"))};
    if (*b < *a) return Error{where + ": '" + run + "' runs backwards"};
    for (std::size_t i = *a; i <= *b; ++i) pus[i] = *pu;
    next = *b + 1;
  }
  if (next != model.subgraphs.size())
    return Error{where + ": subgraphs from " + model.subgraphs[next].name + " on are not placed"};
  return pus;
}

std::string variant_units_text(const DesignVariant& variant, const Soc& soc) {
  std::string out;
  for (std::size_t p = 0; p < soc.pus.size() && p < variant.units.size(); ++p) {
    if (variant.units[p] <= 0) continue;
    if (!out.empty()) out += ' ';
    out += soc.pus[p].id + "=" + std::to_string(variant.units[p]);
  }
  return out;
}

}  // namespace specmap
