#pragma once
// Shared by the backend tests: the OpenCL device they run on (or why there is none), the
// tolerance between backends, and the tiny models of the runtime tests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "../runtime/naive_transformer.h"
#include "../runtime/runtime_test_support.h"
#include "runtime/opencl/opencl_device.h"

namespace specmap::runtime::testing {

// The device the OpenCL tests use: the first one found, or the one whose name contains
// $SPECMAP_TEST_OPENCL_DEVICE. Null, with the reason in `why`, when the build has no
// OpenCL or no device opens. Not cached in a static: each test owns (and releases) it.
inline std::shared_ptr<OpenClDevice> opencl_test_device(std::string& why) {
  if (!opencl_built()) {
    why = opencl_unavailable_reason();
    return nullptr;
  }
  OpenClDeviceRequest request;
  if (const char* match = std::getenv("SPECMAP_TEST_OPENCL_DEVICE")) request.device_match = match;
  auto device = shared_opencl_device(request);
  if (!device) {
    why = device.error().message;
    return nullptr;
  }
  return std::move(device).value();
}

// Agreement between two backends, or a backend and the double-precision reference:
// |a - b| <= kBackendTolerance * max(1, |b|) for every element. Both compute in f32 with
// different summation orders (OpenBLAS against CLBlast, a double against a float tree sum
// in RMSNorm, an online against a two-pass softmax). Measured on pocl 3.1 / CLBlast 1.5.3:
// logits of the OpenCL and CPU executors differ by at most 3.9e-7 over every placement of
// the tests; single ops against the double reference by at most 2.7e-6 (rotary at position
// 1000, the same on both backends) and 1.3e-6 (linear). The bound leaves a margin of ~37x
// for other devices and drivers (docs/runtime-opencl.md).
inline constexpr double kBackendTolerance = 1e-4;

inline double max_scaled_error(const std::vector<float>& a, const std::vector<double>& b) {
  double worst = 0;
  if (a.size() != b.size()) return INFINITY;
  for (std::size_t i = 0; i < b.size(); ++i)
    worst = std::max(worst, std::abs(double(a[i]) - b[i]) / std::max(1.0, std::abs(b[i])));
  return worst;
}

inline double max_scaled_error(const std::vector<float>& a, const std::vector<float>& b) {
  return max_scaled_error(a, std::vector<double>(b.begin(), b.end()));
}

}  // namespace specmap::runtime::testing
