#!/usr/bin/env bash
# End-to-end: the real jobmon-serve on loopback: status codes, JSON shape,
# traversal and oversize requests, token enforcement, SSE change events.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

cp -r "$FIXTURES_DIR/datatrove" "$WORK/logs"
make_job "$WORK/logs/running_job" 10 0 1 2
start_serve "$WORK/serve.log" "$WORK/logs"
BASE="http://127.0.0.1:$PORT"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
expect_eq "$(code "$BASE/healthz")" 200 "healthz"
expect_eq "$(code "$BASE/")" 200 "page"
expect_eq "$(code "$BASE/api/jobs")" 200 "jobs"
expect_eq "$(code "$BASE/api/nope")" 404 "unknown route"
expect_eq "$(code "$BASE/api/jobs/0000000000000000")" 404 "unknown id"
expect_eq "$(code --path-as-is "$BASE/api/jobs/../../../etc/passwd")" 404 "traversal"
expect_eq "$(code "$BASE/api/jobs/..%2F..%2F..%2Fetc%2Fpasswd")" 404 "encoded traversal"
expect_eq "$(code -X POST -d x "$BASE/api/jobs")" 405 "read-only"
expect_eq "$(code -X DELETE "$BASE/api/jobs")" 405 "read-only delete"
LONG=$(head -c 20000 /dev/zero | tr '\0' 'a')
CODE=$(code "$BASE/api/jobs?q=$LONG")
if [[ "$CODE" == 414 || "$CODE" == 400 ]]; then pass; else fail "oversize URI gave $CODE"; fi
CODE=$(code -H "X-Big: $LONG" "$BASE/api/jobs")
if [[ "$CODE" =~ ^4 ]]; then pass; else fail "oversize header gave $CODE"; fi

CHECK=$(curl -s "$BASE/api/jobs" | $PY -c '
import json, sys
d = json.load(sys.stdin)
names = sorted(j["name"] for j in d["jobs"])
assert d["count"] == 3 and names == ["running_job", "tokenize_CC-MAIN-2023-40", "tokenize_CC-MAIN-2023-50"], names
j = d["jobs"][0]
assert all(k in j for k in ("id", "kind", "status", "done", "total", "percent", "eta_seconds")), j
print("ok")')
expect_eq "$CHECK" ok "/api/jobs shape"
ID=$(curl -s "$BASE/api/jobs?status=failed" | $PY -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["id"])')
CHECK=$(curl -s "$BASE/api/jobs/$ID" | $PY -c '
import json, sys
d = json.load(sys.stdin)
assert d["grid"]["cells"] == "dddfdddddddfdddd", d["grid"]
assert [e["rank"] for e in d["errors"]] == [3, 11]
print("ok")')
expect_eq "$CHECK" ok "job detail"
LOGS=$(curl -s "$BASE/api/jobs/$ID/logs?tail=3&rank=3")
expect_contains "$LOGS" "RuntimeError: simulated tokenizer crash" "log tail"
expect_eq "$(code "$BASE/api/jobs/$ID/logs?tail=x")" 400 "bad tail"
METRICS=$(curl -s "$BASE/metrics")
expect_contains "$METRICS" 'jobmon_jobs{kind="datatrove",state="failed"} 1' "metrics"
expect_contains "$(curl -s "$BASE/api/jobs/statistics")" '"jobs_total":3' "statistics"
expect_contains "$(curl -s "$BASE/api/resources")" '"memory_total_bytes"' "resources"

# SSE: a new marker produces a change event.
curl -s -N --max-time 8 "$BASE/api/stream" > "$WORK/events" &
CURL=$!
sleep 1
: > "$WORK/logs/running_job/completions/00003"
wait_until 6 file_has "$WORK/events" '^event: change' || true
kill $CURL 2>/dev/null || true; wait $CURL 2>/dev/null || true
expect_contains "$(cat "$WORK/events")" "event: change" "SSE change event"
expect_contains "$(cat "$WORK/events")" '"completed":4' "SSE event data"

# Token enforcement, and refusing to expose without one.
start_serve "$WORK/serve2.log" --token s3cret "$WORK/logs"
B2="http://127.0.0.1:$PORT"
expect_eq "$(code "$B2/api/jobs")" 401 "no token"
expect_eq "$(code -H 'Authorization: Bearer nope' "$B2/api/jobs")" 401 "wrong token"
expect_eq "$(code -H 'Authorization: Bearer s3cret' "$B2/api/jobs")" 200 "right token"
expect_eq "$(code "$B2/api/stream")" 401 "stream needs the token"
expect_eq "$(code "$B2/healthz")" 200 "healthz stays open"
expect_not_contains "$(cat "$WORK/serve2.log")" "s3cret" "token never logged"
printf 'from-a-file\n' > "$WORK/token"
start_serve "$WORK/serve3.log" --token-file "$WORK/token" "$WORK/logs"
expect_eq "$(code -H 'Authorization: Bearer from-a-file' "http://127.0.0.1:$PORT/api/jobs")" 200 "token from --token-file"
expect_eq "$(code "http://127.0.0.1:$PORT/api/jobs")" 401 "--token-file enforced"
expect_eq "$(code -H 'Host: rebind.example.com' "$BASE/api/jobs")" 403 "DNS rebinding: foreign Host refused without a token"
set +e
"$SERVE_BIN" --bind 0.0.0.0 --port 0 "$WORK/logs" 2> "$WORK/bind.err"
RC=$?
set -e
expect_eq "$RC" 2 "non-loopback bind without a token"
expect_contains "$(cat "$WORK/bind.err")" "--token" "explains why"
# Usage errors found after parsing exit 2 like every other usage error.
set +e
timeout 20 "$SERVE_BIN" --port 0 s3://bucket/logs "$WORK/logs" 2> "$WORK/mixed.err"
RC=$?
set -e
expect_eq "$RC" 2 "mixed s3:// and local targets are a usage error"
expect_contains "$(cat "$WORK/mixed.err")" "jobmon-serve: " "says what is wrong"

finish
