#!/usr/bin/env bash
# End-to-end test of `jobmon-status --watch`: drives the REAL binary in a
# private tmux server (send-keys, capture-pane) and checks the first frame,
# deltas and new-shade cells after markers arrive, a resize, a job dir that
# appears under a glob, and that q / Ctrl-C / SIGTERM / a crash signal leave
# the terminal as it was (main screen back, cursor visible). Also the plain
# mode (stdout not a terminal) and --once.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"
[[ -x "$BIN" ]] || { echo "FAIL: $BIN is not built" >&2; exit 1; }
command -v tmux >/dev/null || { echo "FAIL: tmux is not installed (scripts/install-deps.sh --test)" >&2; exit 1; }

export LC_ALL=C.UTF-8 LANG=C.UTF-8
unset NO_COLOR
SOCKET="jobmon-test-$$"
tm() { tmux -L "$SOCKET" -f /dev/null "$@"; }
on_exit 'tm kill-server 2>/dev/null'

capture() { tm capture-pane -p -t w "$@"; }
pane() { tm display -p -t w "$1"; }
pane_is() { [[ $(pane "$1") == "$2" ]]; }  # pane FORMAT VALUE
# screen_has TEXT [capture flags] / screen_lacks TEXT [capture flags]
screen_has() { local text=$1; shift; capture "$@" | grep -qF -- "$text"; }
screen_lacks() { ! screen_has "$@"; }

# wait_for TEXT SECONDS [capture flags]: polls the screen until TEXT shows.
wait_for() {
  local text=$1 seconds=$2; shift 2
  wait_until "$seconds" screen_has "$text" "$@" && return 0
  echo "--- screen while waiting for [$text]:" >&2
  capture "$@" >&2
  return 1
}

check_screen() {  # check_screen TEXT MESSAGE (wrapped lines joined)
  if capture -J | grep -qF -- "$1"; then pass "$2"; else fail "$2: [$1] not on screen"; capture >&2; fi
}

pid_gone() { ! kill -0 "$1" 2>/dev/null; }

check_restored() {  # after the dashboard ended: main screen, cursor visible, shell text back
  local how=$1
  [[ $(pane '#{alternate_on}') == 0 ]] && pass "$how: main screen is back" || fail "$how: still on the alternate screen"
  [[ $(pane '#{cursor_flag}') == 1 ]] && pass "$how: cursor visible" || fail "$how: cursor still hidden"
  check_screen "PRE-RUN-$$" "$how: the shell text from before the run is visible again"
}

add_markers() {  # add_markers DIR FIRST LAST, in one touch: a refresh rarely splits the batch
  local r files=()
  for ((r = $2; r <= $3; r++)); do files+=("$1/completions/$(printf '%05d' "$r")"); done
  touch "${files[@]}"
}

RUNS="$WORK/runs"
make_job "$RUNS/stage1_a" 40 $(seq 0 9)
make_job "$RUNS/stage1_b" 8 $(seq 0 7)
make_job "$RUNS/stage1_c" 20
mkdir -p "$RUNS/scratch"  # not a job: ignored

tm new-session -d -s w -x 100 -y 30 "env PS1='$ ' TERM=xterm-256color bash --norc --noprofile"
tm send-keys -t w "ulimit -c 0; echo PRE-RUN-$$" Enter
wait_for "PRE-RUN-$$" 5 || { fail "the shell did not start"; exit 1; }

