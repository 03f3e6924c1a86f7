// Listing and opening OpenCL devices, the process-wide driver settings (pocl's thread count
// and the cores its workers start on), and the registry that shares one device per match.
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "runtime/opencl/device_impl.h"
#include "runtime/opencl/kernels.h"
#include "runtime/opencl/linear_kernels.h"

namespace specmap::runtime {

namespace {

using ocl::cl_check;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string platform_text(cl_platform_id platform, cl_platform_info what) {
  std::size_t size = 0;
  if (clGetPlatformInfo(platform, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return {};
  std::string text(size, '\0');
  if (clGetPlatformInfo(platform, what, size, text.data(), nullptr) != CL_SUCCESS) return {};
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

std::string device_text(cl_device_id device, cl_device_info what) {
  std::size_t size = 0;
  if (clGetDeviceInfo(device, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return {};
  std::string text(size, '\0');
  if (clGetDeviceInfo(device, what, size, text.data(), nullptr) != CL_SUCCESS) return {};
  while (!text.empty() && text.back() == '\0') text.pop_back();
  return text;
}

template <class T>
T device_value(cl_device_id device, cl_device_info what) {
  T value{};
  if (clGetDeviceInfo(device, what, sizeof(value), &value, nullptr) != CL_SUCCESS) return T{};
  return value;
}

struct FoundDevice {
  cl_platform_id platform = nullptr;
  cl_device_id device = nullptr;
  OpenClDeviceInfo info;
};

// Every device of every platform. The first clGetDeviceIDs of the process initialises the
// drivers (pocl starts its worker threads there), see initialise_drivers.
std::vector<FoundDevice> enumerate_devices() {
  std::vector<FoundDevice> found;
  cl_uint platform_count = 0;
  // No ICD or no platform: CL_PLATFORM_NOT_FOUND_KHR or zero platforms, never a crash.
  if (clGetPlatformIDs(0, nullptr, &platform_count) != CL_SUCCESS || platform_count == 0) return found;
  std::vector<cl_platform_id> platforms(platform_count);
  if (clGetPlatformIDs(platform_count, platforms.data(), nullptr) != CL_SUCCESS) return found;
  for (cl_platform_id platform : platforms) {
    cl_uint device_count = 0;
    if (clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, 0, nullptr, &device_count) != CL_SUCCESS) continue;
    std::vector<cl_device_id> devices(device_count);
    if (device_count == 0 ||
        clGetDeviceIDs(platform, CL_DEVICE_TYPE_ALL, device_count, devices.data(), nullptr) != CL_SUCCESS)
      continue;
    const std::string platform_name = platform_text(platform, CL_PLATFORM_NAME);
    for (cl_device_id device : devices) {
      FoundDevice d;
      d.platform = platform;
      d.device = device;
      d.info.platform = platform_name;
      d.info.name = device_text(device, CL_DEVICE_NAME);
      d.info.version = device_text(device, CL_DEVICE_VERSION);
      const auto type = device_value<cl_device_type>(device, CL_DEVICE_TYPE);
      d.info.type = (type & CL_DEVICE_TYPE_GPU)           ? "gpu"
                    : (type & CL_DEVICE_TYPE_CPU)         ? "cpu"
                    : (type & CL_DEVICE_TYPE_ACCELERATOR) ? "accelerator"
                                                          : "other";
      d.info.compute_units = device_value<cl_uint>(device, CL_DEVICE_MAX_COMPUTE_UNITS);
      d.info.global_memory_bytes = device_value<cl_ulong>(device, CL_DEVICE_GLOBAL_MEM_SIZE);
      d.info.host_unified_memory = device_value<cl_bool>(device, CL_DEVICE_HOST_UNIFIED_MEMORY) == CL_TRUE;
      d.info.extensions = device_text(device, CL_DEVICE_EXTENSIONS);
      found.push_back(std::move(d));
    }
  }
  return found;
}

// The driver settings of the process: the first listing or opening initialises the
// drivers, and what pocl reads then (POCL_MAX_PTHREAD_COUNT, the affinity of the thread
// that makes the first clGetDeviceIDs call, which its workers inherit) holds until exit.
struct DriverState {
  std::mutex mutex;
  bool initialised = false;
  std::string note;  // what the first initialisation could not apply
};

DriverState& driver_state() {
  static DriverState state;
  return state;
}

// Runs the process's first OpenCL call under `request`'s settings; later calls only note
// what they could not change. Returns the note for this request.
std::string initialise_drivers(const OpenClDeviceRequest* request) {
  DriverState& state = driver_state();
  std::lock_guard<std::mutex> lock(state.mutex);
  std::string note;
  if (state.initialised) {
    if (request != nullptr && (request->max_compute_units > 0 || !request->host_cores.empty()))
      note = "OpenCL was already initialised in this process, so max_compute_units and host_cores of this "
             "request could not take effect (they act on the process's first OpenCL initialisation)";
    return note;
  }
  state.initialised = true;
  if (request != nullptr && request->max_compute_units > 0) {
    const std::string count = std::to_string(request->max_compute_units);
    if (const char* user = std::getenv("POCL_MAX_PTHREAD_COUNT"); user != nullptr) {
      if (count != user) note = "POCL_MAX_PTHREAD_COUNT is set to " + std::string(user) + " by the environment, "
                                "which wins over max_compute_units " + count;
    } else {
      setenv("POCL_MAX_PTHREAD_COUNT", count.c_str(), 0);
    }
  }
  ScopedAffinityRestore restore;
  if (request != nullptr && !request->host_cores.empty()) {
    if (Status s = pin_current_thread(request->host_cores); !s)
      note += (note.empty() ? "" : "; ") + ("host cores not applied: " + s.error().message);
  }
  (void)enumerate_devices();  // initialises every driver while pinned
  state.note = note;
  return note;
}

std::string device_list_text(const std::vector<FoundDevice>& found) {
  if (found.empty()) return "no OpenCL platform or device was found (is an ICD such as pocl-opencl-icd installed?)";
  std::string text = "devices found:";
  for (const FoundDevice& d : found) text += " '" + d.info.label() + "' (" + d.info.type + ");";
  text.pop_back();
  return text;
}

Status build_program(OpenClDevice::Impl& impl) {
  const std::string_view sources[] = {ocl::kernel_source(), ocl::linear_kernel_source()};
  const char* texts[] = {sources[0].data(), sources[1].data()};
  const std::size_t lengths[] = {sources[0].size(), sources[1].size()};
  cl_int err = CL_SUCCESS;
  impl.program.reset(clCreateProgramWithSource(impl.context.get(), 2, texts, lengths, &err));
  if (Status s = cl_check(err, "clCreateProgramWithSource"); !s) return s;
  err = clBuildProgram(impl.program.get(), 1, &impl.device, "", nullptr, nullptr);
  if (err != CL_SUCCESS) {
    std::string log;
    std::size_t size = 0;
    if (clGetProgramBuildInfo(impl.program.get(), impl.device, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size) ==
            CL_SUCCESS &&
        size > 0) {
      log.resize(size);
      clGetProgramBuildInfo(impl.program.get(), impl.device, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr);
      while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
    }
    return Error{"OpenCL: building the runtime's kernels failed: " + ocl::cl_error_text(err) + "\nbuild log:\n" +
                 log};
  }
  return {};
}

}  // namespace

bool opencl_built() { return true; }
std::string opencl_unavailable_reason() { return {}; }

bool OpenClDeviceInfo::is_pocl() const {
  return lower(platform).find("portable computing language") != std::string::npos ||
         lower(version).find("pocl") != std::string::npos;
}

std::vector<OpenClDeviceInfo> list_opencl_devices() {
  (void)initialise_drivers(nullptr);
  std::vector<OpenClDeviceInfo> out;
  for (FoundDevice& d : enumerate_devices()) out.push_back(std::move(d.info));
  return out;
}

OpenClDevice::OpenClDevice(OpenClDeviceInfo info, OpenClDeviceRequest request, std::string setup_note,
                           std::unique_ptr<Impl> impl)
    : info_(std::move(info)), request_(std::move(request)), setup_note_(std::move(setup_note)),
      impl_(std::move(impl)) {}

OpenClDevice::~OpenClDevice() = default;

Result<std::shared_ptr<OpenClDevice>> OpenClDevice::open(const OpenClDeviceRequest& request) {
  std::string note = initialise_drivers(&request);
  const std::vector<FoundDevice> found = enumerate_devices();
  const std::string match = lower(request.device_match);
  const FoundDevice* chosen = nullptr;
  for (const FoundDevice& d : found)
    if (lower(d.info.label()).find(match) != std::string::npos) {
      chosen = &d;
      break;
    }
  if (chosen == nullptr)
    return Error{"no OpenCL device matches '" + request.device_match + "': " + device_list_text(found)};

  auto impl = std::make_unique<Impl>();
  impl->platform = chosen->platform;
  impl->device = chosen->device;
  impl->max_work_group_size = device_value<std::size_t>(chosen->device, CL_DEVICE_MAX_WORK_GROUP_SIZE);
  impl->local_memory_bytes = device_value<cl_ulong>(chosen->device, CL_DEVICE_LOCAL_MEM_SIZE);
  {
    // Some drivers start helper threads with the context: keep them on the host cores too.
    ScopedAffinityRestore restore;
    if (!request.host_cores.empty()) (void)pin_current_thread(request.host_cores);
    const cl_context_properties properties[] = {CL_CONTEXT_PLATFORM,
                                                reinterpret_cast<cl_context_properties>(chosen->platform), 0};
    cl_int err = CL_SUCCESS;
    impl->context.reset(clCreateContext(properties, 1, &impl->device, nullptr, nullptr, &err));
    if (Status s = cl_check(err, "clCreateContext for '" + chosen->info.label() + "'"); !s) return s.error();
    if (Status s = build_program(*impl); !s) return s.error();
  }
  if (request.max_compute_units > 0 && !chosen->info.is_pocl()) {
    note += (note.empty() ? "" : "; ") + std::string("max_compute_units only acts on pocl; '") +
            chosen->info.label() + "' uses all its compute units";
  }
  return std::shared_ptr<OpenClDevice>(new OpenClDevice(chosen->info, request, std::move(note), std::move(impl)));
}

Result<std::shared_ptr<OpenClDevice>> shared_opencl_device(const OpenClDeviceRequest& request) {
  static std::mutex mutex;
  static std::map<std::string, std::weak_ptr<OpenClDevice>> devices;
  std::lock_guard<std::mutex> lock(mutex);
  std::weak_ptr<OpenClDevice>& slot = devices[lower(request.device_match)];
  if (std::shared_ptr<OpenClDevice> existing = slot.lock()) return existing;
  auto opened = OpenClDevice::open(request);
  if (!opened) return opened.error();
  slot = *opened;
  return opened;
}

}  // namespace specmap::runtime
