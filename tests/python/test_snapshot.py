import json
import os
import shutil

import pytest

import jobmon
from conftest import SOURCE, strip_keys

CORPUS = SOURCE / "tests" / "data" / "dj"
JOBS = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
TIME_DEPENDENT = {"snapshot_generated_at", "eta", "eta_linear"}
# Values that follow the clock (a running job's elapsed time, the last
# event's age): compared by JSON type only, since the CLI and Python run
# a few milliseconds apart.
CLOCK_VALUES = {"snapshot_generated_at", "eta", "eta_linear", "last_event_age", "state_reason", "duration_seconds",
                "duration_formatted", "total_duration", "elapsed_seconds"}


def strip_time(value):
    return strip_keys(value, TIME_DEPENDENT)


def typed(value, key=None):
    """The value with the type of every scalar beside it, so 65 and 65.0 differ
    (Python's == says 65 == 65.0); clock-dependent values by their type alone."""
    if key in CLOCK_VALUES:
        return ("clock", type(value).__name__)
    if isinstance(value, dict):
        return {k: typed(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    return (type(value).__name__, value)


@pytest.mark.parametrize("job", JOBS)
def test_snapshot_dict_equals_the_cli_json(job, cli):
    proc = cli("jobmon-snapshot", CORPUS / job)
    assert proc.returncode == 0, proc.stderr
    from_cli = json.loads(proc.stdout)
    from_py = jobmon.snapshot(CORPUS / job)
    assert typed(from_py) == typed(from_cli)  # values and JSON types, floats stay floats
    assert list(from_py) == list(from_cli)  # same key order too


def test_floats_stay_floats_in_the_cli_json(cli):
    from_cli = json.loads(cli("jobmon-snapshot", CORPUS / "completed").stdout)
    assert from_cli["overall_progress"]["overall_percentage"] == 100.0
    assert isinstance(from_cli["overall_progress"]["overall_percentage"], float)
    assert isinstance(from_cli["total_duration"], float)  # 112.0, not 112
    assert isinstance(from_cli["job_start_time"], float)
    assert isinstance(from_cli["progress_summary"]["total_partitions"], int)
    assert from_cli["job_info"]["config_file"] == []
    assert from_cli["partition_progress"]["0"]["completed_operations"] == [
        "clean_email_mapper", "text_length_filter", "document_deduplicator"]


def test_newer_writer_durations_come_from_timestamps():
    d = jobmon.snapshot(CORPUS / "newer_writer")
    op = d["operation_progress"]["p0_op0_clean_links_mapper"]
    assert op["duration"] == pytest.approx(14.47, abs=1e-6)
    assert op["duration_source"] == "timestamps"
    assert op["input_rows"] is None


def test_special_events_file_raises_naming_it(tmp_path):
    work = tmp_path / "job"
    work.mkdir()
    os.mkfifo(work / "events.jsonl")
    with pytest.raises(jobmon.StorageError, match="events.jsonl: not a regular file"):
        jobmon.snapshot(work)


def test_snapshot_reference_keys():
    d = jobmon.snapshot(str(CORPUS / "completed"))
    for key in ("job_info", "overall_status", "overall_progress", "timing", "progress_summary", "checkpointing",
                "partition_progress", "operation_progress", "metadata"):
        assert key in d
    assert d["overall_status"] == "completed"
    assert d["overall_progress"]["overall_percentage"] == 100


def test_incremental_snapshot_reads_appended_lines(tmp_path):
    work = tmp_path / "job"
    shutil.copytree(CORPUS / "running", work)
    snap = jobmon.Snapshot(work)
    snap.update()
    before = snap.to_dict(now=0)
    assert before["overall_status"] == "in_progress"
    events = sorted(work.glob("events*.jsonl"))[-1]
    with open(events, "a") as f:
        # The corpus file ends in a torn line (the writer was cut off): end it, then start a new one.
        f.write('\n{"event_type": "job_complete", "timestamp": 1754712100.0, "status": "completed", "duration": 50')
    snap.update()
    assert snap.to_dict(now=0)["overall_status"] == "in_progress"  # the torn line waits for its newline
    with open(events, "a") as f:
        f.write('}\n')
    snap.update()
    assert snap.status == "completed"
    assert "completed" in repr(snap)


def test_bad_work_dirs_raise_storage_error(tmp_path):
    with pytest.raises(jobmon.StorageError):
        jobmon.snapshot(tmp_path / "missing")
    with pytest.raises(jobmon.StorageError):
        jobmon.Snapshot(tmp_path / "missing").update()


def test_corrupt_lines_are_reported_not_raised(tmp_path):
    work = tmp_path / "job"
    work.mkdir()
    (work / "events.jsonl").write_bytes(b'{"event_type": "job_start", "timestamp": 1.0}\n\x00\x00garbage\n{"event_ty\n')
    d = jobmon.snapshot(work)
    assert d["metadata"]["events_analyzed"] == 1


def test_list_jobs_and_load_events():
    listing = jobmon.list_jobs(CORPUS)
    text = json.dumps(listing)
    assert "completed" in text and "failed" in text
    events = jobmon.load_events(CORPUS / "completed")
    assert events and all("event_type" in e for e in events)
    assert len(jobmon.load_events(CORPUS / "completed", max_events=2)) == 2


def test_huge_ids_cost_what_they_name(tmp_path):
    # One 70-byte line naming partition 2^20 - 1 once gave a 434 MB document (issue 13).
    work = tmp_path / "job"
    work.mkdir()
    (work / "events.jsonl").write_text('{"event_type":"partition_start","timestamp":1,"partition_id":1048575}\n')
    d = jobmon.snapshot(work)
    assert list(d["partition_progress"]) == ["1048575"]
    assert d["progress_summary"]["total_partitions"] == 1
    assert len(json.dumps(d)) < 8192


def test_incremental_snapshot_sees_a_replaced_file(tmp_path):
    # Renamed over by a longer file with the same first 64 bytes: read again from the start.
    work = tmp_path / "job"
    work.mkdir()
    head = '{"event_type":"job_start","timestamp":1000,"job_id":"swap","metadata":{"num_partitions":4}}\n'
    first = head + '{"event_type":"partition_complete","timestamp":1001,"partition_id":0,"metadata":{"success":true}}\n'
    first += "".join('{"event_type":"partition_failed","timestamp":1002,"partition_id":%d}\n' % p for p in (1, 2, 3))
    second = head + "".join(
        '{"event_type":"partition_failed","timestamp":1003,"partition_id":%d,"error_message":"lost"}\n' % p for p in range(4))
    assert len(second) >= len(first)
    (work / "events.jsonl").write_text(first)
    snap = jobmon.Snapshot(work)
    snap.update()
    assert snap.to_dict(now=0)["progress_summary"]["completed_partitions"] == 1
    (work / "events.new").write_text(second)
    os.replace(work / "events.new", work / "events.jsonl")
    snap.update()
    followed = strip_time(snap.to_dict(now=0))
    assert followed["progress_summary"]["completed_partitions"] == 0
    assert followed["progress_summary"]["failed_partitions"] == 4
    assert followed == strip_time(jobmon.snapshot(work, now=0))
