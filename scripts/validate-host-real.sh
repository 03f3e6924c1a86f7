#!/usr/bin/env bash
# Validates the cost model on this machine with the real Brown pair (models/: the F16 drafter
# for the F32 or the Q8_0 target) and measured acceptance, and writes results/validation/host-real/:
#   1. `specmap acceptance` measures the pair's acceptance on the training prompt set
#      (models/prompts-train.txt, each prompt's first 8 tokens) for every experiment, and on
#      the held-out set (models/prompts-heldout.txt) for the KV-cache ones;
#   2. `specmap profile` measures each validation experiment's models (its own run);
#   3. `specmap validate` runs held-out prompts on 1 and 2 cores, gamma 0..8, KV cache on and
#      off, F32 and Q8_0 target, with the pair's real acceptance, and predicts every case from
#      the profiles and the acceptance measured on the *training* prompts;
#   4. acceptance_interval.csv: the training set's 90% interval against the held-out alpha;
#      quantization.csv: the drafter's alpha against the F32 and the Q8_0 target (the
#      paper's quantization effect). Fig. 7 per prompt: speedup_per_prompt*.
# Takes about 10 minutes on a 2-core machine; keep the machine otherwise idle.
#   PROMPTS  held-out prompts per validation case (default 8)
# The output folder is fixed: configs/experiments/host-real-validate-*.yaml read their workload
# from its acceptance/ folder.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

out=results/validation/host-real
prompts="${PROMPTS:-8}"
names=(f32-kv f32-nokv q8-kv q8-nokv)
prompt_length=8   # the workloads' prompt_tokens (configs/workloads/host-real-*.yaml)
new_tokens=32     # their generate_tokens

install_dependencies
# Only the command-line program is needed.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null || die "cmake configure"
cmake --build build -j "$(nproc)" --target specmap >/dev/null || die "build specmap"
mkdir -p "$out"

SECONDS=0
# The validation experiments read their workload from acceptance/train-<name>/workload.yaml.
for name in "${names[@]}"; do
  log "acceptance host-real-$name on the training prompts"
  build/specmap acceptance "configs/experiments/host-real-$name.yaml" --prompts models/prompts-train.txt \
    --prompt-length "$prompt_length" --new-tokens "$new_tokens" --gamma-max 8 --out "$out/acceptance/train-$name"
done
for name in f32-kv q8-kv; do
  log "acceptance host-real-$name on the held-out prompts"
  build/specmap acceptance "configs/experiments/host-real-$name.yaml" --prompts models/prompts-heldout.txt \
    --prompt-length "$prompt_length" --new-tokens "$new_tokens" --gamma-max 8 --out "$out/acceptance/heldout-$name"
done
acceptance_seconds=$SECONDS

SECONDS=0
experiments=()
for name in "${names[@]}"; do
  experiment="configs/experiments/host-real-validate-$name.yaml"
  experiments+=("$experiment")
  log "profile host-real-validate-$name"
  # Every verification length gamma + 1 up to gamma 8 is measured, not interpolated.
  build/specmap profile "$experiment" --out "$out/profiles/host-real-validate-$name" \
    --new-tokens 1,2,3,4,5,6,7,8,9,16,32 --repetitions 3 --min-time 0.03 --no-contention
done
profile_seconds=$SECONDS

SECONDS=0
log "validate ${experiments[*]}"
build/specmap validate "${experiments[@]}" --profiles "$out/profiles" --out "$out" \
  --prompt-file models/prompts-heldout.txt --prompts "$prompts" --repetitions 2
validate_seconds=$SECONDS

# The acceptance figures side by side (Debian's Python, standard library only).
/usr/bin/python3 - "$out" <<'PY'
import json, os, sys
out = sys.argv[1]
def load(name):
    with open(os.path.join(out, "acceptance", name, "acceptance.json")) as f:
        return json.load(f)
def row(*fields):
    return ",".join("" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v)) for v in fields) + "\n"
lines = ["target,kv_cache,train_alpha,train_interval_low,train_interval_high,heldout_alpha,covered\n"]
for name in ["f32-kv", "q8-kv"]:
    train, held = load("train-" + name), load("heldout-" + name)
    lo, hi = train["alpha"]["interval"]["low"], train["alpha"]["interval"]["high"]
    a = held["alpha"]["value"]
    lines.append(row(train["target"], "true", train["alpha"]["value"], lo, hi, a,
                     "yes" if a is not None and lo <= a <= hi else "no"))
with open(os.path.join(out, "acceptance_interval.csv"), "w") as f:
    f.writelines(lines)
lines = ["prompt_set,target,alpha,interval_low,interval_high,prompt_median,prompt_p10,prompt_p90,"
         "accepted_over_drafted_gamma4\n"]
for split in ["train", "heldout"]:
    for name in ["f32-kv", "q8-kv"]:
        j = load(f"{split}-{name}")
        pp = j["per_prompt"]
        g4 = next(g for g in j["per_gamma"]["gammas"] if g["gamma"] == 4) if isinstance(j["per_gamma"], dict) and "gammas" in j["per_gamma"] else None
        lines.append(row(split, j["target"], j["alpha"]["value"], j["alpha"]["interval"]["low"],
                         j["alpha"]["interval"]["high"], pp["median"], pp["p10"], pp["p90"],
                         g4["accepted_over_drafted"] if g4 else None))
with open(os.path.join(out, "quantization.csv"), "w") as f:
    f.writelines(lines)
PY
printf 'acceptance took %d s, profiling %d s, validation %d s\n' \
  "$acceptance_seconds" "$profile_seconds" "$validate_seconds" | tee "$out/duration.txt"
