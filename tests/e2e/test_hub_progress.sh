#!/usr/bin/env bash
# End-to-end: the real jobmon-hub-progress binary against the fake Hub
# (tests/support/fake_hub.py on 127.0.0.1, OS-chosen ports) serving the real
# fixture Parquet files; squeue is faked through PATH.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-hub-progress/jobmon-hub-progress"

TOKEN="hf_e2e_SECRET_$$"
REPO="$WORK/hub/org/gen"
mkdir -p "$REPO/data/train" "$WORK/bin"
cp "$FIXTURES_DIR/parquet/page_index.parquet" "$REPO/data/train/00000.parquet"
head -c 20000 "$FIXTURES_DIR/parquet/delta_byte_array.parquet" > "$REPO/data/train/00001.parquet"   # half uploaded
printf -- '---\nlicense: mit\n---\n# Generated\n' > "$REPO/README.md"

"$PY" "$JOBMON_SOURCE/tests/support/fake_hub.py" --root "$WORK/hub" --token "$TOKEN" --page-size 2 > "$WORK/ports" &
HUB_PID=$!
on_exit 'stop_pid "$HUB_PID"'
wait_until 5 test -s "$WORK/ports" || true
PORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$WORK/ports")
E="http://127.0.0.1:$PORT"
echo "fake hub on $E"
export HF_ENDPOINT="$E" HF_HOME="$WORK/hfhome"
unset HF_TOKEN HUGGING_FACE_HUB_TOKEN HF_TOKEN_PATH HF_HUB_OFFLINE
mkdir -p "$HF_HOME"; printf '%s\n' "$TOKEN" > "$HF_HOME/token"    # token from the token file

control() { curl -s -X "$1" "$E/_control/$2" ${3:+-d "$3"}; }

# --- one poll, JSON; a 429 with Retry-After and a 500 on the way; a 412 on the first commit
control POST fault '{"match":"/tree/","status":429,"count":1,"headers":{"Retry-After":"1"}}' > /dev/null
control POST fault '{"match":"/resolve/","status":500,"count":1}' > /dev/null
control POST fault '{"match":"/commit/","method":"POST","status":412,"count":1}' > /dev/null
run --repo org/gen --total 6000 --once --json --retry-base 0.01
expect_eq "$RC" 0 "--once exit code"
CHECK=$("$PY" - "$OUT" <<'PYEOF'
import json, sys
lines = sys.argv[1].splitlines()
assert len(lines) == 1, lines
d = json.loads(lines[0])
assert (d["rows"], d["total"], d["files"], d["skipped_files"]) == (3000, 6000, 2, 1), d
assert d["percent"] == 50 and d["eta_seconds"] is None and d["committed"] is True, d
assert d["skipped"][0]["path"] == "data/train/00001.parquet", d
print("ok")
PYEOF
)
expect_eq "$CHECK" "ok" "--json status line"
expect_contains "$ERR" "skipped data/train/00001.parquet: not a Parquet file" "skipped shard reported"
expect_contains "$ERR" "org/gen [default]: 3,000/6,000 rows (50.00%) · 2 shards · 1 skipped" "progress line on stderr"
README=$(cat "$REPO/README.md")
expect_contains "$README" $'---\nlicense: mit\n---\n\n<!-- jobmon-hub-progress:begin -->\n## 🔄 Generation Progress\n\n**default**: [●●●●●●●●●●○○○○○○○○○○] 50% • 3,000/6,000 docs<br>⏱️ estimating remaining time...\n\n*Last updated: ' "card after the first poll"
expect_contains "$README" $' UTC*\n<!-- jobmon-hub-progress:end -->\n\n# Generated' "rest of the README kept"

LOG=$(control GET log)
CHECK=$("$PY" - "$LOG" "$TOKEN" <<'PYEOF'
import json, sys
log, token = json.loads(sys.argv[1]), sys.argv[2]
cdn = [e for e in log if e["port"] == "cdn"]
hub = [e for e in log if e["port"] == "hub"]
assert cdn, "no CDN requests"
assert not any(e["auth"] for e in cdn), "token sent to the CDN"
assert all(e["auth"] for e in hub), "hub request without token"
assert not any(e.get("token_leak") or e.get("bad_auth") for e in log)
tree = [e for e in hub if "/tree/" in e["path"]]
commits = [e for e in hub if "/commit/" in e["path"]]
assert len(commits) == 2, commits          # 412, then the retry
assert len(tree) == 1 + 2, tree            # 429 then 2 pages (train/ + 2 shards, 2 a page)
print("ok")
PYEOF
)
expect_eq "$CHECK" "ok" "requests: token only to the Hub, retries and pages as expected"
expect_not_contains "$OUT$ERR" "$TOKEN" "token never printed"
control POST reset > /dev/null

