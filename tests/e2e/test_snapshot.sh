#!/usr/bin/env bash
# End-to-end: the real jobmon-snapshot binary on the corpus in tests/data/dj.
# JSON on stdout only (it parses), diagnostics on stderr, documented exit codes.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-snapshot/jobmon-snapshot"
DATA="$JOBMON_SOURCE/tests/data/dj"

# json_get FILE EXPR: evaluates EXPR on the parsed document `d`
json_get() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Every corpus dir: exit 0, stdout is exactly one JSON document.
for dir in "$DATA"/*/; do
  name=$(basename "$dir")
  rc=0; "$BIN" "$dir" >"$WORK/$name.json" 2>"$WORK/$name.err" || rc=$?
  expect_eq "$rc" 0 "$name: exit code"
  if json_get "$WORK/$name.json" 'd["overall_status"]' >/dev/null; then pass; else fail "$name: stdout is not one JSON document"; fi
done
expect_eq "$(json_get "$WORK/completed.json" 'd["overall_status"]')" completed "completed: status"
expect_eq "$(json_get "$WORK/failed.json" 'd["progress_summary"]["failed_partitions"]')" 2 "failed: failed_partitions"
expect_eq "$(json_get "$WORK/running.json" 'd["progress_summary"]["total_partitions"]')" 4 "running: planned total"
expect_eq "$(json_get "$WORK/resumed.json" 'len(d["file_paths"]["event_log_files"])')" 2 "resumed: both files"
if [[ ! -s "$WORK/completed.err" ]]; then pass; else fail "completed: unexpected stderr: $(cat "$WORK/completed.err")"; fi

# Corrupt lines: still exit 0 and valid JSON; the count goes to stderr too.
expect_eq "$(json_get "$WORK/corrupt.json" 'd["skipped_lines"]["total"]')" 9 "corrupt: skipped count"
skipped=$(json_get "$WORK/corrupt.json" 'd["skipped_lines"]["total"]')
# Blank lines are counted too: they were not events (not "unreadable").
if grep -q "^jobmon-snapshot: $skipped line(s) in .*/corrupt/\? were not events: 2 blank, 5 corrupt, 1 without event_type, 1 out of range (first: " "$WORK/corrupt.err"; then pass; else fail "corrupt: no stderr diagnostic: $(cat "$WORK/corrupt.err")"; fi
if grep -q "unreadable" "$WORK/corrupt.err"; then fail "corrupt: lines called unreadable: $(cat "$WORK/corrupt.err")"; else pass; fi

# Human-readable, no colour: the reference's banner, no escape sequences.
"$BIN" --human-readable --no-color "$DATA/failed" >"$WORK/failed.txt"
if grep -q "DataJuicer Processing Snapshot - Job: failed_job" "$WORK/failed.txt"; then pass; else fail "human: banner"; fi
# The reference's lines, so its users' greps carry over.
if grep -q "^📊 Overall Status: ❌ FAILED" "$WORK/failed.txt"; then pass; else fail "human: status icon line"; fi
if grep -q "^   Partitions: 1/3 completed " "$WORK/failed.txt"; then pass; else fail "human: Partitions line"; fi
"$BIN" -H --no-color "$DATA/completed" >"$WORK/completed.txt"
if grep -Eq "^⏱️  Duration: [0-9]+m [0-9]+s \([0-9]+\.[0-9]{2} seconds\)$" "$WORK/completed.txt"; then pass; else fail "human: Duration with seconds: $(grep Duration "$WORK/completed.txt")"; fi
if grep -q "Resume with" "$WORK/completed.txt"; then fail "human: Resume with for a completed job"; else pass; fi
if grep -q "Ray worker died" "$WORK/failed.txt"; then pass; else fail "human: failure message"; fi
# Two failed partitions, one job failure: counted as failures, not as the 4 reports of them.
if grep -qxF "❌ Failures (2 partitions, 1 job-level; 4 reports in 3 groups):" "$WORK/failed.txt"; then pass; else fail "human: Failures heading: $(grep Failures "$WORK/failed.txt")"; fi
if grep -q $'\x1b' "$WORK/failed.txt"; then fail "human: colour codes with --no-color"; else pass; fi
if NO_COLOR=1 "$BIN" -H --color "$DATA/completed" | grep -q $'\x1b\['; then pass; else fail "--color forces colour"; fi

# Missing work dir: exit 1, clear message on stderr, nothing on stdout.
rc=0; "$BIN" "$WORK/does-not-exist" >"$WORK/missing.out" 2>"$WORK/missing.err" || rc=$?
expect_eq "$rc" 1 "missing dir: exit code"
if [[ ! -s "$WORK/missing.out" ]]; then pass; else fail "missing dir: output on stdout"; fi
if grep -q "no such directory" "$WORK/missing.err"; then pass; else fail "missing dir: message: $(cat "$WORK/missing.err")"; fi
# A hostile name in the message reaches the terminal escaped.
rc=0; "$BIN" "$WORK/gone"$'\x1b]0;pwned\x07' >/dev/null 2>"$WORK/hostile.err" || rc=$?
expect_eq "$rc" 1 "hostile missing dir: exit code"
if grep -q $'\x1b' "$WORK/hostile.err"; then fail "hostile missing dir: raw escape on stderr"; else pass; fi
if grep -qF 'gone\x1b]0;pwned\x07' "$WORK/hostile.err"; then pass; else fail "hostile missing dir: $(cat -v "$WORK/hostile.err")"; fi

# Usage errors: exit 2.
rc=0; "$BIN" >/dev/null 2>"$WORK/noarg.err" || rc=$?
expect_eq "$rc" 2 "no WORK_DIR: exit code"
rc=0; "$BIN" --no-such-flag "$DATA/completed" >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 2 "unknown flag: exit code"
rc=0; "$BIN" --follow --interval 0 "$DATA/running" >/dev/null 2>&1 || rc=$?
expect_eq "$rc" 2 "--interval 0: exit code"
if grep -q "WORK_DIR" "$WORK/noarg.err"; then pass; else fail "no WORK_DIR: message"; fi
if "$BIN" --version | grep -q "^jobmon-snapshot [0-9]"; then pass; else fail "--version"; fi

# --list: every job under a root, as JSON and as a table.
"$BIN" --list "$DATA" --json >"$WORK/list.json"
corpus_jobs=$(find "$DATA" -mindepth 2 -maxdepth 2 -name 'events*.jsonl' -printf '%h\n' | sort -u | wc -l)
expect_eq "$(json_get "$WORK/list.json" 'len(d["jobs"])')" "$corpus_jobs" "--list: job count (each corpus dir with events files)"
"$BIN" --list "$DATA" --no-color >"$WORK/list.txt"
jobs=$(json_get "$WORK/list.json" 'len(d["jobs"])')
expect_eq "$(grep -c . "$WORK/list.txt")" $((jobs + 1)) "--list table: a header and a line per job"
if grep -Eq "^running_job +[a-z]+ +1/4 +37\.5%  2025-" "$WORK/list.txt"; then pass; else fail "--list table: $(cat "$WORK/list.txt")"; fi

# --follow: one JSON document per line, a new one only when something
# changed (5 reads of a quiet job: one document); stops by itself once the job ended.
"$BIN" --follow --count 5 --interval 0.1 "$DATA/running" >"$WORK/follow.out"
expect_eq "$(wc -l <"$WORK/follow.out")" 1 "--follow --count 5 on a quiet job: documents"
if "$PY" -c "
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
one = json.load(open(sys.argv[2]))
for k in ('job_info', 'progress_summary', 'partition_progress', 'operation_progress', 'skipped_lines'):
    assert docs[0][k] == one[k], k
" "$WORK/follow.out" "$WORK/running.json"; then pass; else fail "--follow: not NDJSON of the same document"; fi
if timeout 20 "$BIN" --follow --interval 0.1 "$DATA/completed" >"$WORK/follow2.out"; then pass; else fail "--follow on a finished job did not stop"; fi
expect_eq "$(wc -l <"$WORK/follow2.out")" 1 "--follow on a finished job: documents"

# --follow picks up appended events (incremental update) in a live dir.
cp -r "$DATA/running" "$WORK/live"
( sleep 1; printf 'me":"words_num_filter","operation_idx":1,"duration":2}\n' >>"$WORK/live/events_20250917_120000.jsonl"
  printf '{"event_type":"job_complete","timestamp":1758104420}\n' >>"$WORK/live/events_20250917_120000.jsonl" ) &
if timeout 30 "$BIN" --follow --interval 0.3 "$WORK/live" >"$WORK/live.out"; then pass; else fail "--follow on a live dir"; fi
wait
expect_eq "$("$PY" -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['progress_summary']['completed_operations'])" "$WORK/live.out")" 4 \
  "--follow: appended op_complete seen"

