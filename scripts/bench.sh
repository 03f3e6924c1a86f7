#!/usr/bin/env bash
# Builds and runs the search benchmarks; writes results/bench/search.json (Google
# Benchmark JSON) and results/bench/search.md (the medians of five repetitions, with
# the machine they were measured on), and prints the same table.
#   BUILD_DIR   build folder (default: build)
#   JOBS        parallel build jobs (default: 2)
# Extra arguments go to the benchmark program (e.g. --benchmark_filter=Paper).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
out="$root/results/bench/search.json"

cmake -S "$root" -B "$build" >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target search_bench
mkdir -p "$(dirname "$out")"

console="$(mktemp)"
trap 'rm -f "$console"' EXIT
"$build/search_bench" \
  --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" \
  --benchmark_out_format=json \
  "$@" | tee "$console" >/dev/null

if ! command -v python3 >/dev/null 2>&1; then
  cat "$console"
  echo "results: $out"
  exit 0
fi

python3 - "$out" "${out%.json}.md" <<'PY'
import json
import sys

with open(sys.argv[1]) as f:
    report = json.load(f)
ctx = report.get("context", {})
lines = []
def print(text):  # noqa: A001 - the table goes to the terminal and to search.md
    lines.append(text)
    sys.stdout.write(text + "\n")
cpu_model = "unknown CPU"
try:
    with open("/proc/cpuinfo") as f:
        cpu_model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu_model)
except OSError:
    pass
print(f"{cpu_model}, {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
      f"library build {ctx.get('library_build_type', '?')}, {ctx.get('date', '')}")
print(f"{'benchmark (median of repetitions)':58} {'real':>12} {'cpu':>12}  counters")
for b in report.get("benchmarks", []):
    if b.get("aggregate_name") != "median":
        continue
    unit = b.get("time_unit", "ns")
    name = b["run_name"]
    counters = []
    for key in ("evaluated", "ranked", "space_size", "nodes", "feasible", "feasible_best"):
        if key in b:
            value = b[key]
            counters.append(f"{key}={value:.4g}" if isinstance(value, float) else f"{key}={value}")
    print(f"{name:58} {b['real_time']:9.3f} {unit:>2} {b['cpu_time']:9.3f} {unit:>2}  {' '.join(counters)}")
for b in report.get("benchmarks", []):
    if b.get("aggregate_name") == "BigO":
        unit = b.get("time_unit", "ns")
        print(f"{b['name']:58} complexity {b.get('big_o', '?')}, "
              f"coefficient {b.get('real_coefficient', 0):.4g} {unit}")
print(f"results: {sys.argv[1]}")
with open(sys.argv[2], "w") as f:
    f.write("# Search benchmarks\n\nWritten by `scripts/bench.sh` (Google Benchmark, medians of 5 repetitions, "
            "wall-clock `real` and process `cpu` time). Raw output: `search.json`.\n\n```\n")
    f.write("\n".join(lines) + "\n```\n")
PY
