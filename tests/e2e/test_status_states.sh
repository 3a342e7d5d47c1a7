#!/usr/bin/env bash
# End-to-end: the state model through the real jobmon-status, on trees shaped
# like real incidents, with real mtimes (touch -d @EPOCH) relative to now.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"
NOW=$(date +%s)

# at SECONDS_AGO PATH...: sets the mtime of each PATH to SECONDS_AGO before now.
at() { local ago=$1; shift; touch -d "@$((NOW - ago))" "$@"; }

# steady JOB WORLD DONE GAP LAST_AGO: DONE markers GAP seconds apart, the
# newest LAST_AGO seconds ago; executor.json written one GAP before the first.
steady() {
  local job=$1 world=$2 done=$3 gap=$4 last=$5 r
  make_job "$job" "$world"
  mkdir -p "$job/logs"
  for ((r = 0; r < done; ++r)); do
    : > "$job/completions/$(printf '%05d' "$r")"
    at $((last + gap * (done - 1 - r))) "$job/completions/$(printf '%05d' "$r")"
  done
  at $((last + gap * done)) "$job/executor.json"
}

# log JOB RANK SECONDS_AGO failed|running|done
log() {
  local f="$1/logs/task_$(printf '%05d' "$2").log"
  printf '2026-12-06 10:00:00.000 | INFO     | datatrove.executor.base:_run_for_rank:98 - Launching pipeline for rank=%s\n' "$2" > "$f"
  case $4 in
    failed) printf '2026-12-06 10:00:05.000 | ERROR    | datatrove.executor.base:_run_for_rank:110 - boom\nTraceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: corrupt shard %s\n' "$2" >> "$f" ;;
    done) printf '2026-12-06 10:00:05.000 | SUCCESS  | datatrove.executor.base:_run_for_rank:104 - Processing done for rank=%s\n' "$2" >> "$f" ;;
  esac
  at "$3" "$f"
}

# field JSON JOB KEY: one key of one job in a --json document (Python repr).
field() { $PY -c 'import json,sys; d=json.loads(sys.argv[1]); j=[j for j in d["jobs"] if j["name"]==sys.argv[2]][0]; print(repr(j[sys.argv[3]]))' "$1" "$2" "$3"; }

T="$WORK/runs"
mkdir -p "$T"

# 1. One failed rank while the others still finish: running, with the failure beside it.
steady "$T/a_running_1_failed" 100 60 5 3
log "$T/a_running_1_failed" 60 200 failed
for r in 61 62 63; do log "$T/a_running_1_failed" $r 10 running; done
# 2. A local run that died 20 minutes ago, one rank left an empty log: stalled.
steady "$T/b_died" 64 40 10 1200
: > "$T/b_died/logs/task_00040.log"; at 1250 "$T/b_died/logs/task_00040.log"
# 3. One marker and no logs, two hours ago: not running forever.
steady "$T/c_one_marker" 8 1 120 7200
rm -rf "$T/c_one_marker/logs"
# 4. Two failed ranks, every other rank done: failed, no ETA.
steady "$T/d_failed" 32 30 10 60
log "$T/d_failed" 30 100 failed
log "$T/d_failed" 31 90 failed
# 5. Markers restored in one burst (a copy): no rate, never "ETA 0s".
make_job "$T/e_restored" 1000
for ((r = 0; r < 300; ++r)); do : > "$T/e_restored/completions/$(printf '%05d' "$r")"; done
# 6. Relaunched after failures, nothing of the new attempt started yet: pending.
steady "$T/f_relaunched" 10 8 10 7200
log "$T/f_relaunched" 8 7000 failed
log "$T/f_relaunched" 9 7000 failed
at 60 "$T/f_relaunched/executor.json"
# 7. 100 failed ranks: counted exactly (no cap at 64).
steady "$T/g_many_failed" 150 50 1 30
for ((r = 50; r < 150; ++r)); do log "$T/g_many_failed" $r 20 failed; done
# 8. Nothing started: pending.
make_job "$T/h_pending" 16; at 600 "$T/h_pending/executor.json"