# --follow to a pipe on a work dir that grows while it is read: a frame for
# each change, none for the reads in between (about 25 of them).
mkdir -p "$WORK/grow"
now=$(date +%s)
ev() { printf '{"event_type":"%s","timestamp":%s%s}\n' "$1" "$2" "${3:-}"; }
ev job_start "$now" ',"job_id":"grow","metadata":{"num_partitions":2}' >"$WORK/grow/events.jsonl"
ev partition_start "$now" ',"partition_id":0' >>"$WORK/grow/events.jsonl"
( sleep 1.5; { ev partition_complete "$((now + 1))" ',"partition_id":0'; ev partition_start "$((now + 1))" ',"partition_id":1'; } >>"$WORK/grow/events.jsonl"
  sleep 1.5; { ev partition_complete "$((now + 3))" ',"partition_id":1'; ev job_complete "$((now + 3))"; } >>"$WORK/grow/events.jsonl" ) &
writer=$!
if timeout 30 "$BIN" --follow --interval 0.1 "$WORK/grow" >"$WORK/grow.out"; then pass; else fail "--follow on a growing dir did not end"; fi
wait "$writer"
if "$PY" -c "
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
done = [d['progress_summary']['completed_partitions'] for d in docs]
# one frame per change: 3 (a state word flipping while quiet may add one), never one per read
assert 3 <= len(docs) <= 4, done
assert [n for i, n in enumerate(done) if i == 0 or done[i - 1] != n] == [0, 1, 2], done
assert docs[-1]['overall_status'] == 'completed', docs[-1]['overall_status']
" "$WORK/grow.out"; then pass; else fail "--follow to a pipe: frames $(wc -l <"$WORK/grow.out")"; fi
# The human view in a pipe: one report per change too, no screen clearing.
"$BIN" -H --no-color --follow --count 5 --interval 0.1 "$DATA/running" >"$WORK/follow.txt"
expect_eq "$(grep -c "DataJuicer Processing Snapshot" "$WORK/follow.txt")" 1 "--follow -H in a pipe: reports"
if grep -q $'\x1b\[2J' "$WORK/follow.txt"; then fail "--follow -H in a pipe: clears the screen"; else pass; fi

