#!/usr/bin/env bash
# Alerts for real: Debian's Prometheus and Alertmanager on 127.0.0.1 scrape a
# jobmon-serve over a tree this test drives, with the shipped rules
# (deploy/prometheus/jobmon.rules.yml). A failed rank makes JobFailed fire and
# reach a webhook receiver the test runs; a stalled job makes JobStalled fire;
# a job keeps its series through a change of state; /metrics passes
# promtool check metrics in both formats.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

PROMETHEUS=$(command -v prometheus || true)
ALERTMANAGER=$(command -v prometheus-alertmanager || command -v alertmanager || true)
[[ -n "$PROMETHEUS" && -n "$ALERTMANAGER" ]] || skip "prometheus / prometheus-alertmanager not installed (scripts/install-deps.sh --test)"
command -v promtool > /dev/null || skip "promtool not installed"

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# The tree: tok_fail runs (2 of 4 done, ranks 2-3 logging now); tok_stall
# launched 6 h ago, finished two ranks 10 and 20 minutes in, and went silent
# (ranks usually take 10 min: stalled after 30).
LOGS="$WORK/logs"
make_job "$LOGS/tok_fail" 4 0 1
mkdir -p "$LOGS/tok_fail/logs"
for r in 2 3; do
  printf '2026-12-06 10:00:00.000 | INFO     | datatrove:run:1 - Launching pipeline for rank=%s\n' "$r" > "$LOGS/tok_fail/logs/task_0000$r.log"
done
make_job "$LOGS/tok_stall" 4 0 1
now=$(date +%s)
touch -d "@$((now - 6 * 3600))" "$LOGS/tok_stall/executor.json"
touch -d "@$((now - 6 * 3600 + 600))" "$LOGS/tok_stall/completions/00000"
touch -d "@$((now - 6 * 3600 + 1200))" "$LOGS/tok_stall/completions/00001" "$LOGS/tok_stall/completions"

start_serve "$WORK/serve.log" "$LOGS"
SERVE_PORT=$PORT

# /metrics, both formats, as promtool reads them.
curl -sf "http://127.0.0.1:$SERVE_PORT/metrics" > "$WORK/metrics.txt"
if promtool check metrics < "$WORK/metrics.txt" > "$WORK/lint.txt" 2>&1; then pass "promtool check metrics: clean"; else fail "promtool check metrics: $(cat "$WORK/lint.txt")"; fi
curl -sf -H 'Accept: application/openmetrics-text; version=1.0.0' -D "$WORK/om.headers" "http://127.0.0.1:$SERVE_PORT/metrics" > "$WORK/metrics.om"
expect_contains "$(cat "$WORK/om.headers")" "application/openmetrics-text; version=1.0.0" "OpenMetrics content type"
expect_eq "$(tail -n 1 "$WORK/metrics.om")" "# EOF" "OpenMetrics ends with # EOF"
expect_contains "$(cat "$WORK/metrics.om")" "# TYPE jobmon_job_state stateset" "OpenMetrics state set"

# The webhook receiver: every POST body, one per line.
RECEIVER_PORT=$(free_port)
cat > "$WORK/receiver.py" << 'EOF'
import http.server, json, sys
out = open(sys.argv[2], "a", buffering=1)
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        out.write(json.dumps(json.loads(body)) + "\n")
        self.send_response(200); self.end_headers()
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
EOF
$PY "$WORK/receiver.py" "$RECEIVER_PORT" "$WORK/received.jsonl" &
RECEIVER_PID=$!
on_exit "stop_pid $RECEIVER_PID"

AM_PORT=$(free_port)
cat > "$WORK/alertmanager.yml" << EOF
route:
  receiver: test
  group_by: [alertname, id]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: test
    webhook_configs:
      - url: http://127.0.0.1:$RECEIVER_PORT/
        send_resolved: true
