// Every kernel set this CPU runs (portable, AVX2, AVX-512; NEON under qemu-aarch64)
// against the reference kernels, for every stored type, every row count 1..16 and shapes
// that are not multiples of the block or vector widths.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/cpu/linear.h"
#include "runtime/kernels/cpu/dispatch.h"
#include "runtime/kernels/cpu/reference.h"
#include "runtime_test_support.h"

namespace specmap::runtime {
namespace {

using testing::random_values;

struct Shape {
  std::size_t out, in;
};

// in: 160 = 5 blocks of 32 (an odd number: a half-filled pair), 32 (one block), 96;
// quantized also 64, 768 (24 blocks: the AVX-512 set's groups of 16 and a last one of at
// most 8), 1024 (two whole groups) and 896 (28: a last group of more than 8); floats also
// 77 and 13 (not a multiple of 8 or 16); out odd.
std::vector<Shape> shapes(TensorType type) {
  std::vector<Shape> s = {{67, 160}, {5, 32}, {33, 96}};
  if (type == TensorType::q8_0 || type == TensorType::q4_0) {
    s.push_back({7, 64});
    s.push_back({9, 768});
    s.push_back({3, 1024});
    s.push_back({5, 896});
  }
  if (type == TensorType::f32 || type == TensorType::f16 || type == TensorType::bf16) {
    s.push_back({41, 77});
    s.push_back({3, 13});
  }
  return s;
}

// The avx512-bf16 set's bf16 kernel rounds the activations to bf16 (to nearest even): each
// product then errs by at most 2^-9 of |w x|.
constexpr double kBf16ActivationError = 1.0 / 512;
bool rounds_activations_to_bf16(const kernels::RowsKernelSet& set) {
  return std::string_view(set.name) == "avx512-bf16";
}

// x rounded to bf16 (to nearest even) and back: what VDPBF16PS multiplies.
float round_to_bf16(float x) {
  std::uint32_t u;
  std::memcpy(&u, &x, 4);
  u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
  float r;
  std::memcpy(&r, &u, 4);
  return r;
}

class RowsKernels : public ::testing::TestWithParam<std::vector<int>> {
 protected:
  void SetUp() override {
    if (GetParam().size() > 1 && !testing::has_two_cores()) GTEST_SKIP() << "needs cores 0 and 1";
    pool_ = std::make_unique<ThreadPool>(make_core_set(GetParam()));
  }
  std::unique_ptr<ThreadPool> pool_;
};

TEST_P(RowsKernels, EverySetTypeRowCountAndShapeMatchesTheReference) {
  const std::vector<const kernels::RowsKernelSet*> sets = kernels::runnable_kernel_sets();
  ASSERT_FALSE(sets.empty());
  EXPECT_STREQ(sets.back()->name, "portable");
  for (TensorType type : kAllTensorTypes) {
    const bool quantized = type == TensorType::q8_0 || type == TensorType::q4_0;
    for (const Shape& shape : shapes(type)) {
      const WeightTensor w =
          WeightTensor::convert(random_values(shape.out * shape.in, 40), shape.out, shape.in, type);
      const std::vector<float> values = dequantize(w);
      for (std::size_t rows = 1; rows <= kernels::kMaxKernelRows; ++rows) {
        const std::vector<float> x = random_values(rows * shape.in, 50 + std::uint32_t(rows));
        // Per output: the exact dot (dequantize-then-f32), its magnitude, and for q8_0 / q4_0
        // the Q8_0-activation bound and llama.cpp's int8 dot of the reference-quantized rows.
        std::vector<double> exact(rows * shape.out), magnitude(rows * shape.out), bound(rows * shape.out),
            q8(rows * shape.out);
        for (std::size_t r = 0; r < rows; ++r) {
          const std::span<const float> xr(x.data() + r * shape.in, shape.in);
          const std::vector<BlockQ8_0> xq =
              quantized ? reference::quantize_activations_q8_0(xr) : std::vector<BlockQ8_0>{};
          for (std::size_t o = 0; o < shape.out; ++o) {
            const std::size_t k = r * shape.out + o;
            exact[k] = reference::dot_row_f32(type, w.row(o), xr);
            for (std::size_t i = 0; i < shape.in; ++i)
              magnitude[k] += std::fabs(double(values[o * shape.in + i]) * xr[i]);
            if (!quantized) continue;
            bound[k] = reference::q8_dot_error_bound(type, w.row(o), xr);
            q8[k] = reference::dot_row_q8(type, w.row(o), xq);
          }
        }
        for (const kernels::RowsKernelSet* set : sets) {
          std::vector<float> y(rows * shape.out, std::nanf(""));
          linear_with(*set, x, rows, w, y, *pool_);
          for (std::size_t k = 0; k < y.size(); ++k) {
            const auto where = [&] {
              return std::string(set->name) + " " + std::string(tensor_type_name(type)) + " " +
                     std::to_string(shape.out) + "x" + std::to_string(shape.in) + " rows " +
                     std::to_string(rows) + " r " + std::to_string(k / shape.out) + " o " +
                     std::to_string(k % shape.out);
            };
            if (!quantized) {
              // VDPBF16PS rounds the activations to bf16 (kBf16ActivationError of |w x|).
              const double rounding =
                  type == TensorType::bf16 && rounds_activations_to_bf16(*set) ? kBf16ActivationError : 0.0;
              ASSERT_NEAR(y[k], exact[k], (1e-5 + rounding) * magnitude[k] + 1e-30) << where();
              continue;
            }
            // Within the Q8_0-activation bound of the exact dot, and llama.cpp's int8 dot of
            // the reference-quantized rows up to f32 rounding and the ties of the
            // activations' rounding (a set may round ties to even).
            ASSERT_NEAR(y[k], exact[k], bound[k]) << where();
            ASSERT_NEAR(y[k], q8[k], 1e-5 * magnitude[k] + 0.05 * bound[k]) << where();
          }
        }
      }
    }
  }
}

// The avx512-bf16 set (where the CPU has AVX512_BF16) computes the exact dot of the bf16
// weights with the activations rounded to bf16, up to f32 accumulation, at every row count
// and at widths off the 32-value vector.
TEST_P(RowsKernels, Bf16DotSetMultipliesActivationsRoundedToBf16) {
  const kernels::RowsKernelSet* set = nullptr;
  for (const kernels::RowsKernelSet* s : kernels::runnable_kernel_sets())
    if (rounds_activations_to_bf16(*s)) set = s;
  if (set == nullptr) GTEST_SKIP() << "this CPU has no AVX512_BF16";
  for (const Shape& shape : {Shape{67, 160}, Shape{41, 77}, Shape{3, 13}, Shape{9, 1000}}) {
    const WeightTensor w =
        WeightTensor::convert(random_values(shape.out * shape.in, 70), shape.out, shape.in, TensorType::bf16);
    const std::vector<float> values = dequantize(w);
    for (std::size_t rows = 1; rows <= kernels::kMaxKernelRows; ++rows) {
      const std::vector<float> x = random_values(rows * shape.in, 80 + std::uint32_t(rows));
      std::vector<float> y(rows * shape.out, std::nanf(""));
      linear_with(*set, x, rows, w, y, *pool_);
      bool differs_from_f32 = false;
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t o = 0; o < shape.out; ++o) {
          double rounded = 0, unrounded = 0, magnitude = 0;
          for (std::size_t i = 0; i < shape.in; ++i) {
            const double wv = values[o * shape.in + i], xv = x[r * shape.in + i];
            rounded += wv * round_to_bf16(x[r * shape.in + i]);
            unrounded += wv * xv;
            magnitude += std::fabs(wv * xv);
          }
          const float got = y[r * shape.out + o];
          ASSERT_NEAR(got, rounded, 1e-5 * magnitude + 1e-30)
              << shape.out << "x" << shape.in << " rows " << rows << " r " << r << " o " << o;
          differs_from_f32 = differs_from_f32 || std::fabs(got - unrounded) > 1e-5 * magnitude;
        }
      // The activations really were rounded (an f32 product would match `unrounded`).
      if (shape.in >= 77) {
        EXPECT_TRUE(differs_from_f32) << shape.out << "x" << shape.in << " rows " << rows;
      }
    }
  }
}

// linear() itself: more rows than one kernel call takes (groups of 16, and OpenBLAS for
// f32 from kBlasMinRows on) agree with the reference too.
TEST_P(RowsKernels, ManyRowsRunInGroups) {
  const std::size_t in = 96, out = 19;
  for (TensorType type : {TensorType::f32, TensorType::q4_0}) {
    const WeightTensor w = WeightTensor::convert(random_values(out * in, 60), out, in, type);
    for (std::size_t rows : {std::size_t(17), std::size_t(33), kBlasMinRows + 1}) {
      const std::vector<float> x = random_values(rows * in, 61);
      std::vector<float> y(rows * out);
      linear(x, rows, w, y, *pool_);
      for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t o = 0; o < out; ++o) {
          const std::span<const float> xr(x.data() + r * in, in);
          const double exact = reference::dot_row_f32(type, w.row(o), xr);
          const double bound =
              type == TensorType::f32 ? 1e-4 : reference::q8_dot_error_bound(type, w.row(o), xr);
          ASSERT_NEAR(y[r * out + o], exact, bound) << tensor_type_name(type) << " rows " << rows;
        }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cores, RowsKernels, ::testing::Values(std::vector<int>{0}, std::vector<int>{0, 1}),
                         [](const auto& info) { return info.param.size() == 1 ? "OneCore" : "TwoCores"; });

TEST(KernelDispatch, PicksTheBestSetTheCpuRuns) {
  const std::vector<const kernels::RowsKernelSet*> sets = kernels::runnable_kernel_sets();
  const char* forced = std::getenv("SPECMAP_CPU_KERNELS");
  if (forced == nullptr) {
    EXPECT_EQ(&kernels::active_kernel_set(), sets.front());
  }
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw")) {
    EXPECT_STREQ(sets.front()->name, "avx512");
  } else if (__builtin_cpu_supports("avx2")) {
    EXPECT_STREQ(sets.front()->name, "avx2");
  }
#endif
  for (const kernels::RowsKernelSet* set : sets) {
    EXPECT_NE(set->f32, nullptr);
    EXPECT_NE(set->f16, nullptr);
    EXPECT_NE(set->bf16, nullptr);
    EXPECT_NE(set->prepare, nullptr);
    EXPECT_NE(set->q8_0, nullptr);
    EXPECT_NE(set->q4_0, nullptr);
  }
}

}  // namespace
}  // namespace specmap::runtime
