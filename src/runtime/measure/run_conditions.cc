#include "runtime/measure/run_conditions.h"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

namespace specmap::runtime {

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) return {};
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

Seconds seconds_of(const timeval& t) {
  return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
}

}  // namespace

void parse_proc_stat(const std::string& text, double ticks_per_second, std::vector<double>& busy,
                     std::vector<double>& steal) {
  busy.clear();
  steal.clear();
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    // "cpu0 user nice system idle iowait irq softirq steal guest guest_nice"; the "cpu " total is skipped.
    if (line.size() < 4 || line.compare(0, 3, "cpu") != 0 || line[3] < '0' || line[3] > '9') continue;
    std::istringstream fields(line.substr(3));
    long id = -1;
    double user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, stolen = 0;
    fields >> id >> user >> nice >> system >> idle >> iowait >> irq >> softirq;
    if (!fields || id < 0 || id > 4096) continue;
    if (!(fields >> stolen)) stolen = 0;
    if (busy.size() <= static_cast<std::size_t>(id)) {
      busy.resize(static_cast<std::size_t>(id) + 1, -1);
      steal.resize(static_cast<std::size_t>(id) + 1, -1);
    }
    busy[static_cast<std::size_t>(id)] = (user + nice + system + irq + softirq) / ticks_per_second;
    steal[static_cast<std::size_t>(id)] = stolen / ticks_per_second;
  }
}

MachineSample sample_machine() {
  MachineSample s;
  s.wall = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) == 0)
    s.process_cpu = seconds_of(usage.ru_utime) + seconds_of(usage.ru_stime);
  const long ticks = sysconf(_SC_CLK_TCK);
  parse_proc_stat(read_text("/proc/stat"), ticks > 0 ? static_cast<double>(ticks) : 100.0, s.busy, s.steal);
  std::istringstream load(read_text("/proc/loadavg"));
  if (!(load >> s.load_average)) s.load_average = -1;
  s.frequency_mhz.assign(s.busy.size(), -1);
  for (std::size_t cpu = 0; cpu < s.busy.size(); ++cpu) {
    std::istringstream f(
        read_text("/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/cpufreq/scaling_cur_freq"));
    double khz = 0;
    if (f >> khz && khz > 0) s.frequency_mhz[cpu] = khz / 1e3;
  }
  return s;
}

RunConditions conditions_between(const MachineSample& before, const MachineSample& after,
                                 const std::vector<int>& cores) {
  RunConditions c;
  c.wall = after.wall - before.wall;
  c.process_cpu = std::max(0.0, after.process_cpu - before.process_cpu);
  c.load_average = after.load_average;
  std::vector<int> ids = cores;
  if (ids.empty())
    for (std::size_t i = 0; i < after.busy.size(); ++i) ids.push_back(static_cast<int>(i));
  double frequency = 0;
  int frequencies = 0;
  std::size_t read = 0;
  for (int id : ids) {
    const auto i = static_cast<std::size_t>(id);
    if (id < 0 || i >= before.busy.size() || i >= after.busy.size()) continue;
    if (before.busy[i] < 0 || after.busy[i] < 0) continue;
    ++read;
    c.cores_busy += std::max(0.0, after.busy[i] - before.busy[i]);
    c.steal += std::max(0.0, after.steal[i] - before.steal[i]);
    for (const MachineSample* s : {&before, &after})
      if (i < s->frequency_mhz.size() && s->frequency_mhz[i] > 0) {
        frequency += s->frequency_mhz[i];
        ++frequencies;
      }
  }
  c.proc_stat_readable = read > 0 && read == ids.size();
  if (frequencies > 0) c.frequency_mhz = frequency / frequencies;
  if (c.proc_stat_readable) {
    // The process may also run on cores outside the set (pocl's threads, say): its whole CPU
    // time is subtracted, so the figure errs towards "undisturbed".
    c.others_busy = std::max(0.0, c.cores_busy - c.process_cpu);
    const double capacity = c.wall * static_cast<double>(read);
    c.others_share = capacity > 0 ? c.others_busy / capacity : 0;
    c.disturbed = c.others_share > kDisturbedShare;
  }
  return c;
}

}  // namespace specmap::runtime
