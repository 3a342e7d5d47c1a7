#!/usr/bin/env bash
# End-to-end test of a training run in `jobmon-status` (issue 18): while
# training_writer.py writes a Hugging Face Trainer output dir record by record
# (TensorBoard events, checkpoints, the final entry and results files), the
# REAL binary's --watch dashboard in a private tmux server shows the run
# pending, then running with its step rising, then complete, beside a
# datatrove job. Then the plain report, --json and --check on the finished
# run, and on runs stopped mid-way (failed, or stalled with a torn last
# record); and the plain log lines when stdout is not a terminal.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"
WRITER="$JOBMON_SOURCE/tests/e2e/training_writer.py"
[[ -x "$BIN" ]] || { echo "FAIL: $BIN is not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (scripts/install-deps.sh --test)" >&2; exit 1; }

export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset NO_COLOR
SOCKET="jobmon-training-$$"
tm() { tmux -L "$SOCKET" -f /dev/null "$@"; }
on_exit 'tm kill-server 2>/dev/null'

capture() { tm capture-pane -p -t w "$@"; }
screen_has() { capture | grep -qF -- "$1"; }
wait_for() {  # wait_for TEXT SECONDS: polls the screen until TEXT shows
  wait_until "$2" screen_has "$1" && return 0
  echo "--- screen while waiting for [$1]:" >&2
  capture >&2
  return 1
}
# json_field EXPR: EXPR over the first run of the --json document on stdin (r), a tuple printed space-separated.
json_field() {
  "$PY" -c 'import json,sys; r=json.load(sys.stdin)["training"][0]; v=eval(sys.argv[1]); print(*(v if isinstance(v, tuple) else (v,)))' "$1"
}
line_of() { grep -F -- "$1" <<<"$OUT" || true; }  # the report line holding TEXT

OUTDIR="$WORK/out"
RUN="$OUTDIR/ft-live"
make_job "$OUTDIR/tok" 4 0 1 2 3  # a finished datatrove job beside the run
MAX=60

tm new-session -d -s w -x 120 -y 30 "env PS1='$ ' TERM=xterm-256color bash --norc --noprofile"
tm send-keys -t w "ulimit -c 0; echo PRE-RUN-$$" Enter
wait_for "PRE-RUN-$$" 5 || { fail "the shell did not start"; exit 1; }

# ---- the live run: pending while loading, running with the step rising, complete
tm send-keys -t w "'$BIN' -i 0.3 '$OUTDIR'" Enter
wait_for "Tracked jobs:" 10 && pass "first frame drawn" || fail "no first frame"
"$PY" "$WRITER" "$RUN" --max-steps $MAX --delay 0.12 --start-delay 4 --logging-steps 5 --eval-steps 20 \
  --save-steps 20 --quiet &
writer_pid=$!
on_exit "stop_pid $writer_pid"

