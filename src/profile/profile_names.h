#pragma once
// Parsing the enum names shared by the YAML and JSON profile readers, and the check
// both readers and ProfileDb::merge apply: one measured point per series and (n, ctx).
#include <optional>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "profile/profile_db.h"

namespace specmap {

std::optional<ProfileLevel> parse_profile_level(std::string_view name);
std::optional<EntryOrigin> parse_entry_origin(std::string_view name);

// Error naming both places when two entries share level, model, key, PU, units,
// new tokens and context: interpolation needs one value per point.
Status check_unique_points(const std::vector<ProfileEntry>& entries);

}  // namespace specmap
