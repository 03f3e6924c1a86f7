#!/usr/bin/env bash
# Cross-builds specmap for 64-bit Arm (aarch64) with Debian's cross toolchain and arm64
# multiarch packages and runs it under qemu user-mode emulation: every test, then a small
# `specmap profile` + `specmap validate` run that must exit 0 and write summary.json, and
# the decode benchmark's steps at rows 1 and 2 once each. This
# checks correctness on Arm, not speed: every time an emulated run prints or writes is
# meaningless (qemu runs the models' arithmetic about 100 times slower than native).
#
# Usage: scripts/test-aarch64.sh [--subset]
#   (default)  build everything, run every test with ctest, then the validation run and
#              the decode benchmark at rows 1 and 2 (once each: that it runs, not its figures)
#   --subset   build only the library and the test programs of SUBSET_TESTS (below), run
#              those: what CI runs (.ci/run)
#
# Installs what is missing (apt, non-interactive, idempotent), including
# `dpkg --add-architecture arm64`. Builds in build-aarch64/ with cmake/aarch64-linux-gnu.cmake.
# libyaml-cpp-dev:arm64 cannot be installed beside libyaml-cpp-dev:amd64, so its .debs are
# downloaded and unpacked into build-aarch64/aarch64-root/, which the toolchain file searches.
# The OpenCL backend is built when ocl-icd-opencl-dev:arm64 and libclblast-dev:arm64
# install (else -DSPECMAP_OPENCL=OFF); qemu has no OpenCL device, so the OpenCL tests skip.
# Emulated CPU: QEMU_CPU, default cortex-a76, which has the Cortex-A55's Armv8.2-A extensions
# (qemu 7.2 has no A55 model); QEMU_CPU=cortex-a53 for plain Armv8.0-A.
# Measured on a shared 2-core x86-64 VM: everything 18 min cold (build 4, tests 11.5,
# validation run 2.3), 13.5 min warm; --subset 2.5-4 min cold, 35 s warm.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

subset=0
case "${1:-}" in
  "") ;;
  --subset) subset=1 ;;
  -h|--help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument '$1' (use --subset or nothing)" ;;
esac

build=build-aarch64
qemu_cpu="${QEMU_CPU:-cortex-a76}"
emulate=(qemu-aarch64 -cpu "$qemu_cpu")
# Test programs of the subset: the CPU runtime (OpenBLAS, the NEON and NEON-dotprod linear
# kernels against the reference kernels (rows_kernels_test: cortex-a76 has dotprod, so both
# sets run), attention, speculative sampling: the code whose results could differ on Arm)
# and the cost model.
SUBSET_TESTS=(test_runtime test_cost)
# Left out of the subset (the full run has them): the real-pair tests, which decode the
# committed checkpoints token by token at every gamma (5 s native, many minutes under qemu);
# the arithmetic they rely on is what the kernel tests above check against the reference.
SUBSET_FILTER='-RealPair.*'

# Host (amd64) tools, the header-only libraries (architecture-independent packages) and the
# arm64 libraries, installed beside the amd64 ones by multiarch.
CROSS_PACKAGES=(
  crossbuild-essential-arm64 qemu-user cmake pkg-config
  nlohmann-json3-dev libcli11-dev
  libopenblas-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64 libbenchmark-dev:arm64
  libboost-graph-dev:arm64
)
OPENCL_PACKAGES=(ocl-icd-opencl-dev:arm64 libclblast-dev:arm64)

SECONDS=0
phase_start=0
phase() {  # phase NAME: log the time the previous phase took, start the next
  [ -n "${phase_name:-}" ] && log "$phase_name took $((SECONDS - phase_start)) s"
  phase_name="$1"; phase_start=$SECONDS
  [ -n "$1" ] && log "$1"
  return 0
}

phase "install what is missing"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  log "dpkg --add-architecture arm64"
  $sudo dpkg --add-architecture arm64 || die "dpkg --add-architecture arm64"
  # install_missing updates the package lists: every arm64 package is missing now.
fi
install_missing "${CROSS_PACKAGES[@]}"
opencl_args=(-DSPECMAP_OPENCL=ON)
# OpenCL is optional: without it the build leaves the OpenCL backend out (its stub).
if ! (install_missing "${OPENCL_PACKAGES[@]}"); then
  log "OpenCL for arm64 (${OPENCL_PACKAGES[*]}) could not be installed: building with -DSPECMAP_OPENCL=OFF"
  opencl_args=(-DSPECMAP_OPENCL=OFF)
