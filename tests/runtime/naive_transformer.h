#pragma once
// A Llama forward pass written as plainly as possible in double precision, straight from
// the model's definition (pre-norm blocks, rotate-half rotary embeddings, grouped-query
// causal attention, SwiGLU MLP, RMSNorm head, Qwen2's Q/K/V biases when present), to check
// the executor against. Weights in any stored type are dequantized first: this is the f32
// evaluation of exactly the values the executor holds.
#include <cmath>
#include <vector>

#include "runtime/weights/weights.h"

namespace specmap::runtime::testing {

struct NaiveOptions {
  double rope_theta = 500000.0;
  double norm_eps = 1e-5;
  std::vector<int> skip_layers;
};

// Logits [tokens.size() x vocab] of every position of `tokens`, computed from scratch.
inline std::vector<double> naive_logits(const TransformerWeights& w, const std::vector<int>& tokens,
                                        const NaiveOptions& options = {}) {
  const ModelArch& a = w.arch;
  const std::size_t n = tokens.size(), d = a.d_model, ff = a.d_ff, H = a.heads, G = a.kv_heads,
                    hd = a.head_dim;
  using Matrix = std::vector<std::vector<double>>;
  // y = x * W^T (+ b), W stored [out x in] (weights.h), dequantized.
  auto project = [](const std::vector<double>& x, const std::vector<float>& W, std::size_t out,
                    const std::vector<float>& bias = {}) {
    std::vector<double> y(out, 0.0);
    const std::size_t in = x.size();
    for (std::size_t o = 0; o < out; ++o) {
      for (std::size_t i = 0; i < in; ++i) y[o] += x[i] * W[o * in + i];
      if (!bias.empty()) y[o] += bias[o];
    }
    return y;
  };
  auto norm = [&](const std::vector<double>& x, const std::vector<float>& weight) {
    double ms = 0;
    for (double v : x) ms += v * v / double(x.size());
    std::vector<double> y(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) y[i] = x[i] / std::sqrt(ms + options.norm_eps) * weight[i];
    return y;
  };
  auto rotate = [&](std::vector<double>& x, std::size_t heads, std::size_t position) {
    for (std::size_t h = 0; h < heads; ++h)
      for (std::size_t i = 0; i < hd / 2; ++i) {
        const double angle = double(position) * std::pow(options.rope_theta, -2.0 * double(i) / double(hd));
        double& lo = x[h * hd + i];
        double& hi = x[h * hd + i + hd / 2];
        const double a0 = lo, b0 = hi;
        lo = a0 * std::cos(angle) - b0 * std::sin(angle);
        hi = b0 * std::cos(angle) + a0 * std::sin(angle);
      }
  };

  const std::vector<float> embedding = dequantize(w.embedding);
  Matrix x(n, std::vector<double>(d));
  for (std::size_t t = 0; t < n; ++t)
    for (std::size_t i = 0; i < d; ++i) x[t][i] = embedding[tokens[t] * d + i];

  for (std::size_t layer = 0; layer < w.layers.size(); ++layer) {
    bool skip = false;
    for (int s : options.skip_layers) skip |= std::size_t(s) == layer;
    if (skip) continue;
    const LayerWeights& L = w.layers[layer];
    const std::vector<float> Wq = dequantize(L.q_proj), Wk = dequantize(L.k_proj), Wv = dequantize(L.v_proj),
                             Wo = dequantize(L.o_proj), Wg = dequantize(L.gate_proj), Wu = dequantize(L.up_proj),
                             Wd = dequantize(L.down_proj);
    Matrix q(n), k(n), v(n);
    for (std::size_t t = 0; t < n; ++t) {
      std::vector<double> h = norm(x[t], L.attn_norm);
      q[t] = project(h, Wq, H * hd, L.q_bias);
      k[t] = project(h, Wk, G * hd, L.k_bias);
      v[t] = project(h, Wv, G * hd, L.v_bias);
      rotate(q[t], H, t);
      rotate(k[t], G, t);
    }
    for (std::size_t t = 0; t < n; ++t) {
      std::vector<double> attended(H * hd, 0.0);
      for (std::size_t h = 0; h < H; ++h) {
        const std::size_t g = h / (H / G);
        std::vector<double> p(t + 1);
        double max_score = -1e300, sum = 0;
        for (std::size_t s = 0; s <= t; ++s) {
          double dot = 0;
          for (std::size_t i = 0; i < hd; ++i) dot += q[t][h * hd + i] * k[s][g * hd + i];
          p[s] = dot / std::sqrt(double(hd));
          max_score = std::max(max_score, p[s]);
        }
        for (double& e : p) sum += (e = std::exp(e - max_score));
        for (std::size_t s = 0; s <= t; ++s)
          for (std::size_t i = 0; i < hd; ++i) attended[h * hd + i] += p[s] / sum * v[s][g * hd + i];
      }
      std::vector<double> o = project(attended, Wo, d);
      for (std::size_t i = 0; i < d; ++i) x[t][i] += o[i];
      std::vector<double> h = norm(x[t], L.mlp_norm);
      std::vector<double> gate = project(h, Wg, ff), up = project(h, Wu, ff);
      for (std::size_t i = 0; i < ff; ++i) gate[i] = gate[i] / (1.0 + std::exp(-gate[i])) * up[i];
      std::vector<double> down = project(gate, Wd, d);
      for (std::size_t i = 0; i < d; ++i) x[t][i] += down[i];
    }
  }

  const std::vector<float> head = dequantize(w.head_matrix());
  std::vector<double> logits;
  for (std::size_t t = 0; t < n; ++t) {
    std::vector<double> row = project(norm(x[t], w.final_norm), head, a.vocab);
    logits.insert(logits.end(), row.begin(), row.end());
  }
  return logits;
}

}  // namespace specmap::runtime::testing