# --follow --list: the list again each interval, in a pipe only when it changed.
"$BIN" --follow --list "$DATA" --count 4 --interval 0.1 --no-color >"$WORK/follow_list.txt"
expect_eq "$(grep -c "^JOB " "$WORK/follow_list.txt")" 1 "--follow --list: tables"
expect_eq "$(grep -c . "$WORK/follow_list.txt")" $((jobs + 1)) "--follow --list: lines"
"$BIN" --follow --list "$DATA" --json --count 3 --interval 0.1 >"$WORK/follow_list.json"
expect_eq "$(wc -l <"$WORK/follow_list.json")" 1 "--follow --list --json: documents"
expect_eq "$(json_get "$WORK/follow_list.json" 'len(d["jobs"])')" "$jobs" "--follow --list --json: jobs"
mkdir -p "$WORK/listroot"
cp -r "$DATA/completed" "$WORK/listroot/one"
( sleep 1; cp -r "$DATA/failed" "$WORK/stage_two"; mv "$WORK/stage_two" "$WORK/listroot/two" ) &
writer=$!
"$BIN" --follow --list "$WORK/listroot" --count 25 --interval 0.1 --no-color >"$WORK/listroot.txt"
wait "$writer"
expect_eq "$(grep -c "^JOB " "$WORK/listroot.txt")" 2 "--follow --list: a new job, a new table"
expect_eq "$(grep -c "^failed_job " "$WORK/listroot.txt")" 1 "--follow --list: the new job listed"

