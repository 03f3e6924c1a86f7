#pragma once
// The model's ops on an OpenCL device, mirroring src/runtime/cpu: same arguments (device
// spans for spans), same layouts, same arithmetic up to float rounding. Every op only
// enqueues on the queue (in order) and returns; call queue.finish() to wait.
#include <cstddef>
#include <vector>

#include "runtime/cpu/attention.h"
#include "runtime/opencl/buffer.h"
#include "runtime/opencl/queue.h"

namespace specmap::runtime::ocl {

// x and out: [rows x width] (may be the same); weight: [width]. cpu/rms_norm.h.
Status rms_norm(OpenClQueue& queue, const DeviceSpan& x, const DeviceSpan& weight, float eps,
                const DeviceSpan& out);

// Cosine and sine tables [positions x head_dim/2] of the rotary angles position *
// inverse_frequencies[i], computed on the host in double as cpu/rotary.cc does. Grows on
// demand; the tables of the positions already held never change.
class RotaryTable {
 public:
  RotaryTable() = default;
  explicit RotaryTable(std::vector<float> inverse_frequencies) : inverse_(std::move(inverse_frequencies)) {}
  // Makes the tables cover positions [0, positions) (blocking upload when they grow).
  Status ensure(OpenClQueue& queue, std::size_t positions);
  [[nodiscard]] std::size_t half() const { return inverse_.size(); }
  [[nodiscard]] std::size_t positions() const { return positions_; }
  [[nodiscard]] const DeviceBuffer& cosines() const { return cos_; }
  [[nodiscard]] const DeviceBuffer& sines() const { return sin_; }

 private:
  std::vector<float> inverse_;
  std::size_t positions_ = 0;
  DeviceBuffer cos_;
  DeviceBuffer sin_;
};

// Rotates x[rows x heads*head_dim] in place; row r is at position first_position + r; the
// table must cover first_position + rows positions. cpu/rotary.h.
Status apply_rotary(OpenClQueue& queue, const DeviceSpan& x, std::size_t heads, std::size_t head_dim,
                    std::size_t first_position, const RotaryTable& table);

// q, out: [rows x heads*head_dim]; keys, values: [positions x kv_heads*head_dim] holding at
// least first_position + rows rows. cpu/attention.h. Fails when head_dim exceeds what one
// work-group holds (kAttentionDimsPerItem * work-group size).
Status causal_attention(OpenClQueue& queue, const DeviceSpan& q, std::size_t first_position,
                        const DeviceSpan& keys, const DeviceSpan& values, const AttentionShape& shape,
                        const DeviceSpan& out);

// out[i] = silu(gate[i]) * up[i]; out may be gate. cpu/swiglu.h.
Status silu_mul(OpenClQueue& queue, const DeviceSpan& gate, const DeviceSpan& up, const DeviceSpan& out);

// residual[i] += x[i]. cpu/elementwise.h.
Status add_in_place(OpenClQueue& queue, const DeviceSpan& residual, const DeviceSpan& x);

// out[n x width] = rows `tokens` (device ints, already checked against the vocabulary) of
// table[vocab x width]. cpu/elementwise.h.
Status embedding_lookup(OpenClQueue& queue, const DeviceSpan& table, std::size_t width,
                        const DeviceSpan& tokens, const DeviceSpan& out);

enum class WeightType { f32, f16 };  // f16: IEEE half, two bytes an element, read as f32

struct DeviceMatrix;
// The same from a table [vocab x width] of f32 or f16 in the interleaved layout
// (linear_kernels.h), which a tied head on the same device multiplies with.
Status embedding_lookup(OpenClQueue& queue, const DeviceMatrix& table, std::size_t width,
                        const DeviceSpan& tokens, const DeviceSpan& out);

// y[rows x out] = x[rows x in] * W^T for W stored [out x in] and rows <= kFewRowsMax
// (linear_kernels.h), with our kernel: each weight is read once for all rows. `weight` spans
// the matrix's elements of `type` (an f16 buffer's offset and size count halves).
Status linear_few_rows(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceSpan& weight,
                       std::size_t in_features, std::size_t out_features, const DeviceSpan& y,
                       WeightType type = WeightType::f32);
// The same for W in the interleaved layout (linear_kernels.h: blocks of 16 outputs, each
// [in x 16]), any number of rows (the kernel runs them in chunks, each reading the item's
// weights, the first from memory and the rest from its cache). `weight` spans
// interleaved_elements(out_features, in_features) elements of `type`.
Status linear_interleaved(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceSpan& weight,
                          std::size_t in_features, std::size_t out_features, const DeviceSpan& y,
                          WeightType type = WeightType::f32);
// The same with one CLBlast GEMV per row (the weights are read once per row): what the
// few-rows kernel was measured against.
Status linear_gemv_per_row(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows,
                           const DeviceSpan& weight, std::size_t in_features, std::size_t out_features,
                           const DeviceSpan& y);

// What linear() runs for f32 weights and rows <= kFewRowsMax: our kernel (the default: on
// pocl it measured faster than CLBlast at every row count, docs/runtime-opencl.md), one
// CLBlast GEMV per row, or CLBlast as for many rows (GEMV for one row, GEMM for more).
// Process-wide, for benchmarks and tests. f16 weights always run our kernel.
enum class FewRowsPath { own_kernel, gemv_per_row, clblast };
FewRowsPath few_rows_path();
void set_few_rows_path(FewRowsPath path);

// y[rows x out] = x[rows x in] * W^T for W stored [out x in] row-major (weights.h): the
// few-rows path up to kFewRowsMax rows (few_rows_path()), CLBlast's Gemm for more. cpu/linear.h.
Status linear(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceSpan& weight,
              std::size_t in_features, std::size_t out_features, const DeviceSpan& y);
// A weight matrix [out x in] on the device in a type the few-rows kernels read: f32, or f16
// (IEEE halves as stored, two to a 4-byte element of the buffer: half the device memory and
// half the bytes a step streams), in the row layout or the interleaved one
// (linear_kernels.h, what upload_matrix writes). span() counts elements of `type`.
struct DeviceMatrix {
  DeviceBuffer buffer;
  WeightType type = WeightType::f32;
  std::size_t elements = 0;
  bool interleaved = false;

  [[nodiscard]] DeviceSpan span() const { return DeviceSpan{buffer.get(), 0, elements}; }
};
// The same product for a DeviceMatrix. Interleaved: linear_interleaved for any rows, in
// launches of kFewRowsMax rows (on pocl 16 rows ran at 70 GMAC/s a thread where CLBlast's
// SGEMM reaches 7). Row layout: f32 as linear() above; f16 through the few-rows kernel
// whatever the path setting (CLBlast has no f16-weight, f32-activation product), chunks of
// kFewRowsMax rows beyond that, each chunk reading the weights once.
Status linear(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceMatrix& weight,
              std::size_t in_features, std::size_t out_features, const DeviceSpan& y);
// y[r x width] += bias[width] for every row. cpu/linear.h.
Status add_bias(OpenClQueue& queue, const DeviceSpan& y, const DeviceSpan& bias);

}  // namespace specmap::runtime::ocl
