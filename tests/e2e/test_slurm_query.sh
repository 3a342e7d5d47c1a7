#!/usr/bin/env bash
# The library's Slurm query against a REAL single-node Slurm 22.05 cluster
# (scripts/slurm_cluster.sh: munge, MariaDB, slurmdbd, slurmctld, slurmd on
# 127.0.0.1, private ports and state under this test's work dir), brought
# down at exit whatever happens. Array tasks that succeed, exit 1, run past a
# 1-minute time limit, are cancelled running and cancelled pending; a held
# array (pending + reason) and a merge job waiting on the array
# (DependencyNeverSatisfied). Every task's state is asserted through
# slurm_query_probe (the library's SlurmQuery), in --json mode and in the
# parsable -o/-P mode (squeue/sacct wrappers that refuse --json).
# Without the Slurm, munge or MariaDB binaries: SKIP (77), never a pass.
# JOBMON_SLURM_CAPTURE=DIR saves the raw answers there (tests/data/slurm/).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/slurm_lib.sh"

PROBE=${JOBMON_BUILD:?}/tests/slurm_query_probe
[[ -x $PROBE ]] || skip "slurm_query_probe not built"
slurm_require
START=$SECONDS

if ! slurm_up; then
  fail "the cluster did not come up"
  finish
fi
pass "cluster up in $((SECONDS - START)) s ($SLURM_CONF)"
NODE=$(hostname -s)
bash "$CLUSTER_SCRIPT" up "$CLUSTER" > "$WORK/up2.out" 2>&1
expect_eq "$(bash "$CLUSTER_SCRIPT" status "$CLUSTER" | grep -c running)" 5 "a second up is a no-op: all five daemons run"

LOGS=$WORK/slurm_logs
mkdir -p "$LOGS"
cat > "$WORK/task.sh" << 'SCRIPT'
#!/bin/bash
case $SLURM_ARRAY_TASK_ID in
  0) echo "rank done" ;;
  1) echo "Traceback: ValueError: boom" >&2; exit 1 ;;
  *) exec sleep 600 ;;
esac
SCRIPT
ARRAY=$(sbatch --parsable -J jm-e2e --time=1 --array=0-3 -o "$LOGS/%A_%a.out" "$WORK/task.sh")
HELD=$(sbatch --parsable -J jm-held --hold --array=0-3 -o "$LOGS/%A_%a.out" "$WORK/task.sh")
MERGE=$(sbatch --parsable -J jm-merge --dependency="afterok:$ARRAY" -o "$LOGS/merge.out" --wrap true)
pass "submitted array $ARRAY, held array $HELD, merge job $MERGE"

# probe [ARGS...]: asks the query about the three jobs; sets ANSWER.
probe() { ANSWER=$("$PROBE" "$@" "$ARRAY" "$HELD" "$MERGE"); }
# field ARRAY INDEX COLUMN: one column of a task's line (4 state, 5 exit, 6 signal, 7 node, 8 elapsed, 9 reason, 10 stdout).
field() { awk -F'\t' -v a="$1" -v i="$2" -v c="$3" '$1 == "task" && $2 == a && $3 == i { print $(c + 1) }' <<< "$ANSWER"; }
state_is() { probe "${@:4}"; [[ $(field "$1" "$2" 4) == "$3" ]]; }
capture() {
  [[ -n ${JOBMON_SLURM_CAPTURE:-} ]] || return 0
  mkdir -p "$JOBMON_SLURM_CAPTURE"
  squeue --json > "$JOBMON_SLURM_CAPTURE/squeue_$1.json"
  sacct --json -j "$ARRAY,$HELD,$MERGE" > "$JOBMON_SLURM_CAPTURE/sacct_$1.json"
  squeue -h -a -t all -o '%A|%F|%K|%T|%r|%N|%S|%e|%V|%l|%Z|%u|%E|%j' > "$JOBMON_SLURM_CAPTURE/squeue_$1.txt"
  sacct -n -P -j "$ARRAY,$HELD,$MERGE" \
    -o JobID,JobIDRaw,State,ExitCode,Start,End,Elapsed,Submit,Timelimit,NodeList,Reason,WorkDir,JobName > "$JOBMON_SLURM_CAPTURE/sacct_$1.txt"
  echo "array=$ARRAY held=$HELD merge=$MERGE node=$NODE" > "$JOBMON_SLURM_CAPTURE/ids_$1.txt"
}

# Phase 1: 0 and 1 ended, 2 and 3 run, the held array waits.
if ! wait_until 60 state_is "$ARRAY" 3 running; then fail "task 3 never ran: $ANSWER"; finish; fi
wait_until 30 state_is "$ARRAY" 1 failed || true
expect_eq "$(grep -c '^available	1' <<< "$ANSWER")" 1 "the scheduler is available"
expect_eq "$(grep '^calls' <<< "$ANSWER")" "calls	1	1" "one squeue and one sacct for all three jobs"
expect_eq "$(field "$ARRAY" 0 4)/$(field "$ARRAY" 0 5)" "completed/0" "task 0 completed, exit 0"
expect_eq "$(field "$ARRAY" 1 4)/$(field "$ARRAY" 1 5)" "failed/1" "task 1 failed, exit 1"
expect_eq "$(field "$ARRAY" 2 4)/$(field "$ARRAY" 2 7)" "running/$NODE" "task 2 runs on the node"
expect_eq "$(field "$ARRAY" 2 10)" "$LOGS/${ARRAY}_2.out" "task 2's StdOut pattern expanded"
[[ $(field "$ARRAY" 2 8) =~ ^[0-9]+$ ]] && pass || fail "task 2's elapsed is a number: $(field "$ARRAY" 2 8)"
for i in 0 1 2 3; do
  expect_eq "$(field "$HELD" $i 4)/$(field "$HELD" $i 9)" "pending/JobHeldUser" "held task $i pending with its reason"
