#!/usr/bin/env bash
# End-to-end: training runs in the real jobmon-serve: /api/jobs lists them
# beside a datatrove job (kind filter, steps, loss), a run's detail says what
# MANIFEST.json says and carries the run's JSON as Python's jobmon.training_run
# writes it, /api/jobs.csv and /metrics (promtool clean) include them, /api/compare
# takes two runs, and a run that saves a new checkpoint moves on the next refresh.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"

TR="$FIXTURES_DIR/training"
R=$WORK/runs
mkdir -p "$R"
for run in hf-whisper-small-hi-wer hf-gemma3-checkpoint-series hf-spam-bert-4.3x-checkpoint hf-empty-log-history hf-ner-per-entity-metrics; do
  cp -r "$TR/hf/$run" "$R/$run"
done
cp -r "$TR/hf/hf-bart-samsum-tiny" "$R/<img src=x onerror=alert(1)>"
cp -r "$TR/lightning/pl-csv-small-every-step" "$WORK/pl"
cp -r "$TR/tensorboard/tb-tf2-summary-scalar-small" "$WORK/tb"
make_job "$R/tokenize" 2 0 1
start_serve "$WORK/serve.log" --scheduler none "$R" "$WORK/pl/lightning_logs/version_0" "$WORK/tb/logs"
BASE="http://127.0.0.1:$PORT"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

curl -sf "$BASE/api/jobs?limit=100" > "$WORK/jobs.json"
CHECK=$($PY - "$WORK/jobs.json" "$TR/MANIFEST.json" << 'EOF'
import json, sys
jobs = json.load(open(sys.argv[1]))["jobs"]
manifest = {a["id"]: a for a in json.load(open(sys.argv[2]))["artifacts"]}
kinds = sorted(j["kind"] for j in jobs)
assert kinds == ["datatrove"] + ["training"] * 8, kinds
for j in jobs:
    if j["kind"] != "training":
        continue
    assert j["unit"] == "steps", j
    for key in ("step", "max_steps", "epoch", "loss", "state_reason", "writer", "fraction", "last_change_at"):
        assert key in j, (key, j)
    run = manifest.get(j["name"])
    if run and "run" in run["expected"]:
        want = run["expected"]["run"]
        assert j["done"] == want["global_step"] and j["total"] == want["max_steps"], j
        assert j["loss"] == want["last_train_loss"], j
writers = sorted(j["writer"] for j in jobs if j["kind"] == "training")
assert writers.count("lightning") == 1 and writers.count("tensorboard") == 1, writers
print("ok")
EOF
)
expect_eq "$CHECK" ok "/api/jobs: training runs beside the datatrove job, MANIFEST's steps and losses"

expect_eq "$(curl -s "$BASE/api/jobs?kind=training" | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')" 8 "kind=training filter"
expect_eq "$(curl -s "$BASE/api/jobs?kind=datatrove" | $PY -c 'import json,sys; print(json.load(sys.stdin)["count"])')" 1 "kind=datatrove filter"
expect_eq "$(code "$BASE/api/jobs?kind=trainings")" 400 "unknown kind refused"
expect_contains "$(curl -s "$BASE/api/jobs?kind=trainings")" "training" "the refusal names the kinds"

id_of() { $PY -c 'import json,sys; print(next(j["id"] for j in json.load(open(sys.argv[1]))["jobs"] if j["name"] == sys.argv[2]))' "$WORK/jobs.json" "$1"; }
WHISPER=$(id_of hf-whisper-small-hi-wer)
GEMMA=$(id_of hf-gemma3-checkpoint-series)
curl -sf "$BASE/api/jobs/$WHISPER" > "$WORK/whisper.json"
curl -sf "$BASE/api/jobs/$GEMMA" > "$WORK/gemma.json"
CHECK=$($PY - "$WORK/whisper.json" "$WORK/gemma.json" "$TR/MANIFEST.json" << 'EOF'
import json, sys
whisper, gemma = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
manifest = {a["id"]: a for a in json.load(open(sys.argv[3]))["artifacts"]}
state = manifest["hf-whisper-small-hi-wer"]["expected"]["trainer_states"]["trainer_state.json"]
for key in ("meta", "chart", "cards", "stages", "checkpoints", "arguments", "sources", "training", "errors"):
    assert key in whisper, key
chart = whisper["chart"]
assert chart["train"] == "loss" and chart["eval"] == ["eval_loss"], chart
assert len(chart["series"]["loss"]) == state["n_train_logs"]
assert len(chart["series"]["eval_loss"]) == state["n_eval_logs"]
cards = {c["name"]: c for c in whisper["cards"]}
assert cards["eval_wer"]["last"] == state["eval_metrics_last"]["eval_wer"], cards["eval_wer"]
assert cards["eval_wer"]["goal"] == "lower" and cards["eval_wer"]["best"] is not None
assert [s["name"] for s in whisper["stages"]] == ["loading", "training", "validation", "checkpoint", "saved"]
assert whisper["training"]["kind"] == "training" and whisper["training"]["step"] == state["global_step"]
want = manifest["hf-gemma3-checkpoint-series"]["expected"]["run"]["checkpoints"]
assert [c["step"] for c in gemma["checkpoints"]] == want, gemma["checkpoints"]
print("ok")
EOF
)
expect_eq "$CHECK" ok "a run's detail: chart curves, cards, stages, checkpoints, the run's JSON"

