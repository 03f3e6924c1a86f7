// The OpenCL few-rows linear kernels (rows <= 16, each weight read once, W stored [out x
// in]): every row count 1..16, f32 and f16 weights, at sizes that are not multiples of the
// work-group or of a row bucket, against a double-precision loop; the CLBlast GEMV-per-row
// alternative on the same inputs; and linear() routing few rows to the kernel.
#include <gtest/gtest.h>

#include <cstring>

#include "backend_support.h"
#include "runtime/opencl/buffer.h"
#include "runtime/opencl/device_block.h"
#include "runtime/opencl/linear_kernels.h"
#include "runtime/opencl/ops.h"
#include "runtime/opencl/queue.h"
#include "runtime/weights/weight_tensor.h"

namespace specmap::runtime {
namespace {

using testing::kBackendTolerance;
using testing::max_scaled_error;
using testing::naive_linear;
using testing::random_values;

// IEEE binary16 of a float (round to nearest even; the test values are normal and small).
std::uint16_t to_half(float value) {
  std::uint32_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  const std::uint32_t sign = (bits >> 16) & 0x8000u;
  const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 15;
  std::uint32_t mantissa = bits & 0x7fffffu;
  if (exponent <= 0) return static_cast<std::uint16_t>(sign);  // flush tiny values (none here)
  std::uint32_t half = sign | (static_cast<std::uint32_t>(exponent) << 10) | (mantissa >> 13);
  const std::uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;
  return static_cast<std::uint16_t>(half);
}

float from_half(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1f;
  const std::uint32_t mantissa = h & 0x3ffu;
  std::uint32_t bits = exponent == 0 ? sign : sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  float value = 0;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

class FewRows : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    auto device = testing::opencl_test_device(why);
    if (!device) GTEST_SKIP() << "no OpenCL device: " << why;
    auto queue = ocl::OpenClQueue::create(device);
    ASSERT_TRUE(queue.ok()) << queue.error().format();
    queue_ = std::move(queue).value();
  }
  ocl::DeviceBuffer upload(const std::vector<float>& values) {
    auto b = ocl::DeviceBuffer::upload(queue_->context(), queue_->get(), values);
    EXPECT_TRUE(b.ok());
    return std::move(b).value();
  }
  // An f16 copy of `values` in a buffer of 4-byte elements (two halves each).
  ocl::DeviceBuffer upload_half(const std::vector<float>& values) {
    std::vector<std::uint16_t> halves(values.size() + 1, 0);
    for (std::size_t i = 0; i < values.size(); ++i) halves[i] = to_half(values[i]);
    std::vector<float> packed(halves.size() / 2);
    std::memcpy(packed.data(), halves.data(), packed.size() * sizeof(float));
    return upload(packed);
  }
  std::vector<float> run(ocl::DeviceBuffer& x, std::size_t rows, const ocl::DeviceSpan& w, std::size_t in,
                         std::size_t out, ocl::WeightType type, bool per_row = false) {
    auto y = ocl::DeviceBuffer::create_zeroed(queue_->context(), queue_->get(), rows * out);
    EXPECT_TRUE(y.ok());
    const Status s = per_row ? ocl::linear_gemv_per_row(*queue_, x.span(), rows, w, in, out, y->span())
                             : ocl::linear_few_rows(*queue_, x.span(), rows, w, in, out, y->span(), type);
    EXPECT_TRUE(s.ok()) << s.error().format();
    std::vector<float> host(rows * out);
    EXPECT_TRUE(queue_->finish().ok());
    EXPECT_TRUE(ocl::read_floats(queue_->get(), y->span(), host).ok());
    return host;
  }
  std::unique_ptr<ocl::OpenClQueue> queue_;
};

TEST_F(FewRows, EveryRowCountF32) {
  for (auto [in, out] : {std::pair<std::size_t, std::size_t>{77, 45}, {300, 129}, {1, 3}}) {
    const std::vector<float> w = random_values(in * out, 5);
    ocl::DeviceBuffer dw = upload(w);
    for (std::size_t rows = 1; rows <= ocl::kFewRowsMax; ++rows) {
      const std::vector<float> x = random_values(rows * in, 10 + static_cast<std::uint32_t>(rows));
      ocl::DeviceBuffer dx = upload(x);
      const std::vector<double> expected = naive_linear(x, rows, w, in, out);
      EXPECT_LT(max_scaled_error(run(dx, rows, dw.span(), in, out, ocl::WeightType::f32), expected),
                kBackendTolerance)
          << rows << " rows, " << in << " x " << out;
      EXPECT_LT(max_scaled_error(run(dx, rows, dw.span(), in, out, ocl::WeightType::f32, true), expected),
                kBackendTolerance)
          << "GEMV per row, " << rows << " rows";
    }
  }
}

TEST_F(FewRows, F16WeightsAreReadAsHalves) {
  const std::size_t in = 131, out = 37;
  std::vector<float> w = random_values(in * out, 21);
  ocl::DeviceBuffer dw = upload_half(w);
  for (float& v : w) v = from_half(to_half(v));  // the reference multiplies the stored values
  for (std::size_t rows : {1u, 2u, 3u, 9u, 16u}) {
    const std::vector<float> x = random_values(rows * in, 30 + static_cast<std::uint32_t>(rows));
    ocl::DeviceBuffer dx = upload(x);
    const std::vector<float> y =
        run(dx, rows, ocl::DeviceSpan{dw.get(), 0, in * out}, in, out, ocl::WeightType::f16);
    EXPECT_LT(max_scaled_error(y, naive_linear(x, rows, w, in, out)), kBackendTolerance) << rows << " rows";
  }
  // A weight offset counts halves: the second half of the matrix is its last rows.
  const std::size_t half_rows = out / 2;
  const std::vector<float> x = random_values(2 * in, 40);
  ocl::DeviceBuffer dx = upload(x);
  const std::vector<float> tail(w.begin() + static_cast<std::ptrdiff_t>((out - half_rows) * in), w.end());
  const std::vector<float> y = run(dx, 2, ocl::DeviceSpan{dw.get(), (out - half_rows) * in, half_rows * in},
                                   in, half_rows, ocl::WeightType::f16);
  EXPECT_LT(max_scaled_error(y, naive_linear(x, 2, tail, in, half_rows)), kBackendTolerance);
}

// Shapes far from the work-group and bucket sizes: a long weight row that is not a multiple
// of the group (each item strides over it), one output feature, and many features.
TEST_F(FewRows, OddShapes) {
  for (auto [in, out] : {std::pair<std::size_t, std::size_t>{4099, 7}, {769, 1}, {65, 1031}}) {
    const std::vector<float> w = random_values(in * out, 71);
    ocl::DeviceBuffer dw = upload(w);
    for (std::size_t rows : {1u, 5u, 16u}) {
      const std::vector<float> x = random_values(rows * in, 80 + static_cast<std::uint32_t>(rows));
      ocl::DeviceBuffer dx = upload(x);
      EXPECT_LT(max_scaled_error(run(dx, rows, dw.span(), in, out, ocl::WeightType::f32),
                                 naive_linear(x, rows, w, in, out)),
                kBackendTolerance)
          << rows << " rows, " << in << " x " << out;
    }
  }
}

// A weight tensor stored in f16 is uploaded as halves (half the device bytes, interleaved:
// interleaved_linear_test.cc) and the matrix product reads it for every row count, in
// chunks of 16 rows beyond that.
TEST_F(FewRows, F16MatrixUploadedAsHalvesForAnyRowCount) {
  const std::size_t in = 97, out = 45;
  const WeightTensor tensor = WeightTensor::convert(random_values(in * out, 90), out, in, TensorType::f16);
  auto matrix = ocl::upload_matrix(*queue_, tensor);
  ASSERT_TRUE(matrix.ok()) << matrix.error().format();
  EXPECT_EQ(matrix->type, ocl::WeightType::f16);
  // 4-byte elements holding two halves, outputs padded to whole blocks of 16.
  EXPECT_EQ(matrix->buffer.size(), (ocl::interleaved_elements(out, in) + 1) / 2);
  const std::vector<float> stored = dequantize(tensor);
  for (std::size_t rows = 1; rows <= 35; rows += (rows < 17 ? 1 : 9)) {
    const std::vector<float> x = random_values(rows * in, 100 + static_cast<std::uint32_t>(rows));
    ocl::DeviceBuffer dx = upload(x);
    auto y = ocl::DeviceBuffer::create_zeroed(queue_->context(), queue_->get(), rows * out);
    ASSERT_TRUE(y.ok());
    ASSERT_TRUE(ocl::linear(*queue_, dx.span(), rows, *matrix, in, out, y->span()).ok());
    std::vector<float> host(rows * out);
    ASSERT_TRUE(queue_->finish().ok());
    ASSERT_TRUE(ocl::read_floats(queue_->get(), y->span(), host).ok());
    EXPECT_LT(max_scaled_error(host, naive_linear(x, rows, stored, in, out)), kBackendTolerance)
        << rows << " rows";
  }
  // Other stored types are promoted to f32 at upload.
  const WeightTensor q8 = WeightTensor::convert(random_values(64 * 3, 91), 3, 64, TensorType::q8_0);
  auto promoted = ocl::upload_matrix(*queue_, q8);
  ASSERT_TRUE(promoted.ok());
  EXPECT_EQ(promoted->type, ocl::WeightType::f32);
  EXPECT_EQ(promoted->buffer.size(), ocl::interleaved_elements(3, 64));
}

TEST_F(FewRows, LinearRoutesFewRowsToTheChosenPath) {
  const std::size_t in = 64, out = 96;
  const std::vector<float> w = random_values(in * out, 50);
  ocl::DeviceBuffer dw = upload(w);
  for (auto path :
       {ocl::FewRowsPath::own_kernel, ocl::FewRowsPath::gemv_per_row, ocl::FewRowsPath::clblast}) {
    ocl::set_few_rows_path(path);
    for (std::size_t rows : {1u, 9u, 16u, 17u}) {
      const std::vector<float> x = random_values(rows * in, 60 + static_cast<std::uint32_t>(rows));
      ocl::DeviceBuffer dx = upload(x);
      auto y = ocl::DeviceBuffer::create_zeroed(queue_->context(), queue_->get(), rows * out);
      ASSERT_TRUE(y.ok());
      ASSERT_TRUE(ocl::linear(*queue_, dx.span(), rows, dw.span(), in, out, y->span()).ok());
      std::vector<float> host(rows * out);
      ASSERT_TRUE(queue_->finish().ok());
      ASSERT_TRUE(ocl::read_floats(queue_->get(), y->span(), host).ok());
      EXPECT_LT(max_scaled_error(host, naive_linear(x, rows, w, in, out)), kBackendTolerance)
          << rows << " rows, path " << static_cast<int>(path);
    }
  }
  ocl::set_few_rows_path(ocl::FewRowsPath::own_kernel);  // the default
}

}  // namespace
}  // namespace specmap::runtime
