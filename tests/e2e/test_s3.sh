#!/usr/bin/env bash
# End-to-end: jobmon-status on s3:// URLs against a real S3-compatible server
# (s3rver on 127.0.0.1), with the tree uploaded by the AWS CLI. The bucket
# and a local copy of the same tree (same mtimes) must give the same JSON.
source "$(dirname "$0")/lib.sh"
source "$JOBMON_SOURCE/tests/s3/s3_lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"

# No user ~/.aws may leak in; the test writes its own.
export HOME="$WORK/home"
mkdir -p "$HOME"
unset AWS_PROFILE AWS_DEFAULT_REGION AWS_SESSION_TOKEN AWS_ENDPOINT_URL_S3 AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
on_exit s3_stop
s3_start "$WORK/s3data" jobs

# --- the tree: real fixtures, a job with > 1000 markers (two listing pages),
# a corrupt and a missing executor.json, an incomplete job.
TREE="$WORK/tree"
mkdir -p "$TREE"
cp -r "$FIXTURES_DIR/datatrove/tokenize_CC-MAIN-2023-40" "$FIXTURES_DIR/datatrove/tokenize_CC-MAIN-2023-50" "$TREE/"
chmod -R u+w "$TREE"
make_job "$TREE/big" 2600 $(seq 0 2499)     # 2500 markers: three pages of 1000
: > "$TREE/big/completions/stray.tmp"
make_job "$TREE/partial" 10 0 1 2 5
make_job "$TREE/odd name +1 (ü)" 3 0 2   # keys that need percent-encoding, signed and listed alike
mkdir -p "$TREE/corrupt/completions" && printf '{"world_size": 4,' > "$TREE/corrupt/executor.json"
: > "$TREE/corrupt/completions/00000"
# (s3rver only reports a common prefix that has a key directly below it, so
# this non-job has one; real S3 has no such limit.)
mkdir -p "$TREE/no_executor/completions" && : > "$TREE/no_executor/completions/00000" && : > "$TREE/no_executor/notes.txt"
s3_upload "$TREE" s3://jobs/tree/
s3_copy_times_to_local s3://jobs/tree "$TREE"

# JSON with the root replaced and the fields that depend on "now" removed.
normalize() {
  $PY -c '
import json, sys
root = sys.argv[1]
now_fields = {"generated_at", "seconds_since_progress", "remaining_seconds", "finish_time", "eta_seconds", "rate_per_second", "stalled", "duration_seconds", "state_reason", "rate_per_hour"}
def strip(v):
    if isinstance(v, dict): return {k: strip(x) for k, x in v.items() if k not in now_fields}
    if isinstance(v, list): return [strip(x) for x in v]
    if isinstance(v, str): return v.replace(root, "ROOT")
    return v
print(json.dumps(strip(json.load(sys.stdin)), indent=1, sort_keys=True))
' "$1"
}

