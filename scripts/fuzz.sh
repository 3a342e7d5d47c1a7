#!/usr/bin/env bash
# Runs every libFuzzer target of tests/fuzz (ASan + UBSan). Two modes:
#
#   scripts/fuzz.sh [BUILD_DIR]                      deterministic (CI's mode)
#   scripts/fuzz.sh --explore SECONDS [BUILD_DIR]    exploratory, to hunt bugs
#
# Deterministic: every target runs a fixed number of inputs (runs_of below,
# sized for about 20-30 s each on a 2-core CI machine) from a fixed seed
# (JOBMON_FUZZ_SEED, default 1) with address randomisation off (setarch -R),
# so two runs of one tree execute the same inputs and give the same outcome:
# CI fails for a change that brings a bug, not because a random run happened
# upon an old one. -max_total_time is only a safety cap
# (JOBMON_FUZZ_CAP_SECONDS, default 120 per target); a target stopped by it is
# reported as CAPPED (its outcome no longer reproducible).
# Exploratory: a random seed (printed, so a finding can be replayed with
# JOBMON_FUZZ_SEED) and SECONDS per target: new inputs every time.
#
# BUILD_DIR defaults to build-fuzz (its own Clang build; never the test
# build). Each target starts from a copy of its seed corpus and regression
# inputs (generated inputs never land in the repo); the copies, logs and
# crash artifacts stay under BUILD_DIR/fuzz-run/.
# Environment: JOBMON_FUZZ_TARGETS="events_line glob" runs only those;
# JOBMON_FUZZ_CXX picks the compiler (default clang++-15).
# Prints execs and execs/s per target; exits non-zero when any target
# crashes, leaks, hangs, runs out of memory or breaks an invariant, naming
# the input.
set -euo pipefail
cd "$(dirname "$0")/.."
usage() { echo "usage: scripts/fuzz.sh [BUILD_DIR] | scripts/fuzz.sh --explore SECONDS_PER_TARGET [BUILD_DIR]" >&2; exit 2; }
MODE=deterministic
SECONDS_PER_TARGET=
if [ "${1:-}" = --explore ]; then
  MODE=explore
  SECONDS_PER_TARGET=${2:-}
  [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] || usage
  shift 2
fi
# A bare number was the old time-bounded form: say so rather than build in a dir named "30".
if [[ "${1:-}" =~ ^[0-9]+$ || "${1:-}" == -* ]]; then usage; fi
BUILD=${1:-build-fuzz}
CXX_COMPILER=${JOBMON_FUZZ_CXX:-clang++-15}
SOURCE=$PWD/tests/fuzz
if [ "$MODE" = explore ]; then
  SEED=${JOBMON_FUZZ_SEED:-$(( (RANDOM << 15 | RANDOM) + 1 ))}
else
  SEED=${JOBMON_FUZZ_SEED:-1}
fi
CAP=${JOBMON_FUZZ_CAP_SECONDS:-120}

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
if [ "$MODE" = explore ]; then
  echo "== fuzz: built in $(( $(date +%s) - start )) s; exploring ${SECONDS_PER_TARGET} s per target, seed $SEED"
else
  echo "== fuzz: built in $(( $(date +%s) - start )) s; deterministic: seed $SEED, fixed runs per target (cap ${CAP} s)"
fi

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

# Inputs each target runs in deterministic mode: about 25 s each at the mean
# rate of two runs on the 2-core CI machine (`JOBMON_FUZZ_SEED=1
# scripts/fuzz.sh --explore 20` and a deterministic run, the machine shared
# with other builds; execs/s in the comments). Resize a line when a target
# gets much slower or faster; the summary prints each one's seconds.
runs_of() {
  case $1 in
    dates) echo 17000000 ;;               # 675k execs/s
    task_log) echo 2100000 ;;             #  84k
    hub_headers) echo 1750000 ;;          #  70k
    events_line) echo 1100000 ;;          #  43k
    s3_url) echo 1050000 ;;               #  42k
    s3_xml) echo 420000 ;;                #  16k
    web_api) echo 360000 ;;               #  14k
    hub_card) echo 310000 ;;              #  12k
    s3_ini) echo 260000 ;;                #  10k
    parquet_footer) echo 115000 ;;        # 4.6k
    glob) echo 110000 ;;                  # 4.3k
    trainer_state) echo 90000 ;;          # 3.6k (with training.dict; measured on the shared dev machine)
    lightning_csv) echo 75000 ;;          #   3k (with training.dict; measured on the shared dev machine)
    hub_client) echo 18000 ;;             #  720 (loopback HTTP: varies with load)
    datatrove_job) echo 16500 ;;          #  660
    snapshot_incremental) echo 12000 ;;   #  480
    event_file) echo 11000 ;;             #  440 (measured on a shared 2-core dev machine, not CI)
    *) echo 100000 ;;                     # a new target: measure it and add a line
  esac
}

