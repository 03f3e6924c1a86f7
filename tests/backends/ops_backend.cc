#include "ops_backend.h"

#include "backend_support.h"
#include "runtime/cpu/elementwise.h"
#include "runtime/cpu/linear.h"
#include "runtime/cpu/rms_norm.h"
#include "runtime/cpu/rotary.h"
#include "runtime/cpu/swiglu.h"
#include "runtime/executor/kv_cache.h"

#if SPECMAP_HAVE_OPENCL
#include "runtime/opencl/device_block.h"
#include "runtime/opencl/ops.h"
#endif

namespace specmap::runtime::testing {

namespace {

class CpuBackend final : public OpsBackend {
 public:
  std::vector<float> rms_norm(const std::vector<float>& x, const std::vector<float>& weight, float eps) override {
    std::vector<float> out(x.size());
    runtime::rms_norm(x, weight, eps, out, pool_);
    return out;
  }
  std::vector<float> rotary(const std::vector<float>& x, std::size_t heads, std::size_t head_dim,
                            std::size_t first_position, const std::vector<float>& inverse) override {
    std::vector<float> out = x;
    apply_rotary(out, heads, head_dim, first_position, inverse, pool_);
    return out;
  }
  std::vector<float> attention(const std::vector<float>& q, std::size_t first_position,
                               const std::vector<float>& keys, const std::vector<float>& values,
                               const AttentionShape& shape) override {
    std::vector<float> out(q.size());
    causal_attention(q, first_position, keys, values, shape, out, pool_);
    return out;
  }
  std::vector<float> silu_mul(const std::vector<float>& gate, const std::vector<float>& up) override {
    std::vector<float> out(gate.size());
    runtime::silu_mul(gate, up, out, pool_);
    return out;
  }
  std::vector<float> add(const std::vector<float>& residual, const std::vector<float>& x) override {
    std::vector<float> out = residual;
    add_in_place(out, x, pool_);
    return out;
  }
  std::vector<float> embedding(const std::vector<float>& table, std::size_t width,
                               const std::vector<int>& tokens) override {
    std::vector<float> out(tokens.size() * width);
    EXPECT_TRUE(embedding_lookup(WeightTensor::from_f32(table, table.size() / width, width), tokens, out).ok());
    return out;
  }
  std::vector<float> linear(const std::vector<float>& x, std::size_t rows, const std::vector<float>& weight,
                            std::size_t in, std::size_t out) override {
    std::vector<float> y(rows * out);
    runtime::linear(x, rows, WeightTensor::from_f32(weight, out, in), y, pool_);
    return y;
  }
  void start_block(const LayerWeights& weights, const BlockShape& shape, const std::vector<float>& inverse) override {
    weights_ = &weights;
    shape_ = shape;
    inverse_ = inverse;
    cache_ = KvCache(1, shape.attention.kv_heads * shape.attention.head_dim);
  }
  std::vector<float> block(const std::vector<float>& hidden, std::size_t first_position) override {
    std::vector<float> out = hidden;
    run_decoder_block(out, first_position, *weights_, shape_, inverse_, cache_, 0, scratch_, pool_);
    return out;
  }
  void truncate_block(std::size_t positions) override { cache_.truncate(positions); }

 private:
  ThreadPool pool_{make_core_set({online_cores().front()})};
  const LayerWeights* weights_ = nullptr;
  BlockShape shape_;
  std::vector<float> inverse_;
  KvCache cache_;
  BlockScratch scratch_;
};

#if SPECMAP_HAVE_OPENCL

// Every call: upload, enqueue, finish, read back; a failed call fails the test.
class OpenClBackend final : public OpsBackend {
 public:
  explicit OpenClBackend(std::unique_ptr<ocl::OpenClQueue> queue) : queue_(std::move(queue)) {}

