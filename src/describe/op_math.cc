// FLOPs, bytes and profile keys of single ops. Activations are always f32.
#include <string>

#include "describe/model.h"

namespace specmap {

namespace {

constexpr double kActivationBytes = 4.0;  // f32 activations between ops

// Sum over new tokens i = 0..n-1 of the positions token i attends to (context + i + 1):
// causal attention over the cache plus the new tokens before it.
double attended_positions(Tokens new_tokens, Tokens context) {
  double n = static_cast<double>(new_tokens);
  double c = static_cast<double>(context);
  return n * c + n * (n + 1) / 2.0;
}

double attention_flops_per_position(const Op& op) {
  // q.k and the weighted sum of v: 2 FLOPs each per head dimension; softmax ~5 per score.
  return 4.0 * op.heads * op.head_dim + 5.0 * op.heads;
}

double kv_bytes_per_token(const Op& op) { return 2.0 * op.kv_heads * op.head_dim * dtype_bytes(op.kv_dtype); }

}  // namespace

Flops op_flops(const Op& op, Tokens new_tokens, Tokens context) {
  double n = static_cast<double>(new_tokens);
  switch (op.kind) {
    case OpKind::matmul:
      return 2.0 * n * op.in_features * op.out_features;
    case OpKind::attention:
      return attention_flops_per_position(op) * attended_positions(new_tokens, context);
    case OpKind::norm:
    case OpKind::elementwise:
      return n * op.width * op.flops_per_element;
    case OpKind::embedding:
      return 0.0;
  }
  return 0.0;
}

Bytes op_bytes(const Op& op, Tokens new_tokens, Tokens context) {
  double n = static_cast<double>(new_tokens);
  double c = static_cast<double>(context);
  switch (op.kind) {
    case OpKind::matmul:
      return op_weight_bytes(op) + n * (op.in_features + op.out_features) * kActivationBytes;
    case OpKind::attention: {
      double kv_read = (c + n) * kv_bytes_per_token(op);
      double kv_write = n * kv_bytes_per_token(op);
      double q_in_out = n * op.heads * op.head_dim * kActivationBytes * 2.0;
      return kv_read + kv_write + q_in_out;
    }
    case OpKind::norm:
      return n * op.width * kActivationBytes * 2.0 + op.width * kActivationBytes;
    case OpKind::elementwise:
      return n * op.width * kActivationBytes * 3.0;
    case OpKind::embedding:
      return n * op.width * dtype_bytes(op.dtype) + n * op.width * kActivationBytes;
  }
  return 0.0;
}

Bytes op_weight_bytes(const Op& op) {
  switch (op.kind) {
    case OpKind::matmul:
      return double(op.in_features) * double(op.out_features) * dtype_bytes(op.dtype);
    case OpKind::norm:
      return double(op.width) * kActivationBytes;
    case OpKind::embedding:
      return double(op.vocab) * double(op.width) * dtype_bytes(op.dtype);
    case OpKind::attention:
    case OpKind::elementwise:
      return 0.0;
  }
  return 0.0;
}

Bytes op_kv_bytes_per_token(const Op& op) {
  return op.kind == OpKind::attention ? kv_bytes_per_token(op) : 0.0;
}

std::string op_profile_key(const Op& op) {
  std::string key(op_kind_name(op.kind));
  key += '.';
  switch (op.kind) {
    case OpKind::matmul:
      key += std::to_string(op.in_features) + "x" + std::to_string(op.out_features);
      key += '.';
      key += dtype_name(op.dtype);
      break;
    case OpKind::attention:
      key += "h" + std::to_string(op.heads) + "kv" + std::to_string(op.kv_heads) + "d" +
             std::to_string(op.head_dim);
      key += '.';
      key += dtype_name(op.kv_dtype);
      break;
    case OpKind::norm:
    case OpKind::elementwise:
      key += std::to_string(op.width);
      key += '.';
      key += dtype_name(op.dtype);
      break;
    case OpKind::embedding:
      key += std::to_string(op.vocab) + "x" + std::to_string(op.width);
      key += '.';
      key += dtype_name(op.dtype);
      break;
  }
  return key;
}

std::string_view op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::matmul:
      return "matmul";
    case OpKind::attention:
      return "attention";
    case OpKind::norm:
      return "norm";
    case OpKind::elementwise:
      return "elementwise";
    case OpKind::embedding:
      return "embedding";
  }
  return "matmul";
}

}  // namespace specmap
