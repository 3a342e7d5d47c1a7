#!/usr/bin/env bash
# Creates a demo logging tree of datatrove-style jobs in DIR (default demo/logs):
# finished, running (markers spread over the last hours, so ETAs are real),
# failed (ranks whose task logs end in a traceback) and not yet started.
set -euo pipefail
DIR=${1:-demo/logs}
rm -rf "$DIR"
mkdir -p "$DIR"
now=$(date +%s)

job() {  # job NAME WORLD_SIZE
  mkdir -p "$DIR/$1/completions" "$DIR/$1/logs"
  printf '{\n    "pipeline": [{"name": "JsonlReader"}, {"name": "Tokenizer"}, {"name": "ParquetWriter"}],\n    "tasks": %s,\n    "workers": 16,\n    "world_size": %s\n}' "$2" "$2" > "$DIR/$1/executor.json"
  touch -d "@$((now - 4 * 3600))" "$DIR/$1/executor.json"
}
marker() {  # marker JOB RANK SECONDS_AGO
  local f; f="$DIR/$1/completions/$(printf '%05d' "$2")"
  : > "$f"; touch -d "@$((now - $3))" "$f"
  printf '2026-11-22 10:00:00.000 | SUCCESS  | datatrove.executor.base:_run_for_rank:98 - Processing done for rank=%s\n' "$2" \
    > "$DIR/$1/logs/task_$(printf '%05d' "$2").log"
}
running_log() {  # running_log JOB RANK
  printf '2026-11-22 10:00:00.000 | INFO     | datatrove.utils.logging:add_task_logger:76 - Launching pipeline for rank=%s\n' "$2" \
    > "$DIR/$1/logs/task_$(printf '%05d' "$2").log"
}
failed_log() {  # failed_log JOB RANK MESSAGE
  {
    printf '2026-11-22 10:00:00.000 | INFO     | datatrove.utils.logging:add_task_logger:76 - Launching pipeline for rank=%s\n' "$2"
    printf '2026-11-22 10:20:00.000 | ERROR    | datatrove.executor.base:_run_for_rank:150 - %s\n' "$3"
    printf 'Traceback (most recent call last):\n  File "pipeline.py", line 42, in run\n    shard = read(path)\n%s\n' "$3"
  } > "$DIR/$1/logs/task_$(printf '%05d' "$2").log"
}

job tokenize_CC-MAIN-2023-40 64
for r in $(seq 0 63); do marker tokenize_CC-MAIN-2023-40 "$r" $((3 * 3600 - r * 60)); done

job tokenize_CC-MAIN-2023-50 128
for r in $(seq 0 79); do marker tokenize_CC-MAIN-2023-50 "$r" $((79 * 130 + 60 - r * 130)); done
for r in $(seq 80 95); do running_log tokenize_CC-MAIN-2023-50 "$r"; done

job dedup_CC-MAIN-2023-50 32
for r in $(seq 0 29); do marker dedup_CC-MAIN-2023-50 "$r" $((2 * 3600 - r * 100)); done
failed_log dedup_CC-MAIN-2023-50 30 "OSError: [Errno 28] No space left on device: '/scratch/dedup/30.parquet'"
failed_log dedup_CC-MAIN-2023-50 31 "ValueError: corrupt shard s3://bucket/cc/shard-00031.jsonl.gz"

job filter_CC-MAIN-2024-10 256
# A directory's mtime is when its last entry arrived, as on a real run.
for c in "$DIR"/*/completions; do
  newest=$(ls -t "$c" | head -1)
  if [[ -n "$newest" ]]; then touch -r "$c/$newest" "$c"; fi
done
mkdir -p "$DIR/notes"
echo "not a job" > "$DIR/notes/README.txt"

# Data-Juicer work dirs (events*.jsonl), from the test corpus, beside the logs.
OUTPUTS="$(dirname "$DIR")/outputs"
SRC="$(cd "$(dirname "$0")/.." && pwd)/tests/data/dj"
rm -rf "$OUTPUTS"
mkdir -p "$OUTPUTS"
cp -r "$SRC/failed" "$OUTPUTS/failed_job"
cp -r "$SRC/resumed" "$OUTPUTS/resumed_job"
cp -r "$SRC/dag_plan" "$OUTPUTS/planned_job"
# Fine-tuning runs beside them: two real Trainer output dirs from the fixtures (one finished, one
# that stopped mid-run three hours ago) and one written now, half-way, as a live run would be.
RUNS="$(dirname "$DIR")/runs"
FIX="$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/training/hf"
rm -rf "$RUNS"
mkdir -p "$RUNS"
cp -r "$FIX/hf-gemma3-checkpoint-series" "$RUNS/gemma3-lora"
cp -r "$FIX/hf-mt5-rouge-stopped-early" "$RUNS/mt5-news"
find "$RUNS/mt5-news" -exec touch -d "@$((now - 3 * 3600))" {} +
if command -v python3 > /dev/null; then
  python3 "$(dirname "$0")/../tests/e2e/training_writer.py" "$RUNS/whisper-live" --max-steps 600 --stop-at 300 \
    --backdate 1 --step-seconds 0.8 --quiet
fi
echo "demo data in $DIR, $OUTPUTS and $RUNS"
