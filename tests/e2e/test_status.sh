#!/usr/bin/env bash
# End-to-end: the real jobmon-status binary on trees built here and on the
# real datatrove fixtures.
source "$(dirname "$0")/lib.sh"
BIN="$JOBMON_BIN/jobmon-status/jobmon-status"

# --- the real fixtures: the reference's meaning, plus failure details
cp -r "$FIXTURES_DIR/datatrove" "$WORK/fixtures"
run --no-color "$WORK/fixtures"
expect_eq "$RC" 0 "fixtures exit code"
expect_contains "$OUT" "✅ tokenize_CC-MAIN-2023-40:" "complete job line"
expect_contains "$OUT" "6/6 (100%)" "complete job counts"
expect_contains "$OUT" "❌ tokenize_CC-MAIN-2023-50: 14/16 ( 87%)" "failed job line"
expect_contains "$OUT" "2 failed" "failed rank count"
expect_contains "$OUT" "Summary: 1/2 (50%) jobs completed, 20/22 (91%) tasks completed." "summary line"
expect_eq "$ERR" "" "no warnings for clean fixtures"

run --no-color --failed "$WORK/fixtures"
expect_contains "$OUT" "    incomplete ranks: 3,11" "--failed ranges"
expect_contains "$OUT" "rank 3 failed: RuntimeError: simulated tokenizer crash in CC-MAIN-2023-50 (rank=3, after 3 docs)" "--failed message"

run --json "$WORK/fixtures"
expect_eq "$RC" 0 "--json exit code"
JSON_CHECK=$($PY - "$OUT" <<'PYEOF'
import json, sys
doc = json.loads(sys.argv[1])
jobs = {j["name"]: j for j in doc["jobs"]}
a, b = jobs["tokenize_CC-MAIN-2023-40"], jobs["tokenize_CC-MAIN-2023-50"]
assert a["complete"] is True and a["completed"] == 6 and a["world_size"] == 6, a
assert b["complete"] is False and b["completed"] == 14 and b["incomplete_ranks"] == [3, 11], b
assert b["status"] == "failed" and b["failed_ranks"] == 2
assert "eta_seconds" in b and "path" in b
s = doc["summary"]
assert (s["jobs_total"], s["jobs_completed"], s["tasks_total"], s["tasks_completed"]) == (2, 1, 22, 20), s
assert doc["warnings"] == []
print("ok")
PYEOF
)
expect_eq "$JSON_CHECK" "ok" "--json document"

# --- a mixed tree: partial, empty, corrupt, huge, six-digit ranks, stray files, symlinks
T="$WORK/logs"
make_job "$T/tok_done" 3 0 1 2
make_job "$T/tok_partial" 10 0 1 2 7
make_job "$T/tok_empty" 4
make_job "$T/tok_big" 100002 99999 100000 100001
make_job "$T/tok_huge" 2000000000 0
make_job "$T/tok_stray" 2 0
: > "$T/tok_stray/completions/.00001.tmp"
: > "$T/tok_stray/completions/00005"
mkdir -p "$T/corrupt" "$T/no_ws" "$T/zero" "$T/plain_dir"
echo '{"world_size": ' > "$T/corrupt/executor.json"
echo '{"tasks": 3}' > "$T/no_ws/executor.json"
echo '{"world_size": 0}' > "$T/zero/executor.json"
make_job "$WORK/elsewhere/tok_linked" 2 0 1
ln -s "$WORK/elsewhere/tok_linked" "$T/tok_linked"
: > "$T/a_file"

run --no-color "$T"
expect_eq "$RC" 0 "mixed tree exit code"
expect_contains "$OUT" "tok_done:" "done job listed"
expect_contains "$OUT" "4/10 ( 40%)" "partial counts"
expect_contains "$OUT" "0/4 (  0%)" "empty job counts"
expect_contains "$OUT" "3/100002 (  0%)" "six-digit ranks counted"
expect_contains "$OUT" "1/2000000000" "huge world size"
expect_contains "$OUT" "tok_stray:" "stray job listed"
expect_contains "$OUT" "✅ tok_linked:" "symlinked job dir"
expect_contains "$OUT" "Summary: 2/7 (29%) jobs completed" "mixed summary"
expect_contains "$ERR" "corrupt: corrupt executor.json" "corrupt warning"
expect_contains "$ERR" "no_ws: not a job: executor.json has no world_size" "missing world_size warning"
expect_contains "$ERR" "zero: not a job: world_size is 0" "zero world_size warning"
expect_contains "$ERR" "plain_dir: not a job: no executor.json" "plain dir warning"
expect_contains "$ERR" "entries are not rank numbers" "stray marker warning"
expect_contains "$ERR" "ranks >= world_size" "out-of-range warning"
expect_not_contains "$OUT" "warning" "warnings stay off stdout"

