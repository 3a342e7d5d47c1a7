# Starting and stopping a real jobmon-serve on a free loopback port (sourced
# after lib.sh; every server started is stopped at exit).
# JOBMON_SERVE_BIN runs the tests against another build (e.g. the one before a fix).
SERVE_BIN="${JOBMON_SERVE_BIN:-$JOBMON_BIN/jobmon-serve/jobmon-serve}"
SERVE_PIDS=()

# serve_port LOGFILE: sets PORT from the server's "listening on" line; 1 while there is none.
serve_port() {
  PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$1" || true)
  [[ -n "$PORT" ]]
}

# start_serve LOGFILE ARGS... ; sets PORT
start_serve() {
  local log=$1; shift
  : > "$log"  # exists before the background process opens it: the polling below must not race
  "$SERVE_BIN" --port 0 --interval 0.3 "$@" 2> "$log" &
  SERVE_PIDS+=($!)
  wait_until 10 serve_port "$log" && return 0
  echo "jobmon-serve did not start:" >&2; cat "$log" >&2; return 1
}

stop_serves() {
  local pid
  for pid in "${SERVE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
on_exit stop_serves
