#!/usr/bin/env bash
# End-to-end (issue 18): a training run watched live in a real browser.
# training_writer.py writes a Hugging Face Trainer output dir record by record
# (TensorBoard events, checkpoints, the final entry and results files) while a
# real jobmon-serve (short refresh interval) serves it and Debian's chromium,
# driven by playwright-core (tests/browser/training_live.mjs), keeps the run's
# page open without reloading it: the page must follow by itself (SSE change
# events) from pending/running, the step rising, the loss chart gaining
# points, an ETA, the stage tracker moving, to complete at max_steps. Runs
# stopped mid-way (written beforehand as if they ended a while ago) show
# failed or stalled with the reason. Screenshots go to build/screenshots/live
# (or the work dir when no build dir is known).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
BROWSER_DIR="$JOBMON_SOURCE/tests/browser"
WRITER="$JOBMON_SOURCE/tests/e2e/training_writer.py"
if [[ ! -x /usr/bin/chromium || ! -d "$BROWSER_DIR/node_modules/playwright-core" ]]; then
  echo "FAIL: chromium or playwright-core missing: run scripts/install-deps.sh --test" >&2
  exit 1
fi
[[ -x "$SERVE_BIN" ]] || { echo "FAIL: $SERVE_BIN is not built" >&2; exit 1; }
SHOTS="${JOBMON_BUILD:-$WORK}/screenshots/live"
rm -rf "$SHOTS"
R="$WORK/runs"
mkdir -p "$R"
MAX=40

# Stopped mid-way, with no final entry: 2 h quiet (failed), 25 min quiet with a torn last record (stalled).
"$PY" "$WRITER" "$R/ft-crashed" --max-steps $MAX --stop-at 15 --backdate 7200 --quiet
"$PY" "$WRITER" "$R/ft-hung" --max-steps $MAX --stop-at 25 --backdate 1500 --tear --quiet
make_job "$R/tokenize" 2 0 1  # a datatrove job beside the runs

start_serve "$WORK/serve.log" --scheduler none "$R"
READY="$WORK/browser-ready"
started=$SECONDS
node "$BROWSER_DIR/training_live.mjs" "http://127.0.0.1:$PORT" ft-live $MAX "$READY" "$SHOTS" \
  ft-crashed:failed ft-hung:stalled > "$WORK/browser.log" 2>&1 &
node_pid=$!
on_exit "stop_pid $node_pid"
browser_up() { [[ -e "$READY" ]] || ! kill -0 "$node_pid" 2>/dev/null; }
wait_until 30 browser_up || true
if [[ ! -e "$READY" ]]; then
  cat "$WORK/browser.log" >&2
  fail "the browser did not open the dashboard"
  finish
fi
# The Trainer's pace: 0.25 s a step, a log entry every 2 steps, an eval every 10, a checkpoint every 15 (and at the end);
# 3 s of loading before step 1 so the page sees the run before it trains.
"$PY" "$WRITER" "$R/ft-live" --max-steps $MAX --delay 0.25 --start-delay 3 --logging-steps 2 --eval-steps 10 \
  --save-steps 15 --quiet &
writer_pid=$!
on_exit "stop_pid $writer_pid"
wait "$writer_pid" && pass "the writer finished" || fail "the writer failed"
if wait "$node_pid"; then pass "training_live.mjs"; else fail "training_live.mjs"; fi
cat "$WORK/browser.log"
echo "browser part: $((SECONDS - started)) s; screenshots in $SHOTS"
for shot in live-1-running-early live-2-running-late live-3-complete live-4-failed live-4-stalled; do
  [[ -s "$SHOTS/$shot.png" ]] && pass || fail "no screenshot $shot.png"
done
grep -q "Error\|error:" "$WORK/serve.log" && fail "jobmon-serve complained: $(cat "$WORK/serve.log")" || pass
finish
