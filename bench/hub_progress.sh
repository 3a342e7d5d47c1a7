#!/usr/bin/env bash
# Benchmark driver: N Parquet shards (default 10,000) on the fake Hub
# (127.0.0.1), then a first count and a cached second count. Then the total
# from a --source of N Parquet files whose size API answers 404 (counted once
# from its footers: time, requests), and polls with the source unchanged,
# which must make zero requests for it (counted in the fake Hub's own log).
# Usage: bench/hub_progress.sh [BUILD_DIR] [SHARDS] [MAX_IN_FLIGHT]
# Each shard is a copy of a real fixture with a unique 8-byte tag after the
# leading "PAR1" so that every shard has its own oid (the footer, which is
# all a count reads, is byte-identical to the fixture's).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$SRC/build}
N=${2:-10000}
INFLIGHT=${3:-32}
WORK=$(mktemp -d -t jobmon-hub-bench-XXXXXX)
HUB_PID=""
trap '[[ -n "$HUB_PID" ]] && kill "$HUB_PID" 2>/dev/null; rm -rf "$WORK"' EXIT
/usr/bin/python3 - "$SRC/tests/fixtures/parquet" "$WORK/hub/org/big/data" "$N" <<'PY'
import os, sys
fixtures, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
names = ["signs.parquet", "uuid.parquet", "hyparquet_struct.parquet", "bloom_filter.parquet"]
blobs = [open(os.path.join(fixtures, x), "rb").read() for x in names]
for i in range(n):
    d = os.path.join(out, "shard-%03d" % (i // 1000))
    os.makedirs(d, exist_ok=True)
    b = blobs[i % len(blobs)]
    with open(os.path.join(d, "%05d.parquet" % i), "wb") as f:
        f.write(b[:4] + i.to_bytes(8, "little") + b[4:])
PY
# The --source: the same shards under another repo (no README, no datasets-server size).
mkdir -p "$WORK/hub/org/src"
cp -r "$WORK/hub/org/big/data" "$WORK/hub/org/src/data"
/usr/bin/python3 "$SRC/tests/support/fake_hub.py" --root "$WORK/hub" > "$WORK/ports" &
HUB_PID=$!
for _ in $(seq 200); do [[ -s "$WORK/ports" ]] && break; sleep 0.05; done
PORT=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$WORK/ports")
echo "$N shards on the fake Hub at 127.0.0.1:$PORT, max in flight $INFLIGHT ($(nproc) cores)"
# Warm the server's oid cache so the figures measure jobmon, not the server's first hashing.
curl -s "http://127.0.0.1:$PORT/api/datasets/org/big/tree/main/data?recursive=true" > /dev/null
curl -s "http://127.0.0.1:$PORT/api/datasets/org/src/tree/main/?recursive=true" > /dev/null
curl -s -X POST "http://127.0.0.1:$PORT/_control/reset" > /dev/null
"$BUILD/bench/hub_progress_bench" "http://127.0.0.1:$PORT" org/big "$INFLIGHT" org/src | tee "$WORK/bench.out"
# The server's log: every request naming the source, and those the count made.
SOURCE_LOGGED=$(curl -s "http://127.0.0.1:$PORT/_control/log" | /usr/bin/python3 -c '
import json, sys
print(sum(1 for e in json.load(sys.stdin) if "org/src" in e["path"] or "org%2Fsrc" in e["path"]))')
COUNTED=$(sed -n 's/^source counted once:.* HTTP requests \([0-9]*\).*/\1/p' "$WORK/bench.out")
echo "requests naming org/src in the fake Hub's log: $SOURCE_LOGGED; made by the count: $COUNTED;" \
  "made by the polls after it: $((SOURCE_LOGGED - COUNTED))"
