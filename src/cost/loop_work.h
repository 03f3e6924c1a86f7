#pragma once
// Internal to src/cost: the speculative loop's own work per iteration (ProfileDb::loops), the
// part of a generated token's time spent outside the model calls beyond the sampling each
// pass point already times. A function of the vocabulary and the drafts of the iteration
// only, so a profile measured for one pair of models prices another pair of the same
// vocabulary, and scales to another vocabulary.
#include <cstdint>
#include <string>

#include "core/units.h"
#include "describe/model.h"
#include "profile/profile_db.h"

namespace specmap::cost_internal {

struct LoopWork {
  Seconds median = 0;
  Seconds stddev = 0;
  bool measured = false;  // false: the profile has no loop entries, the work costs 0
};

// One iteration drafting `drafts` tokens over a vocabulary of `vocab` entries. From the
// entries of the same vocabulary (the nearest vocabulary measured otherwise, scaled by the
// ratio of the vocabularies: the work is passes over its rows): the entry of that many drafts,
// else linear between the two around it, else extrapolated along the line through the two
// nearest (never below 0); one entry alone is scaled by the rows the iteration handles
// (2 drafts + 1: the draft's rows and the target's). A relative profile has no loop work.
LoopWork loop_work(const ProfileDb& db, std::int64_t vocab, int drafts);

// The vocabulary of a model: its hyperparameters', else its embedding ops' largest.
std::int64_t model_vocab(const ModelGraph& model);

}  // namespace specmap::cost_internal
