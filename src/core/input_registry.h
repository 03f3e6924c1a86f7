#pragma once
// The files this process has read as inputs, so that no output replaces one: an `--out`
// naming the checkpoint, plan or YAML the same command reads would otherwise destroy it.
// Files are told apart by device and inode, so another spelling of the same path (./a.yaml,
// a symbolic or hard link) is caught too.
#include <optional>
#include <string>

namespace specmap {

// Records `path` (already opened successfully) as an input. Thread-safe.
void note_input_file(const std::string& path);
// The input, as it was named when read, that `path` is the same file as; nothing when `path`
// does not exist or is no input.
std::optional<std::string> input_file_at(const std::string& path);

}  // namespace specmap
