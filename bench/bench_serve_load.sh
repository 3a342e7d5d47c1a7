#!/usr/bin/env bash
# Load check of jobmon-serve with wrk (Debian): JOBS jobs tracked (default
# 10,000, 1 in 100 still running), CONNS concurrent connections (default 64)
# on GET /api/jobs (the dashboard's first page) and /api/jobs?status=running
# (a filtered page) for SECONDS each; prints requests/s and latency percentiles.
# Target: p99 under 50 ms at 64 connections on a 2-core machine.
#   bench/bench_serve_load.sh [BUILD_DIR] [JOBS] [CONNS] [SECONDS]
# With BASELINE_BIN=<another jobmon-serve> (e.g. main's), both binaries are
# measured in the same run, ROUNDS times each (default 3), alternating, and
# the medians are printed side by side with their ratio (this / baseline).
# This build also answers If-None-Match with 304: that figure is printed for it alone.
set -euo pipefail
BUILD=${1:-build}
JOBS=${2:-10000}
CONNS=${3:-64}
SECONDS_=${4:-10}
ROUNDS=${ROUNDS:-3}
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-serve}
BIN="$BUILD/tools/jobmon-serve/jobmon-serve"
command -v wrk > /dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
if [[ ! -f "$ROOT/.complete-$JOBS" ]]; then
  rm -rf "$ROOT"; mkdir -p "$ROOT"
  "$BUILD/bench/gen_datatrove_tree" "$ROOT/logs" "$JOBS" 10 100
  touch "$ROOT/.complete-$JOBS"
fi
TMP=$(mktemp -d)
PID=""
trap 'if [[ -n "$PID" ]]; then kill $PID 2>/dev/null || true; wait $PID 2>/dev/null || true; fi; rm -rf "$TMP"' EXIT
export XDG_STATE_HOME="$TMP/state"  # the id key file of this run only

# start BINARY: a server over the tree; sets PID and PORT.
start() {
  : > "$TMP/log"
  "$1" --port 0 "$ROOT/logs" 2> "$TMP/log" &
  PID=$!
  PORT=""
  for ((i = 0; i < 600; ++i)); do
    PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$TMP/log" || true)
    [[ -n "$PORT" ]] && return 0
    sleep 0.1
  done
  cat "$TMP/log" >&2; exit 1
}
stop() { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; PID=""; }

# measure LABEL URL [wrk args]: one wrk run; appends "LABEL requests/s p99" to $TMP/figures, prints wrk's output.
measure() {
  local label=$1 url=$2; shift 2
  local out; out=$(wrk -t2 -c"$CONNS" -d"${SECONDS_}s" --latency "$@" "$url")
  echo "$out"
  local rps p99; rps=$(echo "$out" | awk '$1 == "Requests/sec:" {print $2}'); p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  echo "$label $rps $p99" >> "$TMP/figures"
  echo "summary: $label: ${rps} requests/s, p99 ${p99} at ${CONNS} connections (target p99 < 50ms)"
}

# round WHO BINARY: the unfiltered and the filtered page on a fresh server.
round() {
  local who=$1
  start "$2"
  local url="http://127.0.0.1:$PORT/api/jobs"
  echo "== $who: $2, tracking $(sed -n 's/.*(\([0-9]*\) jobs).*/\1/p' "$TMP/log") jobs; /api/jobs body: $(curl -s "$url" | wc -c) bytes"
  wrk -t2 -c"$CONNS" -d1s "$url" > /dev/null  # warm up
  measure "$who/api/jobs" "$url"
  measure "$who/api/jobs?status=running" "$url?status=running"
  if [[ "$who" == this ]]; then
    local etag; etag=$(curl -s -D - -o /dev/null "$url" | tr -d '\r' | sed -n 's/^ETag: //Ip')
    [[ -n "$etag" ]] && measure "$who/api/jobs(304)" "$url" -H "If-None-Match: $etag"
  fi
  stop
}

: > "$TMP/figures"
if [[ -z "${BASELINE_BIN:-}" ]]; then
  round this "$BIN"
  exit 0
fi
for ((r = 1; r <= ROUNDS; ++r)); do
  round baseline "$BASELINE_BIN"
  round this "$BIN"
done
# Medians per endpoint, p99 in ms, and this / baseline.
/usr/bin/python3 - "$TMP/figures" "$ROUNDS" <<'PY'
import statistics, sys
rows = {}
def ms(text):
    for unit, factor in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float("nan")
for line in open(sys.argv[1]):
    label, rps, p99 = line.split()
    who, endpoint = label.split("/", 1)
    rows.setdefault(endpoint, {}).setdefault(who, []).append((float(rps), ms(p99)))
print(f"\nmedians of {sys.argv[2]} alternating rounds (requests/s, p99 ms)")
print(f"{'endpoint':32} {'baseline':>20} {'this':>20} {'ratio req/s':>12} {'ratio p99':>10}")
for endpoint, by in rows.items():
    def med(who):
        runs = by.get(who)
        return (statistics.median(r for r, _ in runs), statistics.median(p for _, p in runs)) if runs else None
    b, t = med("baseline"), med("this")
    cell = lambda m: f"{m[0]:10.0f} {m[1]:8.2f}ms" if m else f"{'-':>20}"
    ratio = f"{t[0] / b[0]:12.2f} {t[1] / b[1]:10.2f}" if b and t else ""
    print(f"/{endpoint:31} {cell(b):>20} {cell(t):>20} {ratio}")
PY
