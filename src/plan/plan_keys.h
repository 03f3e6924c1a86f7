#pragma once
// The keys plan_json() writes in a plan's top level, `choice` and `prediction`. Readers of a
// plan (run, explain, export) refuse any other key there: a hand edit with a misspelt key
// ("gama", "choise") would otherwise be silently ignored and the plan run as it was.
#include "core/json_document.h"

namespace specmap {

// Throws InputError at the first key the plan writer does not write (in the objects above).
void check_plan_keys(const JsonDocument& doc);

}  // namespace specmap