# The run's JSON is the one schema: Python's jobmon.training_run gives the same dict (a finished run: no clock in it).
if PYTHONPATH="${JOBMON_BUILD:-}/python" $PY -c 'import jobmon; jobmon.training_run' 2> /dev/null; then
  CHECK=$(PYTHONPATH="$JOBMON_BUILD/python" $PY - "$WORK/whisper.json" "$WORK/gemma.json" << 'EOF'
import json, sys
import jobmon
for path in sys.argv[1:]:
    served = json.load(open(path))
    assert served["status"] == "complete", served["status"]
    assert jobmon.training_run(served["path"]) == served["training"], served["path"]
print("ok")
EOF
)
  expect_eq "$CHECK" ok "served run JSON equals jobmon.training_run"
fi

CSV=$(curl -sf "$BASE/api/jobs.csv")
expect_contains "$CSV" ",training,hf-whisper-small-hi-wer," "csv: the run's row"
expect_contains "$CSV" ",5000,5000,steps," "csv: steps as the unit"

curl -sf "$BASE/metrics" > "$WORK/metrics.txt"
expect_contains "$(cat "$WORK/metrics.txt")" "jobmon_training_step{id=\"$WHISPER\",name=\"hf-whisper-small-hi-wer\"} 5000" "metrics: step"
expect_contains "$(cat "$WORK/metrics.txt")" "jobmon_training_metric{id=\"$WHISPER\",name=\"hf-whisper-small-hi-wer\",metric=\"eval_wer\"}" "metrics: eval metric"
expect_contains "$(cat "$WORK/metrics.txt")" 'jobmon_jobs{kind="training",state="complete"}' "metrics: fleet count by kind"
expect_contains "$(cat "$WORK/metrics.txt")" 'name="<img src=x onerror=alert(1)>"' "metrics: a hostile name as a label value"
if command -v promtool > /dev/null; then
  if promtool check metrics < "$WORK/metrics.txt" > "$WORK/lint.txt" 2>&1; then pass; else fail "promtool check metrics: $(cat "$WORK/lint.txt")"; fi
fi

expect_eq "$(code "$BASE/api/compare?a=$WHISPER&b=$GEMMA")" 200 "compare two runs"
expect_eq "$(curl -s "$BASE/api/compare?a=$WHISPER&b=$GEMMA" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d["same_kind"], d["a"]["kind"])')" "True training" "compare: same kind"
expect_eq "$(code "$BASE/api/jobs/$WHISPER/steps")" 200 "steps route answers for a run"
expect_eq "$(code "$BASE/api/jobs/$WHISPER/log-files")" 200 "log-files route answers for a run"

# The spam run saves its next checkpoint (step 500 -> 600): the next refresh says so.
SPAM=$(id_of hf-spam-bert-4.3x-checkpoint)
STATE="$R/hf-spam-bert-4.3x-checkpoint/checkpoint-500/trainer_state.json"
sed -i 's/"global_step": 500/"global_step": 600/' "$STATE"
touch -d "@$(($(date +%s) + 5))" "$STATE"
moved() { [[ "$(curl -s "$BASE/api/jobs/$SPAM" | $PY -c 'import json,sys; print(json.load(sys.stdin)["done"])')" == 600 ]]; }
if wait_until 10 moved; then pass; else fail "the run's new step did not reach /api/jobs/<id>"; fi

finish
