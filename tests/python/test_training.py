"""jobmon.training_run / jobmon.training_runs over the real training fixtures:
the run's dict says what MANIFEST.json says, one run read alone equals the
same run found by a scan, and bad paths raise the engine's errors."""
import json
import os
import pathlib
import threading
import time

import pytest

import jobmon
from conftest import FIXTURES

TRAINING = FIXTURES / "training"
MANIFEST = json.loads((TRAINING / "MANIFEST.json").read_text())
HF = {a["id"]: a for a in MANIFEST["artifacts"] if a["category"] == "hf" and "run" in a["expected"]}
# Long after the files were written: every run has ended one way or the other.
LATER = time.time() + 365 * 86400


def state_of(artifact):
    """The MANIFEST entry of the run's authoritative trainer_state.json."""
    return artifact["expected"]["trainer_states"][artifact["expected"]["run"]["authoritative_state"]]


@pytest.mark.parametrize("name", sorted(HF))
def test_training_run_matches_manifest(name):
    artifact = HF[name]
    want = artifact["expected"]["run"]
    run = jobmon.training_run(TRAINING / artifact["dir"], now=LATER)
    assert run["kind"] == "training"
    assert run["writer"] == "hf_trainer"
    assert run["name"] == name
    assert run["step"] == want["global_step"]
    assert run["max_steps"] == want["max_steps"]
    assert run["epoch"] == want["epoch"]
    assert run["state_file"] == want["authoritative_state"]
    assert (run["status"] == "complete") == want["finished"]
    assert run["finished"] in (True, False)
    assert [c["step"] for c in run["checkpoints"]] == want["checkpoints"]
    if want["last_train_loss"] is not None:
        assert run["metrics"]["loss"]["last"] == want["last_train_loss"]
    state = state_of(artifact)
    for key, value in state["eval_metrics_last"].items():
        if isinstance(value, (int, float)) and key in run["metrics"]:
            assert run["metrics"][key]["last"] == value, key  # exact: every digit as written
    # Plain data, as the CLI's JSON reads back: nothing Python-only inside.
    assert json.loads(json.dumps(run)) == run


def test_training_runs_equal_each_run_read_alone():
    runs = jobmon.training_runs(TRAINING / "hf", now=LATER)
    assert [r["name"] for r in runs] == sorted(HF)
    for run in runs:
        assert run == jobmon.training_run(run["path"], now=LATER), run["name"]


def test_training_runs_targets_prefix_and_recursion():
    lightning = TRAINING / "lightning"
    # Lightning's version dirs sit two levels down: found only when asked to look below.
    assert jobmon.training_runs(lightning, now=LATER) == []
    found = jobmon.training_runs([lightning], recursive=True, now=LATER)
    assert {r["writer"] for r in found} == {"lightning"}
    assert len(found) == 3
    some = jobmon.training_runs([TRAINING / "hf"], prefix="hf-whisper", now=LATER)
    assert [r["name"] for r in some] == sorted(n for n in HF if n.startswith("hf-whisper"))
    # One str, a PathLike, or a list of either.
    one = str(TRAINING / "hf" / "hf-bart-samsum-tiny")
    assert jobmon.training_runs(one, now=LATER) == jobmon.training_runs([pathlib.Path(one)], now=LATER)


def test_training_run_points_are_bounded_series():
    run = jobmon.training_run(TRAINING / "hf" / "hf-baize-6687-logs", now=LATER, points=True)
    without = jobmon.training_run(TRAINING / "hf" / "hf-baize-6687-logs", now=LATER)
    assert "series" not in without
    assert set(run["series"]) == set(run["metrics"])
    loss = run["series"]["loss"]
    assert 2 <= len(loss) <= 1024 < run["metrics"]["loss"]["count"]
    assert loss[-1] == [run["metrics"]["loss"]["last_step"], run["metrics"]["loss"]["last"]]
    assert {k: v for k, v in run.items() if k != "series"} == without


def test_training_run_errors():
    with pytest.raises(jobmon.StorageError):
        jobmon.training_run(TRAINING / "no-such-run")
    with pytest.raises(TypeError):
        jobmon.training_run(42)
    # bytes paths, as os.fsencode gives them
    run = jobmon.training_run(os.fsencode(TRAINING / "hf" / "hf-bart-samsum-tiny"), now=LATER)
    assert run["step"] == HF["hf-bart-samsum-tiny"]["expected"]["run"]["global_step"]


def test_training_run_broken_files_are_problems(tmp_path):
    (tmp_path / "trainer_state.json").write_text('{"global_step": 40, "max_steps": 100, "log_history": [{"loss": 1.5, "st')
    run = jobmon.training_run(tmp_path, now=LATER)
    assert run["kind"] == "training"
    assert run["problems"]


def test_training_runs_in_threads():
    """The GIL is released while files are read: threads each get the whole answer."""
    want = jobmon.training_runs(TRAINING / "hf", now=LATER)
    results = [None] * 4

    def work(i):
        results[i] = jobmon.training_runs(TRAINING / "hf", now=LATER)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == want for r in results)
