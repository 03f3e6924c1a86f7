#pragma once
// Toy TokenModels for the speculative-decoding tests: the next-token logits are a fixed
// random function of (previous token, position mod kPeriod), a time-inhomogeneous
// Markov chain whose exact output distribution is easy to compute. Depending on the
// position makes a decoder that forgets to roll back visibly wrong, and the model checks
// on every call that it is only ever extended consistently.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <utility>
#include <vector>

#include "runtime/speculative/speculative.h"
#include "runtime/executor/token_model.h"

namespace specmap::runtime::testing {

class ChainTables {
 public:
  static constexpr std::size_t kPeriod = 2;

  // Logits uniform in [-spread, spread]; the seed decides the table, so two seeds give
  // two different models over the same vocabulary.
  ChainTables(int vocab, std::uint64_t seed, double spread = 2.0) : vocab_(vocab) {
    std::mt19937_64 rng(seed);
    logits_.resize(kPeriod * static_cast<std::size_t>(vocab) * static_cast<std::size_t>(vocab));
    for (float& logit : logits_) {
      // Independent of the library's distributions: only the table's randomness matters.
      const double unit = static_cast<double>(rng() >> 11) / 9007199254740992.0;
      logit = static_cast<float>((2.0 * unit - 1.0) * spread);
    }
  }

  // A model that mostly agrees with `base`: its logits plus noise uniform in [-noise, noise].
  static ChainTables perturbed(const ChainTables& base, double noise, std::uint64_t seed) {
    ChainTables tables(base.vocab_, seed, noise);
    for (std::size_t i = 0; i < tables.logits_.size(); ++i) tables.logits_[i] += base.logits_[i];
    return tables;
  }

  [[nodiscard]] int vocab() const { return vocab_; }

  // Logits of the token at sequence position `position` (0-based) given the token before it.
  [[nodiscard]] std::span<const float> logits(int previous, std::size_t position) const {
    const std::size_t v = static_cast<std::size_t>(vocab_);
    const std::size_t row = (position % kPeriod) * v + static_cast<std::size_t>(previous);
    return std::span<const float>(logits_).subspan(row * v, v);
  }

  // Exact probabilities at `position` given `previous`, written out independently of the
  // library's softmax.
  [[nodiscard]] std::vector<double> probs(int previous, std::size_t position, double temperature) const {
    const std::span<const float> row = logits(previous, position);
    std::vector<double> out(row.size());
    double sum = 0.0;
    for (std::size_t j = 0; j < row.size(); ++j) {
      out[j] = std::exp(static_cast<double>(row[j]) / temperature);
      sum += out[j];
    }
    for (double& p : out) p /= sum;
    return out;
  }

 private:
  int vocab_;
  std::vector<float> logits_;
};

class ChainModel : public TokenModel {
 public:
  explicit ChainModel(const ChainTables& tables) : tables_(tables) {}

  [[nodiscard]] int vocab() const override { return tables_.vocab(); }
  [[nodiscard]] std::size_t length() const override { return sequence_.size(); }

  std::vector<float> append(std::span<const int> tokens, std::size_t last_rows) override {
    EXPECT_FALSE(tokens.empty());
    EXPECT_GE(last_rows, 1U);
    EXPECT_LE(last_rows, tokens.size());
    ++append_calls_;
    rows_returned_ += last_rows;
    for (const int token : tokens) {
      EXPECT_GE(token, 0);
      EXPECT_LT(token, vocab());
      sequence_.push_back(token);
    }
    std::vector<float> out;
    out.reserve(last_rows * static_cast<std::size_t>(vocab()));
    for (std::size_t i = sequence_.size() - last_rows; i < sequence_.size(); ++i) {
      const std::span<const float> row = tables_.logits(sequence_[i], i + 1);
      out.insert(out.end(), row.begin(), row.end());
    }
    return out;
  }

  void truncate(std::size_t length) override {
    ++truncate_calls_;
    if (length == 0) {  // a new generation starts
      sequence_.clear();
      committed_length_ = 0;
      return;
    }
    EXPECT_LE(length, sequence_.size());
    // Rolling back below an earlier kept prefix would undo accepted tokens.
    EXPECT_GE(length, committed_length_);
    const std::size_t kept_before = committed_length_;
    sequence_.resize(std::min(length, sequence_.size()));
    committed_length_ = sequence_.size();
    if (!oracle_.empty()) {
      // Everything kept must agree with the output known in advance (greedy tests).
      EXPECT_LE(committed_length_, oracle_.size());
      for (std::size_t i = kept_before; i < std::min(committed_length_, oracle_.size()); ++i) {
        EXPECT_EQ(sequence_[i], oracle_[i]) << "kept token " << i << " differs from the expected output";
      }
    }
  }

  // Makes every truncate() check that the kept prefix is a prefix of `sequence`.
  void expect_prefixes_of(std::vector<int> sequence) { oracle_ = std::move(sequence); }

  [[nodiscard]] const std::vector<int>& sequence() const { return sequence_; }
  // Length of the longest prefix kept by truncate(): tokens the decoder declared accepted.
  [[nodiscard]] std::size_t committed_length() const { return committed_length_; }
  [[nodiscard]] std::int64_t append_calls() const { return append_calls_; }
  [[nodiscard]] std::size_t rows_returned() const { return rows_returned_; }
  [[nodiscard]] std::int64_t truncate_calls() const { return truncate_calls_; }

 private:
  const ChainTables& tables_;
  std::vector<int> sequence_;
  std::size_t committed_length_ = 0;
  std::vector<int> oracle_;
  std::int64_t append_calls_ = 0;
  std::size_t rows_returned_ = 0;
  std::int64_t truncate_calls_ = 0;
};

// Plain greedy decoding read straight off the chain, without any TokenModel or decoder:
// the `count` tokens after `prompt`.
inline std::vector<int> greedy_reference(const ChainTables& tables, const std::vector<int>& prompt,
                                         std::size_t count) {
  std::vector<int> sequence = prompt;
  for (std::size_t k = 0; k < count; ++k) {
    const std::span<const float> logits = tables.logits(sequence.back(), sequence.size());
    sequence.push_back(static_cast<int>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
  }
  return std::vector<int>(sequence.begin() + static_cast<std::ptrdiff_t>(prompt.size()), sequence.end());
}

inline std::vector<int> concat(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out = a;
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The vocabulary of ChainPairTest's chains.
inline constexpr int kChainPairVocab = 7;

// A target chain, a draft close enough to it that greedy drafts are often, but not always,
// right, and the decoder between them.
class ChainPairTest : public ::testing::Test {
 protected:
  ChainTables target_tables_{kChainPairVocab, 11};
  ChainTables draft_tables_ = ChainTables::perturbed(target_tables_, 2.0, 12);
  ChainModel target_{target_tables_};
  ChainModel draft_{draft_tables_};
  SpeculativeDecoder decoder_{draft_, target_};
};

}  // namespace specmap::runtime::testing
