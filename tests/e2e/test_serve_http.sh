#!/usr/bin/env bash
# End-to-end: jobmon-serve's HTTP surface (issue 16), with curl (and a raw
# socket where curl cannot send the request) against the real server on
# 127.0.0.1: refused methods and heads, filters, caching and framing headers,
# ETag/304, the stream cap, a quiet /healthz, keyed job ids that survive a
# restart, SSE resume from Last-Event-ID, and /job/<malformed> as a 404 page.
# JOBMON_SERVE_BIN=<an older binary> shows which of these it fails.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

export XDG_STATE_HOME="$WORK/state"  # the id key file lives here, not in the tester's home
cp -r "$FIXTURES_DIR/datatrove" "$WORK/logs"  # one failed job, one complete
make_job "$WORK/logs/running_job" 10 0 1 2
start_serve "$WORK/serve.log" "$WORK/logs"
BASE="http://127.0.0.1:$PORT"

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
# head_of ARGS...: the response's header lines, CRs removed, names lowercased.
head_of() { { curl -s -o /dev/null -D - "$@" || true; } | tr -d '\r' | sed 's/^\([^:]*\):/\L\1:/'; }
# header NAME ARGS...: one header's value (empty when absent).
header() { local name=$1; shift; head_of "$@" | sed -n "s/^$name: //p" | head -1; }
# raw REQUEST: sends REQUEST (printf escapes) on a new connection; prints what comes back.
raw() {
  $PY - "$PORT" "$1" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin1"))
out = b""
try:
    while chunk := s.recv(65536):
        out += chunk
except socket.timeout:
    out += b"\n<no close within 5 s>"
sys.stdout.write(out.decode("latin1").replace("\r", ""))
PY
}
json_get() { $PY -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# --- Methods and request heads ---------------------------------------------
OUT=$(raw 'POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')  # no Content-Length at all
expect_contains "$OUT" "HTTP/1.1 405 " "POST without Content-Length: 405"
expect_contains "$OUT" "Allow: GET, HEAD" "POST without Content-Length: Allow"
OUT=$(raw 'POST /api/jobs HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\n\r\nabc')
expect_contains "$OUT" "HTTP/1.1 405 " "POST with a body: 405 too"
expect_eq "$(header allow -X OPTIONS "$BASE/api/jobs")" "GET, HEAD" "OPTIONS: Allow"
expect_eq "$(code -X OPTIONS "$BASE/api/jobs")" 405 "OPTIONS: 405"
OUT=$(raw 'OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n')
expect_contains "$OUT" "HTTP/1.1 405 " "OPTIONS *: 405"
expect_contains "$OUT" "Allow: GET, HEAD" "OPTIONS *: Allow"
BIG=$(head -c 20000 /dev/zero | tr '\0' 'a')
expect_eq "$(code -H "X-Big: $BIG" "$BASE/api/jobs")" 431 "oversized header: 431"
MANY=()
for i in $(seq 1 120); do MANY+=(-H "X-Line-$i: x"); done
expect_eq "$(code "${MANY[@]}" "$BASE/api/jobs")" 431 "too many header lines: 431"
expect_eq "$(code -H 'Host:' "$BASE/api/jobs")" 400 "HTTP/1.1 without Host: 400"
OUT=$(raw 'GET /api/jobs HTTP/1.1\r\nConnection: close\r\n\r\n')
expect_contains "$OUT" "HTTP/1.1 400 " "HTTP/1.1 without Host (raw): 400"
expect_contains "$OUT" "need a Host header" "HTTP/1.1 without Host: says why"
expect_eq "$(code -0 -H 'Host:' "$BASE/api/jobs")" 200 "HTTP/1.0 without Host is fine"

# --- Filters and paging ------------------------------------------------------
expect_eq "$(code "$BASE/api/jobs?status=bogus")" 400 "unknown status: 400"
expect_contains "$(curl -s "$BASE/api/jobs?status=bogus")" "unknown status" "unknown status: says which"
expect_eq "$(code "$BASE/api/jobs?kind=nope")" 400 "unknown kind: 400"
expect_eq "$(code "$BASE/api/jobs?status=failed,bogus")" 400 "an unknown word in a list: 400"
statuses() { curl -s "$1" | json_get '",".join(sorted(j["status"] for j in d["jobs"]))'; }
expect_eq "$(statuses "$BASE/api/jobs?status=failed")" "failed" "one status"
expect_eq "$(statuses "$BASE/api/jobs?status=failed,running")" "failed,running" "status=failed,running"
expect_eq "$(statuses "$BASE/api/jobs?status=failed&status=running")" "failed,running" "repeated status="
expect_eq "$(statuses "$BASE/api/jobs?status=complete%2Cfailed")" "complete,failed" "encoded comma"
expect_eq "$(curl -s "$BASE/api/jobs?kind=datatrove,data_juicer" | json_get 'd["count"]')" 3 "kind list"
expect_eq "$(code "$BASE/api/jobs?limit=0")" 400 "limit=0: 400"
expect_eq "$(curl -s "$BASE/api/jobs?limit=1" | json_get 'd["next_offset"]')" 1 "limit=1 pages on"

# --- Cache-Control and framing on every answer --------------------------------
ID=$(curl -s "$BASE/api/jobs?status=failed" | json_get 'd["jobs"][0]["id"]')
check_headers() {  # WHAT CACHE-CONTROL CURL-ARGS...
  local what=$1 cache=$2; shift 2
  local h; h=$(head_of "$@")
  expect_eq "$(sed -n 's/^cache-control: //p' <<< "$h")" "$cache" "$what: Cache-Control"
  expect_eq "$(sed -n 's/^x-frame-options: //p' <<< "$h")" "DENY" "$what: X-Frame-Options"
  expect_contains "$(sed -n 's/^content-security-policy: //p' <<< "$h")" "frame-ancestors 'none'" "$what: CSP frame-ancestors"
}
check_headers "page" "private, no-cache" "$BASE/"
check_headers "job page" "private, no-cache" "$BASE/job/$ID"
check_headers "jobs" "private, no-cache" "$BASE/api/jobs"
check_headers "filtered jobs" "private, no-cache" "$BASE/api/jobs?status=failed"
check_headers "job" "private, no-cache" "$BASE/api/jobs/$ID"
check_headers "logs" "private, no-cache" "$BASE/api/jobs/$ID/logs?rank=3"
check_headers "statistics" "private, no-cache" "$BASE/api/jobs/statistics"
check_headers "resources" "private, no-cache" "$BASE/api/resources"
check_headers "metrics" "no-store" "$BASE/metrics"
check_headers "healthz" "no-store" "$BASE/healthz"
check_headers "favicon" "max-age=86400" "$BASE/favicon.ico"
check_headers "404" "no-store" "$BASE/api/nope"
check_headers "malformed job page" "no-store" "$BASE/job/notanid"
check_headers "400" "no-store" "$BASE/api/jobs?limit=0"
check_headers "405" "no-store" -X DELETE "$BASE/api/jobs"
check_headers "431" "no-store" -H "X-Big: $BIG" "$BASE/api/jobs"
check_headers "400 without Host" "no-store" -H 'Host:' "$BASE/api/jobs"
check_headers "403 rebinding" "no-store" -H 'Host: rebind.example.com' "$BASE/api/jobs"
check_headers "stream" "no-store" -N --max-time 1 "$BASE/api/stream"
check_headers "stream HEAD" "no-store" -I "$BASE/api/stream"

# --- ETag and 304 --------------------------------------------------------------
# (Finished jobs: a running job's state_reason says "last marker Ns ago", which moves every refresh.)
for path in /api/jobs/past "/api/jobs/$ID" /api/jobs/statistics /; do
  ETAG=$(header etag "$BASE$path")
  expect_contains "$ETAG" '"' "$path: ETag"
  expect_eq "$(code -H "If-None-Match: $ETAG" "$BASE$path")" 304 "$path: If-None-Match gives 304"
  expect_eq "$(curl -s -H "If-None-Match: $ETAG" "$BASE$path" | wc -c)" 0 "$path: the 304 has no body"
  expect_eq "$(code -H 'If-None-Match: "stale"' "$BASE$path")" 200 "$path: another tag gives 200"
done
OUT=$(raw "GET /api/jobs/past HTTP/1.1\r\nHost: 127.0.0.1\r\nIf-None-Match: $(header etag "$BASE/api/jobs/past")\r\nConnection: close\r\n\r\n")
expect_contains "$OUT" "HTTP/1.1 304 " "raw 304"
expect_not_contains "$OUT" "Content-Length" "a 304 has no Content-Length"
BEFORE=$(header etag "$BASE/api/jobs")
: > "$WORK/logs/running_job/completions/00003"
changed_etag() { [[ "$(header etag "$BASE/api/jobs")" != "$BEFORE" ]]; }
wait_until 10 changed_etag && pass || fail "the ETag of /api/jobs did not change with a job"
expect_eq "$(code -H "If-None-Match: $BEFORE" "$BASE/api/jobs")" 200 "an old ETag gets the new body"

# --- /job/<malformed id> --------------------------------------------------------
expect_eq "$(code "$BASE/job/notanid")" 404 "/job/notanid: 404"
expect_eq "$(curl -s "$BASE/job/notanid" | md5sum)" "$(curl -s "$BASE/" | md5sum)" "/job/notanid: the page (its not-found state)"
expect_eq "$(header content-type "$BASE/job/notanid")" "text/html; charset=utf-8" "/job/notanid: HTML"
expect_eq "$(code "$BASE/job/0123456789abcdef")" 200 "a well-formed unknown id is the page's to say"

# --- Event streams: the cap, and resume from Last-Event-ID ------------------------
STREAMS=()
for i in $(seq 1 32); do
  curl -s -N --max-time 60 -D "$WORK/stream$i.head" "$BASE/api/stream" > /dev/null &
  STREAMS+=($!)
done
all_open() { local i; for i in $(seq 1 32); do file_has "$WORK/stream$i.head" "200 OK" || return 1; done; }
wait_until 10 all_open && pass || fail "32 event streams did not open"
OUT=$(head_of --max-time 5 "$BASE/api/stream")
expect_contains "$OUT" "HTTP/1.1 503" "the 33rd event stream: 503"
expect_contains "$OUT" "retry-after: 10" "the 33rd event stream: Retry-After"
expect_contains "$OUT" "cache-control: no-store" "the 33rd event stream: Cache-Control"
expect_eq "$(code "$BASE/healthz")" 200 "other requests still served"
stop_pid "${STREAMS[0]}"
stream_opens() { [[ "$(curl -s -N --max-time 1 -D - -o /dev/null "$BASE/api/stream" || true)" == *"200 OK"* ]]; }
wait_until 10 stream_opens && pass || fail "a closed stream's slot was not freed"
for pid in "${STREAMS[@]:1}"; do stop_pid "$pid"; done

# A change while a stream is open: remember its id, then change more while none is.
curl -s -N --max-time 15 "$BASE/api/stream" > "$WORK/events1" &
S1=$!
sleep 0.5
: > "$WORK/logs/running_job/completions/00004"
wait_until 10 file_has "$WORK/events1" '^id: ' || true
stop_pid $S1
LAST_ID=$(sed -n 's/^id: //p' "$WORK/events1" | tail -1)
[[ "$LAST_ID" =~ ^[0-9]+$ ]] && pass || fail "event id [$LAST_ID] is not a version"
: > "$WORK/logs/running_job/completions/00005"
five_done() { [[ "$(curl -s "$BASE/api/jobs?status=running")" == *'"done":6'* ]]; }
wait_until 10 five_done && pass || fail "the registry did not see the sixth marker"
curl -s -N --max-time 2 -H "Last-Event-ID: $LAST_ID" "$BASE/api/stream" > "$WORK/events2" || true
expect_contains "$(cat "$WORK/events2")" "event: change" "resume: the missed change is sent at once"
expect_contains "$(cat "$WORK/events2")" '"completed":6' "resume: with the state since"
NEW_ID=$(sed -n 's/^id: //p' "$WORK/events2" | head -1)
[[ "$NEW_ID" =~ ^[0-9]+$ && "$NEW_ID" -gt "$LAST_ID" ]] && pass || fail "resume: id [$NEW_ID] does not follow [$LAST_ID]"
curl -s -N --max-time 1 -H "Last-Event-ID: $NEW_ID" "$BASE/api/stream" > "$WORK/events3" || true
expect_not_contains "$(cat "$WORK/events3")" "event:" "resume when up to date: nothing to send"
curl -s -N --max-time 1 -H "Last-Event-ID: 999999" "$BASE/api/stream" > "$WORK/events4" || true
expect_contains "$(cat "$WORK/events4")" "event: reset" "resume from an unknown id: reset"
curl -s -N --max-time 1 -H "Last-Event-ID: junk" "$BASE/api/stream" > "$WORK/events5" || true
expect_contains "$(cat "$WORK/events5")" "event: reset" "resume from junk: reset"

# --- /healthz and the token ------------------------------------------------------
start_serve "$WORK/serve-token.log" --token s3cret "$WORK/logs"
B2="http://127.0.0.1:$PORT"
expect_eq "$(curl -s "$B2/healthz")" '{"ok":true}' "/healthz without the token: no job count"
expect_eq "$(curl -s -H 'Authorization: Bearer s3cret' "$B2/healthz" | json_get 'd["jobs"]')" 3 "/healthz with the token: the count"
check_headers "401" "no-store" "$B2/api/jobs"

# --- Keyed job ids -----------------------------------------------------------------
ids_of() { curl -s "$1/api/jobs" | json_get '" ".join(sorted(j["path"].rsplit("/",1)[-1] + "=" + j["id"] for j in d["jobs"]))'; }
IDS=$(ids_of "$BASE")
KEYFILE="$XDG_STATE_HOME/jobmon/serve-id-key"
expect_eq "$(stat -c %a "$KEYFILE")" 600 "the key file is private"
expect_eq "$(wc -c < "$KEYFILE")" 33 "the key file holds 32 hex digits"
# Not the unkeyed FNV-1a of kind and path (what ids were), which anyone could compute.
FNV=$(curl -s "$BASE/api/jobs" | $PY -c '
import json, sys
for j in json.load(sys.stdin)["jobs"]:
    h = 1469598103934665603
    for c in (j["kind"] + "\n" + j["path"]).encode():
        h = ((h ^ c) * 1099511628211) % 2**64
    print("same" if f"{h:016x}" == j["id"] else "keyed")' | sort -u)
expect_eq "$FNV" keyed "ids are not computable from paths"
start_serve "$WORK/serve-again.log" "$WORK/logs"  # a restart with the same state dir
expect_eq "$(ids_of "http://127.0.0.1:$PORT")" "$IDS" "ids survive a restart (the key file)"
printf 'my own key\n' > "$WORK/key"
start_serve "$WORK/serve-key.log" --id-key-file "$WORK/key" "$WORK/logs"
OTHER=$(ids_of "http://127.0.0.1:$PORT")
[[ "$OTHER" != "$IDS" ]] && pass || fail "--id-key-file: another key gives other ids"
start_serve "$WORK/serve-key2.log" --id-key-file "$WORK/key" "$WORK/logs"
expect_eq "$(ids_of "http://127.0.0.1:$PORT")" "$OTHER" "--id-key-file: the same key gives the same ids"
start_serve "$WORK/serve-newkey.log" --id-key-file "$WORK/new/dir/key" "$WORK/logs"
expect_eq "$(stat -c %a "$WORK/new/dir/key")" 600 "--id-key-file: created when missing"
set +e
mkdir "$WORK/keydir"
timeout 20 "$SERVE_BIN" --port 0 --id-key-file "$WORK/keydir" "$WORK/logs" 2> "$WORK/keydir.err"
RC=$?
set -e
expect_eq "$RC" 1 "--id-key-file naming a directory: exit 1"
expect_contains "$(cat "$WORK/keydir.err")" "--id-key-file" "says which option"
env -u XDG_STATE_HOME -u HOME "$SERVE_BIN" --port 0 "$WORK/logs" 2> "$WORK/serve-nohome.log" &
NOHOME=$!
wait_until 10 serve_port "$WORK/serve-nohome.log" && pass || fail "no state dir: did not start"
expect_eq "$(code "http://127.0.0.1:$PORT/healthz")" 200 "no state dir: still serves"
stop_pid $NOHOME
expect_contains "$(cat "$WORK/serve-nohome.log")" "will not survive a restart" "no state dir: says ids are random"

finish
