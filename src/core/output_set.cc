#include "core/output_set.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "core/input_registry.h"

namespace specmap {

namespace fs = std::filesystem;

namespace {

fs::path beside(const fs::path& target, const std::string& tag) {
  return target.parent_path() /
         ("." + target.filename().string() + "." + tag + "-" + std::to_string(::getpid()));
}

void remove_quietly(const fs::path& p) {
  std::error_code ignored;
  fs::remove(p, ignored);
}

// The first part of `folder` (itself included) that exists and is not a folder: the reason
// create_directories failed when the user's --out names a file or passes through one.
std::optional<fs::path> file_on_the_way(const fs::path& folder) {
  fs::path prefix;
  for (const fs::path& part : folder) {
    prefix /= part;
    std::error_code ec;
    const fs::file_status status = fs::status(prefix, ec);
    if (fs::exists(status) && !fs::is_directory(status)) return prefix;
  }
  return std::nullopt;
}

Status check_target(const std::string& path) {
  const fs::path target(path);
  if (target.filename().empty()) return Error{"'" + path + "' names a folder, not a file", path};
  std::error_code ec;
  const fs::file_status status = fs::status(target, ec);
  if (fs::is_directory(status))
    return Error{"'" + path + "' is a folder; cannot write the output file there (nothing was written)",
                 path};
  if (auto input = input_file_at(path)) {
    return Error{"'" + path + "' is " + (*input == path ? std::string("an input") : "the input '" + *input + "'") +
                     " of this command; refusing to replace it with an output (nothing was written)",
                 path};
  }
  if (fs::exists(status) && !fs::is_regular_file(status))
    return Error{"'" + path + "' exists and is not a regular file; cannot replace it (nothing was written)",
                 path};
  const fs::path parent = target.parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      if (auto file = file_on_the_way(parent))
        return Error{"'" + file->string() + "' is a file, not a folder; cannot create the output folder '" +
                         parent.string() + "' (nothing was written)",
                     file->string()};
      return Error{"cannot create output folder: " + ec.message(), parent.string()};
    }
    if (!fs::is_directory(parent, ec))
      return Error{"'" + parent.string() + "' is not a folder (nothing was written)", path};
  }
  return {};
}

}  // namespace

void OutputSet::add(std::string path, std::string contents) {
  paths_.push_back(std::move(path));
  contents_.push_back(std::move(contents));
}

Status OutputSet::commit() const {
  // 1. Every target must be a place a file can go: a failure here is the user's path.
  for (const std::string& path : paths_) {
    if (Status st = check_target(path); !st) {
      Error e = st.error();
      e.unusable_output_path = true;
      return e;
    }
  }
  // 2. Everything to temporaries.
  std::vector<fs::path> temporaries;
  auto discard = [&temporaries] {
    for (const fs::path& t : temporaries) remove_quietly(t);
  };
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    const fs::path tmp = beside(paths_[i], "tmp");
    temporaries.push_back(tmp);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      const std::string why = std::strerror(errno);
      discard();
      return Error{"cannot create file: " + why + " (nothing was written)", paths_[i]};
    }
    out << contents_[i];
    out.flush();
    if (!out) {
      discard();
      return Error{"cannot write file (disk full?); nothing was written", paths_[i]};
    }
  }
  // 3. Old files aside, new ones in place; on any failure the old ones come back.
  std::vector<fs::path> kept_aside(paths_.size());
  std::vector<bool> placed(paths_.size(), false);
  auto roll_back = [&] {
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      std::error_code ignored;
      if (placed[i]) fs::remove(paths_[i], ignored);
      if (!kept_aside[i].empty()) fs::rename(kept_aside[i], paths_[i], ignored);
    }
    discard();
  };
  for (std::size_t i = 0; i < paths_.size(); ++i) {
    std::error_code ec;
    if (fs::exists(paths_[i], ec)) {
      kept_aside[i] = beside(paths_[i], "old");
      fs::rename(paths_[i], kept_aside[i], ec);
      if (ec) {
        kept_aside[i].clear();
        roll_back();
        return Error{"cannot replace file: " + ec.message() + " (nothing was written)", paths_[i]};
      }
    }
    fs::rename(temporaries[i], paths_[i], ec);
    if (ec) {
      roll_back();
      return Error{"cannot move file into place: " + ec.message() + " (nothing was written)", paths_[i]};
    }
    placed[i] = true;
  }
  for (const fs::path& old : kept_aside)
    if (!old.empty()) remove_quietly(old);
  return {};
}

}  // namespace specmap
