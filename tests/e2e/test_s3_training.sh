#!/usr/bin/env bash
# End-to-end (issue 18): training runs on S3. Real runs (Hugging Face output
# dirs: top-level state, checkpoints only, TensorBoard runs/ with hparams
# sub-runs; a bare TensorBoard log dir) and two runs written by
# training_writer.py (finished; stopped mid-way) go up to a real
# S3-compatible server (s3rver on 127.0.0.1, uploaded by the AWS CLI); then
# jobmon-status --json, jobmon-serve and the Python module must answer the
# same over s3:// as over the local copy. Then records are appended to a
# run's event file and the grown object uploaded again: jobmon-serve's next
# refresh shows the new step, having read only the appended bytes (a Range
# GET from the old end of the object, seen by a logging proxy in front of s3rver).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
source "$JOBMON_SOURCE/tests/s3/s3_lib.sh"
STATUS="$JOBMON_BIN/jobmon-status/jobmon-status"
WRITER="$JOBMON_SOURCE/tests/e2e/training_writer.py"
[[ -x "$STATUS" && -x "$SERVE_BIN" ]] || { echo "FAIL: jobmon-status or jobmon-serve is not built" >&2; exit 1; }
[[ -x "$S3RVER" ]] || skip "s3rver is not installed (scripts/install-deps.sh --test)"
export HOME="$WORK/home"
mkdir -p "$HOME"
unset AWS_PROFILE AWS_DEFAULT_REGION AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
on_exit s3_stop
s3_start "$WORK/s3data" exp
started=$SECONDS

TREE="$WORK/local"
R="$TREE/runs"
TR="$FIXTURES_DIR/training"
mkdir -p "$R"
for run in hf-whisper-small-hi-wer hf-gemma3-checkpoint-series hf-gpt2-100ep-runs-hparams hf-bert-crlf-checkpoints-no-top; do
  cp -r "$TR/hf/$run" "$R/"
done
cp -r "$TR/tensorboard/tb-tf2-summary-scalar-small" "$R/"
"$PY" "$WRITER" "$R/ft-done" --max-steps 40 --logging-steps 4 --eval-steps 20 --save-steps 20 --backdate 7200 --quiet
"$PY" "$WRITER" "$R/ft-crashed" --max-steps 40 --logging-steps 5 --stop-at 15 --backdate 7200 --quiet
"$PY" "$WRITER" "$R/ft-crashed-ckpt" --max-steps 40 --logging-steps 5 --save-steps 10 --stop-at 25 --backdate 7200 --quiet
"$PY" "$WRITER" "$R/ft-grow" --max-steps 40 --logging-steps 5 --eval-steps 0 --save-steps 100 --stop-at 20 --backdate 900 --quiet
chmod -R u+w "$TREE"
S3URL=s3://exp/team/runs
s3_upload "$R" "$S3URL/"

# s3rver 3.7.1 (FilesystemStore.listObjects) never descends below a common
# prefix while it walks, so a prefix whose objects all lie two or more levels
# down (runs/<date>_<host>/events..., checkpoint-N/trainer_state.json seen
# from the parent) is left out of a delimiter listing; S3 itself lists it.
# An empty "dir/" marker object per directory (what the S3 console's "Create
# folder" writes) makes s3rver list every prefix; jobmon ignores the markers.
put_dir_markers() {  # put_dir_markers LOCAL_DIR BUCKET KEY_PREFIX
  "$PY" - "$@" <<'PYEOF'
import os, sys
sys.path.insert(0, "/usr/lib/python3/dist-packages/awscli")  # Debian's awscli vendors botocore
import botocore.session
local, bucket, prefix = sys.argv[1:4]
s3 = botocore.session.get_session().create_client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
for top, dirs, _ in os.walk(local):
    for d in dirs:
        s3.put_object(Bucket=bucket, Key=prefix + os.path.relpath(os.path.join(top, d), local) + "/", Body=b"")
PYEOF
}
put_dir_markers "$R" exp team/runs/
# The objects' LastModified as the local files' mtimes (the writer's virtual clock: runs that ended
# hours ago), as if a sync had copied them then: s3rver answers LastModified from the mtime of the
# file that holds the object in its store.
s3rver_times_from_local() {  # s3rver_times_from_local LOCAL_DIR STORE_DIR
  "$PY" - "$@" <<'PYEOF'
import os, sys
local, store = sys.argv[1:3]
n = 0
for top, _, files in os.walk(local):
    for f in files:
        src = os.path.join(top, f)
        obj = os.path.join(store, os.path.relpath(src, local)) + "._S3rver_object"
        t = os.stat(src).st_mtime
        os.utime(obj, (t, t)); n += 1
print(n)
PYEOF
}
objects=$(s3rver_times_from_local "$R" "$WORK/s3data/exp/team/runs")
((objects > 20)) && pass "LastModified of $objects objects set to the local mtimes" || fail "objects backdated: $objects"

