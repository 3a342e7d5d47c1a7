#!/usr/bin/env bash
# End-to-end: a training run's page in a real browser (Debian's chromium
# driven by playwright-core, tests/browser/training.mjs) against a real
# jobmon-serve over real runs: Hugging Face output dirs (one with eval
# curves, one with checkpoints, one with arguments, one with no values, a
# hostile name), a Lightning CSVLogger dir and a datatrove job beside them.
# Screenshots go to build/screenshots.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
BROWSER_DIR="$JOBMON_SOURCE/tests/browser"
if [[ ! -x /usr/bin/chromium || ! -d "$BROWSER_DIR/node_modules/playwright-core" ]]; then
  echo "FAIL: chromium or playwright-core missing: run scripts/install-deps.sh --test" >&2
  exit 1
fi
TR="$FIXTURES_DIR/training"
R=$WORK/runs
mkdir -p "$R"
for run in hf-whisper-small-hi-wer hf-gemma3-checkpoint-series hf-gpt2-100ep-runs-hparams hf-empty-log-history hf-mt5-rouge-stopped-early; do
  cp -r "$TR/hf/$run" "$R/$run"
done
cp -r "$TR/hf/hf-bart-samsum-tiny" "$R/<img src=x onerror=alert(1)>"
cp -r "$TR/lightning/pl-csv-slm-sorted-columns" "$WORK/pl"
make_job "$R/tokenize" 2 0 1

start_serve "$WORK/serve.log" --scheduler none "$R" "$WORK/pl/lightning_logs/version_0"
if node "$BROWSER_DIR/training.mjs" "http://127.0.0.1:$PORT" "${JOBMON_BUILD:-$WORK}/screenshots"; then pass; else fail "training.mjs"; fi
finish
