#!/usr/bin/env bash
# Fuzzes every loader with libFuzzer (AddressSanitizer + UndefinedBehaviorSanitizer), SECONDS
# each (default 60), JOBS harnesses at a time (default 2, the environment's SPECMAP_FUZZ_JOBS),
# at the lowest CPU priority, unattended, and writes a table of the results.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
#   scripts/fuzz.sh 600        # the campaign docs/fuzzing.md reports: 10 minutes per harness
# Builds build-fuzz/ with clang (installing clang-14 and libclang-rt-14-dev if missing), starts
# each harness from its committed seeds (fuzz/corpus/<harness>/) plus what earlier runs found
# (build-fuzz/corpus/<harness>/), and writes per harness: executions, executions per second,
# libFuzzer's cov: and ft:, corpus size and what went wrong. The table goes to
# results/fuzz/summary.md for a run of 600 s or more per harness (the campaign), otherwise to
# build-fuzz/fuzz-summary.md (SPECMAP_FUZZ_SUMMARY overrides either). A crash, hang, leak,
# out-of-memory or sanitizer report is saved under build-fuzz/artifacts/<harness>/ and fails the
# script after every harness has run; copy it into fuzz/corpus/<harness>/ (with a test) once
# fixed, so every build replays it.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

seconds="${1:-60}"
shift || true
[[ "$seconds" =~ ^[0-9]+$ ]] && [ "$seconds" -gt 0 ] || die "SECONDS must be a positive whole number, not '$seconds'"
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(soc model workload experiment profile_yaml benchmark_json plan_json
  gguf_header gguf_tensors gguf_tokenizer)
jobs="${SPECMAP_FUZZ_JOBS:-2}"
if [ -n "${SPECMAP_FUZZ_SUMMARY:-}" ]; then summary="$SPECMAP_FUZZ_SUMMARY"
elif [ "$seconds" -ge 600 ]; then summary=results/fuzz/summary.md
else summary=build-fuzz/fuzz-summary.md; fi

install_dependencies
install_missing clang-14 libclang-rt-14-dev

log "build (clang-14, -fsanitize=fuzzer,address,undefined) in build-fuzz/"
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" \
  -DSPECMAP_FUZZ=ON -DSPECMAP_BENCH=OFF -DSPECMAP_OPENCL=OFF >/dev/null || die "cmake configure (build-fuzz)"
targets=()
for h in "${harnesses[@]}"; do
  [ -f "fuzz/fuzz_$h.cc" ] || die "no harness '$h' (fuzz/fuzz_$h.cc)"
  targets+=("fuzz_$h")
done
nice -n 19 cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}" || die "build (build-fuzz)"

# One harness: fuzz, then write its table row to build-fuzz/rows/<harness>.
fuzz_one() {
  local h="$1" work=build-fuzz/corpus/$1 artifacts=build-fuzz/artifacts/$1 log=build-fuzz/fuzz-$1.log rc=0
  mkdir -p "$work" "$artifacts"
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: one over 2 GB is a blow-up.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
    nice -n 19 "build-fuzz/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
  local last execs speed cov ft corp found kinds result
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  speed=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
  found=$(find "$artifacts" -type f | wc -l)
  kinds=$(find "$artifacts" -type f -printf '%f\n' | sed -E 's/-.*//' | sort | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
  result=ok
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then result="FAILED: exit $rc${kinds:+, $kinds} (build-fuzz/artifacts/$h/)"; fi
  printf '| `%s` | %s | %s | %s | %s | %s | %s | %s |\n' "$h" "$seconds" "$execs" "$speed" "${cov:-?}" "${ft:-?}" \
    "${corp:-?}" "$result" >"build-fuzz/rows/$h"
  log "$h: $result ($execs executions, cov ${cov:-?})"
}

rm -rf build-fuzz/rows && mkdir -p build-fuzz/rows
started=$(date -u +%FT%TZ) load_start=$(cut -d' ' -f1-3 /proc/loadavg)
log "fuzzing ${#harnesses[@]} harnesses for ${seconds}s each, $jobs at a time (logs: build-fuzz/fuzz-<harness>.log)"
running=0
for h in "${harnesses[@]}"; do
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
  fuzz_one "$h" &
  running=$((running + 1))
done
wait || true

mkdir -p "$(dirname "$summary")"
{
  echo "# Fuzzing campaign"
  echo
  echo "\`scripts/fuzz.sh $seconds\`: ${seconds} s per harness, $jobs harnesses at a time, started $started, ended $(date -u +%FT%TZ)."
  echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo);"
  echo "$(. /etc/os-release && echo "$PRETTY_NAME"), $(clang++-14 --version | head -1); load average at start $load_start, at end $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Each harness is built with \`-fsanitize=fuzzer,address,undefined\` and run with \`-timeout=10 -rss_limit_mb=2048\` and leak detection,"
  echo "from its seeds (\`fuzz/corpus/<harness>/\`) plus the corpus of earlier runs on this machine (\`build-fuzz/corpus/<harness>/\`)."
  echo "Executions and exec/s are libFuzzer's final statistics; cov (coverage points), ft (features) and corpus (inputs/bytes) its last status line."
  echo
  echo "| harness | seconds | executions | exec/s | cov | ft | corpus | result |"
  echo "|---|---|---|---|---|---|---|---|"
  for h in "${harnesses[@]}"; do
    if [ -f "build-fuzz/rows/$h" ]; then cat "build-fuzz/rows/$h"; else echo "| \`$h\` | $seconds | - | - | - | - | - | FAILED: no result |"; fi
  done
} >"$summary"
cat "$summary"
log "summary: $summary"
if grep -q 'FAILED' "$summary"; then die "fuzzing found inputs that fail (see $summary)"; fi
log "no crash, hang, leak or sanitizer report"
