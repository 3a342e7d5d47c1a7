#!/usr/bin/env bash
# jobmon's Slurm join against a REAL single-node Slurm 22.05 cluster
# (scripts/slurm_cluster.sh, brought down at exit whatever happens), on jobs
# that leave exactly datatrove's layout: a stand-in for datatrove's
# SlurmPipelineExecutor (slurm_datatrove_standin.py: no PyPI here) writes
# executor.json (job_id null), ranks_to_run.json and launch_script.slurm,
# submits the array (logs in slurm_logs/%A_%a.out, srun -l inside) and the
# merge_stats job (--dependency=afterok:<array>), and in each array task
# runs its ranks the way datatrove does (task logs in loguru's format,
# completions/ markers, stats/), stopping at the first rank that raises.
# Five jobs run at once in the one cluster:
#   dt_mix      ranks that succeed, raise, pass a 1-minute time limit, are cancelled running
#   dt_queue    %1 workers: one rank runs, one is cancelled while pending, one waits
#   dt_tpj      tasks_per_job 3: a rank raises and the task's last rank never starts
#   dt_relaunch two ranks raise; relaunched (new ranks_to_run.json, new array) one raises again
#   dt_done     every rank succeeds and the merge job runs
# First the scenario itself is checked on the files and in squeue/sacct
# (the ground truth), then every rank's state and details in
# `jobmon-status --json --scheduler slurm`, its text lines and --failed, and
# the files-only answer with --scheduler none and without Slurm on PATH.
# Without the Slurm, munge or MariaDB binaries: SKIP (77), never a pass.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"

BIN="$JOBMON_BIN/jobmon-status/jobmon-status"
[[ -x $BIN ]] || skip "jobmon-status not built"
slurm_require
START=$SECONDS
slurm_up || { fail "the cluster did not come up"; finish; }
pass "cluster up in $((SECONDS - START)) s ($SLURM_CONF)"
NODE=$(hostname -s)

STANDIN="$JOBMON_SOURCE/tests/e2e/slurm_datatrove_standin.py"
FIELDS="$JOBMON_SOURCE/tests/e2e/slurm_status_fields.py"
L=$WORK/logs
mkdir -p "$L" "$WORK/behaviour"

# launch NAME BEHAVIOUR_JSON ARGS...: what running a datatrove pipeline does (see the stand-in); prints "ARRAY MERGE".
launch() {
  local name=$1 behaviour=$WORK/behaviour/$1.$((++LAUNCHES)).json
  echo "$2" > "$behaviour"
  shift 2
  $PY "$STANDIN" launch "$L/$name" --job-name "$name" --behaviour "$behaviour" "$@"
}
LAUNCHES=0
# ids VAR_ARRAY VAR_MERGE "ARRAY MERGE": the two ids launch printed, both numbers.
ids() {
  [[ $3 =~ ^([0-9]+)\ ([0-9]+)$ ]] || { fail "launch printed [$3]"; finish; }
  printf -v "$1" %s "${BASH_REMATCH[1]}"
  printf -v "$2" %s "${BASH_REMATCH[2]}"
}
# The time-limit case first: it takes the longest (Slurm checks limits every 30 s).
ids MIX MIX_MERGE "$(launch dt_mix '{"2": "raise", "3": "sleep", "4": "sleep"}' --tasks 6 --time 00:01:00)"
ids QUEUE QUEUE_MERGE "$(launch dt_queue '{"0": "sleep"}' --tasks 3 --workers 1)"
ids TPJ TPJ_MERGE "$(launch dt_tpj '{"4": "raise"}' --tasks 6 --tasks-per-job 3)"
ids RL1 RL1_MERGE "$(launch dt_relaunch '{"1": "raise", "3": "raise"}' --tasks 4)"
ids DONE DONE_MERGE "$(launch dt_done '{}' --tasks 2)"
pass "submitted dt_mix $MIX (merge $MIX_MERGE), dt_queue $QUEUE, dt_tpj $TPJ, dt_relaunch $RL1, dt_done $DONE"

