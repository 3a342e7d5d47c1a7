#!/usr/bin/env bash
# End-to-end: how the real jobmon-status finds jobs on trees built here.
# Symlinks are never walked through (-r, **), one job reached by two paths is
# listed once, `-r` over a link to / ends at once, warnings name the dir that
# is not a job and only for dirs the prefix selects, a completions/ target
# gets a hint, unreadable dirs say "permission denied", rank names are
# datatrove's own, world_size must be an integer, hostile names do no harm.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"

# count_lines TEXT NEEDLE: lines of TEXT containing NEEDLE.
count_lines() { grep -cF -- "$2" <<<"$1" || true; }

# --- symlinks: a link back up, a relative loop, a link to / under -r
T="$WORK/tree"
make_job "$T/group/job_a" 2 0 1
ln -s "$T" "$T/group/up"
ln -s .. "$T/group/parent"
ln -s / "$T/x"
started=$EPOCHREALTIME
run --no-color -r "$T"
elapsed=$($PY -c "print(f'{$EPOCHREALTIME - $started:.3f}')")
expect_eq "$RC" 0 "-r over links exits 0"
expect_eq "$(count_lines "$OUT" "job_a:")" 1 "a link back up lists the job once"
expect_contains "$OUT" "Summary: 1/1 (100%) jobs completed" "-r summary counts one job"
expect_eq "$ERR" "" "no warnings about links or containers under -r"
if $PY -c "import sys; sys.exit(0 if $elapsed < 5 else 1)"; then pass "-r past 'ln -s / x' took ${elapsed}s"; else fail "-r past 'ln -s / x' took ${elapsed}s"; fi
run --no-color "$T/**"
expect_eq "$(count_lines "$OUT" "job_a:")" 1 "** does not walk through the links"

# --- a job dir linked into one place is a job; the same job by two paths is one job
make_job "$WORK/real/job_b" 3 0
mkdir -p "$WORK/linked"
ln -s "$WORK/real/job_b" "$WORK/linked/job_b"
run --no-color "$WORK/linked"
expect_contains "$OUT" "job_b: 1/3" "a symlinked job dir is a job"
run --no-color "$WORK/real" "$WORK/linked" "$WORK/real/job_b"
expect_eq "$(count_lines "$OUT" "job_b:")" 1 "one job reached by three paths is listed once"
run --json "$WORK/real" "$WORK/linked"
JOB_PATH=$($PY -c 'import json,sys; print(json.loads(sys.argv[1])["jobs"][0]["path"])' "$OUT")
expect_eq "$JOB_PATH" "$WORK/linked/job_b" "the first path in name order is kept"

# --- warnings: only for dirs the prefix selects, naming the dir that is not a job
P="$WORK/prefixed"
make_job "$P/tok_a" 2 0 1
make_job "$P/other_job" 2
mkdir -p "$P/plain_dir" "$P/not_a_job/completions" "$P/nested/deeper" "$P/nested/bash-completion/completions"
: > "$P/not_a_job/completions/00003"
: > "$P/nested/bash-completion/completions/git"
echo '{' > "$P/plain_dir/executor.json"
make_job "$P/nested/deeper/tok_b" 1 0
run --no-color -p tok "$P"
expect_eq "$ERR" "" "-p tok never warns about dirs it does not select"
expect_contains "$OUT" "Summary: 1/1 (100%) jobs completed" "-p tok reads only tok_*"
run --no-color -r -p tok "$P"
expect_eq "$ERR" "" "-r -p tok: no warnings either"
expect_contains "$OUT" "tok_b:" "-r -p walks containers that do not match"
run --no-color "$P/not_a_job"
expect_contains "$ERR" "$P/not_a_job: not a job: no executor.json, it has completions/" "the target is named, not its completions/"
expect_not_contains "$ERR" "not_a_job/completions" "no warning about the completions/ part"
run --no-color -r "$P"
expect_contains "$ERR" "not_a_job: not a job: no executor.json, it has completions/" "-r warns about a broken job"
expect_not_contains "$ERR" "nested" "-r: no warning about containers"

# --- a completions/ or logs/ target: a hint naming its job
make_job "$WORK/hint/job" 4 0 1
mkdir -p "$WORK/hint/job/logs"
run --no-color "$WORK/hint/job/completions"
expect_contains "$OUT" "No jobs found." "a completions/ target has no jobs"
expect_contains "$ERR" "this is the completions/ directory of the job $WORK/hint/job" "completions/ target hint"
run --no-color "$WORK/hint/job/logs/"
expect_contains "$ERR" "this is the logs/ directory of the job $WORK/hint/job" "logs/ target hint"