# --json training runs with both roots replaced and the clock-dependent fields dropped: when it was
# generated, the ETA and rate (from "now"), the durations in reasons; and, because of the library bug
# checked on its own below (on S3 a checkpoint dir's time is when jobmon listed it), the times that
# depend on the checkpoints' times: saved_at, updated_at, ended_at, the stages' times. The runs named
# in NORM_SKIP are left out.
NORM="$WORK/norm.py"
cat > "$NORM" <<'PYEOF'
import json, os, re, sys
roots = [r.rstrip("/") for r in sys.argv[1:]]
skip = set(os.environ.get("NORM_SKIP", "").split())
CLOCK = {"generated_at", "eta_seconds", "finish_time", "steps_per_second", "saved_at", "updated_at", "ended_at"}
def strip(v, key=None):
    if isinstance(v, dict):
        if key == "stage": v = {k: x for k, x in v.items() if k not in ("started_at", "ended_at")}
        return {k: strip(x, "stage" if k == "stages" else k) for k, x in v.items() if k not in CLOCK}
    if isinstance(v, list): return [strip(x, key) for x in v]
    if isinstance(v, str):
        for r in roots: v = v.replace(r, "ROOT")
        return re.sub(r"\b\d+[hms]( \d+[ms])*\b", "T", v) if key in ("reason", "state_reason") else v
    return v
d = json.load(sys.stdin)
runs = [r for r in (d["training"] if isinstance(d, dict) else d) if r["name"] not in skip]
print(json.dumps(strip(sorted(runs, key=lambda r: r["path"])), indent=1, sort_keys=True))
PYEOF
norm() { NORM_SKIP= "$PY" "$NORM" "$1" "$R" "$S3URL"; }

# ---- jobmon-status --json -r: the bucket and the local copy
run_status() { set +e; OUT=$("$STATUS" "$@" 2>"$WORK/stderr"); RC=$?; ERR=$(cat "$WORK/stderr"); set -e; }
run_status --json -r "$S3URL/"
expect_eq "$RC" 0 "jobmon-status s3 exit code"
S3_JSON=$OUT
run_status --json -r "$R/"
LOCAL_JSON=$OUT
A=$(norm "$S3URL" <<<"$S3_JSON")
B=$(norm "$R" <<<"$LOCAL_JSON")
if [[ "$A" == "$B" ]]; then pass "jobmon-status --json: the same training runs on S3 as locally"
else fail "jobmon-status --json differs (local < > s3):"$'\n'"$(diff <(echo "$B") <(echo "$A") | head -40)"; fi
names=$("$PY" -c 'import json,sys; print(" ".join(sorted(r["name"] + ":" + r["status"] for r in json.load(sys.stdin)["training"])))' <<<"$S3_JSON")
for want in ft-done:complete hf-bert-crlf-checkpoints-no-top:complete hf-gemma3-checkpoint-series:complete \
            hf-gpt2-100ep-runs-hparams:complete hf-whisper-small-hi-wer:complete ft-crashed:failed ft-grow:stalled ft-crashed-ckpt: logs:; do
  expect_contains " $names" " $want" "run found on S3"
