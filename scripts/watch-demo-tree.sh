#!/usr/bin/env bash
# Builds a small tree of datatrove-style job dirs for trying `jobmon-status --watch`
# (and for the captures in docs/watch-usage.md): two running jobs, one pending,
# one still running beside a failed rank, one stalled, six complete. Marker mtimes are spread in the
# past so rates, ETAs and the stall marker have something to show.
# usage: scripts/watch-demo-tree.sh DIR        (DIR must not exist)
set -euo pipefail
dir=${1:?usage: $0 DIR}
[[ ! -e $dir ]] || { echo "$dir exists" >&2; exit 2; }
mkdir -p "$dir"
cd "$dir"
now=$(date +%s)
job() {  # job NAME WORLD_SIZE LAUNCHED_AT
  mkdir -p "$1/completions" "$1/logs"
  printf '{\n    "pipeline": [],\n    "world_size": %s\n}' "$2" > "$1/executor.json"
  touch -d "@$3" "$1/executor.json" "$1/completions"
}
markers() {  # markers NAME COUNT LAST_AT GAP: ranks 0..COUNT-1, one every GAP seconds
  local r
  for ((r = 0; r < $2; r++)); do touch -d "@$(($3 - ($2 - 1 - r) * $4))" "$1/completions/$(printf '%05d' "$r")"; done
  touch -d "@$3" "$1/completions"
}
job tokenize_CC-MAIN-2024-10 256 $((now - 2900)); markers tokenize_CC-MAIN-2024-10 180 $((now - 8)) 16
job tokenize_CC-MAIN-2024-18 256 $((now - 1200)); markers tokenize_CC-MAIN-2024-18 64 $((now - 5)) 18
job tokenize_CC-MAIN-2024-22 256 $((now - 60))
job dedup_minhash_stage2 64 $((now - 9000)); markers dedup_minhash_stage2 41 $((now - 6600)) 60
job filter_lang_CC-MAIN-2024-10 128 $((now - 4000)); markers filter_lang_CC-MAIN-2024-10 120 $((now - 300)) 30
cat > filter_lang_CC-MAIN-2024-10/logs/task_00120.log <<'LOG'
2026-11-22 01:10:00.000 | INFO     | datatrove.executor.base:_run_for_rank:98 - Launching pipeline for rank=120
2026-11-22 01:20:00.000 | ERROR    | datatrove.executor.base:_run_for_rank:108 - OSError: [Errno 28] No space left on device
LOG
for i in 0 1 2 3 4 5; do
  job "tokenize_CC-MAIN-2023-0$i" 64 $((now - 90000))
  markers "tokenize_CC-MAIN-2023-0$i" 64 $((now - 70000 + i * 9000)) 20
done
echo "demo tree in $dir; add markers with e.g.: touch $dir/tokenize_CC-MAIN-2024-10/completions/00{180..187}"
