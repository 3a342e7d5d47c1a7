import json
import os
import pathlib
import threading
import time

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
    assert failed.incomplete_ranks == [3, 11]
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


def make_steady_job(root: pathlib.Path, name: str, world_size: int, done: int, gap: float = 30.0) -> pathlib.Path:
    """A job whose markers arrived every `gap` seconds, the last one 5 s ago (real mtimes)."""
    job = make_job(root, name, world_size, range(done))
    now = time.time()
    last = now - 5
    os.utime(job / "executor.json", (last - gap * done, last - gap * done))
    for r in range(done):
        t = last - gap * (done - 1 - r)
        os.utime(job / "completions" / f"{r:05d}", (t, t))
    os.utime(job / "completions", (last, last))
    return job


@pytest.fixture
def jobs_and_cli_objects(datatrove_fixtures, cli):
    """Every kind of job (complete, failed, running with and without a rate, pending), scanned from
    Python and listed by jobmon-status --json, by path."""
    make_job(datatrove_fixtures, "partial", 10, [0, 1, 5])  # markers in one burst: no rate yet
    make_job(datatrove_fixtures, "nothing_started", 4, [])
    make_steady_job(datatrove_fixtures, "steady", 20, 5)
    proc = cli("jobmon-status", "--json", datatrove_fixtures)
    assert proc.returncode == 0, proc.stderr
    from_cli = {o["path"]: o for o in json.loads(proc.stdout)["jobs"]}
    jobs = list(jobmon.scan(datatrove_fixtures))
    assert sorted(j.path for j in jobs) == sorted(from_cli)
    return jobs, from_cli


def test_job_to_dict_is_the_cli_json_object(jobs_and_cli_objects):
    jobs, from_cli = jobs_and_cli_objects
    for job in jobs:
        d = job.to_dict()
        assert list(d) == list(from_cli[job.path])  # the same keys, in the same order
        assert strip_time(d) == strip_time(from_cli[job.path]), job.name
    # One producer: a Job's dict is its row in an aggregate as of the same time.
    at = time.time()
    for job in jobs:
        assert job.to_dict(now=at) == jobmon.aggregate([job], now=at).rows[0]


def test_job_properties_agree_with_the_cli(jobs_and_cli_objects):
    jobs, from_cli = jobs_and_cli_objects
    for name in ("status", "percent", "eta", "state_reason", "failed_ranks", "failed_ranks_exact",
                 "incomplete_ranks", "incomplete_ranges"):
        assert isinstance(getattr(jobmon.Job, name), property), name
    for job in jobs:
        o = from_cli[job.path]
        assert (job.status, job.percent) == (o["status"], o["percent"]), job.name
        assert (job.failed_ranks, job.failed_ranks_exact) == (o["failed_ranks"], o["failed_ranks_exact"]), job.name
        assert (job.incomplete_ranks, job.incomplete_ranges) == (o["incomplete_ranks"], o["incomplete_ranges"])
        assert isinstance(job.state_reason, str) and job.state_reason
        if o["eta_seconds"] is None:
            assert job.eta is None, job.name
        else:  # the ETA moves with the clock between the two runs
            assert job.eta == pytest.approx(o["eta_seconds"], rel=0.05, abs=1), job.name
    by_name = {j.name: j for j in jobs}
    assert {n: j.status for n, j in by_name.items()} == {
        "tokenize_CC-MAIN-2023-40": "complete", "tokenize_CC-MAIN-2023-50": "failed", "partial": "running",
        "nothing_started": "pending", "steady": "running"}
    assert by_name["tokenize_CC-MAIN-2023-40"].eta == 0
    assert by_name["tokenize_CC-MAIN-2023-40"].percent == 100
    assert by_name["steady"].eta > 0 and by_name["steady"].percent == 25
    assert by_name["partial"].eta is None  # running, but no rate from one burst
    assert by_name["nothing_started"].eta is None


def test_a_failed_job_has_no_eta(datatrove_fixtures):
    failed = [j for j in jobmon.scan(datatrove_fixtures) if j.name == "tokenize_CC-MAIN-2023-50"][0]
    assert failed.status == "failed"
    assert failed.eta is None
    assert failed.to_dict()["eta_seconds"] is None
    assert (failed.failed_ranks, failed.failed_ranks_exact) == (2, True)
    assert "relaunch" in failed.state_reason


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


def test_scan_result_indexes_like_a_list(datatrove_fixtures):
    result = jobmon.scan(datatrove_fixtures)
    assert result[0].name == result.jobs[0].name and result[-1].name == result.jobs[-1].name
    with pytest.raises(IndexError):
        result[len(result)]


def slurm_job(root: pathlib.Path) -> pathlib.Path:
    """A job as datatrove's SlurmPipelineExecutor leaves it: rank 0 done, rank 1 still 'running' by its log."""
    job = make_job(root, "slurm_job", 2, [0])
    (job / "executor.json").write_text(
        '{"job_name": "tok", "tasks_per_job": 1, "slurm_logs_folder": null, "job_id": null, "world_size": 2}')
    (job / "ranks_to_run.json").write_text("[0, 1]")
    (job / "slurm_logs").mkdir()
    (job / "slurm_logs" / "41_0.out").write_text("done\n")
    (job / "slurm_logs" / "41_1.out").write_text("working\n")
    (job / "logs").mkdir()
    (job / "logs" / "task_00001.log").write_text(
        "2026-12-06 10:00:00.000 | INFO     | m:f:1 - Launching pipeline for rank=1\n")
    return job


def test_scheduler_choice_is_checked_and_none_leaves_the_files_word(tmp_path):
    job = slurm_job(tmp_path)
    result = jobmon.scan(job)
    with pytest.raises(jobmon.UsageError, match="scheduler must be 'slurm', 'auto' or 'none'"):
        jobmon.aggregate(result, scheduler="sge")
    row = jobmon.aggregate(result, scheduler="none").rows[0]
    assert row["scheduler"] is None
    assert [(i["rank"], i["state"], i["scheduler"]) for i in row["rank_issues"]] == [(1, "running", None)]
    assert row["status"] == "running"


def test_slurm_asked_for_where_it_cannot_answer_says_so_and_keeps_the_files_word(tmp_path, monkeypatch):
    job = slurm_job(tmp_path)
    result = jobmon.scan(job)
    empty = tmp_path / "empty-path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no squeue: the query says so instead of guessing
    agg = jobmon.aggregate(result, scheduler="slurm")
    assert agg.rows[0]["scheduler"] is None
    assert agg.rows[0]["status"] == "running"
    doc = agg.to_dict(result)
    assert {"path": "slurm", "message": "squeue not found on PATH: showing what the files say"} in doc["warnings"]
    # auto: no Slurm here is no news.
    assert jobmon.aggregate(result, scheduler="auto").to_dict(result)["warnings"] == []
