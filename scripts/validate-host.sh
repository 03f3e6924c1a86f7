#!/usr/bin/env bash
# Measures the cost model's deviation on this machine and writes results/validation/host/:
#   1. `specmap profile` measures each validation experiment's models (its own run);
#   2. `specmap validate` predicts every case from those profiles, runs the cases and
#      compares (a second, separate run: never the measurements it is compared with).
# Two draft/target pairs (110M/20M and 40M/8M parameters), with and without a KV cache.
# Then speedup versus alpha (the paper's Fig. 7) in $OUT/speedup-vs-alpha.
# Takes about 20-25 minutes on a 2-core machine; keep the machine otherwise idle.
#   OUT   output folder (default: results/validation/host)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

out="${OUT:-results/validation/host}"
profiles="$out/profiles"
experiments=(
  configs/experiments/host-validate-110m-kv.yaml
  configs/experiments/host-validate-110m-nokv.yaml
  configs/experiments/host-validate-40m-kv.yaml
  configs/experiments/host-validate-40m-nokv.yaml
)

install_dependencies
build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo

SECONDS=0
for experiment in "${experiments[@]}"; do
  name="$(basename "$experiment" .yaml)"
  log "profile $name"
  # Every verification length gamma + 1 up to gamma 8 is measured, not interpolated.
  build/specmap profile "$experiment" --out "$profiles/$name" --new-tokens 1,2,3,4,5,6,7,8,9,16,32
done
profile_seconds=$SECONDS

SECONDS=0
log "validate ${experiments[*]}"
# c versus prompt length (the paper's Fig. 6) at prompts the profiles cover.
build/specmap validate "${experiments[@]}" --profiles "$profiles" --out "$out" --c-prompts 4,8,16,32
validate_seconds=$SECONDS
printf 'profiling took %d s, validation %d s\n' "$profile_seconds" "$validate_seconds" | tee "$out/duration.txt"

# Speedup versus controlled alpha for several gamma (the paper's Fig. 7) on the smaller pair.
log "validate host-validate-40m-kv over alpha"
build/specmap validate configs/experiments/host-validate-40m-kv.yaml --profiles "$profiles" \
  --out "$out/speedup-vs-alpha" --gammas 0,2,4,8 --alphas 0.5,0.7,0.9 --prompts 2
