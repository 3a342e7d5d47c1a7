# Shared helpers for end-to-end tests (sourced).
set -euo pipefail

: "${JOBMON_BIN:?JOBMON_BIN must point at build/tools}"
: "${JOBMON_SOURCE:?JOBMON_SOURCE must point at the source tree}"
PY=/usr/bin/python3
FAILURES=0
CHECKS=0

WORK=$(mktemp -d -t jobmon-e2e-XXXXXX)
cleanup_work() { chmod -R u+w "$WORK" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup_work EXIT

fail() { echo "FAIL: $*" >&2; FAILURES=$((FAILURES + 1)); }
pass() { CHECKS=$((CHECKS + 1)); }

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() { if [[ "$1" == "$2" ]]; then pass; else fail "$3: expected [$2], got [$1]"; fi; }
# expect_contains HAYSTACK NEEDLE MESSAGE
expect_contains() { if [[ "$1" == *"$2"* ]]; then pass; else fail "$3: [$2] not in output:"$'\n'"$1"; fi; }
expect_not_contains() { if [[ "$1" != *"$2"* ]]; then pass; else fail "$3: [$2] unexpectedly in output"; fi; }

# make_job DIR WORLD_SIZE RANK...
make_job() {
  local dir=$1 world=$2; shift 2
  mkdir -p "$dir/completions"
  printf '{\n    "pipeline": [],\n    "world_size": %s\n}' "$world" > "$dir/executor.json"
  local r; for r in "$@"; do : > "$dir/completions/$(printf '%05d' "$r")"; done
}

finish() {
  if ((FAILURES > 0)); then echo "$(basename "$0"): $FAILURES of $((CHECKS + FAILURES)) checks failed" >&2; exit 1; fi
  echo "$(basename "$0"): all $CHECKS checks passed"
}
