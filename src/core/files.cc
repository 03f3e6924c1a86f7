#include "core/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include "core/input_limits.h"
#include "core/input_registry.h"
#include "core/output_set.h"

namespace specmap {

std::optional<std::string> unreadable_file_reason(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      struct stat link {};
      if (::lstat(path.c_str(), &link) == 0) return "does not exist (a symbolic link to nothing)";
      return "does not exist";
    }
    return "cannot be read: " + std::string(std::strerror(errno));
  }
  if (S_ISREG(info.st_mode)) return std::nullopt;
  if (S_ISDIR(info.st_mode)) return "is a folder, not a file";
  if (S_ISFIFO(info.st_mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISCHR(info.st_mode)) return "is a character device (such as /dev/null), not a regular file";
  if (S_ISBLK(info.st_mode)) return "is a block device, not a regular file";
  if (S_ISSOCK(info.st_mode)) return "is a socket, not a regular file";
  return "is not a regular file";
}

Result<std::string> read_file(const std::string& path) {
  if (auto why = unreadable_file_reason(path)) return Error{"'" + path + "' " + *why, path};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot open file: " + std::string(std::strerror(errno)), path};
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Error{"cannot read file", path};
  note_input_file(path);
  return ss.str();
}

Status check_text_input(const std::string& text, const std::string& file_label) {
  if (static_cast<std::int64_t>(text.size()) > limits::kMaxInputFileBytes)
    return Error{"the input is " + std::to_string(text.size()) + " bytes; specmap reads text inputs up to " +
                     std::to_string(limits::kMaxInputFileBytes) + " bytes (64 MiB)",
                 file_label};
  const std::size_t nul = text.find('\0');
  if (nul == std::string::npos) return {};
  int line = 1, column = 1;
  for (std::size_t i = 0; i < nul; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return Error{"a NUL byte (at byte offset " + std::to_string(nul) + "): this is not a text file", file_label,
               line, column};
}

Result<std::string> read_text_input(const std::string& path) {
  if (auto why = unreadable_file_reason(path)) return Error{"'" + path + "' " + *why, path};
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > static_cast<std::uintmax_t>(limits::kMaxInputFileBytes))
    return Error{"the file is " + std::to_string(size) + " bytes; specmap reads text inputs up to " +
                     std::to_string(limits::kMaxInputFileBytes) + " bytes (64 MiB)",
                 path};
  Result<std::string> text = read_file(path);
  if (!text) return text;
  if (Status st = check_text_input(*text, path); !st) return st.error();
  return text;
}

Status write_file_atomic(const std::string& path, const std::string& contents) {
  OutputSet one;
  one.add(path, contents);
  return one.commit();
}

std::string fingerprint(const std::string& bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace specmap