done
gpt2=$("$PY" -c 'import json,sys; r=[r for r in json.load(sys.stdin)["training"] if r["name"]=="hf-gpt2-100ep-runs-hparams"][0]; print(sum(s["kind"]=="event_file" for s in r["sources"]), "eval/loss" in r["metrics"], r["crc_failures"])' <<<"$S3_JSON")
expect_eq "$gpt2" "3 True 0" "S3: the TensorBoard files below runs/<date>_<host>/ (and its hparams sub-run) are read"
# ---- checkpoint times on S3: a prefix has no mtime, so a checkpoint's time is its
# trainer_state.json's LastModified; a run stopped 2 h ago after two checkpoints is failed
# on S3 as it is locally (it once read as running: the listing's time stood in).
echo "$S3_JSON" > "$WORK/s3.json"
echo "$LOCAL_JSON" > "$WORK/local.json"
times=$("$PY" - "$WORK/s3.json" "$WORK/local.json" <<'PYEOF'
import json, sys, datetime
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
s3, local = ({r["name"]: r for r in json.load(open(p))["training"]} for p in sys.argv[1:3])
worst = 0
for r in s3.values():
    states = {s["path"].rsplit("/", 2)[-2]: t(s["mtime"]) for s in r["sources"] if s["path"].endswith("/trainer_state.json") and s.get("mtime")}
    for c in r["checkpoints"]:
        if c["name"] in states and c["saved_at"]: worst = max(worst, abs(t(c["saved_at"]) - states[c["name"]]))
a, b = s3["ft-crashed-ckpt"], local["ft-crashed-ckpt"]
print(int(worst), a["status"], b["status"], json.dumps(a["reason"]))
PYEOF
)
read -r skew s3_state local_state _ <<<"$times"
expect_eq "$local_state" failed "local: a run stopped 2 h ago after two checkpoints is failed"
expect_eq "$s3_state" failed "S3: the same run is failed too"
if ((skew <= 2)); then pass "S3: checkpoint saved_at is its trainer_state.json's LastModified"
else fail "S3: checkpoint saved_at is ${skew}s off its trainer_state.json's LastModified"; fi

# ---- the Python module: training_runs over the bucket equals the local copy
if [[ "${JOBMON_SANITIZE:-OFF}" != "ON" ]]; then
  PY_S3=$(PYTHONPATH="$JOBMON_BUILD/python" "$PY" -c 'import json, sys, jobmon; print(json.dumps(jobmon.training_runs([sys.argv[1]], recursive=True)))' "$S3URL/")
  PY_LOCAL=$(PYTHONPATH="$JOBMON_BUILD/python" "$PY" -c 'import json, sys, jobmon; print(json.dumps(jobmon.training_runs([sys.argv[1]], recursive=True)))' "$R/")
  if [[ "$(norm "$S3URL" <<<"$PY_S3")" == "$(norm "$R" <<<"$PY_LOCAL")" ]]; then pass "python training_runs: S3 equals local"
  else fail "python training_runs differs:"$'\n'"$(diff <(norm "$R" <<<"$PY_LOCAL") <(norm "$S3URL" <<<"$PY_S3") | head -30)"; fi
  expect_eq "$(norm "$S3URL" <<<"$PY_S3")" "$A" "python training_runs: the same dicts as jobmon-status --json"
fi

# ---- jobmon-serve over the bucket lists the same runs, with the same states, as over the local copy
api_runs() {  # (name, kind, status, step, max_steps) of every job
  curl -s "http://127.0.0.1:$PORT/api/jobs?limit=1000" | "$PY" -c '
import json, sys
print(sorted((j["name"], j["kind"], j["status"], j.get("step"), j.get("max_steps")) for j in json.load(sys.stdin)["jobs"]))'
}
# A logging proxy between jobmon-serve and s3rver: each request's method, path, Range header and answer size.
PROXY_LOG="$WORK/proxy.log"
cat > "$WORK/proxy.py" <<'PYEOF'
import http.client, http.server, sys, threading
LISTEN, UPSTREAM, LOG = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def forward(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        c = http.client.HTTPConnection("127.0.0.1", UPSTREAM, timeout=30)
        c.request(self.command, self.path, body, {k: v for k, v in self.headers.items()})
        r = c.getresponse(); data = r.read()
        with lock, open(LOG, "a") as f:
            f.write("%s %s range=%s status=%d bytes=%d\n" % (self.command, self.path, self.headers.get("Range", "-"), r.status, len(data)))
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "keep-alive", "content-length"): self.send_header(k, v)
        self.send_header("Content-Length", str(len(data) if self.command != "HEAD" else r.getheader("Content-Length") or 0))
        self.end_headers()
        if self.command != "HEAD": self.wfile.write(data)
    do_GET = do_HEAD = do_PUT = do_POST = do_DELETE = forward
http.server.ThreadingHTTPServer(("127.0.0.1", LISTEN), Handler).serve_forever()
PYEOF
PROXY_PORT=$(free_port)
: > "$PROXY_LOG"
"$PY" "$WORK/proxy.py" "$PROXY_PORT" "$S3_PORT" "$PROXY_LOG" &
proxy_pid=$!
on_exit "stop_pid $proxy_pid"
proxy_up() { "$PY" -c "import socket; socket.create_connection(('127.0.0.1', $PROXY_PORT), 0.2)" 2>/dev/null; }
wait_until 10 proxy_up || fail "the logging proxy did not start"

