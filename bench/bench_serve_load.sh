#!/usr/bin/env bash
# Load check of jobmon-serve with wrk (Debian): JOBS jobs tracked (default
# 10,000, 1 in 100 still running), CONNS concurrent connections (default 64)
# on GET /api/jobs for SECONDS; prints requests/s and latency percentiles.
# Target: p99 under 50 ms at 64 connections on a 2-core machine.
#   bench/bench_serve_load.sh [BUILD_DIR] [JOBS] [CONNS] [SECONDS]
set -euo pipefail
BUILD=${1:-build}
JOBS=${2:-10000}
CONNS=${3:-64}
SECONDS_=${4:-10}
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-serve}
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
if [[ ! -f "$ROOT/.complete-$JOBS" ]]; then
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  "$BUILD/bench/gen_datatrove_tree" "$ROOT/logs" "$JOBS" 10 100
  touch "$ROOT/.complete-$JOBS"
fi
LOG=$(mktemp)
"$BUILD/tools/jobmon-serve/jobmon-serve" --port 0 "$ROOT/logs" 2> "$LOG" &
PID=$!
trap 'kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; rm -f "$LOG"' EXIT
PORT=""
for ((i = 0; i < 600; ++i)); do
  PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$LOG" || true)
  [[ -n "$PORT" ]] && break
  sleep 0.1
done
[[ -n "$PORT" ]] || { cat "$LOG" >&2; exit 1; }
URL="http://127.0.0.1:$PORT/api/jobs"
echo "jobmon-serve tracking: $(sed -n 's/.*(\([0-9]*\) jobs).*/\1/p' "$LOG") jobs; /api/jobs body: $(curl -s "$URL" | wc -c) bytes"
wrk -t2 -c"$CONNS" -d1s "$URL" > /dev/null  # warm up
OUT=$(wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency "$URL")
echo "$OUT"
P99=$(echo "$OUT" | awk '$1 == "99%" {print $2}')
RPS=$(echo "$OUT" | awk '$1 == "Requests/sec:" {print $2}')
echo "summary: ${RPS} requests/s, p99 ${P99} at ${CONNS} connections (target p99 < 50ms)"
URL2="http://127.0.0.1:$PORT/api/jobs?status=running"
OUT2=$(wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency "$URL2")
echo "filtered (?status=running): $(echo "$OUT2" | awk '$1 == "Requests/sec:" {print $2}') requests/s, p99 $(echo "$OUT2" | awk '$1 == "99%" {print $2}')"