  std::vector<float> rms_norm(const std::vector<float>& x, const std::vector<float>& weight, float eps) override {
    ocl::DeviceBuffer dx = up(x), dw = up(weight), out = empty(x.size());
    check(ocl::rms_norm(*queue_, dx.span(), dw.span(), eps, out.span()));
    return down(out);
  }
  std::vector<float> rotary(const std::vector<float>& x, std::size_t heads, std::size_t head_dim,
                            std::size_t first_position, const std::vector<float>& inverse) override {
    ocl::RotaryTable table(inverse);
    const std::size_t rows = x.size() / (heads * head_dim);
    check(table.ensure(*queue_, first_position + rows));
    ocl::DeviceBuffer dx = up(x);
    check(ocl::apply_rotary(*queue_, dx.span(), heads, head_dim, first_position, table));
    return down(dx);
  }
  std::vector<float> attention(const std::vector<float>& q, std::size_t first_position,
                               const std::vector<float>& keys, const std::vector<float>& values,
                               const AttentionShape& shape) override {
    ocl::DeviceBuffer dq = up(q), dk = up(keys), dv = up(values), out = empty(q.size());
    check(ocl::causal_attention(*queue_, dq.span(), first_position, dk.span(), dv.span(), shape, out.span()));
    return down(out);
  }
  std::vector<float> silu_mul(const std::vector<float>& gate, const std::vector<float>& upv) override {
    ocl::DeviceBuffer dg = up(gate), du = up(upv);
    check(ocl::silu_mul(*queue_, dg.span(), du.span(), dg.span()));  // in place, as the block runs it
    return down(dg);
  }
  std::vector<float> add(const std::vector<float>& residual, const std::vector<float>& x) override {
    ocl::DeviceBuffer dr = up(residual), dx = up(x);
    check(ocl::add_in_place(*queue_, dr.span(), dx.span()));
    return down(dr);
  }
  std::vector<float> embedding(const std::vector<float>& table, std::size_t width,
                               const std::vector<int>& tokens) override {
    ocl::DeviceBuffer dt = up(table), out = empty(tokens.size() * width);
    auto dtok = ocl::DeviceBuffer::create(queue_->context(), tokens.size());
    EXPECT_TRUE(dtok.ok());
    check(ocl::write_ints(queue_->get(), dtok->span(), tokens));
    check(ocl::embedding_lookup(*queue_, dt.span(), width, dtok->span(), out.span()));
    return down(out);
  }
  std::vector<float> linear(const std::vector<float>& x, std::size_t rows, const std::vector<float>& weight,
                            std::size_t in, std::size_t out) override {
    ocl::DeviceBuffer dx = up(x), dw = up(weight), y = empty(rows * out);
    check(ocl::linear(*queue_, dx.span(), rows, dw.span(), in, out, y.span()));
    return down(y);
  }
  void start_block(const LayerWeights& weights, const BlockShape& shape, const std::vector<float>& inverse) override {
    auto uploaded = ocl::DeviceLayerWeights::upload(*queue_, weights);
    ASSERT_TRUE(uploaded.ok()) << uploaded.error().message;
    weights_ = std::move(uploaded).value();
    shape_ = shape;
    rotary_ = ocl::RotaryTable(inverse);
    cache_ = ocl::DeviceKvCache({true}, shape.attention.kv_heads * shape.attention.head_dim);
  }
  std::vector<float> block(const std::vector<float>& hidden, std::size_t first_position) override {
    const std::size_t rows = hidden.size() / shape_.d_model;
    check(cache_.reserve(*queue_, first_position + rows));
    check(rotary_.ensure(*queue_, first_position + rows));
    ocl::DeviceBuffer dh = up(hidden);
    check(ocl::run_device_decoder_block(*queue_, dh.span(), first_position, weights_, shape_, rotary_, cache_, 0,
                                        scratch_));
    return down(dh);
  }
  void truncate_block(std::size_t positions) override { cache_.truncate(positions); }

 private:
  void check(const Status& s) { EXPECT_TRUE(s.ok()) << s.error().message; }
  ocl::DeviceBuffer up(const std::vector<float>& values) {
    auto buffer = ocl::DeviceBuffer::upload(queue_->context(), queue_->get(), values);
    EXPECT_TRUE(buffer.ok()) << buffer.error().message;
    return buffer.ok() ? std::move(buffer).value() : ocl::DeviceBuffer{};
  }
  ocl::DeviceBuffer empty(std::size_t size) {
    auto buffer = ocl::DeviceBuffer::create_zeroed(queue_->context(), queue_->get(), size);
    EXPECT_TRUE(buffer.ok()) << buffer.error().message;
    return buffer.ok() ? std::move(buffer).value() : ocl::DeviceBuffer{};
  }
  std::vector<float> down(const ocl::DeviceBuffer& buffer) {
    std::vector<float> out(buffer.size());
    check(queue_->finish());
    check(ocl::read_floats(queue_->get(), buffer.span(), out));
    return out;
  }

  std::unique_ptr<ocl::OpenClQueue> queue_;
  ocl::DeviceLayerWeights weights_;
  BlockShape shape_;
  ocl::RotaryTable rotary_;
  ocl::DeviceKvCache cache_;
  ocl::DeviceBlockScratch scratch_;
};

#endif

}  // namespace

std::unique_ptr<OpsBackend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

std::unique_ptr<OpsBackend> make_opencl_backend(std::string& why) {
#if SPECMAP_HAVE_OPENCL
  std::shared_ptr<OpenClDevice> device = opencl_test_device(why);
  if (!device) return nullptr;
  auto queue = ocl::OpenClQueue::create(device);
  if (!queue) {
    why = queue.error().message;
    return nullptr;
  }
  return std::make_unique<OpenClBackend>(std::move(queue).value());
#else
  why = opencl_unavailable_reason();
  return nullptr;
#endif
}

}  // namespace specmap::runtime::testing
