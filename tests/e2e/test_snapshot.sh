#!/usr/bin/env bash
# End-to-end: the real jobmon-snapshot binary on the corpus in tests/data/dj.
# JSON on stdout only (it parses), diagnostics on stderr, documented exit codes.
set -euo pipefail

BIN="${JOBMON_BIN:?JOBMON_BIN not set}/jobmon-snapshot/jobmon-snapshot"
DATA="${JOBMON_SOURCE:?JOBMON_SOURCE not set}/tests/data/dj"
PY=/usr/bin/python3
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# json_get FILE EXPR: evaluates EXPR on the parsed document `d`
json_get() { "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }

# Every corpus dir: exit 0, stdout is exactly one JSON document.
for dir in "$DATA"/*/; do
  name=$(basename "$dir")
  "$BIN" "$dir" >"$TMP/$name.json" 2>"$TMP/$name.err" || fail "$name: exit $?"
  json_get "$TMP/$name.json" 'd["overall_status"]' >/dev/null || fail "$name: stdout is not one JSON document"
done
[[ $(json_get "$TMP/completed.json" 'd["overall_status"]') == completed ]] || fail "completed: wrong status"
[[ $(json_get "$TMP/failed.json" 'd["progress_summary"]["failed_partitions"]') == 2 ]] || fail "failed: failed_partitions"
[[ $(json_get "$TMP/running.json" 'd["progress_summary"]["total_partitions"]') == 4 ]] || fail "running: planned total"
[[ $(json_get "$TMP/resumed.json" 'len(d["file_paths"]["event_log_files"])') == 2 ]] || fail "resumed: both files"
[[ ! -s "$TMP/completed.err" ]] || fail "completed: unexpected stderr: $(cat "$TMP/completed.err")"

# Corrupt lines: still exit 0 and valid JSON; the count goes to stderr too.
[[ $(json_get "$TMP/corrupt.json" 'd["skipped_lines"]["total"]') == 7 ]] || fail "corrupt: skipped count"
grep -q "skipped 7 unreadable line" "$TMP/corrupt.err" || fail "corrupt: no stderr diagnostic"

# Human-readable, no colour: the reference's banner, no escape sequences.
"$BIN" --human-readable --no-color "$DATA/failed" >"$TMP/failed.txt"
grep -q "DataJuicer Processing Snapshot - Job: failed_job" "$TMP/failed.txt" || fail "human: banner"
grep -q "Ray worker died" "$TMP/failed.txt" || fail "human: failure message"
if grep -q $'\x1b' "$TMP/failed.txt"; then fail "human: colour codes with --no-color"; fi
NO_COLOR=1 "$BIN" -H --color "$DATA/completed" | grep -q $'\x1b\[' || fail "--color forces colour"

# Missing work dir: exit 1, clear message on stderr, nothing on stdout.
set +e
"$BIN" "$TMP/does-not-exist" >"$TMP/missing.out" 2>"$TMP/missing.err"; rc=$?
set -e
[[ $rc -eq 1 ]] || fail "missing dir: exit $rc, want 1"
[[ ! -s "$TMP/missing.out" ]] || fail "missing dir: output on stdout"
grep -q "no such directory" "$TMP/missing.err" || fail "missing dir: message: $(cat "$TMP/missing.err")"

# Usage errors: exit 2.
set +e
"$BIN" >/dev/null 2>"$TMP/noarg.err"; rc=$?
[[ $rc -eq 2 ]] || fail "no WORK_DIR: exit $rc, want 2"
"$BIN" --no-such-flag "$DATA/completed" >/dev/null 2>&1; rc=$?
[[ $rc -eq 2 ]] || fail "unknown flag: exit $rc, want 2"
"$BIN" --follow --interval 0 "$DATA/running" >/dev/null 2>&1; rc=$?
[[ $rc -eq 2 ]] || fail "--interval 0: exit $rc, want 2"
set -e
grep -q "WORK_DIR" "$TMP/noarg.err" || fail "no WORK_DIR: message"
"$BIN" --version | grep -q "^jobmon-snapshot [0-9]" || fail "--version"

# --list: every job under a root, as JSON and as a table.
"$BIN" --list "$DATA" --json >"$TMP/list.json"
[[ $(json_get "$TMP/list.json" 'len(d["jobs"])') == 9 ]] || fail "--list: job count"
"$BIN" --list "$DATA" --no-color | grep -q "running_job .*in_progress" || fail "--list table"

# --follow: one JSON document per line; stops by itself once the job ended.
"$BIN" --follow --count 2 --interval 0.1 "$DATA/running" >"$TMP/follow.out"
[[ $(wc -l <"$TMP/follow.out") -eq 2 ]] || fail "--follow --count 2: $(wc -l <"$TMP/follow.out") lines"
"$PY" -c "
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
one = json.load(open(sys.argv[2]))
for k in ('job_info', 'progress_summary', 'partition_progress', 'operation_progress', 'skipped_lines'):
    assert docs[0][k] == one[k], k
" "$TMP/follow.out" "$TMP/running.json" || fail "--follow: not NDJSON of the same document"
timeout 20 "$BIN" --follow --interval 0.1 "$DATA/completed" >"$TMP/follow2.out" || fail "--follow on a finished job did not stop"
[[ $(wc -l <"$TMP/follow2.out") -eq 1 ]] || fail "--follow on a finished job: more than one document"

# --follow picks up appended events (incremental update) in a live dir.
cp -r "$DATA/running" "$TMP/live"
( sleep 1; printf 'me":"words_num_filter","operation_idx":1,"duration":2}\n' >>"$TMP/live/events_20250917_120000.jsonl"
  printf '{"event_type":"job_complete","timestamp":1758104420}\n' >>"$TMP/live/events_20250917_120000.jsonl" ) &
timeout 30 "$BIN" --follow --interval 0.3 "$TMP/live" >"$TMP/live.out" || fail "--follow on a live dir"
wait
[[ $("$PY" -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])['progress_summary']['completed_operations'])" "$TMP/live.out") == 4 ]] \
  || fail "--follow: appended op_complete not seen"

echo "e2e snapshot: all checks passed"
