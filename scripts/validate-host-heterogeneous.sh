#!/usr/bin/env bash
# Measures the cost model's deviation on this machine with two PUs, one CPU core and pocl's
# OpenCL device held to the other core, and writes results/validation/host-heterogeneous/:
#   1. `specmap profile` measures draft and target on both PUs, the copies between them over
#      a range of sizes, and each PU's slowdown while the other one is busy (its own run);
#   2. `specmap validate` predicts every case from that profile, runs the cases and compares:
#      drafter on OpenCL with the target on the CPU, the reverse, both on each, a split (the
#      target's embedding on the OpenCL device, its blocks and head on the CPU) and the
#      search's pick, over gamma 0..8, sequential and overlapped (where draft and target sit
#      on different PUs).
# Four repetitions per case (two per half of the noise floor): about 6 of its 10 minutes.
# Keep the machine otherwise idle: both cores are in use.
#   OUT   output folder (default: results/validation/host-heterogeneous)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

out="${OUT:-results/validation/host-heterogeneous}"
profiles="$out/profiles"
experiment=configs/experiments/host-hetero-40m-kv.yaml
name="$(basename "$experiment" .yaml)"

install_dependencies
build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo

SECONDS=0
log "profile $name"
build/specmap profile "$experiment" --out "$profiles/$name" --new-tokens 1,2,3,4,5,6,7,8,9,32
profile_seconds=$SECONDS

SECONDS=0
log "validate $name"
build/specmap validate "$experiment" --profiles "$profiles" --out "$out" \
  --schedules sequential,overlapped --mapping "ocl -> ocl:embedding cpu:block.0..head" \
  --prompts 1 --repetitions 4
validate_seconds=$SECONDS
printf 'profiling took %d s, validation %d s\n' "$profile_seconds" "$validate_seconds" | tee "$out/duration.txt"