# "Resume with:" pastes back into a shell: a work dir whose name has spaces,
# quotes and a $, run through bash, gives the same arguments back.
weird="$WORK/my job's \$HOME \"dir\""
cp -r "$DATA/old_writer" "$weird"
"$PY" -c "
import json, sys
p = sys.argv[1] + '/job_summary.json'
d = json.load(open(p))
d['config_file'] = [sys.argv[1] + '/config.yaml']
json.dump(d, open(p, 'w'))
" "$weird"
"$BIN" -H --no-color "$weird" >"$WORK/weird.txt"
resume=$(sed -n 's/^   Resume with: //p' "$WORK/weird.txt")
if [[ "$resume" == "dj-process --config '"* ]]; then pass; else fail "resume: not quoted: $resume"; fi
got=$(bash -c 'dj-process() { printf "%s\n" "$@"; }; '"$resume")
expect_eq "$got" "--config"$'\n'"$weird/config.yaml"$'\n'"--job_id"$'\n'"old1" "resume: the printed command round-trips through bash"

# "Resume with:" only when resuming is safe to offer: never for a running job
# (a second dj-process on the same job), for a stalled one with a warning.
# Timestamps relative to now: a live job (last event 20 s ago) and one silent for 2 days.
now=$(date +%s)
checkpointed_job() {  # DIR JOB_ID T0: one op done and checkpointed at T0+60, the next started
  mkdir -p "$1"; printf 'process: []\n' >"$1/config.yaml"
  {
    printf '{"event_type":"job_start","timestamp":%s,"job_id":"%s","metadata":{"num_partitions":1}}\n' "$3" "$2"
    printf '{"event_type":"partition_start","timestamp":%s,"partition_id":0}\n' "$3"
    printf '{"event_type":"op_start","timestamp":%s,"partition_id":0,"operation_idx":0,"operation_name":"a"}\n' "$3"
    printf '{"event_type":"op_complete","timestamp":%s,"partition_id":0,"operation_idx":0,"operation_name":"a","duration":60}\n' $(($3 + 60))
    printf '{"event_type":"checkpoint_save","timestamp":%s,"partition_id":0,"operation_idx":0,"operation_name":"a"}\n' $(($3 + 60))
    printf '{"event_type":"op_start","timestamp":%s,"partition_id":0,"operation_idx":1,"operation_name":"b"}\n' $(($3 + 60))
  } >"$1/events.jsonl"
}
checkpointed_job "$WORK/live_ckpt" live $((now - 80))
checkpointed_job "$WORK/dead_ckpt" dead $((now - 2 * 86400 - 60))
"$BIN" -H --no-color "$WORK/live_ckpt" >"$WORK/live_ckpt.txt"
if grep -q "^   State: running" "$WORK/live_ckpt.txt"; then pass; else fail "live job: $(grep State "$WORK/live_ckpt.txt")"; fi
if grep -q "^   Resumable: Yes$" "$WORK/live_ckpt.txt"; then pass; else fail "live job: not resumable"; fi
if grep -q "Resume with" "$WORK/live_ckpt.txt"; then fail "live job: Resume with offered for a running job"; else pass; fi
if grep -Eq "^⏱️  Duration: running for 1m [0-9]{2}s \(" "$WORK/live_ckpt.txt"; then pass; else fail "live job: $(grep Duration "$WORK/live_ckpt.txt")"; fi
# The same under --follow (one frame).
"$BIN" -H --no-color --follow --count 1 "$WORK/live_ckpt" >"$WORK/live_ckpt_follow.txt"
if grep -q "Resume with" "$WORK/live_ckpt_follow.txt"; then fail "live job --follow: Resume with offered"; else pass; fi
"$BIN" -H --no-color "$WORK/dead_ckpt" >"$WORK/dead_ckpt.txt"
if grep -q "^   State: stalled" "$WORK/dead_ckpt.txt"; then pass; else fail "silent job: $(grep State "$WORK/dead_ckpt.txt")"; fi
expect_eq "$(sed -n 's/^   Resume with: //p' "$WORK/dead_ckpt.txt")" "dj-process --config $WORK/dead_ckpt/config.yaml --job_id dead" "stalled job: Resume with"
if grep -qxF "   (stalled, but it may still be running: check that its process is gone before resuming)" "$WORK/dead_ckpt.txt"; then pass; else fail "stalled job: no may-still-be-running note"; fi
# Its clock stopped at its last event: 1 minute, not 2 days "running for".
if grep -qxF "⏱️  Duration: ran for 1m 00s (60.00 seconds) until its last event" "$WORK/dead_ckpt.txt"; then pass; else fail "stalled job: $(grep Duration "$WORK/dead_ckpt.txt")"; fi

