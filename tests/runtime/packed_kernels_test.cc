// The packed kernels of every set this CPU runs that packs (packed_weights.h) against the
// exact product of the stored weights, for every type the set packs, every row count
// 1..16, output counts 1..40 (panels cut short by the tensor's end) and widths off the
// vector width; chunks [begin, end) of whole panels write only their outputs; and linear()
// on a packed tensor agrees with linear() on the same tensor unpacked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>

#include "runtime/cpu/linear.h"
#include "runtime/kernels/cpu/dispatch.h"
#include "runtime/kernels/cpu/packed_weights.h"
#include "runtime/kernels/cpu/reference.h"
#include "runtime/weights/synthetic_weights.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::random_values;

bool quantized(TensorType type) { return type == TensorType::q8_0 || type == TensorType::q4_0; }

std::vector<const kernels::RowsKernelSet*> packing_sets() {
  std::vector<const kernels::RowsKernelSet*> sets;
  for (const kernels::RowsKernelSet* set : kernels::runnable_kernel_sets())
    if (set->pack != nullptr) sets.push_back(set);
  return sets;
}

// Widths: odd ones for the float types (any k count), whole blocks for the quantized.
std::vector<std::size_t> widths(TensorType type) {
  if (quantized(type)) return {32, 96, 160};
  return {1, 13, 77, 160};
}

struct Expected {
  std::vector<double> exact, tolerance, magnitude;
};

// The exact products of x with the stored weights, and what a kernel may err by: f32
// rounding of the sum, plus the Q8_0 activations' bound for the quantized types.
Expected expected(const WeightTensor& w, const std::vector<float>& x, std::size_t rows) {
  const std::vector<float> values = dequantize(w);
  Expected e;
  e.exact.resize(rows * w.rows);
  e.tolerance.resize(rows * w.rows);
  e.magnitude.resize(rows * w.rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::span<const float> xr(x.data() + r * w.cols, w.cols);
    for (std::size_t o = 0; o < w.rows; ++o) {
      double magnitude = 0;
      for (std::size_t i = 0; i < w.cols; ++i) magnitude += std::fabs(double(values[o * w.cols + i]) * xr[i]);
      const std::size_t k = r * w.rows + o;
      e.exact[k] = reference::dot_row_f32(w.type, w.row(o), xr);
      e.magnitude[k] = magnitude;
      e.tolerance[k] = 1e-5 * magnitude + 1e-30 +
                       (quantized(w.type) ? reference::q8_dot_error_bound(w.type, w.row(o), xr) : 0.0);
    }
  }
  return e;
}

