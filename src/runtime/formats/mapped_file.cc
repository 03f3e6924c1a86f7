#include "runtime/formats/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/files.h"
#include "core/input_registry.h"

namespace specmap::formats {

Result<std::shared_ptr<const MappedFile>> MappedFile::open(const std::string& path) {
  if (auto why = unreadable_file_reason(path)) return Error{"'" + path + "' " + *why, path};
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error{std::string("cannot open: ") + std::strerror(errno), path};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return Error{std::string("cannot stat: ") + std::strerror(e), path};
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error{"not a regular file", path};
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::uint8_t* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int e = errno;
      ::close(fd);
      return Error{std::string("cannot map into memory: ") + std::strerror(e), path};
    }
    data = static_cast<const std::uint8_t*>(p);
  }
  ::close(fd);  // the mapping keeps the file's pages reachable
  note_input_file(path);
  return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

void MappedFile::release(std::span<const std::uint8_t> range) const {
  const auto first = reinterpret_cast<std::uintptr_t>(range.data());
  const auto mapped = reinterpret_cast<std::uintptr_t>(data_);
  if (range.empty() || first < mapped || first + range.size() > mapped + size_) return;
  const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  const auto begin = (first + page - 1) / page * page;
  const auto end = (first + range.size()) / page * page;
  // A read-only private file mapping: MADV_DONTNEED drops the pages, a later touch reads the
  // file's unchanged bytes again.
  if (end > begin) ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_DONTNEED);
}

MappedFile::~MappedFile() {
  if (data_ != nullptr) ::munmap(const_cast<std::uint8_t*>(data_), size_);
}

std::string fingerprint_bytes(std::span<const std::uint8_t> bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (std::uint8_t c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Result<std::string> fingerprint_file(const std::string& path) {
  auto file = MappedFile::open(path);
  if (!file) return file.error();
  return fingerprint_bytes((*file)->bytes());
}

}  // namespace specmap::formats
