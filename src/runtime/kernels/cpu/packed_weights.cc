#include "runtime/kernels/cpu/packed_weights.h"

#include <sys/mman.h>

#include <cassert>
#include <cstring>
#include <new>

namespace specmap::runtime::kernels {

namespace {
constexpr std::size_t kHugePage = std::size_t(2) << 20;
constexpr std::size_t kHugeFrom = std::size_t(4) << 20;
std::align_val_t alignment_for(std::size_t bytes) {
  return std::align_val_t(bytes >= kHugeFrom ? kHugePage : 64);
}
}  // namespace

void* allocate_packed(std::size_t bytes) {
  void* p = ::operator new(bytes, alignment_for(bytes));
  // Advice only: without transparent huge pages (or with them off) the pages stay 4 KiB.
  if (bytes >= kHugeFrom) madvise(p, (bytes + kHugePage - 1) / kHugePage * kHugePage, MADV_HUGEPAGE);
  return p;
}

void free_packed(void* p, std::size_t bytes) { ::operator delete(p, alignment_for(bytes)); }

void pack_float_panels(TensorType type, const std::byte* weight, std::size_t row_bytes, std::size_t rows,
                       std::size_t cols, std::size_t panel, PackedWeights& out) {
  assert((type == TensorType::f32 || type == TensorType::f16) && panel > 0);
  const std::size_t element = type == TensorType::f32 ? 4 : 2;
  out.type = type;
  out.rows = rows;
  out.cols = cols;
  out.panel = panel;
  const std::size_t panels = (rows + panel - 1) / panel;
  // Zero-filled: the padding outputs of the last panel multiply to 0.
  out.bytes.assign(panels * panel * cols * element, std::byte{0});
  // Panel by panel, k-major inside: each stored row is read sequentially, written with a
  // stride of one panel row.
  for (std::size_t o = 0; o < rows; ++o) {
    const std::byte* src = weight + o * row_bytes;
    std::byte* dst = out.bytes.data() + ((o / panel) * panel * cols + o % panel) * element;
    const std::size_t step = panel * element;
    if (element == 4) {
      for (std::size_t k = 0; k < cols; ++k) std::memcpy(dst + k * step, src + 4 * k, 4);
    } else {
      for (std::size_t k = 0; k < cols; ++k) std::memcpy(dst + k * step, src + 2 * k, 2);
    }
  }
}

}  // namespace specmap::runtime::kernels
