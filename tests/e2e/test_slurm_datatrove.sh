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
source "$(dirname "$0")/serve_lib.sh"

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
# incomplete ranks only, a new ranks_to_run.json and array. Over a minute after
# the first launch's last slurm log was written: jobmon takes logs written up
# to 60 s before executor.json for the new launch's own (a copy writes both
# together), so a quicker relaunch would be read as one launch of two arrays.
slurm_wait 60 ended "$RL1" || fail "dt_relaunch's first array never ended"
rl1_last_log=$(stat -c %Y "$L/dt_relaunch/slurm_logs/${RL1}"_*.out | sort -n | tail -1)
slurm_wait 90 eval '(($(date +%s) - rl1_last_log > 62))'
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


# --- jobmon's answer.
# status ARGS...: jobmon-status on the jobs; its output in OUT (and $WORK/out), exit code in RC.
status() { run "$@" "$L"; printf '%s\n' "$OUT" > "$WORK/out"; }
# fields: the flattened JSON of the last status call, in F; f KEY: one field's value.
fields() { F=$($PY "$FIELDS" "$WORK/out") || fail "not JSON: $OUT"; }
# states JOB: the job's incomplete ranks by joined state, "cancelled=1 failed=1".
states() { grep "^$1\.scheduler\.states\." <<< "$F" | sed 's/^.*\.states\.//; s/\t/=/' | tr '\n' ' ' | sed 's/ $//'; }
f() { awk -F'\t' -v k="$1" '$1 == k { print $2; found = 1 } END { if (!found) print "<missing>" }' <<< "$F"; }
keep() { [[ -z ${JOBMON_E2E_KEEP:-} ]] || { mkdir -p "$JOBMON_E2E_KEEP"; cp "$WORK/out" "$JOBMON_E2E_KEEP/$1"; }; }

status --json --scheduler slurm
expect_eq "$RC" 0 "jobmon-status --json --scheduler slurm"
fields
keep slurm.json
for job in dt_mix dt_queue dt_tpj dt_relaunch dt_done; do
  expect_eq "$(f $job.scheduler.kind)" "slurm" "$job: the scheduler answered"
  expect_eq "$(f $job.scheduler.problems)" "[]" "$job: no scheduler problems"
done
# rank JOB RANK STATE ARRAY INDEX SLURM_STATE STARTED: a rank's joined state and its array task.
rank() {
  local k=$1.rank.$2
  expect_eq "$(f $k.state)" "$3" "$1 rank $2: state"
  expect_eq "$(f $k.scheduler.array_job_id)/$(f $k.scheduler.array_index)" "$4/$5" "$1 rank $2: its array task"
  expect_eq "$(f $k.scheduler.slurm_state)" "$6" "$1 rank $2: Slurm's state"
  expect_eq "$(f $k.scheduler.started)" "$7" "$1 rank $2: started"
}
# raw_id JOB_INDEX: the task's own job id, as sacct has it.
raw_id() { sacct -n -X -P -j "$1" -o JobIDRaw | head -1; }

# dt_mix: 2 raised, 3 timed out, 4 cancelled running; 0, 1, 5 complete.
X=$L/dt_mix
expect_eq "$(f dt_mix.status)/$(f dt_mix.failed_ranks)/$(f dt_mix.completed)" "failed/3/3" "dt_mix: failed, three ranks need a relaunch"
expect_eq "$(f dt_mix.scheduler.job_ids)/$(f dt_mix.scheduler.earlier_job_ids)" "[\"$MIX\"]/[]" "dt_mix: one launch"
expect_eq "$(f dt_mix.scheduler.merge_job.job_id)/$(f dt_mix.scheduler.merge_job.state)/$(f dt_mix.scheduler.merge_job.reason)/$(f dt_mix.scheduler.merge_job.never_runs)" \
  "$MIX_MERGE/pending/DependencyNeverSatisfied/true" "dt_mix: the merge job never runs"
