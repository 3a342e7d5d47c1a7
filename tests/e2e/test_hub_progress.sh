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

# --- the shard finishes uploading; the slurm job is listed, then stats.json appears
cp "$FIXTURES_DIR/parquet/delta_byte_array.parquet" "$REPO/data/train/00001.parquet"
cat > "$WORK/bin/squeue" <<EOF2
#!/usr/bin/env bash
n=\$(cat "$WORK/squeue.calls" 2>/dev/null || echo 0); n=\$((n + 1)); echo \$n > "$WORK/squeue.calls"
[[ "\$*" == "-h -j 777" ]] || { echo "unexpected args \$*" >&2; exit 9; }
echo "  777 gpu generate user R 1:00 1 node1"
[[ \$n -ge 2 ]] && echo '{}' > "$WORK/stats.json"
exit 0
EOF2
chmod +x "$WORK/bin/squeue"
PATH="$WORK/bin:$PATH" run --repo org/gen --total 6000 --json --interval 1 --slurm-job 777 --stats-path "$WORK/stats.json"
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

# --- squeue no longer lists the job and there is no stats.json: stopped, exit 4
rm -f "$WORK/stats.json"
printf '#!/usr/bin/env bash\nexit 0\n' > "$WORK/bin/squeue"
PATH="$WORK/bin:$PATH" run --repo org/gen --total 6000 --slurm-job 777 --stats-path "$WORK/stats.json"
expect_eq "$RC" 4 "stopped exit code"
expect_contains "$(cat "$REPO/README.md")" "4,000/6,000 docs<br>⚠️ Stopped: Slurm job 777 is no longer running" "card says stopped"

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
expect_contains "$ERR" "jobmon-hub-progress: HTTP 429 from 127.0.0.1:$HPORT (asked to wait 300 s, capped to 1 s), retry 1/4 in 1 s" \
  "the wait is said on stderr"
expect_contains "$ERR" "retry 4/4 in 1 s" "every wait is said"
ELAPSED=$((SECONDS - START))
[ "$ELAPSED" -lt 40 ] || fail "hostile polls took ${ELAPSED} s (deadlines 3 and 3 s, 4 waits of 1 s)"

finish