# --- globs, prefix, hide-complete, sort, check, colour
run --no-color "$T/tok_[dp]*"
expect_contains "$OUT" "Summary: 1/2 (50%) jobs completed, 7/13 (54%) tasks completed." "glob mix"
run --no-color -p tok_d "$T"
expect_contains "$OUT" "Summary: 1/1 (100%) jobs completed" "prefix filter"
run --no-color --hide-complete "$T"
expect_not_contains "$OUT" "tok_done:" "hide-complete hides"
expect_contains "$OUT" "Summary: 2/7 (29%) jobs completed" "hide-complete keeps totals"
run --no-color --sort progress "$T"
FIRST=$(echo "$OUT" | head -1)
expect_contains "$FIRST" "tok_empty" "sort by progress puts the least done first"
run --check "$T/tok_done"
expect_eq "$RC" 0 "--check on a complete job"
run --check "$T"
expect_eq "$RC" 3 "--check with incomplete jobs"
run "$T"
expect_not_contains "$OUT" $'\x1b[' "no colour when stdout is not a tty"
run --color "$T/tok_done"
expect_contains "$OUT" $'\x1b[' "--color forces colour"
OUT=$(NO_COLOR=1 "$BIN" --color "$T/tok_done" 2>/dev/null)
expect_contains "$OUT" $'\x1b[' "--color wins over NO_COLOR"
OUT=$(LC_ALL=C "$BIN" "$T/tok_done" 2>/dev/null)
expect_contains "$OUT" "[ok]" "ASCII fallback in a non-UTF-8 locale"

# --- default path, nothing found, usage errors
OUT=$(cd "$T" && "$BIN" --no-color 2>/dev/null)
expect_contains "$OUT" "tok_done:" "default path is the current directory"
run "$WORK/empty_root_missing"
expect_eq "$RC" 0 "missing path is not fatal"
expect_contains "$OUT" "No jobs found." "No jobs found"
expect_contains "$ERR" "no such file or directory" "missing path warning"
mkdir -p "$WORK/nothing_here"
run "$WORK/nothing_here"
expect_eq "$OUT" "No jobs found." "empty dir"
run --sort size "$T"
expect_eq "$RC" 2 "bad --sort is a usage error"
run --bogus-flag
expect_eq "$RC" 2 "unknown flag is a usage error"
run -j 0 "$T"
expect_eq "$RC" 2 "-j 0 is a usage error"
run "$T/tok_[abc"
expect_eq "$RC" 2 "malformed glob is a usage error"
run --version
expect_eq "$RC" 0 "--version exit code"
expect_contains "$OUT" "jobmon-status 0." "--version text"
run --help
expect_contains "$OUT" "--hide-complete" "--help lists flags"

# --- datatrove's own flag spellings (jobs_status -p/--log_prefix, -hc/--hide_complete)
run --no-color -hc "$T"
expect_eq "$RC" 0 "-hc exit code"
expect_not_contains "$OUT" "tok_done:" "-hc hides complete jobs, as datatrove's short flag"
expect_not_contains "$OUT" "Usage:" "-hc is not -h (help)"
expect_contains "$OUT" "tok_partial:" "-hc keeps incomplete jobs"
expect_contains "$OUT" "Summary: 2/7 (29%) jobs completed" "-hc keeps totals"
run --check -hc "$T"
expect_eq "$RC" 3 "--check -hc exits 3 while jobs are incomplete"
run --check -hc "$T/tok_done"
expect_eq "$RC" 0 "--check -hc exits 0 when complete"
run --no-color --hide_complete --log_prefix tok_ "$T"
expect_not_contains "$OUT" "tok_done:" "--hide_complete"
expect_contains "$OUT" "Summary: 2/7 (29%) jobs completed" "--log_prefix with --hide_complete"
run --no-color --log_prefix tok_p "$T"
expect_contains "$OUT" "Summary: 0/1 (0%) jobs completed, 4/10 (40%) tasks completed." "--log_prefix selects by prefix"
make_job "$WORK/dash/-hc" 2 0 1
OUT=$(cd "$WORK/dash" && "$BIN" --no-color -- -hc 2>/dev/null)
expect_contains "$OUT" "Summary: 1/1 (100%) jobs completed" "after --, -hc is a path"

