#!/usr/bin/env bash
# Benchmark: scanning from Python (jobmon.status) against the C++ CLI
# (jobmon-status --json) on the same tree, interleaved, median of RUNS each.
# Both include process start-up and JSON/dict output. Target: ratio <= 1.2.
#   bench/bench_python_scan.sh [BUILD_DIR] [JOBS] [MARKERS] [RUNS]
set -euo pipefail
BUILD=${1:-build}
JOBS=${2:-2000}
MARKERS=${3:-500}
RUNS=${4:-5}
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-status}
if [[ ! -f "$ROOT/.complete-$JOBS-$MARKERS" ]]; then
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  "$BUILD/bench/gen_datatrove_tree" "$ROOT/logs" "$JOBS" "$MARKERS" 100
  touch "$ROOT/.complete-$JOBS-$MARKERS"
fi
export PYTHONPATH="$BUILD/python"
PY_CMD="import jobmon, json, sys; json.dump(jobmon.status(sys.argv[1]), sys.stdout)"
/usr/bin/python3 -c "$PY_CMD" "$ROOT/logs" > /dev/null  # warm up
results=$(mktemp)
for ((i = 0; i < RUNS; ++i)); do
  "$BUILD/bench/measure" 1 cli -- "$BUILD/tools/jobmon-status/jobmon-status" --json "$ROOT/logs" >> "$results"
  "$BUILD/bench/measure" 1 python -- /usr/bin/python3 -c "$PY_CMD" "$ROOT/logs" >> "$results"
done
/usr/bin/python3 - "$results" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, rest = line.split(" ", 1)
    rows.setdefault(label, []).append(float(dict(kv.split("=") for kv in rest.split())["median_s"]))
c, p = statistics.median(rows["cli"]), statistics.median(rows["python"])
print(f"jobmon-status --json : median {c:.3f} s")
print(f"python jobmon.status : median {p:.3f} s")
print(f"ratio python/cli     : {p / c:.2f} (target <= 1.2)")
PYEOF
rm -f "$results"
