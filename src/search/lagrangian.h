#pragma once
// Lagrangian relaxation of best_assignment's constraints (time limit, memory pools).
//
// For multipliers mu, lambda_k >= 0 and any assignment x that meets the constraints,
//   objective(x) + mu (time(x) - max_time) + sum_k lambda_k (memory_k(x) - room_k) <= objective(x),
// because every bracket is <= 0. The left side is again a sum of node and edge terms, so the
// same chain bound applies to it: a lower bound that, unlike the plain one, knows that
// memory and time are scarce. It is valid for every choice of multipliers; the ones chosen
// here maximise it at the root (coordinate ascent on the concave dual), which is what keeps
// the search small when memory or the latency bound binds.
#include "search/assignment_problem.h"

namespace specmap::search_detail {

// Inactive (no multipliers) when the unconstrained chain optimum already meets every
// constraint, or when nothing can be relaxed.
AssignmentProblem::Relaxation make_relaxation(const AssignmentProblem& pb);

}  // namespace specmap::search_detail
