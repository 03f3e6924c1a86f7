// The design space: how large it is (counted, never enumerated) and its whole-model
// (coarse) points.
#include <cmath>

#include "core/format.h"
#include "search/search_internal.h"

namespace specmap::search_detail {
namespace {

// The paper's partitions: the draft and the target, each whole.
constexpr std::size_t kCoarsePartitions = 2;

std::size_t partitions(const SpaceShape& shape) {
  return shape.granularity == Granularity::fine ? shape.draft_subgraphs + shape.target_subgraphs
                                                : kCoarsePartitions;
}

std::string count_text(double count) {
  // Exact integers up to 2^53 read better in full; past that, scientific notation.
  if (count < 9007199254740992.0) return fixed(count, 0);
  return sig(count, 4);
}

}  // namespace

double design_space_size(const SpaceShape& shape) {
  return static_cast<double>(shape.variants) *
         std::pow(static_cast<double>(shape.pus), static_cast<double>(partitions(shape))) *
         static_cast<double>(shape.gamma_max + 1) * static_cast<double>(shape.schedules);
}

std::string design_space_formula(const SpaceShape& shape) {
  std::string text = "v=" + std::to_string(shape.variants) + " x N=" + std::to_string(shape.pus) +
                     "^m=" + std::to_string(partitions(shape)) + " x " + std::to_string(shape.gamma_max + 1) +
                     (shape.gamma_max == 0 ? " gamma" : " gammas");
  if (shape.schedules > 1) text += " x " + std::to_string(shape.schedules) + " schedules";
  text += " = " + count_text(design_space_size(shape));
  if (shape.granularity == Granularity::fine)
    text += " (m: " + std::to_string(shape.draft_subgraphs) + " draft + " +
            std::to_string(shape.target_subgraphs) +
            " target subgraphs; searched exactly by branch and bound)";
  if (shape.fell_back_to_coarse) text += " (paper mode: whole models only, fine granularity not applied)";
  return text;
}

std::vector<Candidate> whole_model_candidates(int variant, int gamma, Schedule schedule, std::size_t pus,
                                              std::size_t draft_subgraphs, std::size_t target_subgraphs) {
  std::vector<Candidate> out;
  const int num_pus = static_cast<int>(pus);
  if (gamma == 0) {
    for (int t = 0; t < num_pus; ++t)
      out.push_back(Candidate{
          variant, Mapping{std::vector<int>(draft_subgraphs, -1), whole_model_on(t, target_subgraphs)}, gamma,
          schedule});
    return out;
  }
  for (int d = 0; d < num_pus; ++d)
    for (int t = 0; t < num_pus; ++t)
      out.push_back(
          Candidate{variant, Mapping{whole_model_on(d, draft_subgraphs), whole_model_on(t, target_subgraphs)},
                    gamma, schedule});
  return out;
}

}  // namespace specmap::search_detail