done
expect_eq "$(field "$MERGE" - 4)" "pending" "the merge job waits"
expect_contains "$(field "$MERGE" - 9)" "Dependency" "the merge job waits on its dependency"
expect_eq "$(grep -c '^problem' <<< "$ANSWER")" 0 "no problems"
capture running

# Phase 2: cancel task 3 while it runs and held task 1 while it waits, then the whole held array.
scancel "${ARRAY}_3" "${HELD}_1"
wait_until 30 state_is "$ARRAY" 3 cancelled || fail "task 3 not cancelled: $ANSWER"
expect_eq "$(field "$ARRAY" 3 6)" "15" "the cancelled task ended by SIGTERM"
# A pending task cancelled leaves no squeue line and no sacct row: the query has
# no word on it (the join calls that never scheduled), or, while sacct still
# lags with the array's pending range row, says never_scheduled itself.
[[ $(field "$HELD" 1 4) == "" || $(field "$HELD" 1 4) == never_scheduled ]] && pass ||
  fail "a pending task cancelled: [$(field "$HELD" 1 4)]"
expect_eq "$(field "$HELD" 0 4)" "pending" "the other held tasks still wait"
scancel "$HELD"
wait_until 30 state_is "$HELD" 0 never_scheduled || fail "held array not cancelled: $ANSWER"
for i in 0 2 3; do expect_eq "$(field "$HELD" $i 4)/$(field "$HELD" $i 8)" "never_scheduled/-" "held task $i never ran"; done

# Phase 3: task 2 passes its 1-minute limit (Slurm checks every 30 s; KillWait 2 s).
if ! wait_until 150 state_is "$ARRAY" 2 timeout; then fail "task 2 never timed out: $ANSWER"; finish; fi
expect_eq "$(field "$ARRAY" 2 6)" "15" "the timed-out task was ended by SIGTERM"
elapsed=$(field "$ARRAY" 2 8)
((elapsed >= 60 && elapsed < 150)) && pass "timed out after $elapsed s" || fail "timeout elapsed $elapsed"
wait_until 30 state_is "$MERGE" - pending || true
expect_eq "$(field "$MERGE" - 9)" "DependencyNeverSatisfied" "the merge job can never run"
capture ended
JSON_ANSWER=$ANSWER

# The parsable forms: wrappers that refuse --json, as Slurm before 21.08 does.
mkdir -p "$WORK/old"
for cmd in squeue sacct; do
  printf '#!/bin/bash\nfor a; do [[ $a == --json ]] && { echo "%s: unrecognized option '"'"'--json'"'"'" >&2; exit 1; }; done\nexec %s "$@"\n' \
    "$cmd" "$(command -v $cmd)" > "$WORK/old/$cmd"
  chmod +x "$WORK/old/$cmd"
done
probe --squeue "$WORK/old/squeue" --sacct "$WORK/old/sacct"
expect_eq "$(grep '^mode' <<< "$ANSWER")" "mode	parsable" "the parsable forms are used when --json is refused"
for i in 0 1 2 3; do
  for c in 4 5 6 7; do
    expect_eq "$(field "$ARRAY" $i $c)" "$(ANSWER=$JSON_ANSWER field "$ARRAY" $i $c)" "parsable = json: array task $i column $c"
  done
done
for i in 0 2 3; do expect_eq "$(field "$HELD" $i 4)" "never_scheduled" "parsable: held task $i"; done
expect_eq "$(field "$HELD" 1 4)" "$(ANSWER=$JSON_ANSWER field "$HELD" 1 4)" "parsable = json: held task 1"
expect_eq "$(field "$MERGE" - 4)/$(field "$MERGE" - 9)" "pending/DependencyNeverSatisfied" "parsable: the merge job"

# No Slurm on PATH: not available, no tasks; Slurm asked for by name says why (auto would say nothing).
ANSWER=$(PATH=/nonexistent "$PROBE" "$ARRAY")
expect_eq "$(head -1 <<< "$ANSWER")" "available	0" "without squeue: not available"
expect_eq "$(grep -c '^task' <<< "$ANSWER")" 0 "without squeue: no tasks"
expect_eq "$(grep '^problem' <<< "$ANSWER")" "problem	squeue not found on PATH: showing what the files say" "without squeue: said once"

bash "$CLUSTER_SCRIPT" down "$CLUSTER" > /dev/null 2>&1
bash "$CLUSTER_SCRIPT" status "$CLUSTER" > "$WORK/status.out" && fail "status after down says running" || pass
expect_eq "$(grep -c stopped "$WORK/status.out")" 5 "down stopped all five daemons"
echo "test_slurm_query: $((SECONDS - START)) s"
finish
