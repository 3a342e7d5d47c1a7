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
expect_eq "$(json_get "$WORK/corrupt.json" 'd["skipped_lines"]["total"]')" 7 "corrupt: skipped count"
if grep -q "skipped 7 unreadable line" "$WORK/corrupt.err"; then pass; else fail "corrupt: no stderr diagnostic"; fi

# Human-readable, no colour: the reference's banner, no escape sequences.
"$BIN" --human-readable --no-color "$DATA/failed" >"$WORK/failed.txt"
if grep -q "DataJuicer Processing Snapshot - Job: failed_job" "$WORK/failed.txt"; then pass; else fail "human: banner"; fi
if grep -q "Ray worker died" "$WORK/failed.txt"; then pass; else fail "human: failure message"; fi
if grep -q $'\x1b' "$WORK/failed.txt"; then fail "human: colour codes with --no-color"; else pass; fi
if NO_COLOR=1 "$BIN" -H --color "$DATA/completed" | grep -q $'\x1b\['; then pass; else fail "--color forces colour"; fi

# Missing work dir: exit 1, clear message on stderr, nothing on stdout.
rc=0; "$BIN" "$WORK/does-not-exist" >"$WORK/missing.out" 2>"$WORK/missing.err" || rc=$?
expect_eq "$rc" 1 "missing dir: exit code"
if [[ ! -s "$WORK/missing.out" ]]; then pass; else fail "missing dir: output on stdout"; fi
if grep -q "no such directory" "$WORK/missing.err"; then pass; else fail "missing dir: message: $(cat "$WORK/missing.err")"; fi

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
expect_eq "$(json_get "$WORK/list.json" 'len(d["jobs"])')" 9 "--list: job count"
if "$BIN" --list "$DATA" --no-color | grep -q "running_job .*in_progress"; then pass; else fail "--list table"; fi

# --follow: one JSON document per line; stops by itself once the job ended.
"$BIN" --follow --count 2 --interval 0.1 "$DATA/running" >"$WORK/follow.out"
expect_eq "$(wc -l <"$WORK/follow.out")" 2 "--follow --count 2: lines"
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

finish