# Tiny files naming huge ids cost what they name (issue 13): one 70-byte line
# naming partition 2^20 - 1 printed 434 MB (223 MB RSS); 1024 lines naming
# operation 4095 (92 KB) took 683 MB.
mkdir -p "$WORK/amp_one" "$WORK/amp_ops"
printf '%s\n' '{"event_type":"partition_start","timestamp":1,"partition_id":1048575}' >"$WORK/amp_one/events.jsonl"
for ((pid = 0; pid < 1024; pid++)); do
  printf '{"event_type":"op_start","timestamp":%d,"partition_id":%d,"operation_idx":4095}\n' $((pid + 1)) "$pid"
done >"$WORK/amp_ops/events.jsonl"
for job in amp_one amp_ops; do
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f %M -o "$WORK/$job.rss" "$BIN" "$WORK/$job" >"$WORK/$job.json"
  else
    "$BIN" "$WORK/$job" >"$WORK/$job.json"; echo 0 >"$WORK/$job.rss"
  fi
  rss_kb=$(tail -1 "$WORK/$job.rss")
  if [[ "${JOBMON_SANITIZE:-OFF}" == "ON" ]] || ((rss_kb < 64 * 1024)); then pass; else fail "$job: peak RSS ${rss_kb} KB"; fi
done
bytes=$(stat -c %s "$WORK/amp_one.json")
if ((bytes < 8192)); then pass; else fail "amp_one: $bytes bytes of JSON"; fi
expect_eq "$(json_get "$WORK/amp_one.json" 'len(d["partition_progress"])')" 1 "amp_one: one partition listed"
expect_eq "$(json_get "$WORK/amp_one.json" 'list(d["partition_progress"])[0]')" 1048575 "amp_one: the partition named"
expect_eq "$(json_get "$WORK/amp_one.json" 'd["progress_summary"]["in_progress_partitions"]')" 1 "amp_one: in progress"
bytes=$(stat -c %s "$WORK/amp_ops.json")
if ((bytes < 2 * 1024 * 1024)); then pass; else fail "amp_ops: $bytes bytes of JSON"; fi
expect_eq "$(json_get "$WORK/amp_ops.json" 'd["progress_summary"]["total_operations"]')" 1024 "amp_ops: 1024 partitions x 1 op"
expect_eq "$(json_get "$WORK/amp_ops.json" 'len(d["operations"])')" 1 "amp_ops: one operation listed"
expect_eq "$(json_get "$WORK/amp_ops.json" 'd["operations"][0]["operation_idx"]')" 4095 "amp_ops: the op named"