# ended JOB: squeue has it, and nothing of it waits or runs any more.
ended() { [[ -n $(squeue -h -t all -j "$1" -o %T 2> /dev/null) && -z $(squeue -h -j "$1" -t pending,running,completing,configuring -o %T 2> /dev/null) ]]; }
running_with_log() { [[ $(squeue_state "$1") == RUNNING ]] && file_has "$2" "Launching pipeline for rank=$3"; }

# Cancel dt_mix rank 4 while it runs, dt_queue index 1 while it waits behind %1.
slurm_wait 60 running_with_log "${MIX}_4" "$L/dt_mix/logs/task_00004.log" 4 || fail "dt_mix rank 4 never ran"
scancel "${MIX}_4"
queue_ready() { running_with_log "${QUEUE}_0" "$L/dt_queue/logs/task_00000.log" 0 && [[ $(squeue_state "${QUEUE}_1") == PENDING ]]; }
slurm_wait 60 queue_ready || fail "dt_queue: index 0 never ran with 1 pending"
expect_eq "$(squeue_reason "${QUEUE}_1")" "JobArrayTaskLimit" "dt_queue index 1 waits for the %1 limit"
scancel "${QUEUE}_1"
slurm_wait 10 eval '[[ -z $(squeue_state "${QUEUE}_1") ]]' || fail "dt_queue index 1 still in squeue"

# Relaunch dt_relaunch once its first array ended, the way datatrove does: the
# incomplete ranks only, a new ranks_to_run.json and array.
slurm_wait 60 ended "$RL1" || fail "dt_relaunch's first array never ended"
cp "$L/dt_relaunch/ranks_to_run.json" "$WORK/rl1_ranks_to_run.json"
ids RL2 RL2_MERGE "$(launch dt_relaunch '{"3": "raise"}' --tasks 4)"
pass "relaunched dt_relaunch as $RL2 (merge $RL2_MERGE)"

slurm_wait 60 eval '[[ -s $L/dt_done/stats.json ]]' || fail "dt_done's merge job never wrote stats.json"
for a in "$TPJ" "$RL2" "$DONE_MERGE"; do slurm_wait 60 ended "$a" || fail "array $a never ended"; done
timed_out() { [[ $(squeue_state "${MIX}_3") == TIMEOUT && $(sacct_state "${MIX}_3") == TIMEOUT ]]; }
if ! slurm_wait 180 timed_out; then fail "dt_mix rank 3 never timed out: $(squeue_state "${MIX}_3")"; finish; fi
slurm_wait 30 eval '[[ $(squeue_reason $MIX_MERGE) == DependencyNeverSatisfied && $(squeue_reason $RL2_MERGE) == DependencyNeverSatisfied ]]' || true
# sacct lags squeue: let it catch up with every ended task before jobmon asks.
sacct_caught_up() {
  local t
  for t in "${MIX}_0" "${MIX}_2" "${MIX}_4" "${TPJ}_1" "${RL2}_1" "${DONE}_1"; do
    [[ $(sacct_state "$t") =~ ^(COMPLETED|FAILED|CANCELLED|TIMEOUT) ]] || return 1
  done
}
slurm_wait 30 sacct_caught_up || fail "sacct never caught up"
pass "scenario ran in $((SECONDS - START)) s"

# --- The scenario, as the files and Slurm show it (the ground truth jobmon must match).
X=$L/dt_mix
expect_eq "$($PY -c 'import json,sys; e=json.load(open(sys.argv[1])); print(e["job_id"], e["job_name"], e["tasks"], e["workers"], e["tasks_per_job"], list(e)[-1], e["world_size"], e["slurm_logs_folder"])' "$X/executor.json")" \
  "None dt_mix 6 -1 1 world_size 6 $X/slurm_logs" "executor.json as datatrove writes it: job_id null, world_size last"
