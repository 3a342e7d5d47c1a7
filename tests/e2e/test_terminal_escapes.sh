#!/usr/bin/env bash
# End-to-end: hostile text never reaches a terminal raw. A datatrove job dir
# whose name holds OSC 2 (set the window title), CSI 2J (clear the screen),
# BEL and invalid UTF-8, a task log whose ERROR line holds the same, and a
# Data-Juicer events file whose job_id, operation_name and error_message hold
# them too: every human output (stdout and stderr, tty or not) shows them
# escaped, whatever the mode; JSON outputs escape them and stay valid JSON.
source "$(dirname "$0")/lib.sh"
STATUS="$JOBMON_BIN/jobmon-status/jobmon-status"
SNAPSHOT="$JOBMON_BIN/jobmon-snapshot/jobmon-snapshot"

ESC=$'\x1b' BEL=$'\x07'
EVIL="${ESC}]2;pwned${BEL}${ESC}[2J"$'\xff\x9b'"x"   # OSC 2, CSI 2J, invalid UTF-8 (0x9b alone is C1 CSI to some terminals)

# --- the hostile trees
JOB="$WORK/runs/job$EVIL"
make_job "$JOB" 4 0
mkdir -p "$JOB/logs"
printf '2024-01-01 00:00:00.000 | ERROR    | m:f:1 - boom %s\n' "$EVIL" > "$JOB/logs/task_00001.log"
printf 'RuntimeError: crash %s\n' "$EVIL" > "$JOB/logs/task_00002.log"
mkdir -p "$WORK/runs/notajob$EVIL"                   # a warning that names it

DJ="$WORK/dj/run$EVIL"
mkdir -p "$DJ"
"$PY" - "$DJ/events.jsonl" <<'PYEOF'
import json, os, sys
evil = "\x1b]2;pwned\x07\x1b[2J\x9b\x85\x7f"          # C1 CSI and NEL as code points, DEL
lines = [
    {"event_type": "job_start", "timestamp": 1758104300.0, "job_id": "job" + evil,
     "metadata": {"num_partitions": 2, "job_id": "job" + evil, "executor_type": "ray" + evil}},
    {"event_type": "partition_start", "timestamp": 1758104301.0, "partition_id": 0},
    {"event_type": "op_start", "timestamp": 1758104301.1, "partition_id": 0, "operation_name": "op" + evil, "operation_idx": 0},
    {"event_type": "op_failed", "timestamp": 1758104305.0, "partition_id": 0, "operation_name": "op" + evil,
     "operation_idx": 0, "error_message": "boom" + evil, "retry_count": 2},
    {"event_type": "partition_failed", "timestamp": 1758104309.0, "partition_id": 1, "error_message": "died" + evil},
    {"event_type": "job_failed", "timestamp": 1758104310.0, "job_id": "job" + evil, "error_message": "failed" + evil},
]
with open(os.fsencode(sys.argv[1]), "wb") as f:
    for line in lines:
        f.write(json.dumps(line).encode() + b"\n")
    f.write(b'{"event_type":"op_failed","timestamp":1758104311.0,"partition_id":1,"error_message":"raw \xff\xfe \x1b[2J"}\n')
    f.write(b"not json \x1b]2;pwned\x07\n")
PYEOF

# clean FILE [sgr]: FILE is well-formed UTF-8 without C0 controls (but
# newline), DEL or C1 controls; with `sgr`, colour sequences (ESC [ ... m,
# which jobmon writes itself) are allowed and nothing else.
clean() {
  "$PY" - "$@" <<'PYEOF'
import re, sys
data = open(sys.argv[1], "rb").read()
if len(sys.argv) > 2:
    data = re.sub(rb"\x1b\[[0-9;]*m", b"", data)
try:
    text = data.decode("utf-8")
except UnicodeDecodeError as e:
    sys.exit(f"invalid UTF-8 at byte {e.start}: {data[max(0, e.start - 40):e.start + 8]!r}")
for i, ch in enumerate(text):
    o = ord(ch)
    if (o < 0x20 and ch != "\n") or o == 0x7F or 0x80 <= o <= 0x9F:
        sys.exit(f"control U+{o:04X} in {text[max(0, i - 40):i + 8]!r}")
PYEOF
}