# --- the shard finishes uploading; Slurm says the array runs, then stats.json appears.
# squeue/sacct print the answers captured from the real test cluster (tests/data/slurm:
# array 1 with tasks running, then every task ended); tests/e2e/test_hub_slurm.sh
# asks a real cluster.
cp "$FIXTURES_DIR/parquet/delta_byte_array.parquet" "$REPO/data/train/00001.parquet"
SLURM_DATA="$JOBMON_SOURCE/tests/data/slurm"
echo running > "$WORK/moment"
cat > "$WORK/bin/squeue" <<EOF2
#!/usr/bin/env bash
n=\$(cat "$WORK/squeue.calls" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > "$WORK/squeue.calls"
[[ "\$*" == "--json" ]] || { echo "bad call" >&2; exit 9; }
[[ \$n -ge 2 ]] && echo '{}' > "$WORK/stats.json"
exec cat "$SLURM_DATA/squeue_\$(cat "$WORK/moment").json"
EOF2
cat > "$WORK/bin/sacct" <<EOF2
#!/usr/bin/env bash
[[ "\$*" == "--json -j 1,3" ]] || { echo "bad call" >&2; exit 9; }  # 3: the merge job waiting on 1
exec cat "$SLURM_DATA/sacct_\$(cat "$WORK/moment").json"
EOF2
chmod +x "$WORK/bin/squeue" "$WORK/bin/sacct"
PATH="$WORK/bin:$PATH" run --repo org/gen --total 6000 --json --interval 1 --slurm-job 1 --stats-path "$WORK/stats.json"
expect_eq "$RC" 0 "complete exit code"
CHECK=$("$PY" - "$OUT" <<'PYEOF'
import json, sys
lines = [json.loads(l) for l in sys.argv[1].splitlines()]
assert len(lines) == 3, lines
assert all(l["rows"] == 4000 and l["skipped_files"] == 0 for l in lines), lines
assert [l["state"] for l in lines] == ["running", "running", "complete"], lines
assert lines[2]["committed"] is True
print("ok")
PYEOF
)
expect_eq "$CHECK" "ok" "polls until stats.json"
README=$(cat "$REPO/README.md")
expect_contains "$README" "**default**: [●●●●●●●●●●●●●○○○○○○○] 66% • 4,000/6,000 docs<br>✅ Complete" "final card says Complete"
CDN_READS=$(control GET log | "$PY" -c 'import json,sys; print(sum(1 for e in json.load(sys.stdin) if e["port"] == "cdn"))')
expect_eq "$CDN_READS" 2 "two footer reads over three polls (first poll only; cached by oid afterwards)"
control POST reset > /dev/null

# --- Slurm says every task of the array ended and there is no stats.json: stopped, exit 4
rm -f "$WORK/stats.json" "$WORK/squeue.calls"
echo ended > "$WORK/moment"
PATH="$WORK/bin:$PATH" run --repo org/gen --total 6000 --slurm-job 1 --stats-path "$WORK/stats.json"
expect_eq "$RC" 4 "stopped exit code"
expect_contains "$(cat "$REPO/README.md")" "4,000/6,000 docs<br>⚠️ Stopped: Slurm job 1 is no longer running" "card says stopped"
# --- no Slurm commands that answer: a warning, and the job is taken to run (--once ends it)
printf '#!/usr/bin/env bash\necho "slurm_load_jobs error: Unable to contact slurm controller" >&2\nexit 1\n' > "$WORK/bin/squeue"
rm -f "$WORK/bin/sacct"
PATH="$WORK/bin:$PATH" run --repo org/gen --total 6000 --slurm-job 1 --once
expect_eq "$RC" 0 "no scheduler answer: --once exit code"
expect_contains "$ERR" "warning: could not ask Slurm (squeue/sacct) about job 1; assuming it still runs" "no answer: warning"

# --- dry run: the card on stdout, nothing committed
BEFORE=$(cat "$REPO/README.md")
run --repo org/gen --total 4000 --once --dry-run
expect_eq "$RC" 0 "dry run exit code"
expect_contains "$OUT" "4,000/4,000 docs<br>✅ Complete" "dry run prints the card"
expect_eq "$(cat "$REPO/README.md")" "$BEFORE" "dry run commits nothing"

# --- clear errors
HF_TOKEN="hf_WRONG_token" run --repo org/gen --total 10 --once
expect_eq "$RC" 1 "401 exit code"
expect_contains "$ERR" "authentication failed" "401 message"
expect_not_contains "$ERR" "hf_WRONG_token" "wrong token not printed"
run --repo org/nothere --total 10 --once
expect_eq "$RC" 1 "404 exit code"
expect_contains "$ERR" "not found: check the repository name" "404 message"
control POST fault '{"match":"/tree/","status":403,"count":1,"headers":{"X-Error-Code":"GatedRepo"}}' > /dev/null
run --repo org/gen --total 10 --once
expect_eq "$RC" 1 "403 exit code"
expect_contains "$ERR" "access denied" "403 message"
HF_HUB_OFFLINE=1 run --repo org/gen --total 10 --once
expect_eq "$RC" 1 "offline exit code"
expect_contains "$ERR" "HF_HUB_OFFLINE" "offline message"
run --repo org/gen --once
expect_eq "$RC" 2 "no total: usage error"
run --total 5
expect_eq "$RC" 2 "missing --repo: usage error"

# --- issue 19: a typo'd --config, a total exceeded, a refused port, a URL that is none
BEFORE=$(cat "$REPO/README.md")
run --repo org/gen --config deafult --total 10 --once
expect_eq "$RC" 2 "typo'd --config: usage error"
expect_contains "$ERR" "no Parquet shard for --config deafult in org/gen (under deafult/) and the card has no line for it; configs with shards: default. Give --allow-empty to start its line anyway" "typo'd --config: the configs that exist"
expect_eq "$(cat "$REPO/README.md")" "$BEFORE" "typo'd --config: card untouched"
run --repo org/gen --total 100 --once --json
expect_eq "$RC" 0 "total exceeded: exit code"
CHECK=$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["rows"], d["total"], d["total_exceeded"], d["percent"])' "$OUT")
expect_eq "$CHECK" "4000 100 True 100.0" "total exceeded: true count in --json"
expect_contains "$ERR" "warning: 4,000 rows counted, more than the total of 100; the card shows 100/100 as the reference monitor does" "total exceeded: warning"
expect_contains "$ERR" "org/gen [default]: 4,000/100 rows (100.00%)" "total exceeded: true count on stderr"
expect_contains "$(cat "$REPO/README.md")" "**default**: [●●●●●●●●●●●●●●●●●●●●] 100% • 100/100 docs<br>✅ Complete" "total exceeded: the reference's card"
REFUSED=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
START=$SECONDS
HF_ENDPOINT="http://127.0.0.1:$REFUSED" run --repo org/gen --total 10 --interval 5 --retry-base 0.2
expect_eq "$RC" 1 "refused port: exit 1, no endless polling"
expect_contains "$ERR" "jobmon-hub-progress: GET /api/datasets/org/gen/revision/main: 127.0.0.1:$REFUSED: no connection: " "refused port: what is retried"
expect_contains "$ERR" ", retry 1/4 in 0.2 s (at " "refused port: when the next try is"
expect_not_contains "$ERR" "poll failed, trying again" "refused port: not polled again"
[ $((SECONDS - START)) -lt 10 ] || fail "refused port took $((SECONDS - START)) s"
HF_ENDPOINT="notaurl" run --repo org/gen --total 10 --once
expect_eq "$RC" 1 "not a URL: exit code"
expect_eq "$ERR" "jobmon-hub-progress: invalid URL for the Hub endpoint (HF_ENDPOINT): 'notaurl' (expected http://HOST[:PORT] or https://HOST[:PORT])" "not a URL: said so, nothing retried"

