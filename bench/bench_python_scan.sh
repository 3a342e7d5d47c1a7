#!/usr/bin/env bash
# Benchmark: scanning from Python against the C++ CLI (jobmon-status --json)
# on the same tree, interleaved, median of RUNS each, all as whole processes
# (interpreter start-up included):
#   python-scan  : jobmon.aggregate(jobmon.scan(root))      target <= 1.2x the CLI
#   python-status: json.dumps(jobmon.status(root))         (also builds and prints the dict)
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
PY_SCAN="import jobmon, sys; jobmon.aggregate(jobmon.scan(sys.argv[1]))"
PY_STATUS="import jobmon, json, sys; sys.stdout.write(json.dumps(jobmon.status(sys.argv[1])))"
/usr/bin/python3 -c "$PY_STATUS" "$ROOT/logs" > /dev/null  # warm up
results=$(mktemp)
for ((i = 0; i < RUNS; ++i)); do
  "$BUILD/bench/measure" 1 cli -- "$BUILD/tools/jobmon-status/jobmon-status" --json "$ROOT/logs" >> "$results"
  "$BUILD/bench/measure" 1 python-scan -- /usr/bin/python3 -c "$PY_SCAN" "$ROOT/logs" >> "$results"
  "$BUILD/bench/measure" 1 python-status -- /usr/bin/python3 -c "$PY_STATUS" "$ROOT/logs" >> "$results"
done
/usr/bin/python3 - "$results" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, rest = line.split(" ", 1)
    rows.setdefault(label, []).append(float(dict(kv.split("=") for kv in rest.split())["median_s"]))
c = statistics.median(rows["cli"])
s = statistics.median(rows["python-scan"])
d = statistics.median(rows["python-status"])
print(f"jobmon-status --json            : median {c:.3f} s")
print(f"python scan + aggregate         : median {s:.3f} s  ratio {s / c:.2f} (target <= 1.2)")
print(f"python status() dict + json.dumps: median {d:.3f} s  ratio {d / c:.2f}")
PYEOF
rm -f "$results"