expect_eq "$(states dt_mix)" "cancelled=1 failed=1 timeout=1" "dt_mix: incomplete ranks by state"
for r in 0 1 5; do expect_eq "$(f dt_mix.rank.$r.state)" "<missing>" "dt_mix rank $r complete: no issue"; done
rank dt_mix 2 failed "$MIX" 2 FAILED true
expect_contains "$(f dt_mix.rank.2.message)" "corrupt shard 00002" "dt_mix rank 2: the exception from its log"
expect_eq "$(f dt_mix.rank.2.scheduler.exit_code)/$(f dt_mix.rank.2.scheduler.node)" "1/$NODE" "dt_mix rank 2: exit 1 on the node"
expect_eq "$(f dt_mix.rank.2.scheduler.job_id)" "$(raw_id "${MIX}_2")" "dt_mix rank 2: its raw job id"
rank dt_mix 3 timeout "$MIX" 3 TIMEOUT true
expect_eq "$(f dt_mix.rank.3.scheduler.time_limit_seconds)" "60.0" "dt_mix rank 3: the 1-minute limit"
el=$(f dt_mix.rank.3.scheduler.elapsed_seconds)
[[ $el =~ ^[0-9.]+$ ]] && ((${el%.*} >= 60 && ${el%.*} < 150)) && pass || fail "dt_mix rank 3: elapsed [$el]"
expect_eq "$(f dt_mix.rank.3.scheduler.slurm_log)" "$X/slurm_logs/${MIX}_3.out" "dt_mix rank 3: its slurm log"
expect_contains "$(f dt_mix.rank.3.scheduler.slurm_log_tail)" "DUE TO TIME LIMIT" "dt_mix rank 3: the slurm log's tail says why"
expect_eq "$(f dt_mix.rank.3.scheduler.job_id)/$(f dt_mix.rank.3.scheduler.node)" "$(raw_id "${MIX}_3")/$NODE" "dt_mix rank 3: raw id, node"
for k in start_time end_time; do
  [[ $(f dt_mix.rank.3.scheduler.$k) =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T ]] && pass || fail "dt_mix rank 3: $k [$(f dt_mix.rank.3.scheduler.$k)]"
done
rank dt_mix 4 cancelled "$MIX" 4 CANCELLED true
[[ "$(f dt_mix.rank.4.scheduler.signal)/$(f dt_mix.rank.4.scheduler.exit_code)" =~ ^(15/0|null/143)$ ]] && pass ||
  fail "dt_mix rank 4: ended by SIGTERM: signal [$(f dt_mix.rank.4.scheduler.signal)] exit [$(f dt_mix.rank.4.scheduler.exit_code)]"
expect_eq "$(f dt_mix.scheduler.relaunch.ranks)/$(f dt_mix.scheduler.relaunch.array_indices)" "2-4/2-4" "dt_mix: relaunch ranks 2-4"

# dt_queue (%1): 0 runs, 1 was cancelled while pending (no trace in Slurm), 2 waits.
rank dt_queue 0 running "$QUEUE" 0 RUNNING true
expect_eq "$(f dt_queue.rank.0.scheduler.node)/$(f dt_queue.rank.0.scheduler.exit_code)" "$NODE/null" "dt_queue rank 0: runs on the node"
[[ $(f dt_queue.rank.0.scheduler.elapsed_seconds) =~ ^[0-9.]+$ ]] && pass || fail "dt_queue rank 0: elapsed"
expect_eq "$(f dt_queue.rank.1.state)/$(f dt_queue.rank.1.scheduler.started)" "never_scheduled/false" "dt_queue rank 1: cancelled while pending"
expect_eq "$(f dt_queue.rank.1.log_mtime)" "null" "dt_queue rank 1: no task log"
rank dt_queue 2 pending "$QUEUE" 2 PENDING false
expect_eq "$(f dt_queue.rank.2.scheduler.reason)" "JobArrayTaskLimit" "dt_queue rank 2: why it waits"
expect_eq "$(f dt_queue.scheduler.merge_job.job_id)/$(f dt_queue.scheduler.merge_job.state)" "$QUEUE_MERGE/pending" "dt_queue: the merge job waits"
expect_eq "$(states dt_queue)" "never_scheduled=1 pending=1 running=1" "dt_queue: ranks by state"
expect_eq "$(f dt_queue.scheduler.pending_reasons.JobArrayTaskLimit)" "1" "dt_queue: one rank waits for the %1 limit"

# dt_tpj: index 1 ran ranks 3 (done) and 4 (raised); 5 never started.
rank dt_tpj 4 failed "$TPJ" 1 FAILED true
expect_contains "$(f dt_tpj.rank.4.message)" "corrupt shard 00004" "dt_tpj rank 4: the exception"
rank dt_tpj 5 failed "$TPJ" 1 FAILED false
expect_eq "$(f dt_tpj.rank.5.log_mtime)" "null" "dt_tpj rank 5: no task log"
expect_eq "$(f dt_tpj.scheduler.relaunch.ranks)/$(f dt_tpj.scheduler.relaunch.array_indices)" "4-5/1" "dt_tpj: relaunch ranks 4-5 = index 1"
expect_eq "$(f dt_tpj.failed_ranks)/$(f dt_tpj.status)" "2/failed" "dt_tpj: two ranks to relaunch"