fi

# yaml-cpp for arm64: download and unpack the -dev package and the runtime library it
# depends on (once). The test programs find the library through the build tree's RPATH.
extra_root="$build/aarch64-root"
if [ ! -f "$extra_root/usr/lib/aarch64-linux-gnu/cmake/yaml-cpp/yaml-cpp-config.cmake" ]; then
  yaml_runtime="$(apt-cache depends libyaml-cpp-dev:arm64 2>/dev/null |
    sed -n 's/^ *Depends: \(libyaml-cpp[0-9.]*\)\(:arm64\)\{0,1\}$/\1/p' | head -n 1)"
  if [ -z "$yaml_runtime" ]; then
    $sudo apt-get update -qq || die "apt-get update"
    yaml_runtime="$(apt-cache depends libyaml-cpp-dev:arm64 |
      sed -n 's/^ *Depends: \(libyaml-cpp[0-9.]*\)\(:arm64\)\{0,1\}$/\1/p' | head -n 1)"
  fi
  [ -n "$yaml_runtime" ] || die "cannot find the arm64 yaml-cpp runtime package (apt-cache depends libyaml-cpp-dev:arm64)"
  log "downloading and unpacking libyaml-cpp-dev:arm64 and $yaml_runtime:arm64 into $extra_root"
  debs="$build/aarch64-debs"
  rm -rf "$debs" "$extra_root"
  mkdir -p "$debs" "$extra_root"
  # apt-get download warns (harmlessly) when its _apt user cannot write the folder.
  (cd "$debs" && apt-get download "libyaml-cpp-dev:arm64" "$yaml_runtime:arm64" >/dev/null 2>&1) ||
    die "apt-get download libyaml-cpp-dev:arm64 $yaml_runtime:arm64"
  for deb in "$debs"/*.deb; do
    dpkg-deb -x "$deb" "$extra_root" || die "dpkg-deb -x $deb"
  done
fi

phase "configure and build in $build/ ($([ $subset -eq 1 ] && echo subset || echo everything))"
mkdir -p "$build"
# Unix Makefiles for the TARGET/fast rules below. -O2 as the host build, without -g: debug
# information costs a third of the compile time and nobody debugs under qemu here.
cmake -S . -B "$build" -G "Unix Makefiles" -DCMAKE_TOOLCHAIN_FILE="$SPECMAP_ROOT/cmake/aarch64-linux-gnu.cmake" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -DNDEBUG" \
  -DSPECMAP_QEMU_CPU="$qemu_cpu" "${opencl_args[@]}" >"$build/configure.log" 2>&1 ||
  { cat "$build/configure.log" >&2; die "cmake configure ($build)"; }
grep -i 'opencl' "$build/configure.log" >&2 || true
if [ $subset -eq 1 ]; then
  # Every test program depends on the specmap CLI (its tests run it); TARGET/fast builds a
  # test program without it, once the library is built.
  cmake --build "$build" -j "$(nproc)" --target specmap_lib || die "build specmap_lib ($build)"
  for t in "${SUBSET_TESTS[@]}"; do fast+=("$t/fast"); done
  cmake --build "$build" -j "$(nproc)" --target "${fast[@]}" || die "build ${SUBSET_TESTS[*]} ($build)"
  bin="$build/${SUBSET_TESTS[0]}"
else
  cmake --build "$build" -j "$(nproc)" || die "build ($build)"
  bin="$build/specmap"
fi
aarch64-linux-gnu-readelf -h "$bin" | grep -q 'AArch64' || die "$bin is not an aarch64 binary"

phase "tests under qemu-aarch64 -cpu $qemu_cpu"
if [ $subset -eq 1 ]; then
  # The subset's test programs run directly, one after the other, from the source folder as
  # under ctest (which would also run the other programs' tests of an earlier full build).
  failed=()
  for t in "${SUBSET_TESTS[@]}"; do
    timeout 1800 "${emulate[@]}" "$build/$t" --gtest_brief=1 --gtest_filter="$SUBSET_FILTER" >"$build/$t.log" 2>&1 ||
      failed+=("$t")
    cat "$build/$t.log"
    log "$t: $(grep -E '^\[  (PASSED|SKIPPED|FAILED)  \] [0-9]+ test' "$build/$t.log" | sed 's/  */ /g' | tr '\n' ' ')"
  done
  [ ${#failed[@]} -eq 0 ] || die "tests under qemu: ${failed[*]} (logs: $build/<program>.log)"
else
  ctest --test-dir "$build" --output-on-failure -j "$(nproc)" 2>&1 | tee "$build/ctest.log" ||
    die "tests under qemu (log: $build/ctest.log)"
fi

if [ $subset -eq 0 ]; then
  phase "validation run under qemu: specmap profile + specmap validate (correctness only, timings meaningless)"
  # host-small (host-draft-8m drafting for host-target-40m on 1 or 2 cores) with an 8-token
  # prompt and 8 new tokens instead of 32 + 32: emulated passes are ~100x slower.
  out="$build/validation"
  rm -rf "$out"
  mkdir -p "$out"
  cat >"$out/workload.yaml" <<'YAML'
version: 1
name: qemu-tiny
description: 8-token prompt, 8 new tokens, KV cache; for scripts/test-aarch64.sh under qemu.
prompt_tokens: 8
generate_tokens: 8
kv_cache: true
acceptance:
  definition: leviathan_alpha
  alpha: 0.6
YAML
  sed -e "/^#/d" -e "s|^name: .*|name: qemu-small|" \
      -e "s|^description: .*|description: host-small, 8 + 8 tokens (scripts/test-aarch64.sh).|" \
      -e "s#^\(soc\|draft\|target\): \.\./#\1: $SPECMAP_ROOT/configs/#" \
      -e "s|^workload: .*|workload: workload.yaml|" \
      configs/experiments/host-small.yaml >"$out/experiment.yaml"
  # Few, short measurements: 1 and 3 new tokens (gamma 0 and 2), the default contexts.
  "${emulate[@]}" "$build/specmap" profile "$out/experiment.yaml" --out "$out/profiles" \
    --new-tokens 1,3 --repetitions 2 --min-time 0.01 >"$out/profile.log" 2>&1 ||
    { cat "$out/profile.log" >&2; die "specmap profile under qemu"; }
  [ -s "$out/profiles/profile.json" ] || die "specmap profile wrote no $out/profiles/profile.json"
  "${emulate[@]}" "$build/specmap" validate "$out/experiment.yaml" --profiles "$out/profiles" --out "$out" \
    --gammas 0,2 --prompts 1 --repetitions 1 >"$out/validate.log" 2>&1 ||
    { cat "$out/validate.log" >&2; die "specmap validate under qemu"; }
  for f in summary.json cases.csv report.md; do
    [ -s "$out/$f" ] || die "specmap validate wrote no $out/$f"
  done
  log "specmap validate exited 0 and wrote $out/summary.json: $(($(wc -l <"$out/cases.csv") - 1)) cases" \
    "(the deviations it reports are meaningless under emulation)"

  phase "decode benchmark under qemu: every BM_Step type at rows 1 and 2, the triad (runs, timings meaningless)"
  # The same benchmark program a board runs for its figures (scripts/bench-decode.sh there):
  # here it only has to run the NEON kernel set end to end and write its JSON. One
  # iteration each: a 110M-parameter step is seconds under emulation.
  bench_json="$build/decode_bench.json"
  rm -f "$bench_json"
  "${emulate[@]}" "$build/decode_bench" --benchmark_filter='BM_MemoryTriad|BM_Peak|BM_Step/[^/]+/[a-z0-9_]+/rows:(1|2)/' \
    --benchmark_min_time=0.000001 --benchmark_out="$bench_json" --benchmark_out_format=json \
    >"$build/decode_bench.log" 2>&1 || { cat "$build/decode_bench.log" >&2; die "decode_bench under qemu"; }
  for dtype in f32 f16 q8_0 q4_0; do
    grep -q "\"name\": \"BM_Step/[^/\"]*/$dtype/rows:2" "$bench_json" ||
      die "decode_bench under qemu wrote no BM_Step .../$dtype/rows:2 into $bench_json"
  done
  grep -q '"name": "BM_MemoryTriad' "$bench_json" || die "decode_bench under qemu wrote no BM_MemoryTriad"
  log "decode_bench ran under qemu: $(grep -c '"name": "BM_' "$bench_json") benchmarks in $bench_json"
fi
phase ""

if [ $subset -eq 0 ]; then
  log "ctest: $(grep -E 'tests passed' "$build/ctest.log"), $(grep -c '\*\*\*Skipped' "$build/ctest.log") skipped"
fi
log "aarch64 ($qemu_cpu under qemu): $([ $subset -eq 1 ] && echo "subset (${SUBSET_TESTS[*]})" ||
  echo "build, tests and validation run") passed in $SECONDS s (correctness only: emulated timings mean nothing)"