# --follow sees an events file renamed over by one with the same first 64
# bytes and a longer body (issue 13): it starts over, and its last document
# says what a one-shot read says (0 completed, 4 failed; not 1 and 3).
mkdir -p "$WORK/swap"
head='{"event_type":"job_start","timestamp":1000,"job_id":"swap","metadata":{"num_partitions":4}}'
{ echo "$head"; echo '{"event_type":"partition_complete","timestamp":1001,"partition_id":0,"metadata":{"success":true}}'
  for p in 1 2 3; do echo "{\"event_type\":\"partition_failed\",\"timestamp\":1002,\"partition_id\":$p,\"error_message\":\"a\"}"; done
} >"$WORK/swap/events.jsonl"
{ echo "$head"
  for p in 0 1 2 3; do echo "{\"event_type\":\"partition_failed\",\"timestamp\":1003,\"partition_id\":$p,\"error_message\":\"worker lost again\"}"; done
  echo '{"event_type":"job_failed","timestamp":1004,"error_message":"all partitions failed"}'
} >"$WORK/swap.next"
"$BIN" --follow --interval 0.2 "$WORK/swap" >"$WORK/swap.out" &
follow_pid=$!
on_exit "stop_pid $follow_pid"
wait_until 10 test -s "$WORK/swap.out" || fail "--follow: no first document"
mv "$WORK/swap.next" "$WORK/swap/events.jsonl"
if timeout 20 tail --pid="$follow_pid" -f /dev/null; then pass; else fail "--follow did not end after job_failed in the replaced file"; fi
"$BIN" "$WORK/swap" >"$WORK/swap.one"
if "$PY" -c "
import json, sys
last = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
one = json.load(open(sys.argv[2]))
assert last['progress_summary']['completed_partitions'] == 0, last['progress_summary']
assert last['progress_summary']['failed_partitions'] == 4, last['progress_summary']
for k in ('job_info', 'progress_summary', 'partition_progress', 'operation_progress', 'skipped_lines'):
    assert last[k] == one[k], k
" "$WORK/swap.out" "$WORK/swap.one"; then pass; else fail "--follow after a rename-over: not the one-shot result"; fi

# Issue 14: what the model (SnapshotAnalyzer) reports, as the CLI shows it.
# A job silent for a year is stalled in --list, with the last event's age.
if grep -Eq "^running_job +stalled .*\([0-9]+d [0-9]{2}h ago\)" "$WORK/list.txt"; then pass; else fail "--list: running_job not stalled with its age: $(grep running_job "$WORK/list.txt")"; fi
# An events file that cannot be read (a directory, a FIFO): exit 1 naming it,
# never a NOT_STARTED snapshot with exit 0, never a hang.
for kind in dir fifo; do
  mkdir -p "$WORK/bad_$kind"
  if [[ $kind == dir ]]; then mkdir "$WORK/bad_$kind/events.jsonl"; else mkfifo "$WORK/bad_$kind/events.jsonl"; fi
  rc=0; timeout 20 "$BIN" "$WORK/bad_$kind" >"$WORK/bad_$kind.out" 2>"$WORK/bad_$kind.err" || rc=$?
  expect_eq "$rc" 1 "unreadable events file ($kind): exit code"
  if grep -q "bad_$kind/events.jsonl" "$WORK/bad_$kind.err"; then pass; else fail "unreadable events file ($kind): not named: $(cat "$WORK/bad_$kind.err")"; fi
  if [[ ! -s "$WORK/bad_$kind.out" ]]; then pass; else fail "unreadable events file ($kind): a document on stdout"; fi
done

finish