# dt_relaunch: the second launch ran ranks [1, 3] as indices 0, 1; 3 raised again.
rank dt_relaunch 3 failed "$RL2" 1 FAILED true
expect_eq "$(f dt_relaunch.rank.3.scheduler.slurm_log)" "$L/dt_relaunch/slurm_logs/${RL2}_1.out" "dt_relaunch rank 3: this launch's slurm log"
expect_eq "$(f dt_relaunch.rank.1.state)" "<missing>" "dt_relaunch rank 1: complete after the relaunch"
expect_eq "$(f dt_relaunch.scheduler.job_ids)/$(f dt_relaunch.scheduler.earlier_job_ids)" "[\"$RL2\"]/[\"$RL1\"]" "dt_relaunch: the launches"
expect_eq "$(f dt_relaunch.scheduler.merge_job.job_id)/$(f dt_relaunch.scheduler.merge_job.never_runs)" "$RL2_MERGE/true" \
  "dt_relaunch: the current launch's merge job never runs"
expect_eq "$(f dt_relaunch.scheduler.relaunch.ranks)/$(f dt_relaunch.scheduler.relaunch.array_indices)" "3/1" "dt_relaunch: rank 3 is index 1 now"
expect_eq "$(f dt_relaunch.failed_ranks)" "1" "dt_relaunch: one rank left"

# dt_done: complete; the merge job's own log beside the array's is no earlier launch.
expect_eq "$(f dt_done.status)/$(f dt_done.failed_ranks)" "complete/0" "dt_done complete"
[[ $(f dt_done.scheduler.earlier_job_ids) != *"\"$DONE_MERGE\""* ]] && pass || fail "dt_done: the merge job taken for an earlier launch: $(f dt_done.scheduler.earlier_job_ids)"

# The text lines.
status --scheduler slurm --no-color
expect_eq "$RC" 0 "jobmon-status --scheduler slurm"
keep slurm.txt
expect_contains "$OUT" "dt_mix:      3/6 ( 50%)" "the dt_mix line"
expect_contains "$(grep dt_mix: <<< "$OUT")" "3 failed (1 cancelled, 1 timeout)" "dt_mix: what ended its failed ranks"
expect_contains "$(grep dt_queue: <<< "$OUT")" "1 failed (1 never_scheduled)" "dt_queue: the rank cancelled pending needs a relaunch"
expect_contains "$OUT" "Jobs: 1 running · 3 failed · 7 failed ranks" "the totals count Slurm's failures"
status --scheduler slurm --failed --no-color
keep failed.txt
T=$OUT
# line_like TEXT START REGEX MESSAGE: the one line of TEXT that starts with START matches REGEX.
line_like() {
  local line
  line=$(grep -F -- "$2" <<< "$1" || true)
  [[ $line =~ $3 ]] && pass || fail "$4: [$line] does not match [$3]"
}
# Killed by SIGTERM: Slurm records the batch shell either as signalled (15)
# or as exiting 143 (bash, once srun below it died), run by run.
KILLED="(signal 15|exit 143)"
line_like "$T" "    rank 3: " "^    rank 3: TIMEOUT after 1m [0-9]+s on $NODE \\(${MIX}_3, job $(raw_id "${MIX}_3"), $KILLED\\), no exception in its log$" \
  "--failed: the timeout line"
expect_contains "$T" "rank 2 failed: ValueError: corrupt shard 00002 (rank=2) (${MIX}_2, job $(raw_id "${MIX}_2"), exit 1 on $NODE)" "--failed: the exception"
line_like "$T" "    rank 4: " "^    rank 4: CANCELLED after [0-9]+s on $NODE \\(${MIX}_4, job $(raw_id "${MIX}_4"), $KILLED\\), no exception in its log$" \
  "--failed: the cancelled line"