AWS_ENDPOINT_URL="http://127.0.0.1:$PROXY_PORT" start_serve "$WORK/serve-s3.log" --scheduler none "$S3URL/"
S3_PORT_SERVE=$PORT
serve_has() { [[ "$(api_runs)" == *"$1"* ]]; }
wait_until 20 serve_has "ft-grow" || fail "jobmon-serve over S3 never listed ft-grow: $(api_runs)"
S3_RUNS=$(api_runs)
start_serve "$WORK/serve-local.log" --scheduler none "$R/"
wait_until 10 serve_has "ft-grow" || true
expect_eq "$(api_runs)" "$S3_RUNS" "jobmon-serve: bucket and local copy list the same runs"
expect_contains "$S3_RUNS" "('hf-bert-crlf-checkpoints-no-top', 'training', 'complete', 2400, 2400)" "jobmon-serve over S3: a run with only checkpoint dirs"
expect_contains "$S3_RUNS" "('ft-grow', 'training', 'stalled', 20, 40)" "jobmon-serve over S3: the run that will grow, quiet for 15 min"

# ---- the event file grows: append records as the Trainer would, upload the grown object again
PORT=$S3_PORT_SERVE
EVENTS=$(cd "$R/ft-grow" && ls runs/*/events.out.tfevents.*)
OLD_SIZE=$(stat -c %s "$R/ft-grow/$EVENTS")
"$PY" - "$R/ft-grow/$EVENTS" "$JOBMON_SOURCE/tests/e2e" <<'PYEOF'
import math, sys, time
sys.path.insert(0, sys.argv[2])
import training_writer as tw
with open(sys.argv[1], "ab") as f:
    for step in (21, 22, 23, 24, 25):
        for tag, value in (("train/loss", 0.3 + 2.2 * math.exp(-3.0 * step / 40)), ("train/epoch", step / 20)):
            f.write(tw.tfrecord(tw.event(time.time(), step, summary=tw.scalar_summary(tag, value))))
PYEOF
NEW_SIZE=$(stat -c %s "$R/ft-grow/$EVENTS")
: > "$PROXY_LOG"
aws_cli --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$R/ft-grow/$EVENTS" "$S3URL/ft-grow/$EVENTS"
grown_at=$SECONDS
step_of() {
  curl -s "http://127.0.0.1:$PORT/api/jobs?limit=1000" | "$PY" -c '
import json, sys
print(*[(j.get("step"), j["status"]) for j in json.load(sys.stdin)["jobs"] if j["name"] == "ft-grow"][0])'
}
grew() { [[ "$(step_of)" == "25 running" ]]; }
if wait_until 15 grew; then pass "jobmon-serve over S3 shows the appended step 25, running again ($((SECONDS - grown_at)) s after the upload)"
else fail "the appended steps never showed: step $(step_of)"; fi
KEY_PATH="/exp/team/runs/ft-grow/$(echo "$EVENTS" | sed 's/ /%20/g')"
event_gets=$(grep -F "GET $KEY_PATH " "$PROXY_LOG" || true)
echo "event file reads after the append (old size $OLD_SIZE, new $NEW_SIZE):"
echo "${event_gets:-none}"
[[ -n $event_gets ]] && pass || fail "no read of the grown event file in the proxy log"
if grep -qE "range=bytes=${OLD_SIZE}-" <<<"$event_gets"; then pass "the refresh asked for the appended bytes only (Range from $OLD_SIZE)"
else fail "no Range read from the old end ($OLD_SIZE): $event_gets"; fi
whole=$(grep -E "range=- status=200 bytes=${NEW_SIZE}\$" <<<"$event_gets" || true)
[[ -z $whole ]] && pass "the grown event file was not read whole" || fail "the grown event file was read whole: $whole"
read_bytes=$(awk '/range=bytes=/ { sub("bytes=", "", $5); n += $5 } END { print n + 0 }' <<<"$event_gets")
((read_bytes <= NEW_SIZE - OLD_SIZE + 64)) && pass "bytes read after the append: $read_bytes (appended $((NEW_SIZE - OLD_SIZE)))" ||
  fail "read $read_bytes bytes of the event file for $((NEW_SIZE - OLD_SIZE)) appended"
echo "test_s3_training: $((SECONDS - started)) s"
finish