expect_contains "$(cat "$X/launch_script.slurm")" "#SBATCH --job-name=dt_mix" "launch script: job name"
expect_contains "$(cat "$X/launch_script.slurm")" "#SBATCH --array=0-5"$'\n' "launch script: the array"
expect_contains "$(cat "$X/launch_script.slurm")" "#SBATCH --output=$X/slurm_logs/%A_%a.out" "launch script: the slurm_logs pattern"
expect_contains "$(cat "$L/dt_queue/launch_script.slurm")" "#SBATCH --array=0-2%1" "launch script: %workers"
expect_eq "$(cat "$X/ranks_to_run.json")" "[0, 1, 2, 3, 4, 5]" "dt_mix runs every rank"
expect_eq "$(ls "$X/completions" | tr '\n' ' ')" "00000 00001 00005 " "dt_mix: ranks 0, 1, 5 completed"
expect_eq "$(sacct_state "${MIX}_2")/$(sacct -n -X -P -j "${MIX}_2" -o ExitCode | head -1)" "FAILED/1:0" "sacct: rank 2 failed, exit 1"
expect_eq "$(sacct_state "${MIX}_3")/$(sacct -n -X -P -j "${MIX}_3" -o ExitCode | head -1)" "TIMEOUT/0:0" "sacct: rank 3 timed out"
expect_contains "$(sacct_state "${MIX}_4")" "CANCELLED" "sacct: rank 4 cancelled"
expect_contains "$(tail -n 5 "$X/slurm_logs/${MIX}_3.out")" "DUE TO TIME LIMIT" "the time limit lands in rank 3's slurm_logs file"
expect_not_contains "$(cat "$X/logs/task_00003.log")" "ERROR" "rank 3's task log has no exception"
expect_eq "$(squeue_reason "$MIX_MERGE")" "DependencyNeverSatisfied" "squeue: dt_mix's merge job can never run"
expect_eq "$(squeue_state "${QUEUE}_0")/$(squeue_state "${QUEUE}_1")/$(squeue_state "${QUEUE}_2")" "RUNNING//PENDING" \
  "squeue: dt_queue index 0 runs, 1 is gone, 2 waits"
expect_eq "$(sacct -n -X -P -j "$QUEUE" -o JobID | grep -c "^${QUEUE}_1$" || true)" "0" "sacct: no row for the index cancelled pending"
expect_eq "$(ls "$L/dt_tpj/completions" | tr '\n' ' ')" "00000 00001 00002 00003 " "dt_tpj: index 0's ranks and rank 3 completed"
[[ ! -e $L/dt_tpj/logs/task_00005.log ]] && pass || fail "dt_tpj rank 5 started after rank 4 raised"
expect_eq "$(sacct_state "${TPJ}_1")" "FAILED" "sacct: dt_tpj index 1 (ranks 3-5) failed"
expect_eq "$(cat "$WORK/rl1_ranks_to_run.json")/$(cat "$L/dt_relaunch/ranks_to_run.json")" "[0, 1, 2, 3]/[1, 3]" \
  "the relaunch runs the incomplete ranks only"
expect_eq "$(cd "$L/dt_relaunch/slurm_logs" && ls | sort -V | tr '\n' ' ')" \
  "${RL1}_0.out ${RL1}_1.out ${RL1}_2.out ${RL1}_3.out ${RL2}_0.out ${RL2}_1.out " "the earlier attempt's slurm_logs stay"
expect_contains "$(cat "$L/dt_relaunch/logs/task_00001.log")" "Processing done for rank=1" "the relaunch overwrote rank 1's log"
expect_eq "$(grep -c 'Launching pipeline' "$L/dt_relaunch/logs/task_00003.log")" "1" "rank 3's log holds the relaunch only"
expect_eq "$(sacct_state "${RL2}_1")" "FAILED" "sacct: the relaunch's index 1 (rank 3) failed"
[[ -e $L/dt_done/slurm_logs/${DONE_MERGE}_0.out ]] && pass ||
  fail "the merge job (an array of one, like datatrove's) logs beside the array's tasks"

echo "test_slurm_datatrove: $((SECONDS - START)) s"
finish
