# Shared setup and helpers for the end-to-end tests (sourced by every
# tests/e2e/test_*.sh, first thing): strict mode, the binaries and sources,
# the fixtures, a private work dir removed at exit, assertions, skips.
set -euo pipefail

: "${JOBMON_BIN:?JOBMON_BIN must point at build/tools}"
JOBMON_SOURCE=${JOBMON_SOURCE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
# The datatrove logging dirs and Parquet files with known answers
# (tests/fixtures/README.md): scripts reach them only through this.
FIXTURES_DIR="${JOBMON_FIXTURES_DIR:-$JOBMON_SOURCE/tests/fixtures}"
PY=/usr/bin/python3
FAILURES=0
CHECKS=0

# skip REASON: the test cannot run here; ctest reports it as skipped
# (SKIP_RETURN_CODE 77), never as passed.
skip() { echo "SKIP: $(basename "$0"): $*" >&2; exit 77; }

# WORK: a private temp dir, removed at exit after the on_exit commands ran.
WORK=$(mktemp -d -t jobmon-e2e-XXXXXX)
EXIT_HOOKS=()
# on_exit COMMAND: eval'd at exit, before WORK goes; the last registered runs first.
on_exit() { EXIT_HOOKS=("$1" "${EXIT_HOOKS[@]}"); }
cleanup_work() {
  local hook
  for hook in "${EXIT_HOOKS[@]}"; do eval "$hook" || true; done
  chmod -R u+w "$WORK" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup_work EXIT

# stop_pid PID: ends a background process this script started (no-op if gone or empty).
stop_pid() { if [[ -n "${1:-}" ]]; then kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; fi; }

# wait_until SECONDS COMMAND...: runs COMMAND every 0.05 s until it succeeds
# (0), or SECONDS (whole) have passed (1). COMMAND runs in this shell, so it
# may set variables.
wait_until() {
  local tries=$(($1 * 20)) i; shift
  for ((i = 0; i < tries; ++i)); do
    if "$@"; then return 0; fi
    sleep 0.05
  done
  return 1
}

# file_has FILE PATTERN: FILE exists and a line matches the grep PATTERN.
file_has() { grep -q -- "$2" "$1" 2>/dev/null; }

# run ARGS...: runs "$BIN" ARGS; sets OUT (stdout), ERR (stderr) and RC, whatever the exit code.
run() { set +e; OUT=$("$BIN" "$@" 2>"$WORK/stderr"); RC=$?; ERR=$(cat "$WORK/stderr"); set -e; }

fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
# pass [MESSAGE]: counts a check; a message is printed as "ok: MESSAGE".
pass() {
  CHECKS=$((CHECKS + 1))
  if (($#)); then echo "ok: $*"; fi
}

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() { if [[ "$1" == "$2" ]]; then pass; else fail "$3: expected [$2], got [$1]"; fi; }
# expect_contains HAYSTACK NEEDLE MESSAGE
expect_contains() { if [[ "$1" == *"$2"* ]]; then pass; else fail "$3: [$2] not in output:"$'\n'"$1"; fi; }
expect_not_contains() { if [[ "$1" != *"$2"* ]]; then pass; else fail "$3: [$2] unexpectedly in output"; fi; }

# make_job DIR WORLD_SIZE RANK...: a datatrove logging dir with those completion markers.
make_job() {
  local dir=$1 world=$2; shift 2
  mkdir -p "$dir/completions"
  printf '{\n    "pipeline": [],\n    "world_size": %s\n}' "$world" > "$dir/executor.json"
  local r; for r in "$@"; do : > "$dir/completions/$(printf '%05d' "$r")"; done
}

# finish: the script's verdict, from the checks counted above.
finish() {
  if ((FAILURES > 0)); then echo "$(basename "$0"): $FAILURES of $((CHECKS + FAILURES)) checks failed" >&2; exit 1; fi
  echo "$(basename "$0"): all $CHECKS checks passed"
}
