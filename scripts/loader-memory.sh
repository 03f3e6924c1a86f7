#!/usr/bin/env bash
# Measures the loaders on large inputs: peak resident memory (as a multiple of the input's
# size) and wall time of `specmap check` on an experiment whose target is a generated model
# YAML in subgraph form, and on one whose profile is a generated Google Benchmark JSON, each
# about MEGABYTES (default 10) large. The targets (docs/formats.md#limits): at most 10x the
# input's size, under 5 s for 10 MB.
#   scripts/loader-memory.sh [MEGABYTES]
# Uses build/specmap (built if missing); writes its inputs under build/loader-memory/ and a
# table to build/loader-memory/summary.md.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

megabytes="${1:-10}"
install_missing time python3
[ -x build/specmap ] || build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
work=build/loader-memory
mkdir -p "$work"

log "generating ${megabytes} MB inputs in $work/"
/usr/bin/python3 - "$work" "$megabytes" "$SPECMAP_ROOT" <<'EOF'
import os, sys
work, megabytes, root = sys.argv[1], float(sys.argv[2]), sys.argv[3]
target = int(megabytes * 1e6)

# A model in subgraph form: a chain of decoder blocks, each with the ops of a Llama block.
with open(f"{work}/big-model.yaml", "w") as f:
    f.write("version: 1\nname: big-model\nsubgraphs:\n")
    f.write("  - name: embedding\n    kind: embedding\n    output_bytes_per_token: 2048\n    ops:\n"
            "      - {name: embed, kind: embedding, dtype: f32, vocab: 32000, width: 512}\n")
    i, prev = 0, "embedding"
    while f.tell() < target:
        name = f"block.{i}"
        f.write(f"  - name: {name}\n    kind: decoder_block\n    inputs: [{prev}]\n"
                f"    output_bytes_per_token: 2048\n    ops:\n"
                "      - {name: attn_norm, kind: norm, width: 512}\n"
                "      - {name: q, kind: matmul, dtype: f32, in_features: 512, out_features: 512}\n"
                "      - {name: k, kind: matmul, dtype: f32, in_features: 512, out_features: 256}\n"
                "      - {name: v, kind: matmul, dtype: f32, in_features: 512, out_features: 256}\n"
                "      - {name: attn, kind: attention, heads: 8, kv_heads: 4, head_dim: 64, kv_dtype: f32}\n"
                "      - {name: o, kind: matmul, dtype: f32, in_features: 512, out_features: 512}\n"
                "      - {name: ffn_norm, kind: norm, width: 512}\n"
                "      - {name: gate, kind: matmul, dtype: f32, in_features: 512, out_features: 1408}\n"
                "      - {name: up, kind: matmul, dtype: f32, in_features: 512, out_features: 1408}\n"
                "      - {name: act, kind: elementwise, width: 1408, flops_per_element: 5}\n"
                "      - {name: down, kind: matmul, dtype: f32, in_features: 1408, out_features: 512}\n")
        prev, i = name, i + 1
    f.write(f"  - name: head\n    kind: head\n    inputs: [{prev}]\n    shares_weights_with: embedding\n"
            "    output_bytes_per_token: 128000\n    ops:\n"
            "      - {name: lm_head, kind: matmul, dtype: f32, in_features: 512, out_features: 32000}\n")

# A Google Benchmark JSON profile of the target's forward pass at many (n, ctx) points.
with open(f"{work}/big-profile.json", "w") as f:
    f.write('{\n  "context": {"date": "2026-01-01T00:00:00+00:00", "num_cpus": 2},\n  "benchmarks": [\n')
    n, ctx, first = 1, 0, True
    while f.tell() < target:
        name = f"specmap/forward/host-target-40m/forward/cpu/units:1/n:{n}/ctx:{ctx}/repeats:1/manual_time"
        f.write(("" if first else ",\n") +
                f'    {{"name": "{name}", "run_name": "{name}", "run_type": "iteration", "repetitions": 1, '
                f'"repetition_index": 0, "threads": 1, "iterations": 1, "real_time": {1.0 + n * 0.01 + ctx * 1e-4}, '
                f'"cpu_time": {1.0 + n * 0.01}, "time_unit": "ms"}}')
        first = False
        ctx += 1
        if ctx > 4096: n, ctx = n + 1, 0
    f.write("\n  ]\n}\n")

configs = os.path.join(root, "configs")
common = (f"soc: {configs}/soc/host.yaml\ndraft: {configs}/models/host-draft-8m.yaml\n"
          f"workload: {configs}/workloads/host-short.yaml\n")
with open(f"{work}/big-model-experiment.yaml", "w") as f:
    f.write(f"version: 1\nname: big-model\n{common}target: big-model.yaml\n")
with open(f"{work}/big-profile-experiment.yaml", "w") as f:
    f.write(f"version: 1\nname: big-profile\n{common}target: {configs}/models/host-target-40m.yaml\n"
            "profiles: [big-profile.json]\n")
EOF

summary=$work/summary.md
{
  echo "\`scripts/loader-memory.sh $megabytes\`: $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| input | size (MB) | peak RSS (MB) | (RSS - program) / size | wall (s) | CPU (s) | exit |"
  echo "|---|---|---|---|---|---|---|"
} >"$summary"
# The memory of the program without the input: the same check on the committed experiment.
baseline_kb=0
for kind in baseline model profile; do
  if [ "$kind" = baseline ]; then experiment=configs/experiments/host-small.yaml input=""
  else experiment=$work/big-$kind-experiment.yaml input=$work/big-$kind.$([ "$kind" = model ] && echo yaml || echo json); fi
  rc=0
  /usr/bin/time -v build/specmap check "$experiment" >"$work/$kind.out" 2>"$work/$kind.time" || rc=$?
  rss_kb=$(sed -nE 's/.*Maximum resident set size \(kbytes\): ([0-9]+)/\1/p' "$work/$kind.time")
  wall=$(sed -nE 's/.*Elapsed \(wall clock\) time.*: (.*)/\1/p' "$work/$kind.time" |
    awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
  cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { printf "%.2f", s }' "$work/$kind.time")
  if [ "$kind" = baseline ]; then
    baseline_kb=$rss_kb
    echo "| (committed host-small experiment: the program's own memory) | - | $((rss_kb / 1024)) | - | $wall | $cpu | $rc |" >>"$summary"
    continue
  fi
  bytes=$(stat -c %s "$input")
  # The input's share: peak RSS above the baseline's, over the file's size.
  ratio=$(awk -v r="$rss_kb" -v b="$baseline_kb" -v s="$bytes" 'BEGIN { printf "%.1f", (r - b) * 1024 / s }')
  printf '| %s | %.1f | %d | %s | %s | %s | %d |\n' "$(basename "$input")" "$(awk -v s="$bytes" 'BEGIN{print s/1e6}')" \
    $((rss_kb / 1024)) "$ratio" "$wall" "$cpu" "$rc" >>"$summary"
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$summary"
cat "$summary"
# The targets: the input's share of memory at most 10x its size, a 10 MB input in under 5 s.
awk -F'|' -v mb="$megabytes" 'NR > 5 && $2 ~ /big-/ { if ($5 + 0 > 10) { print "over 10x:" $2; bad = 1 }
  if (mb <= 10 && $7 + 0 > 5) { print "over 5 s of CPU:" $2; bad = 1 } if ($8 + 0 != 0) { print "failed:" $2; bad = 1 } }
  END { exit bad }' "$summary" || die "a loader misses its target (see $summary)"
