#!/usr/bin/env bash
# Fuzzes every loader with libFuzzer (AddressSanitizer + UndefinedBehaviorSanitizer), one
# harness after the other, SECONDS each (default 60), at the lowest CPU priority.
#   scripts/fuzz.sh [SECONDS] [HARNESS...]
# Builds build-fuzz/ with clang (installing clang-14 and libclang-rt-14-dev if missing),
# starts each harness from its committed seeds (fuzz/corpus/<harness>/) plus what earlier runs
# found (build-fuzz/corpus/<harness>/), and writes build-fuzz/fuzz-summary.txt: executions,
# corpus size and libFuzzer's cov: per harness. A crash, hang, leak or sanitizer report is
# saved under build-fuzz/artifacts/<harness>/ and fails the script; copy it into
# fuzz/corpus/<harness>/ (with a test) once fixed, so every build replays it.
set -euo pipefail
source "$(dirname "$0")/lib/common.sh"
cd "$SPECMAP_ROOT"

seconds="${1:-60}"
shift || true
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(soc model workload experiment profile_yaml benchmark_json plan_json
  gguf_header gguf_tensors gguf_tokenizer)

install_dependencies
install_missing clang-14 libclang-rt-14-dev

log "build (clang-14, -fsanitize=fuzzer,address,undefined) in build-fuzz/"
launcher=(); command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 "${launcher[@]}" \
  -DSPECMAP_FUZZ=ON -DSPECMAP_BENCH=OFF -DSPECMAP_OPENCL=OFF >/dev/null || die "cmake configure (build-fuzz)"
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
nice -n 19 cmake --build build-fuzz -j "$(nproc)" --target "${targets[@]}" || die "build (build-fuzz)"

summary=build-fuzz/fuzz-summary.txt
{
  echo "# scripts/fuzz.sh $seconds: $(date -u +%FT%TZ), $(nproc) cores, load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-16s %10s %8s %8s %8s %s\n' harness executions exec/s cov corpus result
} >"$summary"
failed=0
for h in "${harnesses[@]}"; do
  work=build-fuzz/corpus/$h artifacts=build-fuzz/artifacts/$h log=build-fuzz/fuzz-$h.log
  mkdir -p "$work" "$artifacts"
  log "fuzzing $h for ${seconds}s (log: $log)"
  rc=0
  # -timeout: an input taking over 10 s is a hang; -rss_limit_mb: one over 2 GB is a blow-up.
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=0 UBSAN_OPTIONS=print_stacktrace=1 \
    nice -n 19 "build-fuzz/fuzz/fuzz_$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" "fuzz/corpus/$h" >"$log" 2>&1 || rc=$?
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  speed=$(grep -oE 'stat::average_exec_per_sec: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo 0)
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9]+[a-zA-Z]*).*/\1/p' <<<"$last")
  found=$(ls "$artifacts" | wc -l)
  result=ok
  if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then result="FAILED (exit $rc, $found artifact(s) in $artifacts)"; failed=1; fi
  printf '%-16s %10s %8s %8s %8s %s\n' "$h" "$execs" "$speed" "${cov:-?}" "${corp:-?}" "$result" >>"$summary"
done
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$summary"
cat "$summary"
[ "$failed" -eq 0 ] || die "fuzzing found inputs that fail (see $summary)"
log "no crash, hang, leak or sanitizer report"
