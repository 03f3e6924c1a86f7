#include "plan/mapping_text.h"

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
