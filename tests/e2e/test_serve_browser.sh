#!/usr/bin/env bash
# End-to-end: the dashboard page in a real browser (Debian's chromium driven
# by playwright-core) against a real jobmon-serve, on a tree with one job of
# each kind of state: failed (the fixture, and one whose 20 ranks fail alike),
# running (with task logs that grow while the page follows them), complete,
# pending (a config to preview), Data-Juicer (with logs/), a hostile name, and
# two dirs that are only warnings. Screenshots go to build/screenshots.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
BROWSER_DIR="$JOBMON_SOURCE/tests/browser"
if [[ ! -x /usr/bin/chromium || ! -d "$BROWSER_DIR/node_modules/playwright-core" ]]; then
  echo "FAIL: chromium or playwright-core missing: run scripts/install-deps.sh --test" >&2
  exit 1
fi
T=$WORK/logs
cp -r "$FIXTURES_DIR/datatrove" "$T"
FAILED_LOG="$T/tokenize_CC-MAIN-2023-50/logs/task_00003.log"

# 60 ranks: 0-39 done, 40-59 failed with the same traceback, in one attempt.
make_job "$T/dedup_minhash_stage2" 60 $(seq 0 39)
mkdir -p "$T/dedup_minhash_stage2/logs"
for r in $(seq 40 59); do sed "s/rank=3/rank=$r/g" "$FAILED_LOG" > "$T/dedup_minhash_stage2/logs/task_$(printf '%05d' "$r").log"; done

# Running: ranks 0-2 done, 3-5 writing logs now.
make_job "$T/running_job" 10 0 1 2
mkdir -p "$T/running_job/logs"
for r in 3 4 5; do
  printf '%s | INFO     | datatrove.utils.logging:add_task_logger:76 - Launching pipeline for rank=%s\n' "$(date '+%F %T.000')" "$r" > "$T/running_job/logs/task_0000$r.log"
done
printf '%s | WARNING  | datatrove.pipeline.readers:read:42 - slow shard, retrying\n' "$(date '+%F %T.000')" >> "$T/running_job/logs/task_00004.log"

# Pending: a config to preview, nothing run yet.
mkdir -p "$T/pending_job"
cat > "$T/pending_job/executor.json" <<'JSON'
{"pipeline": [{"data_folder": "s3://bucket/cc", "glob_pattern": "*.jsonl.gz"}, {"languages": ["en"]}, {"output_folder": "s3://bucket/out"}],
 "tasks": 400, "workers": 64, "depends": null, "skip_completed": true, "world_size": 400}
JSON

make_job "$T/<img src=x onerror=alert(1)>" 2 0 1
cp -r "$JOBMON_SOURCE/tests/data/dj/failed" "$T/dj_failed"
# Its job_summary.json, as Data-Juicer writes one for a failed job: the page shows the resumption command.
cat > "$T/dj_failed/job_summary.json" <<'JSON'
{"job_id": "failed_job", "start_time": 1758104300.0, "end_time": 1758104320.0, "duration": 20.0, "work_dir": "/outputs/failed_job",
 "config_file": ["/outputs/failed_job/process.yaml"], "executor_type": "ray_partitioned", "status": "failed",
 "resumption_command": "dj-process --config /outputs/failed_job/process.yaml --job_id failed_job", "error_message": "2 partitions failed"}
JSON
mkdir -p "$T/dj_failed/logs"
printf '2025-09-17 10:00:00 | INFO | loading config\n2025-09-17 10:00:01 | WARNING | op clean_email_mapper is slow\n2025-09-17 10:00:02 | ERROR | ValueError: bad sample\n2025-09-17 10:00:03 | SUCCESS | partition 0 exported\n' > "$T/dj_failed/logs/dj_run.txt"
mkdir -p "$T/notes_not_a_job" "$T/broken_job"
echo '{"world_size": ' > "$T/broken_job/executor.json"

# A datatrove job launched on Slurm, and Slurm's real answers about it (the
# captures of tests/data/slurm, "ended": task 0 completed, 1 failed, 2 past its
# time limit, 3 cancelled running; the merge job waits forever), served by a
# fake squeue/sacct on PATH: the page's grid, scheduler panel and relaunch.
S=$T/slurm_job
mkdir -p "$S/completions" "$S/logs" "$S/slurm_logs"
printf '{"pipeline": [], "job_name": "jm-e2e", "tasks_per_job": 1, "max_array_size": 1001, "job_id": null, "world_size": 4}' > "$S/executor.json"
printf '#!/bin/bash\n#SBATCH --job-name=jm-e2e\n#SBATCH --array=0-3\n#SBATCH --output=%s/slurm_logs/%%A_%%a.out\nsrun python run.py\n' "$S" > "$S/launch_script.slurm"
echo '[0, 1, 2, 3]' > "$S/ranks_to_run.json"
: > "$S/completions/00000"
sed "s/rank=3/rank=1/g" "$FAILED_LOG" > "$S/logs/task_00001.log"
for r in 2 3; do printf '2026-12-06 10:00:00.000 | INFO     | datatrove: Launching pipeline for rank=%s\n' "$r" > "$S/logs/task_0000$r.log"; done
for i in 0 1 2 3; do echo "task $i" > "$S/slurm_logs/1_$i.out"; done
echo 'slurmstepd: error: *** JOB 6 ON vm CANCELLED AT 2026-12-06T10:01:27 DUE TO TIME LIMIT ***' >> "$S/slurm_logs/1_2.out"
# Launched just before the capture's array was submitted (Slurm's submit time
# must follow the launch files, or the array is an earlier attempt's).
touch -d "@1796581900" "$S/executor.json" "$S/ranks_to_run.json" "$S/launch_script.slurm"
FAKE=$WORK/fake_slurm
mkdir -p "$FAKE"
for cmd in squeue sacct; do
  # As if submitted from this job: the capture's output dir becomes this job's slurm_logs.
  $PY "$(dirname "$0")/slurm_capture_as.py" "$JOBMON_SOURCE/tests/data/slurm/${cmd}_ended.json" "$S/slurm_logs" > "$FAKE/${cmd}.json"
  printf '#!/bin/sh\nexec cat %q\n' "$FAKE/${cmd}.json" > "$FAKE/$cmd"
  chmod +x "$FAKE/$cmd"
done

PATH="$FAKE:$PATH" start_serve "$WORK/serve.log" --scheduler slurm "$T"
node "$BROWSER_DIR/dashboard.mjs" "http://127.0.0.1:$PORT" "$T" "${JOBMON_BUILD:-$WORK}/screenshots" "$SERVE_BIN" "$WORK"
