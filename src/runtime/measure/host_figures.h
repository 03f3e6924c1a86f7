#pragma once
// `specmap detect`'s measurements of this host, as figures for draft_soc_yaml: per cluster
// the triad on one core and on all its cores and the single-core SGEMM peak; the triad on
// every online core; per OpenCL device the probe of runtime/opencl/device_probe.h.
#include <functional>
#include <string>
#include <vector>

#include "runtime/measure/host_detect.h"

namespace specmap::runtime {

struct HostMeasureOptions {
  bool quick = false;  // small sizes and fewer repetitions: well under a second per figure
  // Called before each measurement with what is measured (progress for the user).
  std::function<void(const std::string&)> on_step;
};

// Measures what `host` lists on the live system. A cluster whose cores are not all online
// here (a description read from another root) or a device that cannot be opened is skipped
// with a note in HostFigures::notes.
HostFigures measure_host(const HostInfo& host, const std::vector<OpenClDeviceInfo>& devices,
                         const HostMeasureOptions& options);

}  // namespace specmap::runtime
