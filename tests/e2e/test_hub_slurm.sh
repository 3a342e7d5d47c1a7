#!/usr/bin/env bash
# jobmon-hub-progress --slurm-job against a REAL single-node Slurm 22.05
# cluster (scripts/slurm_cluster.sh on 127.0.0.1, private ports and state,
# brought down at exit) and the fake Hub: the monitor asks Slurm through the
# library's SchedulerQuery (squeue --json + sacct --json), keeps polling while
# the array's tasks run, and stops (exit 4, card "Stopped") once Slurm says
# every task ended; an array task id (A_I) stops when that task ends.
# Without the Slurm, munge or MariaDB binaries: SKIP (77), never a pass.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"
BIN="$JOBMON_BIN/jobmon-hub-progress/jobmon-hub-progress"
slurm_require

if ! slurm_up; then
  fail "the cluster did not come up"
  finish
fi
pass "cluster up ($SLURM_CONF)"

# The fake Hub with one shard of 3,000 rows.
REPO="$WORK/hub/org/gen"
mkdir -p "$REPO/data/train"
cp "$FIXTURES_DIR/parquet/page_index.parquet" "$REPO/data/train/00000.parquet"
printf -- '---\nlicense: mit\n---\n# Generated\n' > "$REPO/README.md"
"$PY" "$JOBMON_SOURCE/tests/support/fake_hub.py" --root "$WORK/hub" > "$WORK/ports" &
HUB_PID=$!
on_exit 'stop_pid "$HUB_PID"'
wait_until 5 test -s "$WORK/ports" || true
PORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$WORK/ports")
export HF_ENDPOINT="http://127.0.0.1:$PORT"
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_TOKEN_PATH HF_HUB_OFFLINE
export HF_HOME="$WORK/hfhome"

# An array: task 0 ends after 4 s, task 1 after 14 s.
cat > "$WORK/task.sh" << 'SCRIPT'
#!/bin/bash
sleep $((4 + 10 * SLURM_ARRAY_TASK_ID))
SCRIPT
ARRAY=$(sbatch --parsable -J jm-hub --array=0-1 -o "$WORK/%A_%a.out" "$WORK/task.sh")
pass "submitted array $ARRAY"
START=$SECONDS

# The first task: stopped once it ends, while the array's other task still runs.
run --repo org/gen --total 6000 --json --interval 1 --slurm-job "${ARRAY}_0"
expect_eq "$RC" 4 "array task ${ARRAY}_0: stopped once Slurm says it ended"
T0=$((SECONDS - START))
expect_contains "$(cat "$REPO/README.md")" "3,000/6,000 docs<br>⚠️ Stopped: Slurm job ${ARRAY}_0 is no longer running" \
  "card says the task stopped"
expect_not_contains "$ERR" "could not ask Slurm" "Slurm answered every poll"
STILL=$(squeue -h -j "$ARRAY" -t running -o %i | wc -l)
expect_eq "$STILL" 1 "task 1 still runs when the monitor of task 0 stops"

# The whole array: polls while task 1 runs, stops when it ends.
run --repo org/gen --total 6000 --json --interval 1 --slurm-job "$ARRAY"
expect_eq "$RC" 4 "array $ARRAY: stopped once every task ended"
T1=$((SECONDS - START))
POLLS=$(printf '%s\n' "$OUT" | grep -c '"state":"running"' || true)
[[ $POLLS -ge 3 ]] && pass "polled $POLLS times while task 1 ran" || fail "only $POLLS running polls while task 1 ran"
[[ $T1 -ge 12 ]] && pass "stopped after $T1 s (task 1 sleeps 14 s)" || fail "stopped after $T1 s, before task 1 ended"
printf '%s\n' "$OUT" | tail -1 | grep -q '"state":"stopped"' && pass "last --json line says stopped" ||
  fail "last --json line: $(printf '%s\n' "$OUT" | tail -1)"
expect_contains "$(cat "$REPO/README.md")" "⚠️ Stopped: Slurm job $ARRAY is no longer running" "card says the array stopped"
STATE=$(sacct -n -X -P -j "$ARRAY" -o State | sort -u | tr '\n' ' ')
expect_eq "$STATE" "COMPLETED " "sacct agrees: every task COMPLETED"
echo "task 0 stop seen after $T0 s, array after $T1 s"
finish
