#!/usr/bin/env bash
# bench_snapshot: jobmon-snapshot against `wc -l` on the same generated
# Data-Juicer events file, in one run: MB/s of each (median of RUNS, warm
# page cache), the time ratio, and jobmon-snapshot's peak RSS.
# Targets (issue 4): >= 300 MB/s, ratio <= 10, peak RSS < 64 MB at any size.
# Usage: bench/bench_snapshot.sh [SIZE...]   (default: 100M 1G)
# Env: JOBMON_BUILD (default ./build), RUNS (default 3), TMPDIR,
#      BENCH_RSS=proc to read VmHWM from /proc even when /usr/bin/time exists,
#      SNAP_BASE=path/to/another/jobmon-snapshot: also times that build on the
#      same file, runs interleaved with this one's, and prints the time ratio.
set -euo pipefail

BUILD="${JOBMON_BUILD:-$(dirname "$0")/../build}"
GEN="$BUILD/bench/gen_dj_events"
SNAP="$BUILD/tools/jobmon-snapshot/jobmon-snapshot"
PARSE="$BUILD/bench/bench_event_parse"
RUNS="${RUNS:-3}"
SIZES=("$@")
((${#SIZES[@]})) || SIZES=(100M 1G)
for exe in "$GEN" "$SNAP"; do
  [[ -x "$exe" ]] || { echo "bench_snapshot: $exe not built (cmake --build build --target gen_dj_events jobmon-snapshot)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/jobmon-bench-snapshot.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

now() { date +%s.%N; }
# median_seconds CMD...: runs CMD (stdout to /dev/null) RUNS times, prints the median wall time.
median_seconds() {
  local times=() t0 t1
  for ((r = 0; r < RUNS; r++)); do
    t0=$(now); "$@" >/dev/null; t1=$(now)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | sed -n "$(((RUNS + 1) / 2))p"
}
# median_pair A B: runs the commands A and B (each a string) alternately
# RUNS times; prints "median_A median_B" (interleaved: load drifts hit both).
median_pair() {
  local ta=() tb=() t0 t1
  for ((r = 0; r < RUNS; r++)); do
    t0=$(now); $1 >/dev/null; t1=$(now); ta+=("$(echo "$t1 - $t0" | bc -l)")
    t0=$(now); $2 >/dev/null; t1=$(now); tb+=("$(echo "$t1 - $t0" | bc -l)")
  done
  local m=$(((RUNS + 1) / 2))
  echo "$(printf '%s\n' "${ta[@]}" | sort -g | sed -n "${m}p") $(printf '%s\n' "${tb[@]}" | sort -g | sed -n "${m}p")"
}
# peak_rss_kb CMD...: peak resident set of CMD in KiB.
peak_rss_kb() {
  if [[ -x /usr/bin/time && "${BENCH_RSS:-}" != proc ]]; then
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}'
  else  # VmHWM of the process, read just before it exits
    "$@" >/dev/null & local pid=$! hwm=0 v
    while kill -0 "$pid" 2>/dev/null; do
      v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || true); [[ -n "$v" ]] && hwm=$v
      sleep 0.01
    done
    wait "$pid"; echo "$hwm"
  fi
}

printf '%-6s %10s %10s %10s %8s %10s  %s\n' size MB wc_MB/s snap_MB/s ratio peak_RSS verdict
for size in "${SIZES[@]}"; do
  dir="$WORK/job_$size"
  mkdir -p "$dir"
  file="$dir/events_20250917_101500.jsonl"
  "$GEN" "$file" "$size" 2>"$WORK/gen.log"
  mb=$(echo "$(stat -c %s "$file") / 1000000" | bc -l)
  cat "$file" >/dev/null  # warm the page cache: both read from memory
  t_wc=$(median_seconds wc -l "$file")
  t_snap=$(median_seconds "$SNAP" "$dir")
  rss_kb=$(peak_rss_kb "$SNAP" "$dir")
  wc_rate=$(echo "$mb / $t_wc" | bc -l)
  snap_rate=$(echo "$mb / $t_snap" | bc -l)
  ratio=$(echo "$t_snap / $t_wc" | bc -l)
  rss_mb=$(echo "$rss_kb / 1024" | bc -l)
  verdict=ok
  (($(echo "$snap_rate < 300" | bc -l))) && verdict="SLOW(<300MB/s)"
  (($(echo "$ratio > 10" | bc -l))) && verdict="$verdict RATIO(>10)"
  (($(echo "$rss_mb >= 64" | bc -l))) && verdict="$verdict RSS(>=64MB)"
  printf '%-6s %10.1f %10.1f %10.1f %8.2f %8.1fMB  %s\n' "$size" "$mb" "$wc_rate" "$snap_rate" "$ratio" "$rss_mb" "$verdict"
  if [[ -n "${SNAP_BASE:-}" && -x "$SNAP_BASE" ]]; then
    read -r t_base t_this < <(median_pair "$SNAP_BASE $dir" "$SNAP $dir")
    base_rss=$(echo "$(peak_rss_kb "$SNAP_BASE" "$dir") / 1024" | bc -l)
    printf '    baseline %s: %.1f MB/s, peak RSS %.1f MB; this build %.1f MB/s (interleaved): %.3fx the baseline time\n' \
      "$SNAP_BASE" "$(echo "$mb / $t_base" | bc -l)" "$base_rss" "$(echo "$mb / $t_this" | bc -l)" "$(echo "$t_this / $t_base" | bc -l)"
  fi
  if [[ "$size" == "${SIZES[0]}" && -x "$PARSE" ]]; then
    "$PARSE" "$file" "$RUNS" | sed 's/^/    parse: /'
  fi
  rm -rf "$dir"
done
rss_how="/usr/bin/time -v"
[[ -x /usr/bin/time && "${BENCH_RSS:-}" != proc ]] || rss_how="VmHWM from /proc"
echo "(generator: $(cat "$WORK/gen.log"); runs: $RUNS, median, warm cache; peak RSS by $rss_how)"
