#!/usr/bin/env bash
# Installs what is missing, builds, and runs the default experiment (the paper's
# i.MX 95 study): prints the ranked table and writes sweep.csv and plan.json.
# Usage: scripts/run.sh [EXPERIMENT.yaml] [OUT_DIR]
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

experiment="${1:-configs/experiments/paper-imx95.yaml}"
out="${2:-results/default}"

install_dependencies
# Same optimised build as scripts/test.sh, so the two commands share build/.
build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
log "sweep $experiment -> $out"
build/specmap sweep "$experiment" --out "$out"
