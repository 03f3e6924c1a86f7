#!/usr/bin/env bash
# The paper's workflow end to end on this host with the real Brown pair (models/): import the
# checkpoints, measure acceptance, profile, sweep, run the plan with text out, validate (a
# short form; scripts/validate-host-real.sh is the full one). Every command and its output go
# to $OUT/transcript.md, which also replaces README.md's "Workflow on this host" section
# (between its workflow-real markers). Takes a few minutes on a 2-core machine.
#   OUT  output folder (default: results/workflow-real)
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

out="${OUT:-results/workflow-real}"
install_dependencies
# Only the command-line program is needed.
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null || die "cmake configure"
cmake --build build -j "$(nproc)" --target specmap >/dev/null || die "build specmap"
rm -rf "$out/work"
mkdir -p "$out/work"
transcript="$out/transcript.md"

# step TITLE COMMAND...: runs the command, appends it (shell-quoted) and its output to the transcript.
step() {
  local title="$1"; shift
  log "$title"
  {
    printf '%s\n\n```\n$' "$title"
    printf ' %q' "$@"
    printf '\n'
    "$@" 2>&1
    printf '```\n\n'
  } >>"$transcript.tmp"
}

rm -f "$transcript.tmp"
{
  printf '<!-- written by scripts/workflow-real.sh on %s; do not edit by hand -->\n\n' "$(uname -m)"
  printf 'The F16 drafter for the Q8_0 target, both trained on the Brown corpus by `scripts/train-pair.py`\n'
  printf '(weak models: a real pair with real disagreements, not good English), on this 2-core host.\n'
  printf 'Outputs of one run of `scripts/workflow-real.sh` (timings vary with the machine load).\n\n'
} >"$transcript.tmp"
w="$out/work"
step "1. Import the checkpoints as model YAMLs (architecture, per-group data types, weights file and fingerprint):" \
  build/specmap import gguf models/brown-target-q8_0.gguf --out "$w/brown-target-q8_0.yaml"
step "2. Measure acceptance on the training prompts (the paper's step 2); the workload it writes carries it:" \
  build/specmap acceptance configs/experiments/host-real-q8-kv.yaml --prompts models/prompts-train.txt \
  --prompt-length 8 --new-tokens 32 --out "$w/acceptance"
# The experiment with the measured workload, written beside the outputs.
sed -e "s|^name: .*|name: workflow-real-q8-kv|" \
    -e "s|^soc: .*|soc: ../../../configs/soc/host.yaml|" \
    -e "s|^draft: .*|draft: ../../../configs/models/brown-draft-f16.yaml|" \
    -e "s|^target: .*|target: ../../../configs/models/brown-target-q8_0.yaml|" \
    -e "s|^workload: .*|workload: acceptance/workload.yaml|" \
    configs/experiments/host-real-q8-kv.yaml >"$w/experiment.yaml"
step "3. Profile both models on 1 and 2 cores (Google Benchmark JSON):" \
  build/specmap profile "$w/experiment.yaml" --out "$w/profile" --new-tokens 1,2,3,4,5,6,7,8,9,16,32 \
  --no-contention
step "4. Sweep variants x gamma with the measured profile and acceptance; write the plan:" \
  build/specmap sweep "$w/experiment.yaml" --profiles "$w/profile/profile.json" --out "$w/sweep"
step "5. Run the plan on real text:" \
  build/specmap run "$w/sweep/plan.json" --prompt "The jury said it did find" --new-tokens 32
step "6. Validate (short form: 2 held-out prompts, gamma 0, 2, 4, 8; the full run is scripts/validate-host-real.sh):" \
  build/specmap validate "$w/experiment.yaml" --profiles "$w/profile" --out "$w/validate" --gammas 0,2,4,8 \
  --prompt-file models/prompts-heldout.txt --prompts 2 --repetitions 2
# The work folder ($out/work, not committed) keeps every file the steps wrote.
mv "$transcript.tmp" "$transcript"

# README.md: the section between the markers becomes the transcript.
/usr/bin/python3 - "$transcript" <<'PY'
import sys
begin, end = "<!-- workflow-real:begin -->", "<!-- workflow-real:end -->"
text = open("README.md").read()
if begin not in text or end not in text:
    sys.exit("README.md has no workflow-real markers")
body = open(sys.argv[1]).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open("README.md", "w").write(head + begin + "\n" + body + end + tail)
PY
log "wrote $transcript and README.md's workflow section"
