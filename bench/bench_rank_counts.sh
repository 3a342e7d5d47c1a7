#!/usr/bin/env bash
# Benchmark: what exact rank counts cost. jobmon-status --json on
#   (a) the 2,000 x 500 tree (1 job in 100 running, with task logs), and
#   (b) one job of world_size 10,500 with 500 markers and 10,000 failed ranks
#       (gen_datatrove_tree --failed), whose task logs all end in a traceback,
# median wall time of RUNS runs and peak RSS, warm cache. With a baseline
# build dir (an older commit built with jobmon-status, measure and
# gen_datatrove_tree) both builds run interleaved in the same run, and the
# ratios are printed. The trees come from BUILD_DIR's generator.
#   bench/bench_rank_counts.sh [BUILD_DIR] [BASELINE_BUILD_DIR] [RUNS]
set -euo pipefail
BUILD=${1:-build}
BASELINE=${2:-}
RUNS=${3:-7}
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-rank-counts}
MEASURE="$BUILD/bench/measure"
GEN="$BUILD/bench/gen_datatrove_tree"
status_of() { echo "$1/tools/jobmon-status/jobmon-status"; }

TREE_A="$ROOT/tree_2000x500"
TREE_B="$ROOT/tree_10000_failed"
if [[ ! -f "$ROOT/.complete-a" ]]; then
  rm -rf "$TREE_A"; mkdir -p "$ROOT"
  echo "generating (a) 2,000 jobs x 500 markers under $TREE_A ..."
  "$GEN" "$TREE_A" 2000 500 100 > /dev/null
  touch "$ROOT/.complete-a"
fi
if [[ ! -f "$ROOT/.complete-b" ]]; then
  rm -rf "$TREE_B"; mkdir -p "$ROOT"
  echo "generating (b) one job with 10,000 failed ranks under $TREE_B ..."
  "$GEN" --failed "$TREE_B" 10000 500 > /dev/null
  touch "$ROOT/.complete-b"
fi

labels=(after)
builds=("$BUILD")
if [[ -n "$BASELINE" ]]; then
  labels+=(before)
  builds+=("$BASELINE")
fi

# What each build reports, and a warm cache for all.
for i in "${!builds[@]}"; do
  for tree in "$TREE_A" "$TREE_B"; do
    failed=$("$(status_of "${builds[$i]}")" --json "$tree" |
      /usr/bin/python3 -c 'import json, sys; s = json.load(sys.stdin)["summary"]; print(s["tasks_failed"], "failed ranks,", s["tasks_completed"], "/", s["tasks_total"], "tasks")')
    echo "${labels[$i]} $(basename "$tree"): $failed"
  done
done

results=$(mktemp)
for ((run = 0; run < RUNS; ++run)); do
  for tree in "$TREE_A" "$TREE_B"; do
    for i in "${!builds[@]}"; do
      "$MEASURE" 1 "${labels[$i]}:$(basename "$tree")" -- "$(status_of "${builds[$i]}")" --json "$tree" >> "$results"
    done
  done
done
/usr/bin/python3 - "$results" <<'PYEOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    label, rest = line.split(" ", 1)
    vals = dict(kv.split("=") for kv in rest.split())
    rows.setdefault(label, []).append((float(vals["median_s"]), float(vals["max_rss_mb"])))
def figures(label):
    runs = rows[label]
    return statistics.median(t for t, _ in runs), max(m for _, m in runs), len(runs)
for tree in ("tree_2000x500", "tree_10000_failed"):
    after = figures(f"after:{tree}")
    line = f"{tree:18} after : median {after[0]:.3f} s over {after[2]} runs, peak RSS {after[1]:.1f} MB"
    print(line)
    if f"before:{tree}" in rows:
        before = figures(f"before:{tree}")
        print(f"{tree:18} before: median {before[0]:.3f} s over {before[2]} runs, peak RSS {before[1]:.1f} MB")
        print(f"{tree:18} ratio after/before: time {after[0] / before[0]:.2f}, RSS {after[1] / before[1]:.2f}")
print("target: exact failure counts cost at most 2x the baseline's time on tree_2000x500")
PYEOF
rm -f "$results"
echo "(trees kept in $ROOT for reruns; rm -rf $ROOT to free them)"
