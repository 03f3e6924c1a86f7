#include "runtime/cpu/elementwise.h"

#include <algorithm>
#include <cassert>

#include "runtime/kernels/cpu/reference.h"

namespace specmap::runtime {

namespace {
constexpr std::size_t kValuesPerChunk = 16384;
}  // namespace

Status embedding_lookup(const WeightTensor& table, std::span<const int> tokens, std::span<float> out) {
  const std::size_t width = table.cols;
  const std::size_t vocab = table.rows;
  assert(width > 0 && out.size() >= tokens.size() * width);
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const int token = tokens[i];
    if (token < 0 || static_cast<std::size_t>(token) >= vocab)
      return Error{"token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                   std::to_string(vocab) + ")"};
    reference::dequantize_row(table.type, table.row(static_cast<std::size_t>(token)), out.subspan(i * width, width));
  }
  return {};
}

void add_in_place(std::span<float> residual, std::span<const float> x, ThreadPool& pool) {
  assert(x.size() == residual.size());
  pool.parallel_for(residual.size(), kValuesPerChunk, [&](std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) residual[i] += x[i];
  });
}

}  // namespace specmap::runtime
