#pragma once
// What speculative decoding needs from a model: append tokens to its state and get
// the logits of every appended position; roll the state back after a rejection.
#include <cstddef>
#include <span>
#include <vector>

namespace specmap::runtime {

class TokenModel {
 public:
  virtual ~TokenModel() = default;
  [[nodiscard]] virtual int vocab() const = 0;
  // Appends `tokens` after the current sequence and returns the logits of the last
  // `last_rows` of them (1 <= last_rows <= tokens.size()), row-major [last_rows x vocab()]:
  // a row is the (unnormalised) distribution of the token that follows that position.
  virtual std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) = 0;
  // Keeps only the first `length` tokens of the sequence (drops rejected drafts).
  virtual void truncate(std::size_t length) = 0;
  [[nodiscard]] virtual std::size_t length() const = 0;
};

}  // namespace specmap::runtime