# --- flags the dashboard does not honour: usage errors naming both flags; --once --check works
run --once --sort progress "$T"
expect_eq "$RC" 2 "--once --sort exit code"
expect_contains "$ERR" "--sort does not combine with --once" "--once --sort message"
run --watch --failed "$T"
expect_eq "$RC" 2 "--watch --failed exit code"
expect_contains "$ERR" "--failed does not combine with --watch" "--watch --failed message"
run --once --failed "$T"
expect_eq "$RC" 2 "--once --failed exit code"
run -i 1 --check "$T"
expect_eq "$RC" 2 "--watch --check exit code"
expect_contains "$ERR" "--check does not combine with --watch" "--watch --check message"
run --once -i 2 "$T"
expect_eq "$RC" 2 "--once -i exit code"
expect_contains "$ERR" "--once does not combine with --watch/-i" "--once -i message"
run --once --json "$T"
expect_eq "$RC" 2 "--once --json exit code"
run --once --check "$T"
expect_eq "$RC" 3 "--once --check exits 3 while jobs are incomplete"
expect_contains "$OUT" "Tracked jobs:" "--once --check still prints the frame"
run --once --check "$T/tok_done"
expect_eq "$RC" 0 "--once --check exits 0 when complete"

# --- hostile names: escaped on the terminal, reversible in JSON (valid UTF-8 whatever the bytes)
H="$WORK/hostile"
make_job "$H/"$'esc\e]0;pwned\a\e[2J' 2 0
make_job "$H/"$'bytes\xff\xfe' 2 0 1
make_job "$H/"$'cr\rnl\nname' 3 0
make_job "$H/"$'c1\xc2\x9b31m' 2
mkdir -p "$H/"$'warn\e[31m\xffdir'
run --no-color "$H"
expect_eq "$RC" 0 "hostile names exit code"
expect_not_contains "$OUT$ERR" $'\e' "no raw ESC from a name"
expect_not_contains "$OUT$ERR" $'\a' "no raw BEL from a name"
expect_not_contains "$OUT$ERR" $'\r' "no raw CR from a name"
expect_not_contains "$OUT$ERR" $'\xc2\x9b' "no raw C1 CSI from a name"
expect_not_contains "$OUT$ERR" $'\xff' "no raw invalid byte from a name"
expect_contains "$OUT" 'bytes\xff\xfe:' "stray bytes shown as \\xNN"
expect_contains "$ERR" 'warn\x1b[31m\xffdir: not a job' "warning path shown escaped"
"$BIN" --json "$H" > "$WORK/hostile.json" 2>/dev/null
JSON_CHECK=$($PY - "$WORK/hostile.json" "$H" <<'PYEOF'
import json, os, sys
raw = open(sys.argv[1], "rb").read()
text = raw.decode("utf-8")          # strict: raises on any byte that is not UTF-8
assert b"\x1b" not in raw and b"\xc2\x9b" not in raw, "raw controls in the JSON text"
doc = json.loads(text)
root = os.fsencode(sys.argv[2])
names = {os.fsencode(j["name"]) for j in doc["jobs"]}
dirs = {n for n in os.listdir(root) if os.path.isfile(os.path.join(root, n, b"executor.json"))}
assert names == dirs, (names, dirs)
for j in doc["jobs"]:
    assert os.path.isdir(os.fsencode(j["path"])), j["path"]   # the exact bytes back
assert any(os.path.isdir(os.fsencode(w["path"])) and b"warn\x1b" in os.fsencode(w["path"]) for w in doc["warnings"])
print("ok")
PYEOF
)
expect_eq "$JSON_CHECK" "ok" "--json is valid UTF-8 and names round-trip through os.fsencode"

# --- hostile: a FIFO where executor.json should be must not hang the scan
mkfifo "$WORK/fifo_job_executor" && mkdir -p "$WORK/fifo_job" && mv "$WORK/fifo_job_executor" "$WORK/fifo_job/executor.json"
run --no-color "$WORK/fifo_job"
expect_eq "$RC" 0 "hostile dirs are not fatal"
expect_contains "$ERR" "fifo_job: cannot read executor.json" "FIFO executor.json is reported"

finish
