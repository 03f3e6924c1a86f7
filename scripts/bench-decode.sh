#!/usr/bin/env bash
# Builds and runs the decode benchmark: decode and verification steps of host-target-110m on
# the CPU executor (BM_Step/<model>/<dtype>/rows:<r>: f32, f16, q8_0, q4_0 weights, 1..16
# rows, one core) beside this machine's memory bandwidth, measured in the same run. Writes
# results/bench/decode.json (Google Benchmark JSON) and results/bench/decode.md (medians of
# five repetitions, the machine, each step's weight bandwidth against the triad's and its
# time against one row's).
#   BUILD_DIR   build folder (default: build)
#   JOBS        parallel build jobs (default: 2)
# Keep the machine otherwise idle: both figures are bandwidth-bound.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-build}"
case "$build" in /*) ;; *) build="$root/$build" ;; esac
out="$root/results/bench/decode.json"

cmake -S "$root" -B "$build" -DSPECMAP_BENCH=ON >/dev/null
cmake --build "$build" -j"${JOBS:-2}" --target decode_bench
mkdir -p "$(dirname "$out")"
"$build/decode_bench" \
  --benchmark_repetitions=5 \
  --benchmark_report_aggregates_only=true \
  --benchmark_out="$out" \
  --benchmark_out_format=json \
  "$@" >/dev/null

python3 - "$out" "${out%.json}.md" <<'PY'
import json
import sys

with open(sys.argv[1]) as f:
    report = json.load(f)
ctx = report.get("context", {})
cpu_model = "unknown CPU"
try:
    with open("/proc/cpuinfo") as f:
        cpu_model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), cpu_model)
except OSError:
    pass
rows, steps, triad, peaks = [], {}, None, {}
medians = [b for b in report.get("benchmarks", []) if b.get("aggregate_name") == "median"]
for b in medians:
    if b["run_name"].startswith("BM_MemoryTriad"):
        triad = b.get("bytes_per_second")
    for peak in ("BM_PeakF32Fma", "BM_PeakBf16Dot", "BM_PeakInt8Dot"):
        if b["run_name"].startswith(peak) and b.get("macs_per_second"):
            peaks[peak] = b["macs_per_second"]
    if b["run_name"].startswith(("BM_Step/", "BM_StepOpenCL/")):
        steps[b["run_name"]] = b
# The instruction each stored type's products run: f16 and bf16 weights are widened to f32
# for FMAs (bf16 takes VDPBF16PS where the kernels use it: BM_PeakBf16Dot ran), q8_0 / q4_0
# take the int8 dot.
peak_of = {"f32": "BM_PeakF32Fma", "f16": "BM_PeakF32Fma",
           "bf16": "BM_PeakBf16Dot" if "BM_PeakBf16Dot" in peaks else "BM_PeakF32Fma",
           "q8_0": "BM_PeakInt8Dot", "q4_0": "BM_PeakInt8Dot"}
step_rows = []
for name, b in steps.items():
    # rows:1 of the same model and type (names may carry a suffix such as /real_time).
    prefix, rest = name.rsplit("/rows:", 1)
    suffix = rest[len(rest.split("/", 1)[0]):]
    one = steps.get(prefix + "/rows:1" + suffix)
    vs_one = f"{b['real_time'] / one['real_time']:.2f}" if one else ""
    # The physical floor of this ratio: max(1, this step's MACs at the core's peak / rows:1's
    # weight bytes at the triad). The measured ratio above it is the kernels' part of the gap.
    floor = ""
    peak = peaks.get(peak_of.get(prefix.rsplit("/", 1)[-1], ""))
    if one and peak and triad and "macs_per_step" in b and "weight_bytes_per_step" in one:
        floor = f"{max(1.0, (b['macs_per_step'] / peak) / (one['weight_bytes_per_step'] / triad)):.2f}"
    share = f"{b['bytes_per_second'] / triad:.2f}" if triad and "bytes_per_second" in b else ""
    split = " | ".join(f"{b[k]:.2f}" if k in b else "" for k in ("matmul_ms", "attention_ms", "other_ms"))
    step_rows.append(f"| {name} | {b['real_time']:.2f} ms | {b.get('bytes_per_second', 0) / 1e9:.1f} GB/s | {share} | {vs_one} | {floor} | {split} |")
for b in medians:
    name = b["run_name"]
    gbs = lambda key: f"{b[key] / 1e9:.1f} GB/s" if key in b else ""
    if name.startswith(("BM_Step/", "BM_StepOpenCL/")):
        continue
    if name.startswith("BM_Peak"):
        macs = f"{b['macs_per_second'] / 1e9:.1f} G MAC/s" if "macs_per_second" in b else "skipped"
        rows.append(f"| {name} ({b.get('label', '')}) | {b['real_time']:.2f} {b.get('time_unit', 'ms')} | {macs} | |")
    elif name.startswith("BM_TiedHeadRows") or name.startswith("BM_Linear"):
        rows.append(f"| {name} | {b['real_time']:.2f} {b.get('time_unit', 'ms')} | | |")
    elif name.startswith("BM_Decode"):
        ratio = f"{b['ratio_to_triad']:.2f}" if "ratio_to_triad" in b else ""
        rows.append(f"| {name} | {b['ms_per_token']:.2f} ms/token | {gbs('decode_bytes_per_second')} | {ratio} |")
    else:
        rows.append(f"| {name} | {b['real_time']:.2f} {b.get('time_unit', 'ms')} | {gbs('best_bytes_per_second')} | |")
text = (
    "# Decode benchmark\n\n"
    f"Written by `scripts/bench-decode.sh` on {cpu_model}, {ctx.get('num_cpus', '?')} CPUs, "
    f"{ctx.get('date', '')} (Google Benchmark, medians of 5 repetitions). Raw output: `decode.json`.\n\n"
    "Decode: one token of host-target-110m (109.8M f32 parameters, KV cache, context 64, synthetic "
    "weights); its bandwidth is the weight bytes one step streams over the time per token. The ratio is "
    "that over the best single-thread triad bandwidth measured in the same run (target: at least 0.70 "
    "on one core). BM_TiedHeadRows/<r>: the same model's 32000 x 768 LM head for r rows, one BLAS "
    "thread (a no-cache verification samples gamma + 1 rows). BM_SampleRows/rows:<r>: softmax (double "
    "precision) and argmax of r rows of a 32000-token vocabulary on one thread, what a verification "
    "does with its logits. BM_Peak*: one core's multiply-accumulate "
    "peak in the instructions of the kernel set the dispatcher picked (many independent chains).\n\n"
    "| benchmark | time | bandwidth | decode / triad |\n|---|---:|---:|---:|\n" + "\n".join(rows) + "\n\n"
    "Steps: BM_Step/<model>/<dtype>/rows:<r> is one decode (r = 1) or verification step of r rows at "
    "context 64 with a KV cache on one core, weights stored in that type; bandwidth is the weight bytes "
    "the step streams over its time (targets: rows:1 at least 0.80 of the triad for f32 and f16, 0.70 "
    "for q8_0 and q4_0; rows:9 at most 1.25 times rows:1); matmul, attention and other: where the step's "
    "time goes, ms per step (the products, attention over the cache, the rest). BM_LinearF32Rows: a "
    "2048 x 768 f32 product through the kernels and through OpenBLAS, where linear() switches to "
    "OpenBLAS; BM_LinearRows/<dtype>/rows:<r>: the same shape in each stored type through the kernels "
    "alone. Floor: the least / rows:1 this CPU allows whatever the kernel, max(1, the step's MACs at "
    "the BM_Peak* figure of its type / rows:1's weight bytes at the triad); / rows:1 above the floor is "
    "the kernels' share of the gap, the floor above 1 the CPU's (a rows:1 short of the triad lets the "
    "ratio sit below its floor).\n\n"
    "| step | time | weight bandwidth | / triad | / rows:1 | floor | matmul ms | attention ms | other ms |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    + "\n".join(step_rows) + "\n")
with open(sys.argv[2], "w") as f:
    f.write(text)
sys.stdout.write(text)
PY