# --- a hostile Hub: Retry-After: 300 and a body trickled at 2 B/s end at the
# poll's deadline with a message, and the wait is said on stderr
"$PY" "$JOBMON_SOURCE/tests/support/hostile_http.py" > "$WORK/hostile_ports" &
HOSTILE_PID=$!
on_exit 'stop_pid "$HOSTILE_PID"'
wait_until 5 test -s "$WORK/hostile_ports" || true
HPORT=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$WORK/hostile_ports")
START=$SECONDS
HF_ENDPOINT="http://127.0.0.1:$HPORT/m/retry-after" run --repo org/gen --total 10 --once --poll-deadline 3
expect_eq "$RC" 1 "Retry-After 300 past the deadline: exit code"
expect_contains "$ERR" "HTTP 429 from 127.0.0.1:$HPORT (asked to wait 300 s, capped to 60 s)" "Retry-After message"
expect_contains "$ERR" "would pass the deadline of 3 s" "deadline message"
HF_ENDPOINT="http://127.0.0.1:$HPORT/m/trickle" run --repo org/gen --total 10 --once --poll-deadline 3
expect_eq "$RC" 1 "trickled body: exit code"
expect_contains "$ERR" "the deadline of 3 s passed during the transfer: timed out after the server answered HTTP 200" \
  "trickled body message"
HF_ENDPOINT="http://127.0.0.1:$HPORT/m/retry-after" run --repo org/gen --total 10 --once --max-retry-after 1 \
  --poll-deadline 20
expect_eq "$RC" 1 "429 until the tries run out: exit code"
expect_contains "$ERR" "jobmon-hub-progress: GET /m/retry-after/api/datasets/org/gen/revision/main: HTTP 429 from 127.0.0.1:$HPORT (asked to wait 300 s, capped to 1 s), retry 1/4 in 1 s (at " \
  "the wait is said on stderr"
expect_contains "$ERR" "retry 4/4 in 1 s" "every wait is said"
ELAPSED=$((SECONDS - START))
[ "$ELAPSED" -lt 40 ] || fail "hostile polls took ${ELAPSED} s (deadlines 3 and 3 s, 4 waits of 1 s)"

finish
