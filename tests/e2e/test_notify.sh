#!/usr/bin/env bash
# Built-in notifications against a real local HTTP receiver: one delivery per
# transition, retries after a 500, nothing lost or repeated across restarts,
# the Slack body, the command target; jobmon-status --watch and one-shot runs.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The receiver: answers 500 to the first FAIL_FIRST posts, then 200; logs each delivered body.
cat > "$WORK/receiver.py" << 'EOF'
import http.server, json, sys
port, out, fail_first = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
seen = {"n": 0}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen["n"] += 1
        with open(out + ".all", "a") as f: f.write(self.headers.get("Content-Type", "") + "\n")
        if seen["n"] <= fail_first:
            self.send_response(500); self.end_headers(); self.wfile.write(b"busy"); return
        with open(out, "a") as f: f.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
EOF
PORT=$(free_port)
RECEIVER_PID=
start_receiver() { # FAIL_FIRST
  $PY "$WORK/receiver.py" "$PORT" "$WORK/got.jsonl" "$1" &
  RECEIVER_PID=$!
  wait_until 10 curl -s -o /dev/null "http://127.0.0.1:$PORT/" || true
}
stop_receiver() { stop_pid "$RECEIVER_PID"; RECEIVER_PID=; }
on_exit 'stop_receiver'
count() { if [[ -f "$WORK/got.jsonl" ]]; then grep -c -- "$1" "$WORK/got.jsonl" || true; else echo 0; fi; }

LOGS="$WORK/logs"
make_job "$LOGS/tok" 3 0
mkdir -p "$LOGS/tok/logs"
for r in 1 2; do
  printf '2026-12-06 10:00:00.000 | INFO     | m:f:1 - Launching pipeline for rank=%s\n' $r > "$LOGS/tok/logs/task_0000$r.log"
done
STATE="$WORK/state/notify.json"
NOTIFY=(--notify-webhook "http://127.0.0.1:$PORT/hook" --notify-state "$STATE")

# --watch to a pipe: plain lines, refreshed every 0.2 s.
WATCH_PID=
start_watch() { "$BIN" "$LOGS" --interval 0.2 "${NOTIFY[@]}" "$@" > "$WORK/watch.out" 2> "$WORK/watch.err" & WATCH_PID=$!; }
stop_watch() { stop_pid "$WATCH_PID"; WATCH_PID=; }
on_exit 'stop_watch'

start_receiver 1
start_watch
wait_until 10 test -f "$STATE" && pass "a fresh start writes its baseline" || fail "no state file: $(cat "$WORK/watch.err")"
expect_eq "$(count '"event"')" "0" "the baseline sends nothing"

# Rank 1 fails and rank 2 finishes (its marker makes the next refresh read the
# logs again at once): the job is failed. The receiver's first answer is a
# 500: retried, delivered once.
printf '2026-12-06 10:01:00.000 | ERROR    | m:f:2 - boom\nRuntimeError: boom\n' >> "$LOGS/tok/logs/task_00001.log"
: > "$LOGS/tok/completions/00002"
has_failed() { [[ "$(count '"event": "failed"')" -ge 1 ]]; }
wait_until 20 has_failed && pass "failed delivered after a 500" || fail "no failed event: $(cat "$WORK/watch.err")"
sleep 1
expect_eq "$(count '"event": "failed"')" "1" "one delivery for one transition"
expect_eq "$(wc -l < "$WORK/got.jsonl.all")" "2" "two posts: the 500 and the retry"
expect_eq "$(head -1 "$WORK/got.jsonl.all")" "application/json" "JSON content type"
event=$(grep '"failed"' "$WORK/got.jsonl")
expect_contains "$event" '"name": "tok"' "job name"
expect_contains "$event" '"previous_status": "running"' "previous state"
expect_contains "$event" '"failed": 1' "failed ranks"
expect_contains "$event" '"reason": "1 rank failed and every other rank is done: relaunch to finish"' "the state model's reason"
expect_contains "$event" "\"key\": \"$LOGS/tok\"" "the job's absolute path"

# Restart while the receiver is down: the relaunch (recovered) cannot be delivered and is kept.
stop_watch
stop_receiver
touch "$LOGS/tok/executor.json"   # a relaunch: the failure is an earlier attempt's now
: > "$LOGS/tok/logs/task_00001.log"
start_watch
kept() { grep -q '"event":"recovered"' "$STATE" 2>/dev/null; }
wait_until 10 kept && pass "an undeliverable event is kept in the state file" || fail "not kept: $(cat "$STATE")"
stop_watch
start_receiver 0
start_watch
has_recovered() { [[ "$(count '"event": "recovered"')" -ge 1 ]]; }
wait_until 20 has_recovered && pass "kept event delivered after the restart" || fail "recovered not delivered: $(cat "$WORK/watch.err")"
sleep 1
stop_watch
expect_eq "$(count '"event": "failed"')" "1" "the failed event was not repeated by the restarts"
expect_eq "$(count '"event": "recovered"')" "1" "recovered delivered once"

# One-shot from cron, Slack body: rank 1 completes.
: > "$LOGS/tok/completions/00001"
"$BIN" "$LOGS" "${NOTIFY[@]}" --notify-format slack > /dev/null 2> "$WORK/oneshot.err"
slack=$(tail -1 "$WORK/got.jsonl")
expect_contains "$slack" '"text": ":white_check_mark: *tok* complete (running' "Slack body"
"$BIN" "$LOGS" "${NOTIFY[@]}" > /dev/null 2>&1
expect_eq "$(count 'complete')" "1" "a second run sends nothing new"

# The command target sees the event in its environment.
make_job "$LOGS/tok2" 1
"$BIN" "$LOGS" --notify-command "printf '%s %s\n' \"\$JOBMON_EVENT\" \"\$JOBMON_JOB_NAME\" >> '$WORK/cmd.out'" \
  --notify-state "$WORK/state2.json" > /dev/null 2>&1                       # baseline
: > "$LOGS/tok2/completions/00000"
"$BIN" "$LOGS" --notify-command "printf '%s %s\n' \"\$JOBMON_EVENT\" \"\$JOBMON_JOB_NAME\" >> '$WORK/cmd.out'" \
  --notify-state "$WORK/state2.json" > /dev/null 2>&1
expect_eq "$(cat "$WORK/cmd.out")" "complete tok2" "command target"

# A webhook that is not http(s) is a usage error, not a silent nothing.
set +e
"$BIN" "$LOGS" --notify-webhook "file:///etc/passwd" --notify-state "$WORK/state3.json" > /dev/null 2> "$WORK/bad.err"
set -e
expect_contains "$(cat "$WORK/bad.err")" "not an http(s) URL" "bad webhook URL said"
finish