run --json "$T"
expect_eq "$RC" 0 "--json exit code"
DOC=$OUT
expect_eq "$(field "$DOC" a_running_1_failed status)" "'running'" "1: running with a failed rank"
expect_eq "$(field "$DOC" a_running_1_failed failed_ranks)" "1" "1: the failed rank is counted"
expect_contains "$(field "$DOC" a_running_1_failed state_reason)" "1 rank failed" "1: the reason names the failure"
expect_not_contains "$(field "$DOC" a_running_1_failed eta_seconds)" "None" "1: a running job keeps its ETA"
expect_eq "$(field "$DOC" b_died status)" "'stalled'" "2: a run that died 20 min ago is stalled"
expect_eq "$(field "$DOC" b_died eta_seconds)" "None" "2: no ETA for a stalled job"
expect_contains "$(field "$DOC" b_died ended_at)" "T" "2: the duration ends at the last activity"
expect_eq "$(field "$DOC" c_one_marker status)" "'stalled'" "3: one old marker and no logs is stalled"
expect_eq "$(field "$DOC" d_failed status)" "'failed'" "4: failed when every other rank is done"
expect_eq "$(field "$DOC" d_failed eta_seconds)" "None" "4: a failed job's ETA is null, not 0"
expect_eq "$(field "$DOC" e_restored rate_per_hour)" "None" "5: no rate from a burst"
expect_eq "$(field "$DOC" e_restored eta_seconds)" "None" "5: no ETA from a burst"
expect_eq "$(field "$DOC" f_relaunched status)" "'pending'" "6: relaunched, nothing started: pending"
expect_eq "$(field "$DOC" f_relaunched failed_ranks)" "0" "6: the earlier attempt's failures do not count"
expect_contains "$(field "$DOC" f_relaunched state_reason)" "relaunched" "6: the reason says relaunched"
expect_eq "$(field "$DOC" g_many_failed failed_ranks)" "100" "7: 100 failed ranks, exactly"
expect_eq "$(field "$DOC" g_many_failed failed_ranks_exact)" "True" "7: and said to be exact"
expect_eq "$(field "$DOC" h_pending status)" "'pending'" "8: nothing started"
TOTALS=$($PY -c 'import json,sys; s=json.loads(sys.argv[1])["summary"]; print(s["tasks_failed"], s["jobs_running"], s["jobs_failed"], s["jobs_stalled"], s["jobs_pending"])' "$DOC")
expect_eq "$TOTALS" "103 2 2 2 2" "totals: failed ranks and jobs per state"

# The plain lines say the same, in the same words.
run --no-color "$T"
line() { grep -- "$1" <<<"$OUT" || true; }
expect_contains "$(line a_running_1_failed)" "1 failed · ETA" "plain: running · 1 failed"
expect_contains "$(line b_died)" "stalled 20m" "plain: stalled with its silence"
expect_contains "$(line d_failed)" "2 failed · others done: relaunch to finish" "plain: failed, relaunch"
expect_contains "$(line e_restored)" "rate unknown" "plain: a burst says rate unknown"
expect_not_contains "$(line e_restored)" "ETA 0s" "plain: never ETA 0s from a burst"
expect_contains "$(line h_pending)" "pending" "plain: pending"
expect_contains "$(line g_many_failed)" "100 failed" "plain: the exact count"
expect_contains "$OUT" "Jobs: 2 running · 2 failed · 2 stalled · 2 pending · 103 failed ranks" "plain: outlook words"

# A real `cp -r` (no -a: every file gets the copy's time, executor.json
# possibly after the logs) of a failed job: still failed, its failures kept.
C="$WORK/copies"; mkdir -p "$C"
cp -r "$T/d_failed" "$C/d_copy"
run --json "$C"
expect_eq "$(field "$OUT" d_copy status)" "'failed'" "cp -r: a copied failed job is still failed"
expect_eq "$(field "$OUT" d_copy failed_ranks)" "2" "cp -r: its failures are not set aside as an earlier attempt"
expect_eq "$(field "$OUT" d_copy rate_per_hour)" "None" "cp -r: no rate for a failed job"

# A trailing ** looks at every directory as -r does: jobs, and no warning per directory.
run --no-color "$T/**"
expect_eq "$RC" 0 "** exit code"
expect_eq "$ERR" "" "**: no warnings for completions/, logs/ and other plain dirs"
expect_contains "$OUT" "Summary: 0/8 (0%) jobs completed" "**: the same 8 jobs"

# A job dir whose name is not UTF-8: valid JSON, and path_b64 gives the exact bytes back.
B="$WORK/bytes"; mkdir -p "$B"
NAME=$(printf 'tok_\xff\xfe_job')
make_job "$B/$NAME" 2 0 1
"$BIN" --json "$B" > "$WORK/bytes.json"
B64_CHECK=$($PY - "$B/$NAME" "$WORK/bytes.json" <<'PYEOF'
import base64, json, os, sys
doc = json.loads(open(sys.argv[2], "rb").read().decode("utf-8"))  # strict: the document is UTF-8
job = doc["jobs"][0]
want = os.fsencode(sys.argv[1])
assert base64.b64decode(job["path_b64"]) == want, job
assert os.fsencode(job["path"]) == want, job
print("ok")
PYEOF
)
expect_eq "$B64_CHECK" "ok" "a non-UTF-8 path: path_b64 and \\udcXX both give the bytes back"

finish
