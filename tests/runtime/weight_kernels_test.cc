// Stored weight types: conversions, ggml's block layouts, the reference quantizers' error
// bounds, the reference kernels against dequantize-then-f32, and linear() on every type.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "runtime/cpu/linear.h"
#include "runtime/kernels/cpu/reference.h"
#include "runtime/weights/quantize.h"
#include "runtime/weights/weight_tensor.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::random_values;

float bits_to_float(std::uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(TensorTypes, RowBytesFollowGgmlsBlocks) {
  EXPECT_EQ(row_bytes(TensorType::f32, 96), 384u);
  EXPECT_EQ(row_bytes(TensorType::f16, 96), 192u);
  EXPECT_EQ(row_bytes(TensorType::bf16, 96), 192u);
  EXPECT_EQ(row_bytes(TensorType::q8_0, 96), 3u * 34u);
  EXPECT_EQ(row_bytes(TensorType::q4_0, 96), 3u * 18u);
  EXPECT_TRUE(row_fits(TensorType::f16, 7));
  EXPECT_FALSE(row_fits(TensorType::q8_0, 48));
  EXPECT_EQ(tensor_type_of(DType::int8), TensorType::q8_0);
  EXPECT_EQ(tensor_type_of(DType::int4), TensorType::q4_0);
  for (TensorType t : kAllTensorTypes) EXPECT_EQ(parse_tensor_type(tensor_type_name(t)), t);
  EXPECT_FALSE(parse_tensor_type("q5_1").has_value());
}

TEST(TensorTypes, F16RoundTripsEveryHalfAndRoundsToNearestEven) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(static_cast<std::uint16_t>(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    ASSERT_EQ(f32_to_f16(f), h) << std::hex << h;
  }
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);                          // rounds to infinity
  EXPECT_EQ(f32_to_f16(1.0f + std::ldexp(1.0f, -11)), 0x3c00);      // tie: to even
  EXPECT_EQ(f32_to_f16(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);  // tie: to even
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);             // tie below the smallest subnormal
  EXPECT_EQ(f32_to_f16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
}

TEST(TensorTypes, Bf16IsTheRoundedUpperHalf) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(f32_to_bf16(bits_to_float(0x3f808000u)), 0x3f80);  // tie: to even
  EXPECT_EQ(f32_to_bf16(bits_to_float(0x3f818000u)), 0x3f82);  // tie: to even
  EXPECT_EQ(f32_to_bf16(bits_to_float(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
}

TEST(Quantize, Q8_0BlockLayoutAndRoundTripBound) {
  const std::vector<float> x = random_values(96, 1, 2.0f);
  std::vector<std::byte> q(3 * 34);
  quantize_row_q8_0(x, q);
  std::vector<float> back(96);
  reference::dequantize_row(TensorType::q8_0, q, back);
  for (std::size_t b = 0; b < 3; ++b) {
    BlockQ8_0 block;
    std::memcpy(&block, q.data() + b * 34, 34);
    float amax = 0;
    for (std::size_t j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
    EXPECT_EQ(block.d, f32_to_f16(amax / 127));  // bytes 0-1: the f16 scale
    const float d = f16_to_f32(block.d);
    for (std::size_t j = 0; j < 32; ++j) {
      EXPECT_EQ(back[b * 32 + j], d * float(block.qs[j]));  // bytes 2..33: q, w = d * q
      EXPECT_LE(std::fabs(back[b * 32 + j] - x[b * 32 + j]), amax / 254 + amax * std::ldexp(1.0f, -11));
    }
  }
}

TEST(Quantize, Q4_0NibbleOrderAndRoundTripBound) {
  // A hand-built block: element j in the low nibble of qs[j], element j + 16 in the high one.
  BlockQ4_0 block;
  block.d = f32_to_f16(0.5f);
  for (std::size_t j = 0; j < 16; ++j) block.qs[j] = static_cast<std::uint8_t>(j | ((15 - j) << 4));
  std::vector<std::byte> bytes(18);
  std::memcpy(bytes.data(), &block, 18);
  std::vector<float> values(32);
  reference::dequantize_row(TensorType::q4_0, bytes, values);
  for (std::size_t j = 0; j < 16; ++j) {
    EXPECT_EQ(values[j], (float(j) - 8) * 0.5f);
    EXPECT_EQ(values[j + 16], (float(15 - j) - 8) * 0.5f);
  }
  // The quantizer: the largest magnitude maps to -8 d exactly; others within half a step, an
  // element at the opposite extreme clamped at +7 d within one step.
  const std::vector<float> x = random_values(64, 2, 3.0f);
  std::vector<std::byte> q(2 * 18);
  quantize_row_q4_0(x, q);
  std::vector<float> back(64);
  reference::dequantize_row(TensorType::q4_0, q, back);
  for (std::size_t b = 0; b < 2; ++b) {
    float amax = 0, max = 0;
    for (std::size_t j = 0; j < 32; ++j)
      if (std::fabs(x[b * 32 + j]) > amax) amax = std::fabs(max = x[b * 32 + j]);
    const float step = amax / 8;
    for (std::size_t j = 0; j < 32; ++j) {
      const float v = x[b * 32 + j], error = std::fabs(back[b * 32 + j] - v);
      const bool clamped = v * (max > 0 ? -1 : 1) > 7.5f * step;
      EXPECT_LE(error, (clamped ? step : step / 2) * 1.002f + 1e-6f) << b << " " << j;
      if (v == max) {
        EXPECT_NEAR(back[b * 32 + j], v, amax * 1e-3);
      }
    }
  }
}

TEST(Quantize, ZeroBlocksStayZero) {
  const std::vector<float> zeros(32, 0.0f);
  for (TensorType type : {TensorType::q8_0, TensorType::q4_0}) {
    const WeightTensor t = WeightTensor::convert(zeros, 1, 32, type);
    for (float v : dequantize(t)) EXPECT_EQ(v, 0.0f);
  }
}

// The reference dot products against dequantize-then-f32 (in double), every type; the
// Q8_0-activation path within its stated bound, which must also be tight enough to mean
// something (well under the dot's magnitude).
TEST(ReferenceKernels, DotsMatchDequantizeThenF32) {
  const std::size_t cols = 96;  // three blocks: a multiple of 32, not of 64
  for (TensorType type : kAllTensorTypes) {
    const WeightTensor w = WeightTensor::convert(random_values(5 * cols, 3), 5, cols, type);
    const std::vector<float> values = dequantize(w);
    for (std::uint32_t seed = 0; seed < 4; ++seed) {
      const std::vector<float> x = random_values(cols, 10 + seed);
      for (std::size_t r = 0; r < w.rows; ++r) {
        double exact = 0, magnitude = 0;
        for (std::size_t i = 0; i < cols; ++i) {
          exact += double(values[r * cols + i]) * x[i];
          magnitude += std::fabs(double(values[r * cols + i]) * x[i]);
        }
        EXPECT_NEAR(reference::dot_row_f32(type, w.row(r), x), exact, magnitude * 1e-6)
            << tensor_type_name(type);
        if (type != TensorType::q8_0 && type != TensorType::q4_0) continue;
        const std::vector<BlockQ8_0> xq = reference::quantize_activations_q8_0(x);
        const double bound = reference::q8_dot_error_bound(type, w.row(r), x);
        const double q8 = reference::dot_row_q8(type, w.row(r), xq);
        EXPECT_LE(std::fabs(q8 - exact), bound) << tensor_type_name(type);
        EXPECT_LT(bound, 0.05 * magnitude) << tensor_type_name(type);
      }
    }
  }
}

// y = x * W^T on the dequantized values, in double.
std::vector<double> naive_product(const std::vector<float>& x, std::size_t rows, const WeightTensor& w) {
  const std::vector<float> values = dequantize(w);
  std::vector<double> y(rows * w.rows, 0.0);
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t o = 0; o < w.rows; ++o)
      for (std::size_t i = 0; i < w.cols; ++i)
        y[r * w.rows + o] += double(x[r * w.cols + i]) * values[o * w.cols + i];
  return y;
}

class StoredLinear : public ::testing::TestWithParam<std::vector<int>> {
 protected:
  void SetUp() override {
    if (GetParam().size() > 1 && !testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
    pool_ = std::make_unique<ThreadPool>(make_core_set(GetParam()));
  }
  std::unique_ptr<ThreadPool> pool_;
};

// Every type, row counts 1..16, an odd number of outputs (not a multiple of any vector
// width) and inputs a multiple of 32 but not of 64. f32 / f16 / bf16: f32 rounding only;
// q8_0 / q4_0: each output within the Q8_0-activation bound of its dot product.
TEST_P(StoredLinear, EveryTypeAndRowCountMatchesTheReference) {
  const std::size_t in = 160, out = 67;
  for (TensorType type : kAllTensorTypes) {
    const WeightTensor w = WeightTensor::convert(random_values(out * in, 20), out, in, type);
    for (std::size_t rows = 1; rows <= 16; ++rows) {
      const std::vector<float> x = random_values(rows * in, 30 + std::uint32_t(rows));
      std::vector<float> y(rows * out);
      linear(x, rows, w, y, *pool_);
      const std::vector<double> expected = naive_product(x, rows, w);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t o = 0; o < out; ++o) {
          const std::span<const float> xr(x.data() + r * in, in);
          const bool q8 = type == TensorType::q8_0 || type == TensorType::q4_0;
          const double bound = q8 ? reference::q8_dot_error_bound(type, w.row(o), xr) : 1e-4;
          ASSERT_NEAR(y[r * out + o], expected[r * out + o], bound)
              << tensor_type_name(type) << " rows " << rows << " r " << r << " o " << o;
        }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cores, StoredLinear, ::testing::Values(std::vector<int>{0}, std::vector<int>{0, 1}),
                         [](const auto& info) { return info.param.size() == 1 ? "OneCore" : "TwoCores"; });

TEST(WeightTensors, ViewChecksSizeAndAlignment) {
  std::vector<std::byte> bytes(2 * 34);
  EXPECT_TRUE(WeightTensor::view(TensorType::q8_0, 2, 32, bytes, nullptr).ok());
  EXPECT_FALSE(WeightTensor::view(TensorType::q8_0, 2, 48, bytes, nullptr).ok());  // not whole blocks
  EXPECT_FALSE(WeightTensor::view(TensorType::q8_0, 3, 32, bytes, nullptr).ok());  // too few bytes
  std::vector<float> floats(9);
  const auto misaligned = std::as_bytes(std::span(floats)).subspan(2, 32);
  EXPECT_FALSE(WeightTensor::view(TensorType::f32, 1, 8, misaligned, nullptr).ok());
  // A view keeps its owner alive.
  auto owner = std::make_shared<std::vector<float>>(8, 2.0f);
  Result<WeightTensor> t = WeightTensor::view(TensorType::f32, 2, 4, std::as_bytes(std::span(*owner)), owner);
  owner.reset();
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(dequantize(*t), std::vector<float>(8, 2.0f));
}

}  // namespace
}  // namespace specmap::runtime
