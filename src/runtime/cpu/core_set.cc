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

std::vector<int> current_thread_cores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) != 0) return {};
  return from_cpu_set(set);
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
  cpu_set_t set = to_cpu_set(cores.cores);
  int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
  if (rc != 0)
    return Error{"pinning the thread to cores " + cores.to_string() + " failed: " + std::strerror(rc)};
  return {};
}

ScopedAffinityRestore::ScopedAffinityRestore() : saved_(current_thread_cores()) {}

ScopedAffinityRestore::~ScopedAffinityRestore() {
  if (saved_.empty()) return;
  cpu_set_t set = to_cpu_set(saved_);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

}  // namespace specmap::runtime
