#include "runtime/cpu/core_set.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

namespace specmap::runtime {

namespace {

cpu_set_t to_cpu_set(const std::vector<int>& cores) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int core : cores)
    if (core >= 0 && core < CPU_SETSIZE) CPU_SET(core, &set);
  return set;
}

std::vector<int> from_cpu_set(const cpu_set_t& set) {
  std::vector<int> cores;
  for (int core = 0; core < CPU_SETSIZE; ++core)
    if (CPU_ISSET(core, &set)) cores.push_back(core);
  return cores;
}

// The calling thread's affinity as this module last read or set it. A decode loop pins and
// restores its thread around every pass, and on a virtual machine each affinity system call
// costs microseconds (2-4 us each, measured on the development VM), as much as a small
// drafter's whole step; with the mask known, a pin to where the thread already is, and a
// restore to where it already is, cost nothing. Only this module changes the affinity of
// the threads that run models, so the remembered mask stays true.
thread_local std::vector<int> known_affinity;
thread_local bool affinity_known = false;

std::vector<int> current_thread_cores() {
  if (affinity_known) return known_affinity;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0) return {};
  known_affinity = from_cpu_set(set);
  affinity_known = true;
  return known_affinity;
}

Status set_thread_affinity(const std::vector<int>& cores) {
  if (affinity_known && known_affinity == cores) return {};
  cpu_set_t set = to_cpu_set(cores);
  const int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (rc != 0) return Error{std::strerror(rc)};
  // The kernel may narrow the mask (to the process's cpuset); asking for the same mask again
  // gives the same result, so the request is what is remembered.
  known_affinity = cores;
  affinity_known = true;
  return {};
}

}  // namespace

std::string CoreSet::to_string() const {
  std::string text = "{";
  for (std::size_t i = 0; i < cores.size(); ++i) {
    if (i > 0) text += ",";
    text += std::to_string(cores[i]);
  }
  return text + "}";
}

CoreSet make_core_set(std::vector<int> cores) {
  std::sort(cores.begin(), cores.end());
  cores.erase(std::unique(cores.begin(), cores.end()), cores.end());
  return CoreSet{std::move(cores)};
}

std::vector<int> parse_cpu_list(const std::string& text) {
  std::istringstream ranges(text);
  std::string range;
  std::vector<int> cores;
  while (std::getline(ranges, range, ',')) {
    int first = -1, last = -1;
    char dash = 0;
    std::istringstream parts(range);
    if (!(parts >> first) || first < 0) break;
    last = (parts >> dash >> last && dash == '-') ? last : first;
    for (int core = first; core <= last && core < CPU_SETSIZE; ++core) cores.push_back(core);
  }
  std::sort(cores.begin(), cores.end());
  cores.erase(std::unique(cores.begin(), cores.end()), cores.end());
  return cores;
}

std::vector<int> online_cores() {
  std::ifstream file("/sys/devices/system/cpu/online");
  std::string text;
  std::vector<int> cores;
  if (file && std::getline(file, text)) cores = parse_cpu_list(text);
  if (!cores.empty()) return cores;
  return current_thread_cores();
}

Status check_core_set(const CoreSet& cores) {
  if (cores.empty()) return Error{"core set is empty"};
  const std::vector<int> online = online_cores();
  for (int core : cores.cores) {
    if (!std::binary_search(online.begin(), online.end(), core))
      return Error{"core " + std::to_string(core) + " of core set " + cores.to_string() + " is not online"};
  }
  return {};
}

Status pin_current_thread(const CoreSet& cores) {
  if (cores.empty()) return Error{"cannot pin a thread to an empty core set"};
  if (Status s = set_thread_affinity(cores.cores); !s)
    return Error{"pinning the thread to cores " + cores.to_string() + " failed: " + s.error().message};
  return {};
}

ScopedAffinityRestore::ScopedAffinityRestore() : saved_(current_thread_cores()) {}

ScopedAffinityRestore::~ScopedAffinityRestore() {
  if (saved_.empty()) return;
  (void)set_thread_affinity(saved_);
}

}  // namespace specmap::runtime
