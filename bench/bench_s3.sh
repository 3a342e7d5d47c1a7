#!/usr/bin/env bash
# Benchmark: jobmon-status --json on s3:// through a simulated round trip.
# JOBS x MARKERS datatrove markers (default 500 x 500) are uploaded once to
# s3rver on 127.0.0.1 (with curl --aws-sigv4 --parallel: an independent
# client, much faster than the AWS CLI for many small objects); SERVERS
# s3rver processes then serve the same data dir behind s3_delay_proxy.py,
# which adds RTT_MS per request/response and counts requests.
# Measured in the same run, interleaved, median of RUNS:
#   -j 16: jobmon's parallel scan;
#   -j 1 : the same requests one job after another (what the reference's
#          fsspec loop does: list the job, read executor.json, list completions).
#   bench/bench_s3.sh [BUILD_DIR] [JOBS] [MARKERS] [RUNS] [SERVERS] [RTT_MS]
set -euo pipefail
BUILD=${1:-build}
JOBS=${2:-500}
MARKERS=${3:-500}
RUNS=${4:-3}
SERVERS=${5:-4}
RTT_MS=${6:-20}
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT=${BENCH_ROOT:-/tmp/jobmon-bench-s3}
STATUS="$BUILD/tools/jobmon-status/jobmon-status"
source "$HERE/../tests/s3/s3_lib.sh"

DATA="$ROOT/s3data-$JOBS-$MARKERS"
PIDS=()
cleanup() { local p; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; s3_stop; }
trap cleanup EXIT

# --- upload once (kept for reruns)
if [[ ! -f "$DATA/.uploaded" ]]; then
  rm -rf "$DATA" "$ROOT/tree"; mkdir -p "$ROOT/tree"
  "$BUILD/bench/gen_datatrove_tree" "$ROOT/tree/logs" "$JOBS" "$MARKERS" 0
  s3_start "$DATA" bench
  /usr/bin/python3 - "$ROOT/tree" "$S3_ENDPOINT/bench" > "$ROOT/upload.curl" <<'PYEOF'
import os, sys
root, base = sys.argv[1], sys.argv[2]
for d, _, files in os.walk(root):
    for n in files:
        p = os.path.join(d, n)
        print(f'upload-file = "{p}"\nurl = "{base}/{os.path.relpath(p, root)}"\noutput = /dev/null\nfail')
PYEOF
  echo "uploading $(find "$ROOT/tree" -type f | wc -l) objects ..."
  start=$(date +%s.%N)
  curl -sS --no-progress-meter --parallel --parallel-max 32 --aws-sigv4 aws:amz:us-east-1:s3 -u "$S3_KEY:$S3_SECRET" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -K "$ROOT/upload.curl"
  echo "upload took $(echo "$(date +%s.%N) - $start" | bc) s"
  got=$(aws_cli --endpoint-url "$S3_ENDPOINT" s3 ls --recursive s3://bench/logs/ | wc -l)
  want=$((JOBS * (MARKERS + 1)))
  if [[ "$got" != "$want" ]]; then echo "upload incomplete: $got of $want objects" >&2; exit 1; fi
  s3_stop
  touch "$DATA/.uploaded"
  rm -rf "$ROOT/tree" "$ROOT/upload.curl"
fi

# --- SERVERS s3rver processes on the same data, behind the delaying proxy
ports=()
for ((i = 0; i < SERVERS; ++i)); do
  s3_start "$DATA"
  PIDS+=("$S3_PID"); ports+=("$S3_PORT"); S3_PID=""
done
PROXY_PORT=$(free_port)
export AWS_ENDPOINT_URL="http://127.0.0.1:$PROXY_PORT"

# run_once LABEL THREADS [RTT]: one jobmon-status run through a fresh proxy.
results="$ROOT/results.txt"; : > "$results"
run_once() {
  local label=$1 threads=$2 rtt=${3:-$RTT_MS} stats="$ROOT/stats-$1.json" out="$ROOT/out-$1.json"
  /usr/bin/python3 "$HERE/s3_delay_proxy.py" "$PROXY_PORT" "$rtt" "$stats" "${ports[@]}" > "$ROOT/proxy.log" 2>&1 &
  local proxy=$!
  until grep -q ready "$ROOT/proxy.log" 2>/dev/null; do sleep 0.05; done
  local start end
  start=$(date +%s.%N)
  "$STATUS" --json -j "$threads" s3://bench/logs > "$out"
  end=$(date +%s.%N)
  kill -TERM "$proxy"; wait "$proxy" || true
  echo "$label $(echo "$end - $start" | bc) $(cat "$stats")" >> "$results"
}
for ((r = 0; r < RUNS; ++r)); do
  run_once sequential 1
  run_once parallel 16
  # The same with no added delay: what the local server itself costs.
  run_once sequential_0ms 1 0
  run_once parallel_0ms 16 0
done

/usr/bin/python3 - "$results" "$ROOT" "$JOBS" "$MARKERS" "$RTT_MS" "$SERVERS" <<'PYEOF'
import json, math, statistics, sys
path, root, jobs, markers, rtt, servers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], sys.argv[6]
rows = {}
for line in open(path):
    label, secs, stats = line.split(" ", 2)
    rows.setdefault(label, []).append((float(secs), json.loads(stats)))
