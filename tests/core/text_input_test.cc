// Reading text inputs: what a path is when it is not a file, NUL bytes, the size limit.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/files.h"
#include "core/input_limits.h"

namespace specmap {
namespace {

namespace fs = std::filesystem;

TEST(TextInput, SaysWhatAPathIsInsteadOfDoesNotExist) {
  const fs::path dir = fs::temp_directory_path() / ("specmap-text-input-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto folder = read_text_input(dir.string());
  ASSERT_FALSE(folder);
  EXPECT_NE(folder.error().message.find("is a folder"), std::string::npos) << folder.error().message;

  const fs::path fifo = dir / "pipe";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto pipe = read_text_input(fifo.string());  // must not block
  ASSERT_FALSE(pipe);
  EXPECT_NE(pipe.error().message.find("FIFO"), std::string::npos) << pipe.error().message;

  auto null = read_text_input("/dev/null");
  ASSERT_FALSE(null);
  EXPECT_NE(null.error().message.find("character device"), std::string::npos) << null.error().message;

  auto missing = read_text_input((dir / "nope.yaml").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("does not exist"), std::string::npos);
  fs::remove_all(dir);
}

TEST(TextInput, NulByteHasItsLineAndColumn) {
  const Status st = check_text_input(std::string("a: 1\nb: x\0y\n", 12), "n.yaml");
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().line, 2);
  EXPECT_EQ(st.error().column, 5);
  EXPECT_NE(st.error().message.find("not a text file"), std::string::npos);
}

TEST(TextInput, SizeLimitIsStated) {
  const Status st = check_text_input(std::string(limits::kMaxInputFileBytes + 1, ' '), "big.yaml");
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message.find("64 MiB"), std::string::npos);
}

}  // namespace
}  // namespace specmap
