#pragma once
// A whole file mapped read-only into memory. Pages are read from the file on first touch and
// shared with the page cache, so a checkpoint's tensors can be used where they lie without a
// copy, and resident memory grows only with what is touched.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/result.h"

namespace specmap::formats {

class MappedFile {
 public:
  // Errors name the file (missing, unreadable, a directory).
  static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Drops this process's resident pages lying wholly inside `range` (a part of bytes()); a
  // later touch reads them from the file again. For tensors that a packed copy replaced on
  // the CPU (runtime/weights/weights.h): without it the touched stored pages and the copy
  // would both stay resident, twice the checkpoint. Advice only: nothing else changes.
  void release(std::span<const std::uint8_t> range) const;

 private:
  MappedFile(std::string path, const std::uint8_t* data, std::size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// 64-bit FNV-1a of the file's bytes as 16 hex digits: the same fingerprint core/files.h
// gives a file read whole, computed over the mapping (checkpoints are too large to copy).
Result<std::string> fingerprint_file(const std::string& path);
std::string fingerprint_bytes(std::span<const std::uint8_t> bytes);

}  // namespace specmap::formats
