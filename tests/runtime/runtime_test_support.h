#pragma once
// Shared helpers of the runtime tests: random data, closeness, a reference linear, a tiny model,
// the calling thread's cores.
#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "describe/model.h"
#include "runtime/cpu/core_set.h"

namespace specmap::runtime::testing {

inline std::vector<float> random_values(std::size_t count, std::uint32_t seed, float scale = 1.0f) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> uniform(-scale, scale);
  std::vector<float> values(count);
  for (float& v : values) v = uniform(engine);
  return values;
}

// max |a - b| / max |b|: the error relative to the reference's magnitude.
inline double relative_max_error(const std::vector<float>& a, const std::vector<double>& b) {
  double error = 0;
  double scale = 1e-30;
  for (std::size_t i = 0; i < b.size(); ++i) {
    error = std::max(error, std::abs(double(a.at(i)) - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return error / scale;
}

inline double relative_max_error(const std::vector<float>& a, const std::vector<float>& b) {
  return relative_max_error(a, std::vector<double>(b.begin(), b.end()));
}

// y = x * W^T in double, x [rows x in], W stored [out x in]: the reference every linear
// kernel is checked against.
inline std::vector<double> naive_linear(const std::vector<float>& x, std::size_t rows,
                                        const std::vector<float>& w, std::size_t in, std::size_t out) {
  std::vector<double> y(rows * out, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t o = 0; o < out; ++o)
      for (std::size_t i = 0; i < in; ++i) y[r * out + o] += double(x[r * in + i]) * w[o * in + i];
  return y;
}

// vocab 256, d_model 64, 4 query heads sharing 2 KV heads: small enough to run a whole
// model in microseconds, with every structural feature of the real ones.
inline ModelArch tiny_arch(std::int64_t layers = 3, bool tied = true) {
  ModelArch arch;
  arch.layers = layers;
  arch.d_model = 64;
  arch.d_ff = 128;
  arch.heads = 4;
  arch.kv_heads = 2;
  arch.head_dim = 16;
  arch.vocab = 256;
  arch.dtype = DType::f32;
  arch.kv_dtype = DType::f32;
  arch.tied_embeddings = tied;
  return arch;
}

// The cores the calling thread may run on (its affinity mask), ascending.
inline std::vector<int> calling_thread_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  pthread_getaffinity_np(pthread_self(), sizeof(set), &set);
  std::vector<int> cores;
  for (int c = 0; c < CPU_SETSIZE; ++c)
    if (CPU_ISSET(c, &set)) cores.push_back(c);
  return cores;
}

// Cores 0 and 1 are online and this (unpinned) test thread may run on both.
inline bool has_two_cores() {
  const std::vector<int> online = online_cores();
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return false;
  return std::count(online.begin(), online.end(), 0) == 1 &&
         std::count(online.begin(), online.end(), 1) == 1 && CPU_ISSET(0, &mask) && CPU_ISSET(1, &mask);
}

}  // namespace specmap::runtime::testing
