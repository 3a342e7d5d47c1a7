#!/usr/bin/env bash
# Benchmark: jobmon-status --json against `find ROOT -path '*/completions/*' | wc -l`
# on JOBS x MARKERS marker files (default 2,000 x 500 = 1M), warm cache,
# median of RUNS runs each, measured in the same run, interleaved. With
# BASELINE=OTHER_BUILD_DIR, that build's jobmon-status is measured too, in the
# same loop (before/after figures for a change).
#   [BASELINE=DIR] bench/bench_status.sh [BUILD_DIR] [JOBS] [MARKERS] [RUNS]
set -euo pipefail
BUILD=${1:-build}
JOBS=${2:-2000}
MARKERS=${3:-500}
RUNS=${4:-5}
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-status}
MEASURE="$BUILD/bench/measure"
STATUS="$BUILD/tools/jobmon-status/jobmon-status"
BASE_STATUS=${BASELINE:+$BASELINE/tools/jobmon-status/jobmon-status}

if [[ ! -f "$ROOT/.complete-$JOBS-$MARKERS" ]]; then
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  echo "generating $JOBS jobs x $MARKERS markers under $ROOT (1 in 100 jobs running) ..."
  "$BUILD/bench/gen_datatrove_tree" "$ROOT/logs" "$JOBS" "$MARKERS" 100
  touch "$ROOT/.complete-$JOBS-$MARKERS"
fi
echo "files in completions/: $(find "$ROOT/logs" -path '*/completions/*' | wc -l)"
# Warm the cache for both.
"$STATUS" --json "$ROOT/logs" > /dev/null
find "$ROOT/logs" -path '*/completions/*' | wc -l > /dev/null

results=$(mktemp)
for ((i = 0; i < RUNS; ++i)); do
  "$MEASURE" 1 jobmon -- "$STATUS" --json "$ROOT/logs" >> "$results"
  "$MEASURE" 1 find -- sh -c "find '$ROOT/logs' -path '*/completions/*' | wc -l" >> "$results"
  if [[ -n "$BASE_STATUS" ]]; then "$MEASURE" 1 baseline -- "$BASE_STATUS" --json "$ROOT/logs" >> "$results"; fi
done
/usr/bin/python3 - "$results" <<'PYEOF'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, rest = line.split(" ", 1)
    vals = dict(kv.split("=") for kv in rest.split())
    rows.setdefault(label, []).append((float(vals["median_s"]), float(vals["max_rss_mb"])))
j = statistics.median(t for t, _ in rows["jobmon"])
f = statistics.median(t for t, _ in rows["find"])
rss = max(m for _, m in rows["jobmon"])
print(f"jobmon-status --json : median {j:.3f} s over {len(rows['jobmon'])} runs, peak RSS {rss:.1f} MB")
print(f"find | wc -l         : median {f:.3f} s over {len(rows['find'])} runs")
print(f"ratio jobmon/find    : {j / f:.2f} (target <= 1.5); peak RSS target < 200 MB")
if "baseline" in rows:
    b = statistics.median(t for t, _ in rows["baseline"])
    brss = max(m for _, m in rows["baseline"])
    print(f"baseline build       : median {b:.3f} s, peak RSS {brss:.1f} MB; this build / baseline: {j / b:.2f}")
PYEOF
rm -f "$results"
echo "(tree kept in $ROOT for reruns; rm -rf $ROOT to free it)"