docs = {k: json.load(open(f"{root}/out-{k}.json")) for k in rows}
for k, d in docs.items():  # every run gave the full, same answer
    s = d["summary"]
    assert s["jobs_total"] == jobs and s["tasks_completed"] == jobs * markers, (k, s)
now_fields = {"generated_at", "seconds_since_progress", "remaining_seconds", "finish_time", "eta_seconds", "rate_per_second", "stalled"}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in now_fields}
    if isinstance(v, list): return [strip(x) for x in v]
    return v
assert strip(docs["sequential"]) == strip(docs["parallel"]), "sequential and parallel answers differ"
expected = jobs * (1 + math.ceil(markers / 1000)) + 1
print(f"tree: {jobs} jobs x {markers} markers on s3rver x{servers}, {rtt} ms simulated round trip")
print(f"requests expected (listings): jobs x (1 + ceil(markers/1000)) + 1 = {expected}; plus {jobs} executor.json GETs")
for label in ("sequential", "parallel"):
    times = [t for t, _ in rows[label]]
    c = rows[label][-1][1]
    print(f"{label:10s} (-j {'1 ' if label == 'sequential' else '16'}): median {statistics.median(times):.2f} s over {len(times)} runs;"
          f" requests: {c['list']} listings + {c['get']} GETs + {c['head']} HEADs + {c['other']} other"
          f" = {c['list'] + c['get'] + c['head'] + c['other']}, {c['connections']} connections")
seq = statistics.median(t for t, _ in rows["sequential"])
par = statistics.median(t for t, _ in rows["parallel"])
print(f"speed-up -j 16 vs sequential: {seq / par:.1f}x (target >= 8x); listings {rows['parallel'][-1][1]['list']} vs expected {expected}")
seq0 = statistics.median(t for t, _ in rows["sequential_0ms"])
par0 = statistics.median(t for t, _ in rows["parallel_0ms"])
n = sum(v for k, v in rows["sequential"][-1][1].items() if k != "connections")
print(f"same runs with 0 ms added: sequential {seq0:.2f} s, -j 16 {par0:.2f} s (the local server's own cost)")
print(f"time the {rtt} ms round trips added: sequential {seq - seq0:.2f} s ({n} requests x {rtt} ms = {n * float(rtt) / 1000:.2f} s),"
      f" -j 16 {par - par0:.2f} s")
PYEOF
echo "(data kept in $DATA for reruns; rm -rf $ROOT to free it)"
