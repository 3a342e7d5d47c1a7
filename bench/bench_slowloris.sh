#!/usr/bin/env bash
# jobmon-serve under a slowloris attack: CONNS connections (default 2,000, from
# 127.0.0.2..127.0.0.101 so the per-address cap does not simply refuse them)
# trickle one header byte every 4 s (bench/slowloris.py) while wrk, from
# 127.0.0.1, loads /healthz and /api/jobs (JOBS jobs, default 10,000, as
# bench_serve_load.sh) at the same time. Prints, per run and as medians over
# RUNS runs: /healthz p99, /api/jobs p99, requests/s of each, the server's
# peak RSS (VmHWM: a refresh holds the old and the new list of JOBS entries
# for a moment, sharing the unchanged jobs' texts), VmRSS before and at the end of the attack,
# how long /healthz takes on a fresh connection during the attack, wrk's
# timeouts, and how long SIGTERM took, for this build and for BASE (today's
# server: locked out). Targets: both p99 < 50 ms, RSS < 100 MB.
# SLOWLORIS_MODE=noread|sse runs the other hostile clients of slowloris.py instead.
#   bench/bench_slowloris.sh [BUILD_DIR] [BASE_SERVE_BINARY|-] [CONNS] [SECONDS] [RUNS] [JOBS]
set -euo pipefail
BUILD=${1:-build}
BASE=${2:-/tmp/i13/base/build/tools/jobmon-serve/jobmon-serve}
CONNS=${3:-2000}
SECONDS_=${4:-10}
RUNS=${5:-3}
JOBS=${6:-10000}
MODE=${SLOWLORIS_MODE:-trickle}
BASE_LABEL=${BASE_LABEL:-today}  # the second column's name (e.g. mhd for build/bench/serve_mhd)
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-serve}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=${PYTHON:-/usr/bin/python3}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
ulimit -n "$(ulimit -Hn)"  # 2,000 sockets in the client, as many in the server
if [[ ! -f "$ROOT/.complete-$JOBS" ]]; then
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  "$BUILD/bench/gen_datatrove_tree" "$ROOT/logs" "$JOBS" 10 100
  touch "$ROOT/.complete-$JOBS"
fi
TMP=$(mktemp -d)
SERVER="" LORIS=""
cleanup() {
  [[ -n "$LORIS" ]] && kill "$LORIS" 2>/dev/null || true
  [[ -n "$SERVER" ]] && kill "$SERVER" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# wrk_field OUT: "p99 rps" from wrk's output; p99 "locked-out" when nothing was answered.
wrk_fields() {
  local p99 rps n
  n=$(awk '/requests in/ {print $1}' "$1")
  p99=$(awk '$1 == "99%" {print $2}' "$1")
  rps=$(awk '$1 == "Requests/sec:" {print $2}' "$1")
  [[ -z "$n" || "$n" == 0 ]] && p99=locked-out
  echo "${p99:-locked-out} ${rps:-0}"
}

# to_ms 12.3ms|1.2s|800us -> milliseconds (locked-out stays as is)
to_ms() {
  awk -v v="$1" 'BEGIN { if (v ~ /us$/) print v / 1000; else if (v ~ /ms$/) print v + 0;
                         else if (v ~ /s$/) print v * 1000; else print v }'
}