# ---- run 1: -i 0.3: first frame, a new job dir under the glob, resizes, Ctrl-C
tm send-keys -t w "'$BIN' -i 0.3 '$RUNS/stage*'" Enter
if wait_for "Tracked tasks:" 10; then pass "first frame drawn"; else fail "no first frame"; fi
[[ $(pane '#{alternate_on}') == 1 ]] && pass "dashboard is on the alternate screen" || fail "not on the alternate screen"
[[ $(pane '#{cursor_flag}') == 0 ]] && pass "cursor hidden while drawing" || fail "cursor visible while drawing"
check_screen "Tracked jobs:  1/3 - 33.3%" "header counts jobs"
check_screen "Tracked tasks: 18/68 - 26.4%" "header counts tasks"
if capture | grep -qF "PRE-RUN-$$"; then fail "the shell text shows through the dashboard"; else pass "shell text hidden"; fi
first=$(capture)
# Row order: running, pending, then complete.
order=$(grep -oE 'stage1_[abc]' <<<"$first" | tr '\n' ' ')
[[ $order == "stage1_a stage1_c stage1_b " ]] && pass "rows ordered running, pending, complete" || fail "row order: $order"
grep -E '^● stage1_a +10/40 +25% █+▶░+' <<<"$first" >/dev/null && pass "running row with bar and cursor" ||
  fail "running row: $(grep stage1_a <<<"$first")"
# Its markers were written in one burst: no rate to tell, in jobmon-status's words.
grep -E '^● stage1_a .* rate unknown *$' <<<"$first" >/dev/null && pass "a burst of markers: rate unknown" ||
  fail "burst row: $(grep stage1_a <<<"$first")"
grep -E '^○ stage1_c .* pending *$' <<<"$first" >/dev/null && pass "a job with nothing started is pending" ||
  fail "pending row: $(grep stage1_c <<<"$first")"
grep -qE 'waiting|\?$' <<<"$first" && fail "old words on screen: $(grep -E 'waiting|\?$' <<<"$first")" ||
  pass "no 'waiting' and no bare '?'"
grep -F 'Tracked jobs:' <<<"$first" | grep -qF '· 1 running · 1 pending' && pass "header counts in the same words" ||
  fail "header: $(grep -F 'Tracked jobs:' <<<"$first")"
grep -E '^✓ stage1_b +8/8 100% █+ ' <<<"$first" >/dev/null && pass "complete row solid" ||
  fail "complete row: $(grep stage1_b <<<"$first")"

make_job "$RUNS/stage2_x" 5 0 1
if wait_for "stage2_x" 5; then pass "a job dir created later appears under the glob"; else fail "new job dir never showed"; fi
check_screen "Tracked tasks: 20/73" "the new job's tasks are counted"