if wait_for "○ ft-live" 8; then pass "before its first step the run is pending (loading)"; else fail "no pending row while loading"; fi
wait_for "Training runs: 0/1" 5 && pass "a Training runs line under the job totals" || fail "no Training runs line"
steps_seen=()
row_step() { capture | grep -oE "^● ft-live +[0-9]+/$MAX" | grep -oE '[0-9]+/' | tr -d / || true; }
collect() {
  local s; s=$(row_step)
  if [[ -n $s && ( ${#steps_seen[@]} == 0 || $s != "${steps_seen[-1]}" ) ]]; then steps_seen+=("$s"); fi
  screen_has "✓ ft-live"
}
wait_until 30 collect || true
echo "steps seen while running: ${steps_seen[*]:-none}"
((${#steps_seen[@]} >= 3)) && pass "the running row's step rose (${#steps_seen[@]} values)" ||
  fail "the step did not rise on screen: ${steps_seen[*]:-none}"
rising=1
for ((i = 1; i < ${#steps_seen[@]}; i++)); do ((steps_seen[i] > steps_seen[i - 1])) || rising=0; done
((rising)) && pass "steps only rise" || fail "steps went back: ${steps_seen[*]}"
if wait_for "✓ ft-live" 10; then pass "the run shows complete"; else fail "the run never showed complete"; fi
done_row=$(capture | grep -E "^✓ ft-live" || true)
grep -qE "^✓ ft-live +$MAX/$MAX +100% [█▓]+ " <<<"$done_row" && pass "complete row: $MAX/$MAX, 100%, a full bar" ||
  fail "complete row: $done_row"
[[ $done_row == *"done "*"loss "* ]] && pass "complete row says done and the loss" || fail "complete row tail: $done_row"
wait_for "Training runs: 1/1 - 100.0%" 5 && pass "Training runs line: 1/1" || fail "Training runs line not 1/1"
screen_has "Tracked jobs:  1/1" && pass "the datatrove job is counted as before" || fail "job totals changed"
long=$(capture | while IFS= read -r line; do ((${#line} <= 120)) || echo "$line"; done)
[[ -z $long ]] && pass "no line wider than the pane" || fail "lines wider than 120 columns: $long"
screen_has "checkpoint-" && fail "a warning about the run's checkpoint dirs: $(capture)" || pass "no warnings about the run's own dirs"
tm send-keys -t w q
wait_for "Monitoring stopped after" 5 && pass "q quits" || fail "q did not quit"
wait "$writer_pid" && pass "the writer finished" || fail "the writer failed"

# ---- the finished run: the report, --json, --check
run "$RUN"
expect_eq "$RC" 0 "report exit status"
expect_contains "$OUT" "✅ ft-live: step $MAX/$MAX (100%)" "report line of the finished run"
expect_contains "$OUT" "loss " "report shows the loss"
expect_contains "$OUT" "eval_loss " "report shows the eval loss"
expect_contains "$OUT" "Training runs: 1/1 complete" "report's training summary"
expect_not_contains "$OUT" "No jobs found" "a training run is found"
expect_eq "$ERR" "" "no warnings for a Trainer output dir"
run --json "$OUTDIR"
expect_eq "$RC" 0 "--json exit status"
expect_eq "$(json_field 'r["status"], r["step"], r["max_steps"], r["finished"]' <<<"$OUT")" "complete $MAX $MAX True" "--json state and steps"
expect_eq "$(json_field 'all(m in r["metrics"] for m in ["loss", "eval_loss", "eval_accuracy", "train/loss", "eval/loss"])' <<<"$OUT")" \
  "True" "--json metrics from trainer_state.json and the event file"
expect_eq "$(json_field 'r["metrics"]["loss"]["last_step"], len(r["checkpoints"]), r["crc_failures"]' <<<"$OUT")" \
  "$MAX 3 0" "--json last loss step, checkpoints, CRC failures"
expect_eq "$("$PY" -c 'import json,sys; d=json.load(sys.stdin); print(sorted(d), len(d["jobs"]))' <<<"$OUT")" \
  "['generated_at', 'jobs', 'summary', 'training', 'warnings'] 1" "--json keeps every key and the job beside the run"
run --check "$OUTDIR"
expect_eq "$RC" 0 "--check: everything complete"

# ---- runs stopped mid-way: failed (2 h quiet), stalled (25 min quiet, a torn last record)
"$PY" "$WRITER" "$OUTDIR/ft-crashed" --max-steps $MAX --stop-at 25 --backdate 7200 --quiet
"$PY" "$WRITER" "$OUTDIR/ft-hung" --max-steps $MAX --stop-at 30 --backdate 1500 --tear --quiet
run "$OUTDIR"
grep -qE "^❌ ft-crashed: +step 25/$MAX \( 41%\) .* stopped at step 25 of $MAX with no final entry" <<<"$(line_of ft-crashed)" &&
  pass "a run stopped 2 h ago is failed, and says why" || fail "failed run: $(line_of ft-crashed)"
grep -qE "^⚠️  ft-hung: +step 30/$MAX \( 50%\) .* stalled 2[0-9]m" <<<"$(line_of ft-hung)" &&
  pass "a run quiet for 25 min is stalled" || fail "stalled run: $(line_of ft-hung)"
expect_contains "$OUT" "Training runs: 1/3 complete · 1 failed · 1 stalled" "training summary counts the states"
run --json "$OUTDIR/ft-hung"
expect_eq "$(json_field 'r["status"], r["step"], r["finished"], r["crc_failures"], sum(s.get("pending_bytes", 0) for s in r["sources"]) > 0' <<<"$OUT")" \
  "stalled 30 False 0 True" "a torn last record waits (pending bytes), no CRC failure"
run --check "$OUTDIR"
expect_eq "$RC" 3 "--check: incomplete while a run is not complete"
once=$(COLUMNS=100 "$BIN" --once "$OUTDIR" 2>/dev/null)
[[ $once == *"✗ ft-crashed"*"failed · stopped 2h"* ]] && pass "--once: the failed row says when it stopped" ||
  fail "--once failed row: $(grep ft-crashed <<<"$once")"
[[ $once == *"Training runs: 1/3 - 33.3%  · 1 failed · 1 stalled"* ]] && pass "--once: Training runs line" ||
  fail "--once: $once"

# ---- plain mode (stdout not a terminal): a line per refresh with the run's step
plain="$WORK/plain.txt"
"$BIN" -i 0.2 "$OUTDIR/ft-plain" >"$plain" 2>"$WORK/plain.err" &
plain_pid=$!
on_exit "stop_pid $plain_pid"
"$PY" "$WRITER" "$OUTDIR/ft-plain" --max-steps 20 --delay 0.1 --logging-steps 2 --eval-steps 10 --save-steps 10 --quiet
wait_until 10 file_has "$plain" "ft-plain complete step 20/20" || true
kill -TERM "$plain_pid"
wait "$plain_pid" || true
grep -qE "training 0/1 \(0%\) · 1 running · ft-plain running step [0-9]+/20" "$plain" && pass "plain lines show the running step" ||
  fail "plain lines: $(cat "$plain")"
grep -qF "training 1/1 (100%) · ft-plain complete step 20/20" "$plain" && pass "plain lines end complete" ||
  fail "plain lines: $(cat "$plain")"
grep -q $'\e' "$plain" && fail "plain mode wrote escape sequences" || pass "plain mode has no escape sequences"

finish
