// The interleaved weight layout of the OpenCL PU (linear_kernels.h: outputs in blocks of 16,
// each block [in x 16]), which upload_matrix writes and the executor multiplies with: the
// layout itself, the kernels at every row count 1..16 and past 16 (launches of 16 rows) for
// f32, f16 and promoted q8_0 weights, at shapes that are not multiples of 16 (the zero-padded
// last block) or of the group size, against a double-precision loop; and the embedding
// gather from an interleaved table (what a tied head shares with the embedding).
#include <gtest/gtest.h>

#include <cstdint>

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

TEST(InterleavedLayout, EachOutputSitsInItsLaneOfItsBlock) {
  const std::size_t out = 19, in = 3;  // two blocks, the second holding outputs 16..18
  std::vector<int> w(out * in);
  for (std::size_t o = 0; o < out; ++o)
    for (std::size_t i = 0; i < in; ++i) w[o * in + i] = static_cast<int>(1 + o * 10 + i);
  const std::vector<int> interleaved = ocl::interleave_rows(w.data(), out, in);
  ASSERT_EQ(interleaved.size(), ocl::interleaved_elements(out, in));
  EXPECT_EQ(interleaved.size(), 32u * in);
  EXPECT_EQ(interleaved[0], 1);                                    // (0, 0)
  EXPECT_EQ(interleaved[1], 11);                                   // (1, 0): the next lane
  EXPECT_EQ(interleaved[16], 2);                                   // (0, 1): the next input
  EXPECT_EQ(interleaved[(1 * in + 2) * 16 + 2], 1 + 18 * 10 + 2);  // (18, 2)
  EXPECT_EQ(interleaved[(1 * in + 0) * 16 + 3], 0);                // padding past output 18
}

TEST(InterleavedLayout, ChunksCoverEveryRowCountWithoutAWholeWastedPass) {
  for (std::size_t rows = 1; rows <= ocl::kFewRowsMax; ++rows) {
    const std::size_t chunk = ocl::kLaneChunks[ocl::lane_chunk(rows)];
    const std::size_t passes = (rows + chunk - 1) / chunk;
    EXPECT_LT(passes * chunk - rows, chunk) << rows << " rows";
    EXPECT_LE(passes, 3u) << rows << " rows";  // 9 rows: 3 chunks of 3; 16: 2 of 8
  }
  EXPECT_EQ(ocl::kLaneChunks[ocl::lane_chunk(1)], 1u);
  EXPECT_EQ(ocl::kLaneChunks[ocl::lane_chunk(16)], 8u);
}

TEST(InterleavedLayout, UpToTwelveRowsRunOnePassWithinTheRegisters) {
  for (std::size_t rows = 1; rows <= 12; ++rows)  // each weight vector loaded once for all rows
    EXPECT_EQ(ocl::kLaneChunks[ocl::lane_chunk(rows)], rows) << rows << " rows";
  for (std::size_t c = 0; c < ocl::kLaneChunkCount; ++c) {
    const std::size_t blocks = ocl::lane_blocks_per_item(c);
    EXPECT_GE(blocks, 1u);
    EXPECT_LE(blocks, 4u);
    EXPECT_LE(blocks * ocl::kLaneChunks[c], ocl::kLaneAccumulators) << ocl::kLaneChunks[c] << " rows";
  }
  EXPECT_EQ(ocl::lane_blocks_per_item(ocl::lane_chunk(9)), 3u);  // 27 accumulators
}

class InterleavedLinear : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    auto device = testing::opencl_test_device(why);
    if (!device) GTEST_SKIP() << "no OpenCL device: " << why;
    auto queue = ocl::OpenClQueue::create(device);
    ASSERT_TRUE(queue.ok()) << queue.error().format();
    queue_ = std::move(queue).value();
  }
  std::vector<float> multiply(const ocl::DeviceMatrix& w, const std::vector<float>& x, std::size_t rows,
                              std::size_t in, std::size_t out) {
    auto dx = ocl::DeviceBuffer::upload(queue_->context(), queue_->get(), x);
    auto y = ocl::DeviceBuffer::create_zeroed(queue_->context(), queue_->get(), rows * out);
    EXPECT_TRUE(dx.ok() && y.ok());
    const Status s = ocl::linear(*queue_, dx->span(), rows, w, in, out, y->span());
    EXPECT_TRUE(s.ok()) << s.error().format();
    std::vector<float> host(rows * out);
    EXPECT_TRUE(queue_->finish().ok());
    EXPECT_TRUE(ocl::read_floats(queue_->get(), y->span(), host).ok());
    return host;
  }
  std::unique_ptr<ocl::OpenClQueue> queue_;
};

