// The AVX-512 set's packed q8_0 / q4_0 kernels (panels of 16 outputs re-laid once) against
// the reference kernels: every row count 1..16, output counts off the panel width, widths
// of 1, 3, 24 and 65 blocks, and thread chunks of whole panels.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/kernels/cpu/dispatch.h"
#include "runtime/kernels/cpu/reference.h"
#include "runtime/weights/weight_tensor.h"
#include "runtime_test_support.h"

#if defined(__x86_64__)
#include "runtime/kernels/cpu/x86_avx512_quant.h"

namespace specmap::runtime {
namespace {

using testing::random_values;

bool cpu_runs_avx512() {
  for (const kernels::RowsKernelSet* s : kernels::runnable_kernel_sets())
    if (std::string_view(s->name) == "avx512") return true;
  return false;
}

kernels::PackedQuantKernel packed_kernel(TensorType type) {
  return type == TensorType::q8_0 ? kernels::avx512_quant::packed_q8_0 : kernels::avx512_quant::packed_q4_0;
}

struct Case {
  std::size_t out, in;
};

TEST(PackedQuantKernels, EveryRowCountAndShapeMatchesTheReference) {
  if (!cpu_runs_avx512()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  const Case cases[] = {{5, 32}, {16, 96}, {33, 768}, {67, 2048 + 32}, {40, 160}};
  for (TensorType type : {TensorType::q8_0, TensorType::q4_0}) {
    for (const Case& c : cases) {
      const WeightTensor w = WeightTensor::convert(random_values(c.out * c.in, 90), c.out, c.in, type);
      const std::vector<float> values = dequantize(w);
      kernels::PackedWeights packed;
      ASSERT_TRUE(kernels::avx512_quant::pack(type, w.bytes.data(), w.row_stride(), c.out, c.in, packed));
      EXPECT_EQ(packed.panel, 16u);
      EXPECT_EQ(packed.rows, c.out);
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(packed.bytes.data()) % 64, 0u);
      for (std::size_t rows = 1; rows <= kernels::kMaxKernelRows; ++rows) {
        const std::vector<float> x = random_values(rows * c.in, 91 + std::uint32_t(rows));
        kernels::QuantizedRows xq;
        kernels::avx512_quant::prepare_packed(x.data(), rows, c.in, xq);
        std::vector<float> y(rows * c.out, std::nanf(""));
        const kernels::PackedQuantArgs args{&packed, &xq, y.data(), c.out};
        // Chunks of one panel, the last one ending at the tensor's last row.
        for (std::size_t begin = 0; begin < c.out; begin += 16)
          packed_kernel(type)(args, begin, std::min(c.out, begin + 16));
        for (std::size_t r = 0; r < rows; ++r) {
          const std::span<const float> xr(x.data() + r * c.in, c.in);
          const std::vector<BlockQ8_0> xb = reference::quantize_activations_q8_0(xr);
          for (std::size_t o = 0; o < c.out; ++o) {
            double magnitude = 0;
            for (std::size_t i = 0; i < c.in; ++i)
              magnitude += std::fabs(double(values[o * c.in + i]) * xr[i]);
            const double exact = reference::dot_row_f32(type, w.row(o), xr);
            const double bound = reference::q8_dot_error_bound(type, w.row(o), xr);
            const double q8 = reference::dot_row_q8(type, w.row(o), xb);
            const float got = y[r * c.out + o];
            const std::string where = std::string(tensor_type_name(type)) + " " + std::to_string(c.out) +
                                      "x" + std::to_string(c.in) + " rows " + std::to_string(rows) + " r " +
                                      std::to_string(r) + " o " + std::to_string(o);
            ASSERT_NEAR(got, exact, bound) << where;
            ASSERT_NEAR(got, q8, 1e-5 * magnitude + 0.05 * bound) << where;
          }
        }
      }
    }
  }
}

// A chunk [begin, end) of whole panels writes exactly its outputs, and an end before the
// tensor's last row (a thread's chunk) stops there.
TEST(PackedQuantKernels, ChunksWriteOnlyTheirOutputs) {
  if (!cpu_runs_avx512()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  const std::size_t out = 70, in = 96, rows = 9;
  for (TensorType type : {TensorType::q8_0, TensorType::q4_0}) {
    const WeightTensor w = WeightTensor::convert(random_values(out * in, 92), out, in, type);
    kernels::PackedWeights packed;
    ASSERT_TRUE(kernels::avx512_quant::pack(type, w.bytes.data(), w.row_stride(), out, in, packed));
    const std::vector<float> x = random_values(rows * in, 93);
    kernels::QuantizedRows xq;
    kernels::avx512_quant::prepare_packed(x.data(), rows, in, xq);
    std::vector<float> whole(rows * out, std::nanf(""));
    packed_kernel(type)({&packed, &xq, whole.data(), out}, 0, out);
    for (const auto& [begin, end] :
         {std::pair<std::size_t, std::size_t>{16, 48}, {32, 70}, {64, 70}, {0, 16}}) {
      std::vector<float> y(rows * out, std::nanf(""));
      packed_kernel(type)({&packed, &xq, y.data(), out}, begin, end);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t o = 0; o < out; ++o) {
          const float got = y[r * out + o];
          if (o >= begin && o < end) {
            ASSERT_EQ(got, whole[r * out + o]) << begin << ".." << end << " r " << r << " o " << o;
          } else {
            ASSERT_TRUE(std::isnan(got)) << begin << ".." << end << " r " << r << " o " << o;
          }
        }
    }
  }
}

TEST(PackedQuantKernels, OtherTypesKeepTheStoredLayout) {
  if (!cpu_runs_avx512()) GTEST_SKIP() << "this CPU has no AVX-512 VNNI";
  const WeightTensor w = WeightTensor::convert(random_values(16 * 32, 94), 16, 32, TensorType::f16);
  kernels::PackedWeights packed;
  EXPECT_FALSE(kernels::avx512_quant::pack(TensorType::f16, w.bytes.data(), w.row_stride(), 16, 32, packed));
}

}  // namespace
}  // namespace specmap::runtime
#endif
