#include "validate/run_schedule.h"

namespace specmap {

std::vector<ScheduledRun> interleaved_schedule(std::size_t cases, int prompts, int repetitions) {
  std::vector<ScheduledRun> runs;
  if (cases == 0 || prompts < 1 || repetitions < 1) return runs;
  runs.reserve(cases * static_cast<std::size_t>(prompts) * static_cast<std::size_t>(repetitions));
  const int pairs = (repetitions + 1) / 2;
  for (int rep = 0; rep < repetitions; ++rep) {
    // Both twins of a pair share the rotation, so each case's A and B runs sit exactly one
    // round apart; successive pairs start at cases spread evenly over the list.
    const std::size_t offset = static_cast<std::size_t>(rep / 2) * cases / static_cast<std::size_t>(pairs);
    for (int prompt = 0; prompt < prompts; ++prompt) {
      for (std::size_t i = 0; i < cases; ++i) {
        ScheduledRun r;
        r.case_index = (offset + i) % cases;
        r.repetition = rep;
        r.prompt = prompt;
        r.round = rep * prompts + prompt;
        r.half = rep % 2;
        r.draw = rep / 2;
        r.first_of_round = i == 0;
        runs.push_back(r);
      }
    }
  }
  return runs;
}

std::string describe_schedule(std::size_t cases, int prompts, int repetitions) {
  std::string s = "Interleaved: " + std::to_string(prompts * repetitions) + " rounds (" +
                  std::to_string(prompts) + " prompts x " + std::to_string(repetitions) +
                  " repetitions), each running every one of the " + std::to_string(cases) +
                  " cases once, round-robin, the starting case rotating with every pair of repetitions. ";
  if (repetitions >= 2)
    s += "Half A (even repetitions) and half B (odd repetitions) repeat the same prompts and acceptance "
         "draws a "
         "round apart; their ratio is the noise floor.";
  else
    s += "One repetition: no second half, so no noise floor (run with --repetitions 2 or more).";
  return s;
}

}  // namespace specmap
