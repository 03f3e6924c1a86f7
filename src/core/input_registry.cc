#include "core/input_registry.h"

#include <sys/stat.h>

#include <mutex>
#include <vector>

namespace specmap {

namespace {

struct InputFile {
  dev_t device;
  ino_t inode;
  std::string path;
};

std::mutex& registry_mutex() {
  static std::mutex m;
  return m;
}

std::vector<InputFile>& registry() {
  static std::vector<InputFile> files;
  return files;
}

}  // namespace

void note_input_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return;
  std::lock_guard lock(registry_mutex());
  for (const InputFile& f : registry())
    if (f.device == info.st_dev && f.inode == info.st_ino) return;
  registry().push_back(InputFile{info.st_dev, info.st_ino, path});
}

std::optional<std::string> input_file_at(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return std::nullopt;
  std::lock_guard lock(registry_mutex());
  for (const InputFile& f : registry())
    if (f.device == info.st_dev && f.inode == info.st_ino) return f.path;
  return std::nullopt;
}

}  // namespace specmap