# human NAME BIN ARGS...: runs it; stdout and stderr must both be clean.
human() {
  local name=$1; shift
  local rc=0
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || rc=$?
  local why
  for stream in out err; do
    if why=$(clean "$WORK/$name.$stream" 2>&1); then pass; else fail "$name: std$stream: $why"; fi
  done
  LAST_RC=$rc
}
# coloured NAME BIN ARGS...: the same with --color forced: only colour sequences.
coloured() {
  local name=$1; shift
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || true
  local why
  for stream in out err; do
    if why=$(clean "$WORK/$name.$stream" sgr 2>&1); then pass; else fail "$name: std$stream: $why"; fi
  done
}
# valid_json NAME BIN ARGS...: stdout is one JSON document holding the hostile text escaped; stderr clean.
valid_json() {
  local name=$1 needle=$2; shift 2
  "$@" >"$WORK/$name.json" 2>"$WORK/$name.err" </dev/null || true
  if "$PY" -c 'import json,sys; d=open(sys.argv[1],"rb").read(); assert b"\x1b" not in d and b"\x07" not in d; json.loads(d.decode("utf-8")); assert sys.argv[2] in d.decode("utf-8")' \
      "$WORK/$name.json" "$needle"; then pass; else fail "$name: not valid JSON with the text escaped"; fi
  if why=$(clean "$WORK/$name.err" 2>&1); then pass; else fail "$name: stderr: $why"; fi
}

# --- jobmon-status: plain lines, --failed, warnings, recursive, the dashboard frame
human status_plain "$STATUS" "$WORK/runs"
grep -q 'job\\x1b]2;pwned\\x07\\x1b\[2J\\xff\\x9bx' "$WORK/status_plain.out" && pass || fail "status: the name is shown escaped: $(cat -v "$WORK/status_plain.out")"
grep -q 'notajob\\x1b' "$WORK/status_plain.err" && pass || fail "status: the warning names the dir, escaped"
human status_failed "$STATUS" --failed "$WORK/runs"
grep -q 'rank 1 failed: boom \\x1b]2;pwned' "$WORK/status_failed.out" && pass || fail "--failed: the log line is shown escaped"
grep -q 'rank 2 failed: RuntimeError: crash \\x1b' "$WORK/status_failed.out" && pass || fail "--failed: the exception line is shown escaped"
human status_recursive "$STATUS" -r --failed "$WORK"
human status_once "$STATUS" --once "$WORK/runs"
human status_missing "$STATUS" "$WORK/runs/gone${ESC}]2;pwned${BEL}"$'\xff'   # a warning, no '[': not a glob
grep -q 'gone\\x1b]2;pwned\\x07\\xff' "$WORK/status_missing.err" && pass || fail "missing path: the warning names it escaped: $(cat -v "$WORK/status_missing.err")"
human status_prefix "$STATUS" -p "job$ESC" "$WORK/runs"
coloured status_colour "$STATUS" --color --failed "$WORK/runs"
valid_json status_json '\u001b]2;pwned' "$STATUS" --json "$WORK/runs"

# --- jobmon-snapshot: the report, the job list, and their stderr (skipped lines name the file)
human snapshot_human "$SNAPSHOT" --human-readable "$DJ"
grep -q 'Job: job\\x1b]2;pwned\\x07\\x1b\[2J\\u009b' "$WORK/snapshot_human.out" && pass || fail "snapshot: job_id shown escaped"
grep -q 'boom\\x1b' "$WORK/snapshot_human.out" && pass || fail "snapshot: error_message shown escaped"
grep -q ' 2 line(s) in .* were not events: ' "$WORK/snapshot_human.err" && pass || fail "snapshot: skipped lines reported: $(cat -v "$WORK/snapshot_human.err")"
human snapshot_list "$SNAPSHOT" --list "$WORK/dj"
coloured snapshot_colour "$SNAPSHOT" -H --color "$DJ"
human snapshot_follow "$SNAPSHOT" -H --follow --count 1 -i 0.1 "$DJ"
valid_json snapshot_json '\u001b]2;pwned' "$SNAPSHOT" "$DJ"
valid_json snapshot_list_json '\u001b]2;pwned' "$SNAPSHOT" --list "$WORK/dj" --json

# --- fatal errors on stderr quote the path they are about; tools/common/tool_main.cpp
# prints them through terminal_safe too.
fatal() {
  local name=$1 expected_rc=$2; shift 2
  local rc=0 why
  "$@" >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || rc=$?
  expect_eq "$rc" "$expected_rc" "$name: exit code"
  if [[ -s "$WORK/$name.out" ]]; then fail "$name: output on stdout"; else pass; fi
  if why=$(clean "$WORK/$name.err" 2>&1); then pass; else fail "$name: stderr: $why"; fi
}
fatal status_job_target 2 "$STATUS" --failed "$JOB"        # '[' in the name makes it a glob
fatal status_bad_glob 2 "$STATUS" "$WORK/runs/[$EVIL"
fatal snapshot_missing 1 "$SNAPSHOT" -H "$WORK/dj/gone$EVIL"

finish
