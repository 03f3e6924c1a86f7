#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test twice: once in an
# optimised build and once under AddressSanitizer + UndefinedBehaviorSanitizer.
# Any failure or sanitizer report fails the script.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

install_dependencies

log "build (RelWithDebInfo) in build/"
build_tree build -DCMAKE_BUILD_TYPE=RelWithDebInfo
log "tests"
ctest --test-dir build --output-on-failure -j "$(nproc)" || die "tests"

log "build with AddressSanitizer + UndefinedBehaviorSanitizer in build-asan/"
# Optimised (-O2) sanitizer build: same reports as -O0, several times faster tests.
build_tree build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSPECMAP_SANITIZE=ON -DSPECMAP_BENCH=OFF
log "tests under sanitizers"
ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:abort_on_error=1 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir build-asan --output-on-failure -j "$(nproc)" || die "tests under sanitizers"

log "all tests passed (optimised and sanitized builds)"
