#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz (ASan + UBSan) for a bounded time.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [BUILD_DIR]
# SECONDS_PER_TARGET defaults to 60, BUILD_DIR to build-fuzz (its own Clang
# build; never the test build). Each target starts from a copy of its seed
# corpus and regression inputs (generated inputs never land in the repo);
# the copies, logs and crash artifacts stay under BUILD_DIR/fuzz-run/.
# Environment: JOBMON_FUZZ_TARGETS="events_line glob" runs only those;
# JOBMON_FUZZ_CXX picks the compiler (default clang++-15).
# Prints execs/s per target; exits non-zero when any target crashes, leaks,
# hangs, runs out of memory or breaks an invariant, naming the input.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
BUILD=${2:-build-fuzz}
CXX_COMPILER=${JOBMON_FUZZ_CXX:-clang++-15}
SOURCE=$PWD/tests/fuzz

launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
echo "== fuzz: configuring $BUILD with $CXX_COMPILER"
start=$(date +%s)
cmake -S . -B "$BUILD" -DCMAKE_CXX_COMPILER="$CXX_COMPILER" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DJOBMON_BUILD_FUZZ=ON -DJOBMON_BUILD_TESTS=OFF -DJOBMON_BUILD_TOOLS=OFF \
  -DJOBMON_BUILD_BENCH=OFF -DJOBMON_BUILD_PYTHON=OFF -DJOBMON_INSTALL=OFF "${launcher[@]}" > /dev/null

# The target list is the one CMake builds (tests/fuzz/CMakeLists.txt).
all_targets=$(sed -n '/^set(JOBMON_FUZZ_TARGETS/,/)/p' "$SOURCE/CMakeLists.txt" | sed 's/^set(JOBMON_FUZZ_TARGETS//; s/)//')
targets=${JOBMON_FUZZ_TARGETS:-$all_targets}
cmake --build "$BUILD" -j"$(nproc)" --target $(for t in $targets; do printf 'fuzz_%s ' "$t"; done) > "$BUILD/fuzz-build.log" 2>&1 ||
  { tail -50 "$BUILD/fuzz-build.log"; echo "fuzz: build failed"; exit 1; }
echo "== fuzz: built in $(( $(date +%s) - start )) s; ${SECONDS_PER_TARGET} s per target"

# Longest input per target: a little above its largest seed, so mutations
# stay where the parser's logic is rather than in megabytes of filler.
max_len() {
  case $1 in
    dates) echo 128 ;;
    s3_url|hub_headers|glob|web_api) echo 2048 ;;
    s3_ini|events_line|s3_xml|hub_card|hub_client) echo 8192 ;;
    *) echo 16384 ;;
  esac
}
# Seconds one input may take before it counts as a hang.
input_timeout() {
  case $1 in
    hub_client) echo 30 ;;  # loopback HTTP round trips, a few per input
    *) echo 10 ;;
  esac
}

# Tokens the mutator splices in (dict/): keys and markers the parsers act on.
dictionary() {
  case $1 in
    events_line|snapshot_incremental) echo "$SOURCE/dict/events.dict" ;;
    datatrove_job|task_log) echo "$SOURCE/dict/datatrove.dict" ;;
    web_api) echo "$SOURCE/dict/web_api.dict" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
known=$(grep -v '^\s*#' "$SOURCE/KNOWN_FAILING" | sed 's/\s*#.*//' | grep -v '^\s*$' || true)
failures=()
summary=()
for t in $targets; do
  run="$BUILD/fuzz-run/$t"
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts"
  for dir in corpus regressions; do
    [ -d "$SOURCE/$dir/$t" ] || continue
    for f in "$SOURCE/$dir/$t"/*; do
      [ -f "$f" ] || continue
      # Known failures would stop the run at once; their ctest keeps them.
      if grep -qxF "$dir/$t/$(basename "$f")" <<< "$known"; then continue; fi
      cp "$f" "$run/corpus/${dir}_$(basename "$f")"
    done
  done
  dict=$(dictionary "$t")
  rc=0
  "$BUILD/tests/fuzz/fuzz_$t" ${dict:+-dict="$dict"} -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$t")" \
    -timeout="$(input_timeout "$t")" -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$run/artifacts/" "$run/corpus" > "$run/log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -1)
  took=$(sed -n 's/^#[0-9]*.*DONE.*exec\/s: \([0-9]*\).*/\1/p' "$run/log" | tail -1)
  rate=${took:-$(( ${execs:-0} / (SECONDS_PER_TARGET > 0 ? SECONDS_PER_TARGET : 1) ))}
  cov=$(grep -o 'cov: [0-9]*' "$run/log" | tail -1 | cut -d' ' -f2)
  if [ "$rc" -eq 0 ]; then
    summary+=("$(printf '%-22s %10s execs %8s execs/s  cov %s  ok' "$t" "${execs:-?}" "$rate" "${cov:-?}")")
  else
    artifact=$(ls -t "$run/artifacts"/* 2> /dev/null | head -1 || true)
    summary+=("$(printf '%-22s %10s execs %8s execs/s  cov %s  FAILED (rc %s): %s' "$t" "${execs:-?}" "$rate" "${cov:-?}" "$rc" "${artifact:-no artifact, see $run/log}")")
    failures+=("fuzz_$t: ${artifact:-see $run/log}")
    echo "== fuzz_$t failed (rc $rc); the end of its log:"
    grep -v '^#[0-9]' "$run/log" | tail -40
  fi
  echo "${summary[-1]}"
done

echo "== fuzz summary (${SECONDS_PER_TARGET} s per target, $(( $(date +%s) - start )) s in all)"
printf '%s\n' "${summary[@]}"
if [ "${#failures[@]}" -gt 0 ]; then
  echo "fuzz: ${#failures[@]} target(s) failed; replay an input with: $BUILD/tests/fuzz/fuzz_<target> INPUT"
  printf '  %s\n' "${failures[@]}"
  echo "Minimise with -minimize_crash=1 -runs=10000, then add it under tests/fuzz/regressions/<target>/."
  exit 1
fi