EOF
"$ALERTMANAGER" --config.file="$WORK/alertmanager.yml" --storage.path="$WORK/am" \
  --web.listen-address="127.0.0.1:$AM_PORT" --cluster.listen-address= > "$WORK/am.log" 2>&1 &
AM_PID=$!
on_exit "stop_pid $AM_PID"

PROM_PORT=$(free_port)
mkdir -p "$WORK/prom"
cp "$JOBMON_SOURCE/deploy/prometheus/jobmon.rules.yml" "$WORK/prom/"
cat > "$WORK/prom/prometheus.yml" << EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [jobmon.rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:$AM_PORT"]
scrape_configs:
  - job_name: jobmon
    static_configs:
      - targets: ["127.0.0.1:$SERVE_PORT"]
EOF
"$PROMETHEUS" --config.file="$WORK/prom/prometheus.yml" --storage.tsdb.path="$WORK/prom/data" \
  --web.listen-address="127.0.0.1:$PROM_PORT" > "$WORK/prom.log" 2>&1 &
PROM_PID=$!
on_exit "stop_pid $PROM_PID"

# query PROMQL: the first sample's value, or empty.
query() {
  curl -sf --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
    $PY -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "")' 2> /dev/null
}
scraped() { [[ "$(query 'up{job="jobmon"}')" == "1" ]]; }
wait_until 60 scraped && pass "Prometheus scrapes jobmon-serve" || { fail "no scrape: $(tail -5 "$WORK/prom.log")"; finish; }

running_now() { [[ "$(query 'jobmon_job_state{name="tok_fail",state="running"}')" == "1" ]]; }
wait_until 30 running_now && pass "tok_fail is running" || fail "tok_fail not running: $(grep tok_fail "$WORK/metrics.txt")"

# A stalled job fires JobStalled and reaches the receiver.
received() { file_has "$WORK/received.jsonl" "\"alertname\": \"$1\""; }
wait_until 60 received JobStalled && pass "JobStalled fired and reached the webhook" || fail "no JobStalled: $(cat "$WORK/received.jsonl" 2>/dev/null)"
stall=$(grep '"JobStalled"' "$WORK/received.jsonl" | head -1)
expect_contains "$stall" '"name": "tok_stall"' "the stalled job is named"
expect_contains "$stall" '"status": "firing"' "firing"

# Ranks 2 and 3 fail: the job is failed (nothing left can finish), JobFailed fires.
for r in 2 3; do
  printf '2026-12-06 10:01:00.000 | ERROR    | datatrove:run:2 - boom\nRuntimeError: boom on rank %s\n' "$r" >> "$LOGS/tok_fail/logs/task_0000$r.log"
done
wait_until 60 received JobFailed && pass "JobFailed fired and reached the webhook" || fail "no JobFailed: $(cat "$WORK/received.jsonl" 2>/dev/null)"
failed=$(grep '"JobFailed"' "$WORK/received.jsonl" | head -1)
expect_contains "$failed" '"name": "tok_fail"' "the failed job is named"
expect_contains "$failed" '"severity": "critical"' "severity label"
expect_contains "$failed" 'datatrove job tok_fail failed' "summary annotation"
expect_eq "$(query 'jobmon_job_ranks{name="tok_fail",state="failed"}')" "2" "both failed ranks counted"
expect_eq "$(query 'jobmon_job_eta_seconds{name="tok_fail"}')" "" "no ETA for a failed job (absent, not 0)"

# One job, one set of series, whatever its state did: 5 state series seen over the whole run.
expect_eq "$(query 'count(count_over_time(jobmon_job_state{name="tok_fail"}[10m]))')" "5" "tok_fail kept its 5 state series"
expect_eq "$(query 'count(count_over_time(jobmon_job_progress_ratio{name="tok_fail"}[10m]))')" "1" "one progress series"
expect_eq "$(query 'max_over_time(jobmon_job_state{name="tok_fail",state="running"}[10m])')" "1" "the same series was running before"

finish