expect_contains "$T" "slurm: array $MIX · merge job $MIX_MERGE pending (never runs: DependencyNeverSatisfied)" "--failed: dt_mix's arrays and merge job"
expect_contains "$T" "\$ sbatch --array=2-4 $L/dt_mix/launch_script.slurm" "--failed: dt_mix's relaunch command"
expect_contains "$T" "rank 1: never scheduled (${QUEUE}_1: no trace in squeue or sacct" "--failed: dt_queue's rank cancelled pending"
expect_contains "$T" "rank 2: pending (${QUEUE}_2, JobArrayTaskLimit)" "--failed: dt_queue's waiting rank"
expect_contains "$T" "rank 5: FAILED on $NODE (${TPJ}_1, exit 1), never started" "--failed: dt_tpj's rank that never started"
expect_contains "$T" "slurm: array $RL2 · merge job $RL2_MERGE pending (never runs: DependencyNeverSatisfied)" "--failed: dt_relaunch's current launch"
expect_contains "$T" "rank 3 failed: ValueError: corrupt shard 00003 (rank=3) (${RL2}_1," "--failed: dt_relaunch rank 3 in the relaunch"

# jobmon-serve on the same tree asks Slurm in the background (every 0.5 s
# here): its first answer is there before the first page, the later ones
# come on a thread. squeue and sacct are counted on their way.
[[ -x $SERVE_BIN ]] || { fail "jobmon-serve not built"; finish; }
mkdir -p "$WORK/counting"
for c in squeue sacct; do
  printf '#!/bin/sh\necho %s >> "%s"\nexec "%s" "$@"\n' "$c" "$WORK/asked" "$(command -v $c)" > "$WORK/counting/$c"
  chmod +x "$WORK/counting/$c"
done
PATH="$WORK/counting:$PATH" start_serve "$WORK/serve.log" --scheduler slurm --scheduler-interval 0.5 "$L" ||
  { fail "jobmon-serve did not start"; finish; }
# ranks_metric JOB STATE: the job's jobmon_job_scheduler_ranks sample for STATE.
ranks_metric() {
  curl -sf "http://127.0.0.1:$PORT/metrics" | grep -F 'jobmon_job_scheduler_ranks{' | grep -F "name=\"$1\"" |
    grep -F "state=\"$2\"" | awk '{print $2}'
}
expect_eq "$(ranks_metric dt_mix timeout)/$(ranks_metric dt_mix cancelled)/$(ranks_metric dt_mix failed)" "1/1/1" \
  "jobmon-serve /metrics: dt_mix's ranks by Slurm's word"
expect_eq "$(ranks_metric dt_queue never_scheduled)/$(ranks_metric dt_queue pending)/$(ranks_metric dt_queue running)" "1/1/1" \
  "jobmon-serve /metrics: dt_queue's ranks"
asked_squeue() { (($(grep -c squeue "$WORK/asked" 2>/dev/null || echo 0) >= 4)); }
wait_until 30 asked_squeue && pass || fail "jobmon-serve: no questions asked in the background ($(grep -c squeue "$WORK/asked" || true))"
expect_eq "$(ranks_metric dt_mix timeout)/$(ranks_metric dt_tpj failed)/$(ranks_metric dt_queue never_scheduled)" "1/2/1" \
  "jobmon-serve /metrics after answers asked in the background"
stop_serves
SERVE_PIDS=()

# --scheduler none: the files only (the ranks Slurm ended look running).
status --json --scheduler none
fields
keep none.json
for job in dt_mix dt_queue dt_tpj dt_relaunch dt_done; do expect_eq "$(f $job.scheduler)" "null" "--scheduler none: $job"; done
expect_eq "$(f dt_mix.rank.2.state)/$(f dt_mix.rank.3.state)/$(f dt_mix.rank.4.state)" "failed/running/running" "--scheduler none: the files' view of dt_mix"
expect_eq "$(f dt_mix.rank.3.scheduler)" "null" "--scheduler none: no rank details"
expect_eq "$(f dt_queue.rank.2.state)/$(f dt_tpj.rank.5.state)" "<missing>/<missing>" "--scheduler none: ranks without logs are not listed"
# auto (the default) with Slurm configured and on PATH: the join.
status --json
fields
expect_eq "$RC/$(f dt_mix.scheduler.kind)/$(f dt_mix.rank.3.state)" "0/slurm/timeout" "auto with Slurm here: the join"
# auto without squeue on PATH: the same files-only answer.
set +e; OUT=$(env PATH=/nonexistent "$BIN" --json "$L"); RC=$?; set -e
printf '%s\n' "$OUT" > "$WORK/out"
fields
expect_eq "$RC/$(f dt_mix.scheduler)/$(f dt_mix.rank.3.state)" "0/null/running" "auto without Slurm on PATH: files only"

echo "test_slurm_datatrove: $((SECONDS - START)) s"
finish
