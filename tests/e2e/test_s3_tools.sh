#!/usr/bin/env bash
# End-to-end: s3:// beyond jobmon-status. Data-Juicer work dirs and datatrove
# jobs in a real S3-compatible server (s3rver on 127.0.0.1, uploaded by the
# AWS CLI) give the same answers as their local copies in jobmon-snapshot,
# jobmon-serve and the Python module.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
source "$JOBMON_SOURCE/tests/s3/s3_lib.sh"
SNAP="$JOBMON_BIN/jobmon-snapshot/jobmon-snapshot"
export HOME="$WORK/home"
mkdir -p "$HOME"
unset AWS_PROFILE AWS_DEFAULT_REGION AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
on_exit s3_stop
s3_start "$WORK/s3data" jobs

TREE="$WORK/outputs"
mkdir -p "$TREE"
for job in completed resumed running corrupt; do cp -r "$JOBMON_SOURCE/tests/data/dj/$job" "$TREE/dj_$job"; done
cp -r "$FIXTURES_DIR/datatrove/tokenize_CC-MAIN-2023-50" "$TREE/"
chmod -R u+w "$TREE"
s3_upload "$TREE" s3://jobs/outputs/

# Snapshot JSON with the root replaced and the clock-dependent fields removed.
normalize() {
  $PY -c '
import json, sys
root = sys.argv[1]
drop = {"snapshot_generated_at", "eta", "eta_linear", "generated_at", "seconds_since_progress",
        "last_event_age", "state_reason", "duration_seconds", "duration_formatted", "total_duration",
        "elapsed_seconds"}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in drop}
    if isinstance(v, list): return [strip(x) for x in v]
    if isinstance(v, str): return v.replace(root, "ROOT")
    return v
print(json.dumps(strip(json.load(sys.stdin)), indent=1))
' "$1"
}

for job in completed resumed running corrupt; do
  S3_OUT=$("$SNAP" "s3://jobs/outputs/dj_$job" 2> "$WORK/s3.err") || fail "snapshot s3 $job exit code"
  LOCAL_OUT=$("$SNAP" "$TREE/dj_$job" 2> "$WORK/local.err") || fail "snapshot local $job exit code"
  A=$(normalize "s3://jobs/outputs" <<<"$S3_OUT")
  B=$(normalize "$TREE" <<<"$LOCAL_OUT")
  if [[ "$A" == "$B" ]]; then pass; else fail "snapshot $job differs:"$'\n'"$(diff <(echo "$B") <(echo "$A") | head -30)"; fi
done
set +e
"$SNAP" s3://jobs/outputs/no_such_job > /dev/null 2> "$WORK/err"; RC=$?
set -e
expect_eq "$RC" 1 "missing work dir on S3"
expect_contains "$(cat "$WORK/err")" "no_such_job" "missing work dir message"

# jobmon-serve over the bucket lists the same jobs, with the same states, as over the local copy.
start_serve "$WORK/serve-s3.log" s3://jobs/outputs
S3_JOBS=$(curl -s "http://127.0.0.1:$PORT/api/jobs" | $PY -c '
import json, sys
print(sorted((j["name"], j["kind"], j["status"], j["done"], j["total"]) for j in json.load(sys.stdin)["jobs"]))')
start_serve "$WORK/serve-local.log" "$TREE"
LOCAL_JOBS=$(curl -s "http://127.0.0.1:$PORT/api/jobs" | $PY -c '
import json, sys
print(sorted((j["name"], j["kind"], j["status"], j["done"], j["total"]) for j in json.load(sys.stdin)["jobs"]))')
expect_eq "$S3_JOBS" "$LOCAL_JOBS" "jobmon-serve: bucket and local copy"
expect_contains "$S3_JOBS" "data_juicer" "Data-Juicer work dirs found on S3"
expect_contains "$S3_JOBS" "'tokenize_CC-MAIN-2023-50', 'datatrove', 'failed', 14, 16" "datatrove job on S3"

# The Python module reads s3:// too.
if [[ "${JOBMON_SANITIZE:-OFF}" != "ON" ]]; then
  PY_CHECK=$(PYTHONPATH="$JOBMON_BUILD/python" $PY - "$TREE" <<'PYEOF'
import sys, jobmon
tree = sys.argv[1]
s3 = jobmon.status("s3://jobs/outputs")
local = jobmon.status(tree)
assert s3["summary"]["tasks_completed"] == local["summary"]["tasks_completed"] == 14, (s3["summary"], local["summary"])
a = jobmon.snapshot("s3://jobs/outputs/dj_completed")
b = jobmon.snapshot(tree + "/dj_completed")
assert a["overall_status"] == b["overall_status"] == "completed"
assert a["progress_summary"] == b["progress_summary"]
snap = jobmon.Snapshot("s3://jobs/outputs/dj_running")
snap.update()
assert snap.status == "in_progress"
print("ok")
PYEOF
)
  expect_eq "$PY_CHECK" ok "Python on s3://"
fi

finish