class PackedKernels : public ::testing::TestWithParam<std::vector<int>> {
 protected:
  void SetUp() override {
    if (GetParam().size() > 1 && !testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
    if (packing_sets().empty()) GTEST_SKIP() << "no kernel set this CPU runs packs weights";
    pool_ = std::make_unique<ThreadPool>(make_core_set(GetParam()));
  }
  std::unique_ptr<ThreadPool> pool_;
};

TEST_P(PackedKernels, EveryRowCountOutputCountAndWidthMatchesTheExactProduct) {
  const std::vector<const kernels::RowsKernelSet*> sets = packing_sets();
  for (TensorType type : kAllTensorTypes)
    for (std::size_t in : widths(type))
      for (std::size_t out = 1; out <= 40; ++out) {
        const WeightTensor stored =
            WeightTensor::convert(random_values(out * in, std::uint32_t(out + in)), out, in, type);
        std::vector<std::pair<const kernels::RowsKernelSet*, WeightTensor>> packed;
        for (const kernels::RowsKernelSet* set : sets) {
          WeightTensor w = stored;
          pack_for(*set, w);
          if (w.packed == nullptr) continue;  // the set keeps the stored layout for this type
          ASSERT_EQ(w.packed_by, set->pack);
          ASSERT_EQ(w.packed->rows, out);
          ASSERT_EQ(w.packed->cols, in);
          ASSERT_GT(w.packed->panel, 0u);
          packed.emplace_back(set, std::move(w));
        }
        if (packed.empty()) continue;
        for (std::size_t rows = 1; rows <= kernels::kMaxKernelRows; ++rows) {
          const std::vector<float> x = random_values(rows * in, std::uint32_t(100 + rows));
          const Expected e = expected(stored, x, rows);
          for (const auto& [set, w] : packed) {
            std::vector<float> y(rows * out, std::nanf(""));
            linear_with(*set, x, rows, w, y, *pool_);
            for (std::size_t k = 0; k < y.size(); ++k)
              ASSERT_NEAR(y[k], e.exact[k], e.tolerance[k])
                  << set->name << " " << tensor_type_name(type) << " " << out << "x" << in << " rows " << rows
                  << " r " << k / out << " o " << k % out;
          }
        }
      }
}

// A packed tensor through linear() agrees with the same tensor unpacked (the stored-layout
// kernels), on shapes of several panels with a last one cut short.
TEST_P(PackedKernels, LinearOnPackedEqualsLinearOnStored) {
  for (const kernels::RowsKernelSet* set : packing_sets())
    for (TensorType type : kAllTensorTypes) {
      const std::size_t out = 131, in = quantized(type) ? 256 : 203;
      const WeightTensor stored = WeightTensor::convert(random_values(out * in, 7), out, in, type);
      WeightTensor packed = stored;
      pack_for(*set, packed);
      if (packed.packed == nullptr) continue;
      for (std::size_t rows : {1, 2, 4, 9, 16, 23}) {
        const std::vector<float> x = random_values(rows * in, std::uint32_t(rows));
        const Expected e = expected(stored, x, rows);
        std::vector<float> a(rows * out), b(rows * out);
        linear_with(*set, x, rows, stored, a, *pool_);
        linear_with(*set, x, rows, packed, b, *pool_);
        for (std::size_t k = 0; k < a.size(); ++k) {
          // Both within f32 rounding of the same sum (quantized: of the same Q8_0
          // activations, up to how a set rounds their ties).
          const double bound = quantized(type)
                                   ? 2e-5 * e.magnitude[k] + 0.1 * (e.tolerance[k] - 1e-5 * e.magnitude[k])
                                   : 2e-5 * e.magnitude[k] + 1e-30;
          ASSERT_NEAR(a[k], b[k], bound)
              << set->name << " " << tensor_type_name(type) << " rows " << rows << " k " << k;
        }
      }
    }
}

// linear() reads the packed copy, not the stored bytes, when the set made it: a packed copy
// of zeros gives zeros, and the same copy marked as another pack's is ignored.
TEST_P(PackedKernels, LinearReadsThePackedCopyOfItsOwnSet) {
  for (const kernels::RowsKernelSet* set : packing_sets()) {
    WeightTensor w = WeightTensor::convert(random_values(70 * 64, 3), 70, 64, TensorType::f32);
    pack_for(*set, w);
    if (w.packed == nullptr) continue;
    auto zeros = std::make_shared<kernels::PackedWeights>(*w.packed);
    std::fill(zeros->bytes.begin(), zeros->bytes.end(), std::byte{0});
    w.packed = zeros;
    const std::vector<float> x = random_values(3 * 64, 4);
    std::vector<float> y(3 * 70, 1.0f);
    linear_with(*set, x, 3, w, y, *pool_);
    for (float v : y) ASSERT_EQ(v, 0.0f) << set->name;
    w.packed_by = [](TensorType, const std::byte*, std::size_t, std::size_t, std::size_t,
                     kernels::PackedWeights&) { return false; };
    linear_with(*set, x, 3, w, y, *pool_);
    const Expected e = expected(w, x, 3);
    for (std::size_t k = 0; k < y.size(); ++k) ASSERT_NEAR(y[k], e.exact[k], e.tolerance[k]) << set->name;
  }
}

// The kernel called directly on chunks of whole panels writes exactly its outputs.
TEST_P(PackedKernels, ChunksOfWholePanelsWriteOnlyTheirOutputs) {
  for (const kernels::RowsKernelSet* set : packing_sets())
    for (TensorType type : {TensorType::f32, TensorType::f16}) {
      const kernels::PackedFloatKernel kernel = type == TensorType::f32 ? set->packed_f32 : set->packed_f16;
      const std::size_t out = 101, in = 45;
      WeightTensor w = WeightTensor::convert(random_values(out * in, 11), out, in, type);
      pack_for(*set, w);
      if (w.packed == nullptr || kernel == nullptr) continue;
      const std::size_t panel = w.packed->panel;
      for (std::size_t rows : {1, 5, 13}) {
        const std::vector<float> x = random_values(rows * in, 12);
        const Expected e = expected(w, x, rows);
        for (std::size_t begin = 0; begin < out; begin += panel)
          for (std::size_t end = begin + panel; end < out + panel; end += panel) {
            const std::size_t stop = std::min(end, out);
            const std::size_t stride = out + 3;  // y rows wider than the outputs
            std::vector<float> y(rows * stride, -7.0f);
            const kernels::PackedFloatArgs args{w.packed.get(), x.data(), rows, y.data(), stride};
            kernel(args, begin, stop);
            for (std::size_t r = 0; r < rows; ++r)
              for (std::size_t o = 0; o < stride; ++o) {
                const float got = y[r * stride + o];
                if (o >= begin && o < stop)
                  ASSERT_NEAR(got, e.exact[r * out + o], e.tolerance[r * out + o])
                      << set->name << " rows " << rows << " [" << begin << ", " << stop << ") o " << o;
                else
                  ASSERT_EQ(got, -7.0f)
                      << set->name << " rows " << rows << " [" << begin << ", " << stop << ") wrote o " << o;
              }
          }
      }
    }
}

INSTANTIATE_TEST_SUITE_P(Cores, PackedKernels, ::testing::Values(std::vector<int>{0}, std::vector<int>{0, 1}),
                         [](const auto& info) { return info.param.size() == 1 ? "OneCore" : "TwoCores"; });

// Loaded models carry the packed copy of the set linear() runs, where it packs their type.
TEST(PackedKernels, LoadedWeightsArePackedForTheActiveSet) {
  const kernels::RowsKernelSet& set = kernels::active_kernel_set();
  WeightTensor probe = WeightTensor::convert(random_values(4 * 32, 1), 4, 32, TensorType::f32);
  pack_for(set, probe);
  Result<TransformerWeights> w = SyntheticWeights(3).load(testing::tiny_arch(2));
  ASSERT_TRUE(w.ok()) << w.error().message;
  for (const LayerWeights& l : w->layers) {
    EXPECT_EQ(l.q_proj.packed != nullptr, probe.packed != nullptr);
    EXPECT_EQ(l.down_proj.packed != nullptr, probe.packed != nullptr);
    if (l.q_proj.packed) {
      EXPECT_EQ(l.q_proj.packed_by, set.pack);
    }
  }
  EXPECT_EQ(w->head_matrix().packed != nullptr, probe.packed != nullptr);
  // The stored bytes stay beside the packed copy (OpenCL upload, embedding lookup).
  EXPECT_EQ(w->layers[0].q_proj.bytes.size(), w->layers[0].q_proj.rows * w->layers[0].q_proj.row_stride());
}

}  // namespace
}  // namespace specmap::runtime
