#pragma once
// The order in which validation runs its cases. Cases that compete with each other (an
// experiment's variants, mappings, gammas, schedules and alphas) are interleaved: a round
// runs every case once, with one prompt of one repetition, so the runs a comparison rests on
// are never minutes apart and a slow phase of the machine cannot pick the measured best.
//
// Halves. Repetition r belongs to half A when r is even and to half B when it is odd, and
// repetitions 2j and 2j + 1 draw the same prompt and the same acceptance decisions (`draw`),
// so the two halves do identical work a whole round apart: their ratio is the noise floor of
// the measurement itself. Each pair of repetitions starts its rounds at another case (the
// order rotates), so no case always runs first or last in a round.
#include <cstddef>
#include <string>
#include <vector>

namespace specmap {

struct ScheduledRun {
  std::size_t case_index = 0;
  int round = 0;  // repetition * prompts + prompt
  int repetition = 0;
  int prompt = 0;
  int half = 0;  // 0: A (even repetitions), 1: B (odd repetitions)
  int draw = 0;  // repetition / 2: the acceptance draws' index, shared by the twins
  bool first_of_round = false;
};

// Every run of `cases` cases x `prompts` x `repetitions`, in the order they are made.
std::vector<ScheduledRun> interleaved_schedule(std::size_t cases, int prompts, int repetitions);

// One sentence for the report: how the schedule ran.
std::string describe_schedule(std::size_t cases, int prompts, int repetitions);

}  // namespace specmap
