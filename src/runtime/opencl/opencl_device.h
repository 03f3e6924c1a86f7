#pragma once
// OpenCL devices as processing units of the runtime: listing what the installed ICDs offer,
// and opening one device (context and our compiled kernels) that every executor of the
// process shares. This header has no OpenCL types, so it is the same whether or not the
// build has OpenCL: without it (SPECMAP_HAVE_OPENCL undefined) listing returns nothing and
// opening fails with "built without OpenCL (...)" (src/runtime/opencl_unavailable.cc).
//
// Thread safety: an OpenClDevice is immutable once opened and may be used from any thread;
// each executor that runs subgraphs on it creates its own command queue and kernel objects
// (OpenCL kernels are not thread-safe for clSetKernelArg), so a draft and a target on the
// same device can run from two host threads at once.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "runtime/cpu/core_set.h"

namespace specmap::runtime {

// True when this build can run OpenCL (found OpenCL and CLBlast at configure time).
bool opencl_built();
// Why there is no OpenCL in this build ("built without OpenCL (...)"); empty when built.
std::string opencl_unavailable_reason();

struct OpenClDeviceInfo {
  std::string platform;  // CL_PLATFORM_NAME, e.g. "Portable Computing Language"
  std::string name;      // CL_DEVICE_NAME, e.g. "pthread-skylake-avx512-AMD EPYC"
  std::string version;   // CL_DEVICE_VERSION
  std::string type;      // "gpu", "cpu", "accelerator" or "other"
  unsigned compute_units = 0;          // CL_DEVICE_MAX_COMPUTE_UNITS
  std::uint64_t global_memory_bytes = 0;  // CL_DEVICE_GLOBAL_MEM_SIZE
  // CL_DEVICE_HOST_UNIFIED_MEMORY: the device reads host memory (Mali, pocl), so a buffer
  // allocated with CL_MEM_ALLOC_HOST_PTR can be mapped instead of copied.
  bool host_unified_memory = false;
  std::string extensions;  // CL_DEVICE_EXTENSIONS, space-separated

  [[nodiscard]] bool has_extension(const std::string& name) const {
    return (" " + extensions + " ").find(" " + name + " ") != std::string::npos;
  }

  // "platform device": the text an OpenClDeviceRequest::device_match is searched in.
  [[nodiscard]] std::string label() const { return platform + " " + name; }
  // pocl (the Portable Computing Language), whose thread count POCL_MAX_PTHREAD_COUNT sets.
  [[nodiscard]] bool is_pocl() const;
};

// Every device of every platform; empty when there is no ICD or platform, or no OpenCL in
// this build. Never fails: an unreadable platform is skipped.
std::vector<OpenClDeviceInfo> list_opencl_devices();

struct OpenClDeviceRequest {
  // Case-insensitive substring of the device's label() ("platform device"); empty: the
  // first device found.
  std::string device_match;
  // 0: leave the driver's default. Otherwise the number of compute units to use, which
  // only pocl's CPU device honours, through the environment variable
  // POCL_MAX_PTHREAD_COUNT: it is set (never overwriting a value the user set) before the
  // process's first OpenCL call and is process-wide, so the first device opened in a
  // process fixes it for every later one. Other drivers ignore it.
  int max_compute_units = 0;
  // Cores for the driver's host threads (pocl's workers compute there). The opening
  // thread is pinned to them while OpenCL is initialised, the context and the queues are
  // created, and then gets its affinity back: pocl's worker threads inherit the affinity
  // of the thread that starts them. Empty: no pinning. Like max_compute_units this only
  // takes effect on the process's first initialisation of the driver.
  CoreSet host_cores;
};

class OpenClDevice {
 public:
  // Opens the first device whose label() contains request.device_match (case-insensitive),
  // creates its context and builds our kernels (build log in the error). The error lists
  // the devices found when nothing matches.
  static Result<std::shared_ptr<OpenClDevice>> open(const OpenClDeviceRequest& request);
  ~OpenClDevice();
  OpenClDevice(const OpenClDevice&) = delete;
  OpenClDevice& operator=(const OpenClDevice&) = delete;

  [[nodiscard]] const OpenClDeviceInfo& info() const { return info_; }
  [[nodiscard]] const OpenClDeviceRequest& request() const { return request_; }
  // What of the request could not be applied (e.g. "POCL_MAX_PTHREAD_COUNT was already set
  // to 2 by the user"); empty when everything was.
  [[nodiscard]] const std::string& setup_note() const { return setup_note_; }

  // The OpenCL objects, for the backend's own files (runtime/opencl/device_impl.h).
  struct Impl;
  [[nodiscard]] Impl& impl() const { return *impl_; }

 private:
  OpenClDevice(OpenClDeviceInfo info, OpenClDeviceRequest request, std::string setup_note,
               std::unique_ptr<Impl> impl);

  OpenClDeviceInfo info_;
  OpenClDeviceRequest request_;
  std::string setup_note_;
  std::unique_ptr<Impl> impl_;
};

// One device per device_match per process: returns the device an earlier call opened for
// the same (case-insensitive) match while anything still holds it, else opens it. A later
// request with other max_compute_units or host_cores gets the existing device as it was
// opened (compare its request()): both settings act once per process anyway. Thread-safe.
Result<std::shared_ptr<OpenClDevice>> shared_opencl_device(const OpenClDeviceRequest& request);

}  // namespace specmap::runtime