# one_run BINARY LABEL: prints "LABEL healthz_p99_ms jobs_p99_ms healthz_rps jobs_rps rss_mb stop_s"
one_run() {
  local bin=$1 label=$2 log=$TMP/serve.log port=""
  : > "$log"
  "$bin" --port 0 "$ROOT/logs" 2> "$log" &
  SERVER=$!
  for ((i = 0; i < 600; ++i)); do
    port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$log" || true)
    [[ -n "$port" ]] && break
    sleep 0.1
  done
  [[ -n "$port" ]] || { cat "$log" >&2; exit 1; }
  # The registry of JOBS jobs and the handlers' first answers cost memory of their own: measured
  # before the attack, so what the attack adds is seen apart.
  wrk -t1 -c16 -d1s "http://127.0.0.1:$port/api/jobs" > /dev/null 2>&1 || true
  local rss0
  rss0=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status")
  : > "$TMP/loris.out"
  "$PY" "$HERE/slowloris.py" "$port" --conns "$CONNS" --mode "$MODE" > "$TMP/loris.out" &
  LORIS=$!
  for ((i = 0; i < 400; ++i)); do grep -q open "$TMP/loris.out" && break; sleep 0.1; done
  # A fresh connection, as a new browser tab would open: how long until /healthz answers (5 s at most).
  local probe
  probe=$(curl -s -o /dev/null -m 5 -w '%{time_total}' "http://127.0.0.1:$port/healthz" || true)
  probe=$(awk -v t="$probe" 'BEGIN {printf "%.1f", t * 1000}')
  wrk -t1 -c16 -d"${SECONDS_}s" --timeout 5s --latency "http://127.0.0.1:$port/healthz" > "$TMP/h.out" 2>&1 &
  local wh=$!
  wrk -t1 -c16 -d"${SECONDS_}s" --timeout 5s --latency "http://127.0.0.1:$port/api/jobs" > "$TMP/j.out" 2>&1 || true
  wait "$wh" || true
  local rss rss_end
  rss=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status")
  rss_end=$(awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$SERVER/status")
  local t0 t1
  t0=$(date +%s.%N)
  kill -TERM "$SERVER"
  # SIGTERM while the attack goes on: give up after 10 s (today's server waits for its clients).
  for ((i = 0; i < 200; ++i)); do kill -0 "$SERVER" 2>/dev/null || break; sleep 0.05; done
  t1=$(date +%s.%N)
  local stop
  stop=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
  kill -0 "$SERVER" 2>/dev/null && stop=">10"
  kill "$LORIS" 2>/dev/null || true; wait "$LORIS" 2>/dev/null || true; LORIS=""
  kill -KILL "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=""
  read -r hp hr < <(wrk_fields "$TMP/h.out")
  read -r jp jr < <(wrk_fields "$TMP/j.out")
  local timeouts
  timeouts=$(cat "$TMP/h.out" "$TMP/j.out" | awk '/Socket errors/ {gsub(",", ""); for (i = 1; i <= NF; ++i) if ($i == "timeout") t += $(i + 1)} END {print t + 0}')
  echo "$label $(to_ms "$hp") $(to_ms "$jp") $hr $jr $rss $rss0 $rss_end $probe $timeouts $stop ($(head -1 "$TMP/loris.out"))"
}

median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : a[NR / 2]}'; }

echo "$CONNS $MODE connections + wrk (16 on /healthz, 16 on /api/jobs, ${SECONDS_}s), $JOBS jobs"
echo "build healthz_p99_ms jobs_p99_ms healthz_rps jobs_rps peak_rss_mb rss_before_mb rss_end_mb new_conn_healthz_ms wrk_timeouts sigterm_s"
for ((r = 0; r < RUNS; ++r)); do
  one_run "$BUILD/tools/jobmon-serve/jobmon-serve" new | tee -a "$TMP/new.txt"
  [[ "$BASE" != "-" && -x "$BASE" ]] && one_run "$BASE" "$BASE_LABEL" | tee -a "$TMP/$BASE_LABEL.txt"
done
for label in new "$BASE_LABEL"; do
  [[ -f "$TMP/$label.txt" ]] || continue
  line="median $label:"
  for col in 2 3 4 5 6 7 8 9 10 11; do
    v=$(awk -v c=$col '{print $c}' "$TMP/$label.txt" | grep -v -e locked-out -e '>' | median || true)
    [[ -z "$v" ]] && v=$(awk -v c=$col 'NR == 1 {print $c}' "$TMP/$label.txt")  # locked-out, >10
    line+=" $v"
  done
  echo "$line"
done
echo "(targets: both p99 < 50 ms, peak RSS < 100 MB)"
