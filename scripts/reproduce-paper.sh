#!/usr/bin/env bash
# Regenerates the committed paper reproduction (results/paper/) and the default
# sweep (results/default/) with the project's own commands.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"
install_dependencies
# Same optimised build as scripts/test.sh, so the two commands share build/.
build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
build/specmap reproduce paper --out results/paper
build/specmap sweep configs/experiments/paper-imx95.yaml --out results/default
