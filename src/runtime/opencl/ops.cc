#include "runtime/opencl/ops.h"

#include <clblast.h>

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cmath>
#include <limits>
#include <mutex>

#include "runtime/opencl/linear_kernels.h"

namespace specmap::runtime::ocl {

namespace {

// Kernel offsets and sizes are 32-bit (uint): every tensor of the supported models is far
// below 2^32 elements; this catches one that is not instead of wrapping.
Status fits_uint(std::size_t value, const char* what) {
  if (value > std::numeric_limits<cl_uint>::max())
    return Error{std::string("OpenCL: ") + what + " " + std::to_string(value) + " exceeds 32 bits"};
  return {};
}

cl_uint u32(std::size_t value) { return static_cast<cl_uint>(value); }

// A local-memory argument of `floats` floats.
struct Local {
  std::size_t floats;
};

template <class T>
cl_int set_arg(cl_kernel kernel, cl_uint index, const T& value) {
  return clSetKernelArg(kernel, index, sizeof(T), &value);
}
inline cl_int set_arg(cl_kernel kernel, cl_uint index, const Local& local) {
  return clSetKernelArg(kernel, index, local.floats * sizeof(float), nullptr);
}

template <class... Args>
Status set_args(cl_kernel kernel, const char* name, const Args&... args) {
  cl_uint index = 0;
  cl_int err = CL_SUCCESS;
  ((err = err == CL_SUCCESS ? set_arg(kernel, index++, args) : err), ...);
  return cl_check(err, std::string("clSetKernelArg of ") + name);
}

// CLBlast before 1.6.0 can race when two threads store into its program cache at once
// (CNugteren/CLBlast#486, fixed by #495 after Debian's 1.5.3). Two executors call it from
// two threads in the overlapped schedule; its calls only enqueue, so one lock around them
// costs next to nothing.
#if CLBLAST_VERSION_MAJOR < 1 || (CLBLAST_VERSION_MAJOR == 1 && CLBLAST_VERSION_MINOR < 6)
std::unique_lock<std::mutex> blas_lock() {
  static std::mutex mutex;
  return std::unique_lock<std::mutex>(mutex);
}
#else
int blas_lock() { return 0; }
#endif

Status launch(OpenClQueue& queue, KernelId id, cl_uint dims, const std::size_t* global,
              const std::size_t* local) {
  return cl_check(clEnqueueNDRangeKernel(queue.get(), queue.kernel(id), dims, nullptr, global, local, 0,
                                         nullptr, nullptr),
                  "clEnqueueNDRangeKernel " + std::string(kernel_name(id)));
}

// A one-dimensional launch over `count` items, rounded up to whole work-groups (the
// kernels ignore the items past `count`).
Status launch_elementwise(OpenClQueue& queue, KernelId id, std::size_t count) {
  const std::size_t local = queue.group_size(id);
  const std::size_t global = (count + local - 1) / local * local;
  return launch(queue, id, 1, &global, &local);
}

Status blas_status(clblast::StatusCode code, const char* what) {
  if (code == clblast::StatusCode::kSuccess) return {};
  return Error{std::string("CLBlast ") + what + " failed: " + cl_error_text(static_cast<cl_int>(code))};
}

}  // namespace

Status rms_norm(OpenClQueue& queue, const DeviceSpan& x, const DeviceSpan& weight, float eps,
                const DeviceSpan& out) {
  const std::size_t width = weight.size;
  assert(width > 0 && x.size % width == 0 && out.size >= x.size);
  const std::size_t rows = x.size / width;
  if (rows == 0) return {};
  if (Status s = fits_uint(x.offset + x.size, "rms_norm input end"); !s) return s;
  if (Status s = fits_uint(out.offset + x.size, "rms_norm output end"); !s) return s;
  const cl_kernel kernel = queue.kernel(KernelId::rms_norm);
  const std::size_t local = queue.group_size(KernelId::rms_norm);
  if (Status s = set_args(kernel, "rms_norm", x.buffer, u32(x.offset), weight.buffer, u32(weight.offset), eps,
                          u32(width), out.buffer, u32(out.offset), Local{local});
      !s)
    return s;
  const std::size_t global = rows * local;
  return launch(queue, KernelId::rms_norm, 1, &global, &local);
}

Status RotaryTable::ensure(OpenClQueue& queue, std::size_t positions) {
  if (positions <= positions_) return {};
  // Doubling: a decode that grows one position at a time recomputes the table rarely.
  const std::size_t capacity = std::max<std::size_t>({positions, positions_ * 2, 64});
  const std::size_t half = inverse_.size();
  std::vector<float> cosines(capacity * half);
  std::vector<float> sines(capacity * half);
  for (std::size_t p = 0; p < capacity; ++p)
    for (std::size_t i = 0; i < half; ++i) {
      // In double, as cpu/rotary.cc: positions times small frequencies lose digits in float.
      const double angle = double(p) * double(inverse_[i]);
      cosines[p * half + i] = static_cast<float>(std::cos(angle));
      sines[p * half + i] = static_cast<float>(std::sin(angle));
    }
  Result<DeviceBuffer> c = DeviceBuffer::upload(queue.context(), queue.get(), cosines);
  if (!c) return c.error();
  Result<DeviceBuffer> s = DeviceBuffer::upload(queue.context(), queue.get(), sines);
  if (!s) return s.error();
  cos_ = std::move(c).value();
  sin_ = std::move(s).value();
  positions_ = capacity;
  return {};
}

Status apply_rotary(OpenClQueue& queue, const DeviceSpan& x, std::size_t heads, std::size_t head_dim,
                    std::size_t first_position, const RotaryTable& table) {
  const std::size_t half = head_dim / 2;
  const std::size_t width = heads * head_dim;
  assert(table.half() == half && width > 0 && x.size % width == 0);
  const std::size_t rows = x.size / width;
  if (rows == 0) return {};
  if (first_position + rows > table.positions())
    return Error{"OpenCL rotary: the table covers " + std::to_string(table.positions()) + " positions, " +
                 std::to_string(first_position + rows) + " needed"};
  if (Status s = fits_uint(x.offset + x.size, "rotary input end"); !s) return s;
  const cl_kernel kernel = queue.kernel(KernelId::rotary);
  if (Status s = set_args(kernel, "rotary", x.buffer, u32(x.offset), u32(heads), u32(head_dim),
                          u32(first_position), table.cosines().get(), table.sines().get());
      !s)
    return s;
  const std::size_t global[3] = {half, heads, rows};
  return launch(queue, KernelId::rotary, 3, global, nullptr);
}

Status causal_attention(OpenClQueue& queue, const DeviceSpan& q, std::size_t first_position,
                        const DeviceSpan& keys, const DeviceSpan& values, const AttentionShape& shape,
                        const DeviceSpan& out) {
  const std::size_t head_dim = shape.head_dim;
  const std::size_t q_width = shape.heads * head_dim;
  [[maybe_unused]] const std::size_t kv_width = shape.kv_heads * head_dim;
  assert(shape.kv_heads > 0 && shape.heads % shape.kv_heads == 0 && q.size % q_width == 0);
  const std::size_t rows = q.size / q_width;
  if (rows == 0) return {};
  assert(keys.size >= (first_position + rows) * kv_width &&
         values.size >= (first_position + rows) * kv_width);
  assert(out.size >= q.size);
  const std::size_t local = queue.group_size(KernelId::attention);
  if (head_dim > kAttentionDimsPerItem * local)
    return Error{"OpenCL attention: head_dim " + std::to_string(head_dim) + " exceeds " +
                 std::to_string(kAttentionDimsPerItem * local) + " on this device"};
  if (Status s = fits_uint(keys.offset + keys.size, "attention keys end"); !s) return s;
  if (Status s = fits_uint(values.offset + values.size, "attention values end"); !s) return s;
  if (Status s = fits_uint(out.offset + q.size, "attention output end"); !s) return s;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  if (head_dim % 16 == 0 && head_dim <= 16 * kAttentionItemBlocks) {
    if (Status s = set_args(queue.kernel(KernelId::attention_item), "attention_item", q.buffer, u32(q.offset),
                            keys.buffer, u32(keys.offset), values.buffer, u32(values.offset),
                            u32(first_position), u32(shape.heads), u32(shape.kv_heads), u32(head_dim), scale,
                            out.buffer, u32(out.offset));
        !s)
      return s;
    const std::size_t global[2] = {shape.heads, rows};
    const std::size_t one[2] = {1, 1};
    return launch(queue, KernelId::attention_item, 2, global, one);
  }
  const cl_kernel kernel = queue.kernel(KernelId::attention);
  if (Status s = set_args(kernel, "attention", q.buffer, u32(q.offset), keys.buffer, u32(keys.offset),
                          values.buffer, u32(values.offset), u32(first_position), u32(shape.heads),
                          u32(shape.kv_heads), u32(head_dim), scale, out.buffer, u32(out.offset),
                          Local{head_dim}, Local{local}, Local{local});
      !s)
    return s;
  const std::size_t global[2] = {local * shape.heads, rows};
  const std::size_t local_size[2] = {local, 1};
  return launch(queue, KernelId::attention, 2, global, local_size);
}

Status silu_mul(OpenClQueue& queue, const DeviceSpan& gate, const DeviceSpan& up, const DeviceSpan& out) {
  assert(up.size == gate.size && out.size >= gate.size);
  if (gate.size == 0) return {};
  if (Status s = fits_uint(std::max({gate.offset, up.offset, out.offset}) + gate.size, "silu_mul end"); !s)
    return s;
  if (Status s = set_args(queue.kernel(KernelId::silu_mul), "silu_mul", gate.buffer, u32(gate.offset),
                          up.buffer, u32(up.offset), out.buffer, u32(out.offset), u32(gate.size));
      !s)
    return s;
  return launch_elementwise(queue, KernelId::silu_mul, gate.size);
}

Status add_in_place(OpenClQueue& queue, const DeviceSpan& residual, const DeviceSpan& x) {
  assert(x.size == residual.size);
  if (x.size == 0) return {};
  if (Status s = fits_uint(std::max(residual.offset, x.offset) + x.size, "add end"); !s) return s;
  if (Status s = set_args(queue.kernel(KernelId::add), "add", residual.buffer, u32(residual.offset), x.buffer,
                          u32(x.offset), u32(x.size));
      !s)
    return s;
  return launch_elementwise(queue, KernelId::add, x.size);
}

Status embedding_lookup(OpenClQueue& queue, const DeviceSpan& table, std::size_t width,
                        const DeviceSpan& tokens, const DeviceSpan& out) {
  assert(width > 0 && table.offset == 0 && out.size >= tokens.size * width);
  const std::size_t count = tokens.size * width;
  if (count == 0) return {};
  if (Status s = fits_uint(out.offset + count, "embedding output end"); !s) return s;
  if (Status s = set_args(queue.kernel(KernelId::embedding), "embedding", table.buffer, tokens.buffer,
                          u32(tokens.offset), u32(width), u32(tokens.size), out.buffer, u32(out.offset));
      !s)
    return s;
  return launch_elementwise(queue, KernelId::embedding, count);
}

Status embedding_lookup(OpenClQueue& queue, const DeviceMatrix& table, std::size_t width,
                        const DeviceSpan& tokens, const DeviceSpan& out) {
  if (!table.interleaved) return Error{"OpenCL embedding: the table is not in the interleaved layout"};
  assert(width > 0 && table.elements % (kLaneWidth * width) == 0 && out.size >= tokens.size * width);
  const std::size_t count = tokens.size * width;
  if (count == 0) return {};
  if (Status s = fits_uint(std::max(out.offset + count, table.elements), "embedding end"); !s) return s;
  const KernelId id =
      table.type == WeightType::f16 ? KernelId::embedding_interleaved_f16 : KernelId::embedding_interleaved;
  if (Status s = set_args(queue.kernel(id), "embedding_interleaved", table.buffer.get(), tokens.buffer,
                          u32(tokens.offset), u32(width), u32(tokens.size), out.buffer, u32(out.offset));
      !s)
    return s;
  return launch_elementwise(queue, id, count);
}

Status linear_few_rows(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceSpan& weight,
                       std::size_t in_features, std::size_t out_features, const DeviceSpan& y,
                       WeightType type) {
  assert(rows <= kFewRowsMax && x.size >= rows * in_features && y.size >= rows * out_features);
  assert(weight.size == in_features * out_features);
  if (rows == 0) return {};
  if (Status s = fits_uint(std::max({x.offset + x.size, y.offset + y.size, weight.offset + weight.size}),
                           "few-rows linear end");
      !s)
    return s;
  const std::size_t chunk = row_chunk(rows);
  const KernelId id = linear_kernel(type == WeightType::f16, chunk);
  if (Status s = set_args(queue.kernel(id), "linear_tile", x.buffer, u32(x.offset), weight.buffer,
                          u32(weight.offset), u32(in_features), u32(out_features), u32(rows), y.buffer,
                          u32(y.offset));
      !s)
    return s;
  // One item per outputs_per_item(chunk) output features; no barriers, so the group size only needs
  // to stay within the kernel's limit.
  const std::size_t local = std::min(kLinearGroupSize, queue.group_size(id));
  const std::size_t per_item = outputs_per_item(chunk);
  const std::size_t items = (out_features + per_item - 1) / per_item;
  const std::size_t global = (items + local - 1) / local * local;
  return launch(queue, id, 1, &global, &local);
}

Status linear_interleaved(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceSpan& weight,
                          std::size_t in_features, std::size_t out_features, const DeviceSpan& y,
                          WeightType type) {
  assert(x.size >= rows * in_features && y.size >= rows * out_features);
  assert(weight.size == interleaved_elements(out_features, in_features));
  if (rows == 0) return {};
  if (Status s = fits_uint(std::max({x.offset + x.size, y.offset + y.size, weight.offset + weight.size}),
                           "interleaved linear end");
      !s)
    return s;
  const std::size_t chunk = lane_chunk(std::min(rows, kFewRowsMax));
  const KernelId id = lane_kernel(type == WeightType::f16, chunk);
  if (Status s = set_args(queue.kernel(id), "linear_lanes", x.buffer, u32(x.offset), weight.buffer,
                          u32(weight.offset), u32(in_features), u32(out_features), u32(rows), y.buffer,
                          u32(y.offset));
      !s)
    return s;
  // On a CPU device (pocl) one item per work-group: the threads take work-groups, and a
  // 256-wide key projection makes 4-8 items, which groups of 8 left to one thread (the
  // products of a host-target-110m layer for one row took 1.36 ms so, 1.48 with groups of 8;
  // 16 rows 2.86 against 3.14: medians of 25 alternating rounds, Zen 4, shared machine). No
  // barriers: any size is valid.
  const std::size_t local =
      queue.device().info().type == "cpu" ? 1 : std::min(kLinearGroupSize, queue.group_size(id));
  const std::size_t blocks = (out_features + kLaneWidth - 1) / kLaneWidth;
  const std::size_t per_item = lane_blocks_per_item(chunk);
  const std::size_t items = (blocks + per_item - 1) / per_item;
  const std::size_t global = (items + local - 1) / local * local;
  return launch(queue, id, 1, &global, &local);
}

Status linear_gemv_per_row(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows,
                           const DeviceSpan& weight, std::size_t in_features, std::size_t out_features,
                           const DeviceSpan& y) {
  using clblast::Layout;
  using clblast::Transpose;
  [[maybe_unused]] const auto lock = blas_lock();
  for (std::size_t r = 0; r < rows; ++r)  // y_r^T = W x_r^T for W [out x in]
    if (Status s =
            blas_status(clblast::Gemv<float>(Layout::kRowMajor, Transpose::kNo, out_features, in_features,
                                             1.0f, weight.buffer, weight.offset, in_features, x.buffer,
                                             x.offset + r * in_features, 1, 0.0f, y.buffer,
                                             y.offset + r * out_features, 1, queue.pointer()),
                        "Gemv");
        !s)
      return s;
  return {};
}

namespace {

std::atomic<FewRowsPath>& few_rows_setting() {
  static std::atomic<FewRowsPath> path{FewRowsPath::own_kernel};
  return path;
}

}  // namespace

FewRowsPath few_rows_path() { return few_rows_setting().load(); }
void set_few_rows_path(FewRowsPath path) { few_rows_setting().store(path); }

Status linear(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceMatrix& weight,
              std::size_t in_features, std::size_t out_features, const DeviceSpan& y) {
  if (!weight.interleaved && weight.type == WeightType::f32)
    return linear(queue, x, rows, weight.span(), in_features, out_features, y);
  // Both own kernels take at most kFewRowsMax rows per launch.
  const auto kernel = weight.interleaved ? linear_interleaved : linear_few_rows;
  for (std::size_t first = 0; first < rows; first += kFewRowsMax) {
    const std::size_t count = std::min(kFewRowsMax, rows - first);
    if (Status s = kernel(queue, x.subspan(first * in_features, count * in_features), count, weight.span(),
                          in_features, out_features, y.subspan(first * out_features, count * out_features),
                          weight.type);
        !s)
      return s;
  }
  return {};
}

Status linear(OpenClQueue& queue, const DeviceSpan& x, std::size_t rows, const DeviceSpan& weight,
              std::size_t in_features, std::size_t out_features, const DeviceSpan& y) {
  assert(x.size >= rows * in_features && weight.size == in_features * out_features &&
         y.size >= rows * out_features);
  if (rows == 0) return {};
  // Few rows: our kernel (every weight read once: the default, see few_rows_path()), one GEMV
  // per row, or CLBlast as for many rows when chosen.
  const FewRowsPath path = few_rows_path();
  if (rows <= kFewRowsMax && path == FewRowsPath::own_kernel)
    return linear_few_rows(queue, x, rows, weight, in_features, out_features, y, WeightType::f32);
  if (rows <= kFewRowsMax && path == FewRowsPath::gemv_per_row)
    return linear_gemv_per_row(queue, x, rows, weight, in_features, out_features, y);
  using clblast::Layout;
  using clblast::Transpose;
  [[maybe_unused]] const auto lock = blas_lock();
  if (rows == 1)  // y^T = W x^T for W [out x in]
    return blas_status(clblast::Gemv<float>(Layout::kRowMajor, Transpose::kNo, out_features, in_features,
                                            1.0f, weight.buffer, weight.offset, in_features, x.buffer,
                                            x.offset, 1, 0.0f, y.buffer, y.offset, 1, queue.pointer()),
                       "Gemv");
  return blas_status(
      clblast::Gemm<float>(Layout::kRowMajor, Transpose::kNo, Transpose::kYes, rows, out_features,
                           in_features, 1.0f, x.buffer, x.offset, in_features, weight.buffer, weight.offset,
                           in_features, 0.0f, y.buffer, y.offset, out_features, queue.pointer()),
      "Gemm");
}

Status add_bias(OpenClQueue& queue, const DeviceSpan& y, const DeviceSpan& bias) {
  assert(bias.size > 0 && y.size % bias.size == 0);
  [[maybe_unused]] const auto lock = blas_lock();
  // One Axpy per row: biases exist only on the Q/K/V projections, whose rows are few.
  for (std::size_t r = 0; r < y.size / bias.size; ++r)
    if (Status s = blas_status(clblast::Axpy<float>(bias.size, 1.0f, bias.buffer, bias.offset, 1, y.buffer,
                                                    y.offset + r * bias.size, 1, queue.pointer()),
                               "Axpy");
        !s)
      return s;
  return {};
}

}  // namespace specmap::runtime::ocl