run --json s3://jobs/tree
expect_eq "$RC" 0 "s3 --json exit code"
S3_JSON=$(normalize s3://jobs/tree <<<"$OUT")
run --json "$TREE"
LOCAL_JSON=$(normalize "$TREE" <<<"$OUT")
if [[ "$S3_JSON" == "$LOCAL_JSON" ]]; then pass; else
  fail "s3 and local JSON differ:"$'\n'"$(diff <(echo "$LOCAL_JSON") <(echo "$S3_JSON") | head -40)"
fi
CHECK=$($PY - "$S3_JSON" <<'PYEOF'
import json, sys
doc = json.loads(sys.argv[1])
jobs = {j["name"]: j for j in doc["jobs"]}
assert sorted(jobs) == ["big", "odd name +1 (ü)", "partial", "tokenize_CC-MAIN-2023-40", "tokenize_CC-MAIN-2023-50"], sorted(jobs)
assert jobs["odd name +1 (ü)"]["completed"] == 2
assert jobs["big"]["completed"] == 2500 and jobs["big"]["world_size"] == 2600, jobs["big"]
assert jobs["tokenize_CC-MAIN-2023-50"]["incomplete_ranks"] == [3, 11]
warn = {w["path"]: w["message"] for w in doc["warnings"]}
assert "corrupt executor.json" in warn["ROOT/corrupt"], warn
assert "no executor.json" in warn["ROOT/no_executor"], warn
assert any("not rank numbers" in m for m in warn.values()), warn
print("ok")
PYEOF
) || true
expect_eq "$CHECK" "ok" "s3 JSON content (pagination, corrupt/missing executor.json)"

# Every job's last completion is a real marker time, not the time of the scan.
run --json s3://jobs/tree/big
expect_contains "$OUT" "\"completed\": 2500" "a job dir as the target"

# --- globs over keys
run --json 's3://jobs/tree/tok*'
S3_GLOB=$(normalize s3://jobs/tree <<<"$OUT")
run --json "$TREE/tok*"
expect_eq "$S3_GLOB" "$(normalize "$TREE" <<<"$OUT")" "s3 glob matches local glob"
expect_contains "$S3_GLOB" "tokenize_CC-MAIN-2023-50" "glob found the fixtures"

# --- text output for complete jobs is the same too (times are the same)
run --no-color s3://jobs/tree/tokenize_CC-MAIN-2023-40
S3_TEXT=$OUT
run --no-color "$TREE/tokenize_CC-MAIN-2023-40"
expect_eq "${S3_TEXT//s3:\/\/jobs\/tree/ROOT}" "${OUT//$TREE/ROOT}" "text output for a complete job"

# --- failures are clear and never show the secret
run --json s3://no-such-bucket/tree
expect_eq "$RC" 1 "missing bucket exit code"
expect_contains "$ERR" "bucket 'no-such-bucket' does not exist" "missing bucket message"
AWS_ACCESS_KEY_ID=NOTAKEY AWS_SECRET_ACCESS_KEY=very-secret-value-123 run s3://jobs/tree
expect_eq "$RC" 1 "unknown key exit code"
expect_contains "$ERR" "bad credentials" "unknown key message"
expect_not_contains "$ERR$OUT" "very-secret-value-123" "secret never printed"
AWS_ENDPOINT_URL=http://127.0.0.1:1 run s3://jobs/tree
expect_eq "$RC" 1 "unreachable endpoint exit code"
expect_contains "$ERR" "cannot reach S3 endpoint http://127.0.0.1:1" "unreachable endpoint message"
run s3://jobs/tree "$TREE"
expect_eq "$RC" 2 "mixed s3 and local targets is a usage error"
expect_contains "$ERR" "cannot mix s3:// and local targets" "mixed targets message"
run s3://x/tree
expect_eq "$RC" 2 "malformed bucket name is a usage error"
run --no-color s3://jobs/nothing-here
expect_eq "$RC" 0 "empty prefix exit code"
expect_contains "$ERR" "s3://jobs/nothing-here: no such file or directory" "empty prefix warning"

# --- signatures: s3rver accepts any, so a proxy recomputes each one with
# botocore's S3 signer (Debian awscli) and answers a mismatch like S3 does.
CHECK_PORT=$(free_port)
SIG_LOG="$WORK/sigv4.log"
/usr/bin/python3 "$JOBMON_SOURCE/tests/s3/sigv4_check_proxy.py" "$CHECK_PORT" "$S3_PORT" "$S3_SECRET" "$SIG_LOG" \
  > "$WORK/sigv4.out" 2>&1 &
CHECK_PID=$!
on_exit 'stop_pid "$CHECK_PID"'
wait_until 10 file_has "$WORK/sigv4.out" ready || true
AWS_ENDPOINT_URL="http://127.0.0.1:$CHECK_PORT" run --json s3://jobs/tree
expect_eq "$RC" 0 "signed requests accepted (exit code)"
expect_eq "$(normalize s3://jobs/tree <<<"$OUT")" "$S3_JSON" "same answer through the signature check"
AWS_ENDPOINT_URL="http://127.0.0.1:$CHECK_PORT" run s3://jobs/tree/big/executor.json  # a HEAD
expect_contains "$ERR" "not a directory" "a file as the target"
expect_eq "$(grep -c '^bad' "$SIG_LOG" || true)" 0 "every request's SigV4 signature verified by botocore"
expect_contains "$(grep '^ok' "$SIG_LOG")" "continuation-token=" "paginated listings were signed and checked"
expect_contains "$(grep '^ok' "$SIG_LOG")" "ok HEAD /jobs/tree/big/executor.json" "HEAD requests were signed and checked"
expect_contains "$(grep '^ok' "$SIG_LOG")" "logs%2F" "log listings checked"
AWS_SESSION_TOKEN=temporary-token AWS_ENDPOINT_URL="http://127.0.0.1:$CHECK_PORT" run s3://jobs/tree/big
expect_eq "$RC" 0 "session token: signed requests accepted"
expect_eq "$(grep -c '^bad' "$SIG_LOG" || true)" 0 "session token: signatures verified"
AWS_SECRET_ACCESS_KEY=wrong-secret-456 AWS_ENDPOINT_URL="http://127.0.0.1:$CHECK_PORT" run s3://jobs/tree
expect_eq "$RC" 1 "wrong secret exit code"
expect_contains "$ERR" "bad credentials: the secret key does not match" "wrong secret message"
expect_not_contains "$ERR$OUT" "wrong-secret-456" "secret never printed"

# --- throttling: every 4th request gets 503 SlowDown; retries give the same answer.
stop_pid "$CHECK_PID"
: > "$SIG_LOG"; : > "$WORK/sigv4.out"
/usr/bin/python3 "$JOBMON_SOURCE/tests/s3/sigv4_check_proxy.py" "$CHECK_PORT" "$S3_PORT" "$S3_SECRET" "$SIG_LOG" 4 \
  > "$WORK/sigv4.out" 2>&1 &
CHECK_PID=$!
wait_until 10 file_has "$WORK/sigv4.out" ready || true
AWS_ENDPOINT_URL="http://127.0.0.1:$CHECK_PORT" run --json -j 4 s3://jobs/tree
expect_eq "$RC" 0 "throttled scan exit code"
expect_eq "$(normalize s3://jobs/tree <<<"$OUT")" "$S3_JSON" "same answer when throttled (retries)"
SLOWDOWNS=$(grep -c '^slowdown' "$SIG_LOG" || true)
if ((SLOWDOWNS >= 3)); then pass; else fail "expected throttled requests, got $SLOWDOWNS"; fi
expect_eq "$(grep -c '^bad' "$SIG_LOG" || true)" 0 "retried requests are signed correctly too"

# --- credentials and endpoint from a profile in ~/.aws
mkdir -p "$HOME/.aws"
printf '[default]\naws_access_key_id = WRONG\naws_secret_access_key = WRONG\n\n[team]\naws_access_key_id = %s\naws_secret_access_key = %s\n' \
  "$S3_KEY" "$S3_SECRET" > "$HOME/.aws/credentials"
printf '[profile team]\nregion = us-east-1\nservices = x\ns3 =\n  addressing_style = path\nendpoint_url = %s\n' "$S3_ENDPOINT" > "$HOME/.aws/config"
(
  unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL
  export AWS_PROFILE=team
  run --json s3://jobs/tree/tokenize_CC-MAIN-2023-40
  expect_eq "$RC" 0 "profile from ~/.aws exit code"
  expect_contains "$OUT" "\"completed\": 6" "profile from ~/.aws reads the bucket"
  AWS_PROFILE=nobody run s3://jobs/tree
  expect_eq "$RC" 2 "unknown profile is a usage error"
  expect_contains "$ERR" "AWS profile 'nobody' not found" "unknown profile message"
  finish
)