bar_width() {  # width of the overall bar (line 4), in cells
  capture | sed -n 4p | tr -d '\n' | wc -m
}
bar_width_is() { [[ $(bar_width) == "$1" ]]; }
tm resize-window -t w -x 60 -y 20
wait_until 2 bar_width_is 60 || true
[[ $(bar_width) == 60 ]] && pass "resize to 60 columns: the bar follows" || fail "after resize to 60 the bar is $(bar_width) wide"
long=$(capture | while IFS= read -r line; do ((${#line} <= 60)) || echo "$line"; done)
[[ -z $long ]] && pass "no line wider than 60 columns" || fail "lines wider than the pane: $long"
tm resize-window -t w -x 40 -y 20
# tmux cuts the old frame to the new width at once: wait for the redrawn one.
narrow_row_drawn() { capture | grep -qE '^● stage1_a .* rate unknown *$'; }
wait_until 3 narrow_row_drawn || true
narrow=$(capture)
long=$(while IFS= read -r line; do ((${#line} <= 40)) || echo "$line"; done <<<"$narrow")
[[ -z $long ]] && pass "no line wider than 40 columns" || fail "lines wider than 40 columns: $long"
grep -E '^● stage1_a .* rate unknown *$' <<<"$narrow" >/dev/null && pass "40 columns: name and status kept before the bar" ||
  fail "40 columns row: $(grep stage1 <<<"$narrow")"
tm resize-window -t w -x 140 -y 12
wait_until 2 bar_width_is 140 || true
[[ $(bar_width) == 140 ]] && pass "resize to 140 columns: the bar follows" || fail "after resize to 140 the bar is $(bar_width) wide"
rows=$(capture | awk 'NF' | wc -l)
((rows <= 12)) && pass "frame fits 12 rows" || fail "frame has $rows rows in a 12-row pane"
tm resize-window -t w -x 100 -y 30

tm send-keys -t w C-c
if wait_for "Monitoring stopped after" 5; then pass "Ctrl-C quits with a final summary line"; else fail "no final line after Ctrl-C"; fi
check_restored "Ctrl-C"
tm send-keys -t w 'echo "EXIT=$?"' Enter
wait_for "EXIT=0" 5 && pass "exit status 0 after Ctrl-C" || fail "exit status after Ctrl-C is not 0"

# ---- run 2: -i 2: markers arrive; delta and new-shade cells; q quits
tm send-keys -t w "clear; echo PRE-RUN-$$; '$BIN' -i 2 '$RUNS/stage*'" Enter
wait_for "Tracked tasks: 20/73" 10 || fail "run 2: no first frame"
add_markers "$RUNS/stage1_a" 10 29
# One capture of the frame that shows the delta (it lasts one interval),
# and every check on that same capture.
delta_snap() { snap=$(capture -e); [[ $snap == *"(+20 completed)"* ]]; }
wait_until 8 delta_snap || snap=""
plain_snap=$(sed $'s/\e\[[0-9;]*m//g' <<<"$snap")
[[ -n $snap ]] && pass "header shows (+20 completed)" || fail "no delta in the header"
row=$(grep stage1_a <<<"$plain_snap" || true)
grep -E '30/40 +75% █+▓+▶░+ +\+20 ' <<<"$row" >/dev/null && pass "row shows new-shade cells and +20" || fail "row after markers: $row"
colored=$(grep stage1_a <<<"$snap" || true)
[[ $colored == *$'\e[32m▓'* ]] && pass "new-shade cells are green" || fail "new-shade cells not green: $(cat -v <<<"$colored")"
[[ $(grep 'Tracked tasks' <<<"$snap") == *$'\e[32m(+20 completed)'* ]] && pass "header delta is green" ||
  fail "header delta not green"
# The next refresh without new markers clears the deltas.
if wait_for "Tracked tasks: 40/73 - 54.7%  ·" 5; then
  wait_until 3 screen_lacks "(+20 completed)" || true
  capture | grep -qF "(+20 completed)" && fail "delta still shown after a quiet refresh" || pass "delta cleared after a quiet refresh"
fi
tm send-keys -t w q
if wait_for "Monitoring stopped after" 5; then pass "q quits"; else fail "q did not quit"; fi
check_restored "q"
check_screen "(+20 while watching)" "final line counts the tasks completed while watching"

# ---- Ctrl-Z gives the terminal back; fg takes the screen again
tm send-keys -t w "clear; echo PRE-RUN-$$; '$BIN' -i 0.3 '$RUNS/stage*'" Enter
wait_for "Tracked tasks:" 10 || fail "run Ctrl-Z: no first frame"
tm send-keys -t w C-z
wait_until 3 pane_is '#{alternate_on}' 0 || true
check_restored "Ctrl-Z"
tm send-keys -t w "fg" Enter
wait_until 3 pane_is '#{alternate_on}' 1 || true
[[ $(pane '#{alternate_on}') == 1 ]] && pass "fg: back on the alternate screen" || fail "fg: not on the alternate screen"
if wait_for "Tracked tasks:" 5; then pass "fg: dashboard redrawn"; else fail "fg: no frame"; fi
[[ $(pane '#{cursor_flag}') == 0 ]] && pass "fg: cursor hidden again" || fail "fg: cursor visible"
tm send-keys -t w q
wait_for "Monitoring stopped after" 5 && pass "q after fg quits" || fail "q after fg did not quit"
check_restored "q after fg"

# ---- TERM=dumb: plain lines even on a terminal
tm send-keys -t w "clear; TERM=dumb '$BIN' -i 0.3 '$RUNS/stage*'" Enter
if wait_for "jobs 1/4 (25%) | tasks 40/73" 5; then pass "TERM=dumb prints plain ASCII lines"; else fail "TERM=dumb: no plain lines"; fi
[[ $(pane '#{alternate_on}') == 0 ]] && pass "TERM=dumb stays on the main screen" || fail "TERM=dumb took the alternate screen"
tm send-keys -t w C-c
wait_for "Monitoring stopped after" 5 && pass "TERM=dumb: Ctrl-C ends with the summary" || fail "TERM=dumb: no summary"

# ---- run 3 and 4: SIGTERM and a crash signal also restore the terminal
for sig in TERM SEGV; do
  tm send-keys -t w "clear; echo PRE-RUN-$$; '$BIN' -i 0.3 '$RUNS/stage*'" Enter
  wait_for "Tracked tasks:" 10 || fail "run SIG$sig: no first frame"
  shell_pid=$(pane '#{pane_pid}')
  watch_pid=$(pgrep -P "$shell_pid" -x jobmon-status || true)
  if [[ -z $watch_pid ]]; then fail "SIG$sig: cannot find the dashboard's pid"; continue; fi
  kill -s "$sig" "$watch_pid"
  wait_until 5 pid_gone "$watch_pid" || true
  sleep 0.2
  check_restored "SIG$sig"
done

# ---- plain mode: stdout is not a terminal
plain="$WORK/plain.txt"
"$BIN" -i 0.2 "$RUNS/stage*" >"$plain" 2>"$WORK/plain.err" &
plain_pid=$!
sleep 0.5
add_markers "$RUNS/stage1_a" 30 31
sleep 0.6
kill -TERM "$plain_pid"
plain_rc=0
wait "$plain_pid" || plain_rc=$?
[[ $plain_rc == 0 ]] && pass "plain mode exits 0 on SIGTERM" || fail "plain mode exit status $plain_rc"
lines=$(grep -c ' jobs [0-9]*/4 ' "$plain" || true)
((lines >= 3)) && pass "plain mode prints a line per refresh ($lines)" || fail "plain mode printed $lines lines: $(cat "$plain")"
grep -qF "tasks 42/73 (57%) +2" "$plain" && pass "plain mode shows the delta" || fail "plain mode delta: $(cat "$plain")"
tail -1 "$plain" | grep -q '^Monitoring stopped after' && pass "plain mode ends with the summary line" ||
  fail "plain mode last line: $(tail -1 "$plain")"
grep -q $'\e' "$plain" && fail "plain mode wrote escape sequences" || pass "plain mode has no escape sequences"

# ---- --once: one frame, no terminal control
once=$(COLUMNS=80 "$BIN" --once "$RUNS" 2>/dev/null)
[[ $once == *"Tracked tasks: 42/73 - 57.5%"* && $once == *"stage2_x"* ]] && pass "--once prints one frame" ||
  fail "--once output: $once"
[[ $once != *$'\e'* ]] && pass "--once to a pipe has no escapes" || fail "--once wrote escapes to a pipe"
# The scan's warnings are listed in the frame, not only counted.
once_wide=$(COLUMNS=200 "$BIN" --once "$RUNS" 2>/dev/null)
[[ $once_wide == *"· 1 warning"* && $once_wide != *"1 warnings"* && $once_wide == *"Warnings (1):"* &&
   $once_wide == *"$RUNS/scratch: not a job"* ]] && pass "--once lists the warnings under the table" ||
  fail "--once warnings: $once_wide"
wide=$(while IFS= read -r line; do ((${#line} <= 80)) || echo "$line"; done <<<"$once")
[[ -z $wide ]] && pass "--once honours COLUMNS" || fail "--once lines wider than 80: $wide"
if "$BIN" --watch -i 0 "$RUNS" >/dev/null 2>&1; then fail "-i 0 accepted"; else pass "-i 0 is a usage error"; fi

finish
