# Starting and stopping a real jobmon-serve on a free loopback port (sourced).
SERVE_BIN="$JOBMON_BIN/jobmon-serve/jobmon-serve"
SERVE_PIDS=()

# start_serve LOGFILE ARGS... ; sets PORT
start_serve() {
  local log=$1; shift
  : > "$log"  # exists before the background process opens it: the polling below must not race
  "$SERVE_BIN" --port 0 --interval 0.3 "$@" 2> "$log" &
  SERVE_PIDS+=($!)
  local i
  for ((i = 0; i < 100; ++i)); do
    PORT=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\)\/.*/\1/p' "$log" || true)
    [[ -n "$PORT" ]] && return 0
    sleep 0.1
  done
  echo "jobmon-serve did not start:" >&2; cat "$log" >&2; return 1
}

stop_serves() {
  local pid
  for pid in "${SERVE_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVE_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