# Tokens the mutator splices in (dict/): keys and markers the parsers act on.
dictionary() {
  case $1 in
    events_line|snapshot_incremental) echo "$SOURCE/dict/events.dict" ;;
    datatrove_job|task_log) echo "$SOURCE/dict/datatrove.dict" ;;
    web_api) echo "$SOURCE/dict/web_api.dict" ;;
    trainer_state|lightning_csv) echo "$SOURCE/dict/training.dict" ;;
  esac
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Deterministic mode also fixes addresses (setarch -R: no ASLR). The
# instrumentation records compared values, pointers among them, and the
# mutator splices them into inputs: with random addresses two runs of one
# seed part ways within a second.
fixed_addresses=()
if [ "$MODE" = deterministic ]; then
  if setarch "$(uname -m)" -R true 2> /dev/null; then
    fixed_addresses=(setarch "$(uname -m)" -R)
  else
    echo "== fuzz: setarch -R is refused here (a container's seccomp?): addresses stay random, so runs may differ slightly"
  fi
fi
known=$(grep -v '^\s*#' "$SOURCE/KNOWN_FAILING" | sed 's/\s*#.*//' | grep -v '^\s*$' || true)
failures=()
capped=()
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
  if [ "$MODE" = explore ]; then
    budget=(-max_total_time="$SECONDS_PER_TARGET")
  else
    # -reload=0: no rereading of the corpus dir on a timer, which is not the
    # same from one run to the next.
    budget=(-runs="$(runs_of "$t")" -max_total_time="$CAP" -reload=0)
  fi
  t_start=$(date +%s.%N)
  "${fixed_addresses[@]}" "$BUILD/tests/fuzz/fuzz_$t" ${dict:+-dict="$dict"} -seed="$SEED" "${budget[@]}" -max_len="$(max_len "$t")" \
    -timeout="$(input_timeout "$t")" -rss_limit_mb=2048 -malloc_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$run/artifacts/" "$run/corpus" > "$run/log" 2>&1 || rc=$?
  took=$(awk -v a="$t_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$run/log" | tail -1)
  rate=$(awk -v n="${execs:-0}" -v s="$took" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }')
  cov=$(grep -o 'cov: [0-9]*' "$run/log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$run/log" | tail -1 | cut -d' ' -f2)
  line=$(printf '%-22s %9s execs %6s s %7s execs/s  cov %-5s ft %-5s' "$t" "${execs:-?}" "$took" "$rate" "${cov:-?}" "${ft:-?}")
  if [ "$rc" -eq 0 ]; then
    status=ok
    # libFuzzer stops quietly at -max_total_time: fewer inputs than asked.
    if [ "$MODE" = deterministic ] && [ "${execs:-0}" -lt "$(runs_of "$t")" ]; then
      status="CAPPED at ${CAP} s after ${execs:-?} of $(runs_of "$t") runs: not reproducible, resize runs_of"
      capped+=("fuzz_$t")
    fi
    summary+=("$line  $status")
  else
    artifact=$(ls -t "$run/artifacts"/* 2> /dev/null | head -1 || true)
    summary+=("$line  FAILED (rc $rc): ${artifact:-no artifact, see $run/log}")
    failures+=("fuzz_$t: ${artifact:-see $run/log}")
    echo "== fuzz_$t failed (rc $rc); the end of its log:"
    grep -v '^#[0-9]' "$run/log" | tail -40
  fi
  echo "${summary[-1]}"
done

if [ "$MODE" = explore ]; then
  echo "== fuzz summary (explore: ${SECONDS_PER_TARGET} s per target, seed $SEED, $(( $(date +%s) - start )) s in all)"
else
  echo "== fuzz summary (deterministic: seed $SEED, fixed runs, $(( $(date +%s) - start )) s in all)"
fi
printf '%s\n' "${summary[@]}"
if [ "${#capped[@]}" -gt 0 ]; then
  echo "fuzz: ${#capped[@]} target(s) hit the ${CAP} s cap before their runs: ${capped[*]}"
fi
if [ "${#failures[@]}" -gt 0 ]; then
  echo "fuzz: ${#failures[@]} target(s) failed; replay an input with: $BUILD/tests/fuzz/fuzz_<target> INPUT"
  printf '  %s\n' "${failures[@]}"
  echo "Minimise with -minimize_crash=1 -runs=10000, then add it under tests/fuzz/regressions/<target>/."
  [ "$MODE" = explore ] && echo "This run's seed: JOBMON_FUZZ_SEED=$SEED bash scripts/fuzz.sh --explore $SECONDS_PER_TARGET repeats it (timing aside)."
  exit 1
fi
