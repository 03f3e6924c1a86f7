#pragma once
// File helpers shared by loaders and writers.
#include <cstdint>
#include <string>

#include "core/result.h"

namespace specmap {

// Whole file as bytes; error names the file.
Result<std::string> read_file(const std::string& path);
// Writes through a temporary file in the same folder and renames it into place,
// so readers never see a half-written file and a failed run leaves none behind.
Status write_file_atomic(const std::string& path, const std::string& contents);
// 64-bit FNV-1a of the bytes, as 16 hex digits: a content fingerprint for plans
// (identifies inputs; not a security hash).
std::string fingerprint(const std::string& bytes);

}  // namespace specmap
