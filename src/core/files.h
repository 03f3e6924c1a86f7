#pragma once
// File helpers shared by loaders and writers.
#include <cstdint>
#include <optional>
#include <string>

#include "core/result.h"

namespace specmap {

// Whole file as bytes; error names the file. Anything but a regular file (a folder, a FIFO,
// /dev/null) is refused with what it is, before it is opened (a FIFO would block).
Result<std::string> read_file(const std::string& path);
// A text input (YAML, JSON): read_file, refusing files over limits::kMaxInputFileBytes before
// reading them, then check_text_input.
Result<std::string> read_text_input(const std::string& path);
// Text specmap can parse: within the size limit and without NUL bytes (an error with the
// NUL's line and column: a binary file given by mistake).
Status check_text_input(const std::string& text, const std::string& file_label);
// Why `path` cannot be read as an input file ("does not exist", "is a folder, not a file",
// "is a FIFO (named pipe), not a regular file", ...), or nothing when it is a regular file.
std::optional<std::string> unreadable_file_reason(const std::string& path);
// Writes through a temporary file in the same folder and renames it into place,
// so readers never see a half-written file and a failed run leaves none behind.
Status write_file_atomic(const std::string& path, const std::string& contents);
// 64-bit FNV-1a of the bytes, as 16 hex digits: a content fingerprint for plans
// (identifies inputs; not a security hash).
std::string fingerprint(const std::string& bytes);

}  // namespace specmap