# --- rank names are datatrove's {:05d}; the rest is stray and reported
make_job "$WORK/names/job" 4 0
for stray in 1 000002 +1 0042 0003; do : > "$WORK/names/job/completions/$stray"; done
run --no-color --json "$WORK/names/job"
COUNTS=$($PY -c 'import json,sys; j=json.loads(sys.argv[1])["jobs"][0]; print(j["completed"], sorted(j["stray_entries"]))' "$OUT")
expect_eq "$COUNTS" "1 ['+1', '000002', '0003', '0042', '1']" "only 00000 counts; other spellings are stray"
run --no-color "$WORK/names/job"
expect_contains "$ERR" "5 entries are not rank numbers as datatrove writes them" "stray warning with the true count"

# --- world_size: a JSON integer from 1 to 10^12, printed as written
for spec in "half:4.5" "exp:1e12" "float:4.0" "big:1000000000001" "neg:-3"; do
  mkdir -p "$WORK/ws/${spec%%:*}"
  printf '{"world_size": %s}' "${spec#*:}" > "$WORK/ws/${spec%%:*}/executor.json"
done
make_job "$WORK/ws/max" 1000000000000 0
run --no-color "$WORK/ws"
expect_contains "$ERR" "half: executor.json: world_size is not an integer (4.5)" "4.5 rejected, as written"
expect_contains "$ERR" "exp: executor.json: world_size is not an integer (1e12)" "1e12 rejected, as written"
expect_contains "$ERR" "float: executor.json: world_size is not an integer (4.0)" "4.0 rejected"
expect_contains "$ERR" "big: executor.json: implausible world_size 1000000000001" "above 10^12 rejected"
expect_contains "$ERR" "neg: executor.json: implausible world_size -3" "negative rejected"
expect_not_contains "$ERR" "E0" "no re-serialized numbers"
expect_contains "$OUT" "1/1000000000000" "10^12 itself is accepted"

# --- hostile names and symlink loops: no crash, no hang
H="$WORK/hostile"
make_job "$H/$(printf 'esc\033[31mred')" 1 0
make_job "$H/$(printf 'bad\377\376')" 2 0
mkdir -p "$H/$(printf 'new\nline')/completions"
ln -s "$H/loop_b" "$H/loop_a"
ln -s "$H/loop_a" "$H/loop_b"
for flags in "" "-r"; do
  # shellcheck disable=SC2086
  set +e; OUT=$(timeout 20 "$BIN" --json $flags "$H" 2>"$WORK/stderr"); RC=$?; set -e
  expect_eq "$RC" 0 "hostile names ${flags:-flat}: exit 0"
  expect_contains "$OUT" "loop_a" "hostile names ${flags:-flat}: the loop is reported"
done
run --no-color "$H/loop_a"
expect_eq "$RC" 0 "a looping target is not fatal"
expect_contains "$ERR" "loop_a: not readable: too many levels of symbolic links" "a looping target says so"

# --- unreadable dirs: "permission denied", never made-up counts. Root reads
# everything, so as root the binary runs as nobody (setpriv, else su).
U="$WORK/perm"
make_job "$U/readable" 2 0 1
make_job "$U/locked_job" 4 0
make_job "$U/locked_completions" 64 0 1
chmod 000 "$U/locked_job" "$U/locked_completions/completions"
on_exit "chmod 755 '$U/locked_job' '$U/locked_completions/completions'"
as_unprivileged=()
if [[ $(id -u) -eq 0 ]]; then
  chmod o+rx "$WORK"  # the tree must be reachable for nobody
  if command -v setpriv >/dev/null && setpriv --reuid=nobody --regid=nogroup --clear-groups true 2>/dev/null; then
    as_unprivileged=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  elif su -s /bin/sh nobody -c true 2>/dev/null; then
    as_unprivileged=(su_nobody)
  fi
fi
su_nobody() { su -s /bin/sh nobody -c "$(printf '%q ' "$@")"; }
if [[ $(id -u) -ne 0 || ${#as_unprivileged[@]} -gt 0 ]]; then
  set +e; OUT=$("${as_unprivileged[@]}" "$BIN" --no-color "$U" 2>"$WORK/stderr"); RC=$?; set -e
  ERR=$(cat "$WORK/stderr")
  expect_eq "$RC" 0 "unreadable dirs are not fatal"
  expect_contains "$ERR" "locked_job: not readable: permission denied" "an unreadable job dir says permission denied"
  expect_not_contains "$ERR" "locked_job: not a job: no executor.json" "... not 'no executor.json'"
  expect_contains "$ERR" "locked_completions/completions: cannot list directory: permission denied; the job is left out" "an unreadable completions/ is named"
  expect_not_contains "$OUT" "0/64" "no made-up counts for the unreadable completions/"
  expect_contains "$OUT" "Summary: 1/1 (100%) jobs completed" "only the readable job is counted"
else
  echo "SKIP: permission checks: running as root without setpriv or su to nobody" >&2
fi

finish
