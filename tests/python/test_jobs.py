import json
import pathlib
import threading

import pytest

import jobmon
from conftest import make_job, strip_keys

TIME_DEPENDENT = {"eta", "eta_linear", "eta_seconds", "generated_at", "rate_per_second", "remaining_seconds",
                  "state_reason", "duration_seconds", "rate_per_hour"}


def strip_time(value):
    return strip_keys(value, TIME_DEPENDENT)


def test_version_matches_the_library(cli):
    proc = cli("jobmon-status", "--version")
    assert proc.stdout.strip() == f"jobmon-status {jobmon.__version__}"


def test_scan_real_fixtures_with_pathlike(datatrove_fixtures):
    result = jobmon.scan(datatrove_fixtures)  # a pathlib.Path, not a str
    assert len(result) == 2
    done, failed = list(result)
    assert (done.name, done.world_size, done.completed, done.complete) == ("tokenize_CC-MAIN-2023-40", 6, 6, True)
    assert (failed.completed, failed.complete) == (14, False)
    assert failed.incomplete_ranks() == [3, 11]
    assert failed.incomplete_ranges == "3,11"
    assert failed.failed_ranks == 2
    assert [i["state"] for i in failed.rank_issues] == ["failed", "failed"]
    assert "simulated tokenizer crash" in failed.rank_issues[0]["message"]
    assert len(failed.marker_mtimes) == 14
    assert result.warnings == []



def test_job_repr_and_to_dict(datatrove_fixtures):
    failed = [j for j in jobmon.scan(datatrove_fixtures) if not j.complete][0]
    assert repr(failed) == "<jobmon.Job tokenize_CC-MAIN-2023-50 14/16 (87%) 2 failed incomplete: 3,11>"
    d = failed.to_dict()
    assert d["incomplete_ranks"] == [3, 11] and d["world_size"] == 16 and d["complete"] is False


def test_status_dict_equals_cli_json(datatrove_fixtures, cli):
    make_job(datatrove_fixtures, "partial", 10, [0, 1, 5])
    (datatrove_fixtures / "not_a_job").mkdir()
    proc = cli("jobmon-status", "--json", datatrove_fixtures)
    assert proc.returncode == 0, proc.stderr
    from_cli = json.loads(proc.stdout)
    from_py = jobmon.status(datatrove_fixtures)
    assert strip_time(from_py) == strip_time(from_cli)
    assert from_py["warnings"] == [{"path": str(datatrove_fixtures / "not_a_job"), "message": "not a job: no executor.json"}]


def test_aggregate_filters_and_sorts(tmp_path):
    make_job(tmp_path, "tok_a", 4, range(4))
    make_job(tmp_path, "tok_b", 4, [0])
    make_job(tmp_path, "dedup_c", 4, [])
    agg = jobmon.aggregate(jobmon.scan(tmp_path), prefix="tok_", hide_complete=True)
    assert agg.totals["jobs_total"] == 2 and agg.totals["jobs_completed"] == 1
    assert [r["name"] for r in agg.rows] == ["tok_b"]
    assert agg.summary_line() == "Summary: 1/2 (50%) jobs completed, 5/8 (62%) tasks completed."
    by_progress = jobmon.aggregate(jobmon.scan(tmp_path), sort="progress")
    assert [r["name"] for r in by_progress.rows] == ["dedup_c", "tok_b", "tok_a"]
    assert "Summary: 1/3" in repr(by_progress)


def test_scanner_cache_refresh(tmp_path):
    make_job(tmp_path, "job", 4, [0])
    scanner = jobmon.Scanner(threads=2)
    assert scanner.threads == 2
    first = scanner.scan([str(tmp_path)])
    assert first.jobs[0].completed == 1
    (tmp_path / "job" / "completions" / "00001").touch()
    second = scanner.scan([str(tmp_path)])
    assert second.jobs[0].completed == 2
    assert set(second.stats) >= {"completions_listed", "jobs_from_cache", "directory_listings"}


def test_bad_input_raises_the_right_errors(tmp_path):
    with pytest.raises(jobmon.UsageError):
        jobmon.scan(str(tmp_path / "x["))
    with pytest.raises(ValueError):  # a UsageError is also a ValueError
        jobmon.aggregate([], sort="size")
    with pytest.raises(jobmon.UsageError):
        jobmon.Scanner(marker_times="sometimes")
    with pytest.raises(TypeError):
        jobmon.scan(42)
    assert issubclass(jobmon.StorageError, jobmon.Error)
    assert issubclass(jobmon.FormatError, jobmon.Error)


def test_corrupt_and_missing_are_warnings_not_exceptions(tmp_path):
    (tmp_path / "corrupt").mkdir()
    (tmp_path / "corrupt" / "executor.json").write_text('{"world_size": ')
    result = jobmon.scan(tmp_path, tmp_path / "missing")
    assert len(result) == 0
    messages = sorted(w["message"] for w in result.warnings)
    assert any("corrupt executor.json" in m for m in messages)
    assert any("no such file" in m for m in messages)


def test_non_utf8_names_do_not_raise(tmp_path):
    raw = bytes(tmp_path) + b"/job_\xff"
    import os
    os.makedirs(raw + b"/completions")
    with open(raw + b"/executor.json", "w") as f:
        f.write('{"world_size": 1}')
    jobs = list(jobmon.scan(tmp_path))
    assert len(jobs) == 1
    assert jobs[0].to_dict()["name"].startswith("job_")
    assert os.fsencode(jobs[0].path) == raw  # decoded like os.fsdecode: round-trips
    assert jobs[0].name.startswith("job_")
    assert "job_" in repr(jobs[0])


def test_one_scanner_shared_by_threads(tmp_path):
    for i in range(20):
        make_job(tmp_path, f"job_{i}", 50, range(i))
    scanner = jobmon.Scanner(threads=2)
    errors = []

    def work():
        try:
            for _ in range(20):
                assert len(scanner.scan([str(tmp_path)])) == 20
                scanner.clear_cache()
        except Exception as e:  # noqa: BLE001 (reported below)
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_gil_is_released_during_scan(tmp_path):
    for i in range(50):
        make_job(tmp_path, f"job_{i}", 100, range(100))
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)

    t = threading.Thread(target=ticker)
    t.start()
    try:
        for _ in range(5):
            jobmon.scan(tmp_path, threads=1)
    finally:
        stop.set()
        t.join()
    assert len(ticks) > 0


def test_eta():
    eta = jobmon.Eta(100)
    eta.set_start(0)
    for i in range(1, 11):
        eta.add(i * 60.0, i)
    soon = eta.smoothed(now=630)
    later = eta.smoothed(now=600 + 3600)
    assert soon["rate_per_second"] == pytest.approx(1 / 60, rel=0.05)
    assert later["remaining_seconds"] > soon["remaining_seconds"]
    assert later["stalled"] is True
    lin = eta.linear(now=600)
    assert lin["remaining_seconds"] == pytest.approx(90 * 60)
    assert (eta.total, eta.done) == (100, 10)
    assert repr(eta) == "<jobmon.Eta 10/100>"


def test_example_script_runs_as_is():
    import os
    import subprocess
    import sys
    from conftest import SOURCE
    env = dict(os.environ)
    proc = subprocess.run([sys.executable, str(SOURCE / "examples" / "python_status.py")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Summary: 1/2 (50%) jobs completed, 20/22 (91%) tasks completed." in proc.stdout
    assert "rank 3: RuntimeError: simulated tokenizer crash" in proc.stdout
