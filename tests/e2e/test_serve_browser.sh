#!/usr/bin/env bash
# End-to-end: the dashboard page in a real browser (Debian's chromium driven
# by playwright-core) against a real jobmon-serve.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/serve_lib.sh"
BROWSER_DIR="$JOBMON_SOURCE/tests/browser"
if [[ ! -x /usr/bin/chromium || ! -d "$BROWSER_DIR/node_modules/playwright-core" ]]; then
  echo "FAIL: chromium or playwright-core missing: run scripts/install-deps.sh --test" >&2
  exit 1
fi
cp -r "$FIXTURES_DIR/datatrove" "$WORK/logs"
make_job "$WORK/logs/running_job" 10 0 1 2
make_job "$WORK/logs/<img src=x onerror=alert(1)>" 2 0 1
cp -r "$JOBMON_SOURCE/tests/data/dj/failed" "$WORK/logs/dj_failed"
start_serve "$WORK/serve.log" "$WORK/logs"
node "$BROWSER_DIR/dashboard.mjs" "http://127.0.0.1:$PORT" "$WORK/logs" "${JOBMON_BUILD:-$WORK}/screenshots"