TEST_F(InterleavedLinear, EveryRowCountAndOddShapesForEachStoredType) {
  const std::pair<std::size_t, std::size_t> shapes[] = {{77, 45}, {300, 129}, {1, 3},  {4099, 7},
                                                        {769, 1}, {65, 1031}, {64, 48}};
  for (TensorType type : {TensorType::f32, TensorType::f16, TensorType::q8_0}) {
    for (const auto& [in, out] : shapes) {
      if (type == TensorType::q8_0 && in % 32 != 0) continue;  // q8_0 rows are blocks of 32
      const WeightTensor tensor = WeightTensor::convert(random_values(in * out, 5), out, in, type);
      auto matrix = ocl::upload_matrix(*queue_, tensor);
      ASSERT_TRUE(matrix.ok()) << matrix.error().format();
      EXPECT_TRUE(matrix->interleaved);
      EXPECT_EQ(matrix->type, type == TensorType::f16 ? ocl::WeightType::f16 : ocl::WeightType::f32);
      EXPECT_EQ(matrix->elements, ocl::interleaved_elements(out, in));
      const std::vector<float> stored = dequantize(tensor);  // the reference multiplies the stored values
      for (std::size_t rows = 1; rows <= 33; rows += (rows < ocl::kFewRowsMax + 1 ? 1 : 16)) {
        const std::vector<float> x = random_values(rows * in, 10 + static_cast<std::uint32_t>(rows));
        EXPECT_LT(
            max_scaled_error(multiply(*matrix, x, rows, in, out), naive_linear(x, rows, stored, in, out)),
            kBackendTolerance)
            << rows << " rows, " << in << " x " << out << ", type " << static_cast<int>(type);
      }
    }
  }
}

TEST_F(InterleavedLinear, EmbeddingGathersRowsOfTheInterleavedTableExactly) {
  const std::size_t vocab = 45, width = 77;  // vocab not a multiple of 16
  const std::vector<int> tokens = {0, 44, 17, 3, 17, 31};
  for (TensorType type : {TensorType::f32, TensorType::f16}) {
    const WeightTensor table = WeightTensor::convert(random_values(vocab * width, 9), vocab, width, type);
    auto matrix = ocl::upload_matrix(*queue_, table);
    ASSERT_TRUE(matrix.ok()) << matrix.error().format();
    auto dtok = ocl::DeviceBuffer::create(queue_->context(), tokens.size());
    auto out = ocl::DeviceBuffer::create_zeroed(queue_->context(), queue_->get(), tokens.size() * width);
    ASSERT_TRUE(dtok.ok() && out.ok());
    ASSERT_TRUE(ocl::write_ints(queue_->get(), dtok->span(), tokens).ok());
    const Status s = ocl::embedding_lookup(*queue_, *matrix, width, dtok->span(), out->span());
    ASSERT_TRUE(s.ok()) << s.error().format();
    std::vector<float> host(tokens.size() * width);
    ASSERT_TRUE(queue_->finish().ok());
    ASSERT_TRUE(ocl::read_floats(queue_->get(), out->span(), host).ok());
    const std::vector<float> stored = dequantize(table);
    for (std::size_t r = 0; r < tokens.size(); ++r)
      for (std::size_t c = 0; c < width; ++c)
        ASSERT_EQ(host[r * width + c], stored[static_cast<std::size_t>(tokens[r]) * width + c])
            << "token " << tokens[r] << " column " << c << ", type " << static_cast<int>(type);
  }
}

}  // namespace
}  // namespace specmap::runtime
