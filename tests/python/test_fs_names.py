"""Names that are not UTF-8 (or hold control characters) the same way everywhere:
os.fsdecode's surrogateescape in Python, \\udcXX in jobmon-status --json, and the
exact bytes back through os.fsencode."""
import json
import os
import pathlib
import subprocess

import jobmon
from conftest import BIN

# A name with every byte a directory name may hold (not NUL, not '/'): 254 bytes.
EVERY_BYTE = bytes(b for b in range(1, 256) if b != 0x2F)
HOSTILE = [
    EVERY_BYTE,
    b"job_\xff\xfe",
    b"esc\x1b]0;pwned\x07\x1b[2J",
    b"overlong_\xc0\x80",
    b"surrogate_\xed\xb3\xbf",            # UTF-8 of U+DCFF: must not pass for an escaped byte
    b"above_max_\xf4\x90\x80\x80",
    b"torn_\xe2\x82",
    b"resync_\xf0\xe2\x82\xac",
    "caf\u00e9_\u65e5\u672c_\U0001F600".encode(),
]


def make_raw_job(root: bytes, name: bytes, world_size: int, done) -> bytes:
    job = os.path.join(root, name)
    os.makedirs(os.path.join(job, b"completions"))
    with open(os.path.join(job, b"executor.json"), "w") as f:
        f.write('{"world_size": %d}' % world_size)
    for r in done:
        open(os.path.join(job, b"completions", b"%05d" % r), "w").close()
    return job


def hostile_tree(tmp_path: pathlib.Path) -> bytes:
    root = os.fsencode(tmp_path / "logs")
    for i, name in enumerate(HOSTILE):
        make_raw_job(root, name, 2, range(i % 3))
    os.makedirs(os.path.join(root, b"not_a_job_\xff"))
    return root


def test_scan_and_status_agree_and_round_trip(tmp_path):
    root = hostile_tree(tmp_path)
    jobs = list(jobmon.scan(root))
    assert sorted(os.fsencode(j.name) for j in jobs) == sorted(HOSTILE)
    for j in jobs:
        assert os.fsencode(j.path) == os.path.join(root, os.fsencode(j.name))
        assert j.path == os.fsdecode(os.path.join(root, os.fsencode(j.name)))
        assert j.to_dict()["name"] == j.name  # to_dict decodes like the attributes
    doc = jobmon.status(root)
    assert sorted(os.fsencode(r["name"]) for r in doc["jobs"]) == sorted(HOSTILE)
    assert all("\ufffd" not in r["path"] for r in doc["jobs"])  # nothing replaced: all reversible
    assert [os.fsencode(w["path"]) for w in doc["warnings"]] == [os.path.join(root, b"not_a_job_\xff")]


def test_cli_json_is_utf8_and_equals_status(tmp_path):
    root = hostile_tree(tmp_path)
    proc = subprocess.run([str(BIN / "jobmon-status" / "jobmon-status"), "--json", root], capture_output=True)
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout.decode("utf-8")  # strict: every byte of the document is UTF-8
    assert "\x1b" not in text and "\x07" not in text
    from_cli = json.loads(text)
    assert sorted(os.fsencode(r["name"]) for r in from_cli["jobs"]) == sorted(HOSTILE)
    for r in from_cli["jobs"]:
        assert os.path.isdir(os.fsencode(r["path"]))
    from_py = jobmon.status(root)
    keep = ("path", "name", "world_size", "completed", "complete", "incomplete_ranges")
    assert [{k: r[k] for k in keep} for r in from_py["jobs"]] == [{k: r[k] for k in keep} for r in from_cli["jobs"]]
    assert from_py["warnings"] == from_cli["warnings"]


def test_targets_accept_bytes_and_fsdecoded_str(tmp_path):
    root = hostile_tree(tmp_path)
    one = os.path.join(root, b"job_\xff\xfe")
    for target in (one, os.fsdecode(one), pathlib.Path(os.fsdecode(one))):
        jobs = list(jobmon.scan(target))
        assert [os.fsencode(j.path) for j in jobs] == [one], target
    scanner = jobmon.Scanner()
    both = scanner.scan([one, os.fsdecode(root)])  # bytes and str together; the job named twice counts once
    assert sorted(os.fsencode(j.name) for j in both) == sorted(HOSTILE)


def test_prefix_from_fsdecode_matches_the_bytes(tmp_path):
    root = hostile_tree(tmp_path)
    agg = jobmon.aggregate(jobmon.scan(root), prefix=os.fsdecode(b"job_\xff"))
    assert [os.fsencode(r["name"]) for r in agg.rows] == [b"job_\xff\xfe"]


def test_repr_is_printable(tmp_path):
    root = hostile_tree(tmp_path)
    for j in jobmon.scan(root):
        text = repr(j)
        text.encode("utf-8")  # no lone surrogates: repr prints anywhere
        assert "\x1b" not in text and "\x07" not in text
    job = [j for j in jobmon.scan(root) if os.fsencode(j.name) == b"job_\xff\xfe"][0]
    assert repr(job).startswith("<jobmon.Job job_\\xff\\xfe 1/2 (50%)")
