"""jobmon: where distributed data jobs stand, how long they have left, what broke.

The same C++ engine as the jobmon-* command-line tools, one import away::

    import jobmon
    jobs = jobmon.scan("logs/*")            # datatrove job dirs (paths, dirs of jobs, globs)
    for job in jobs:                        # status, percent, eta, state_reason: as jobmon-status says now
        print(job.name, job.status, job.eta, job.incomplete_ranges)
    snap = jobmon.snapshot("outputs/job1")  # a Data-Juicer work dir: the dict jobmon-snapshot prints
    agg = jobmon.aggregate(jobs)            # rows, totals, ETAs
    print(agg.summary_line())
    doc = jobmon.status("logs")             # the dict `jobmon-status --json` prints
    run = jobmon.training_run("out/bert")   # a fine-tuning run: step, loss, eval metrics, checkpoints

Errors raised by the engine are ``jobmon.Error`` subclasses: ``StorageError`` (a path cannot be
read), ``FormatError`` (a file is not what its format says), ``UsageError`` (bad arguments; also a
``ValueError``).
"""

from __future__ import annotations

import os
from typing import Iterable, Optional, Sequence, Union

from . import _jobmon
from ._jobmon import (  # noqa: F401  (re-exported)
    Aggregate,
    Error,
    Eta,
    FormatError,
    Job,
    ScanResult,
    Scanner,
    StorageError,
    UsageError,
)

from ._jobmon import Snapshot, list_jobs, load_events, parquet_footer, parquet_num_rows  # noqa: F401
from ._jobmon import training_run, training_runs  # noqa: F401
from ._jobmon import snapshot as _snapshot

__version__: str = _jobmon.__version__

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "Aggregate", "Error", "Eta", "FormatError", "Job", "ScanResult", "Scanner", "Snapshot", "StorageError",
    "UsageError", "aggregate", "list_jobs", "load_events", "parquet_footer", "parquet_num_rows", "scan",
    "snapshot", "status", "training_run", "training_runs", "__version__",
]


def _paths(targets: Iterable[PathLike]) -> list[str]:
    out = []
    for t in targets:
        if isinstance(t, (list, tuple)):
            out.extend(_paths(t))
            continue
        try:
            p = os.fspath(t)
        except TypeError:
            raise TypeError(f"expected str or os.PathLike, not {type(t).__name__}") from None
        if isinstance(p, bytes):
            p = os.fsdecode(p)
        out.append(p)
    return out or ["."]


def scan(*targets: PathLike, recursive: bool = False, threads: int = 0,
         marker_times: str = "incomplete", log_bytes_per_job: int = 256 << 20,
         prefix: PathLike = "") -> ScanResult:
    """Find and read datatrove job dirs.

    ``targets`` are job dirs, dirs of job dirs, or globs (``*``, ``?``, ``[..]``, ``**``), local or
    ``s3://bucket/prefix`` (credentials the AWS way); the default is the current directory. Returns a ``ScanResult``: iterate it (or use ``.jobs``) for
    ``Job`` objects; ``.warnings`` lists directories that are not jobs or could not be read.
    The GIL is released while the files are read.

    A ``Job``'s ``status``, ``percent``, ``eta``, ``state_reason``, ``failed_ranks`` and
    ``to_dict()`` are judged when read, as of the current time, exactly as ``jobmon-status`` judges
    the job: ``to_dict()`` is the job's object in ``jobmon-status --json``. ``prefix`` keeps only
    job dirs whose name starts with it (others are neither read nor warned about), as ``-p`` does.
    """
    scanner = Scanner(recursive=recursive, threads=threads, marker_times=marker_times,
                      log_bytes_per_job=log_bytes_per_job, prefix=prefix)
    return scanner.scan(_paths(targets))


def aggregate(jobs: Union[ScanResult, Sequence[Job]], *, now: Optional[float] = None, prefix: str = "",
              hide_complete: bool = False, sort: str = "name", scheduler: str = "none") -> Aggregate:
    """Rows (status, percent, ETA) and totals for scanned jobs.

    ``now`` defaults to the current time (epoch seconds); ``sort`` is one of name, progress, eta,
    status, recent. ``hide_complete`` hides complete rows but the totals still count them.
    ``scheduler`` ("slurm", "auto" or "none") joins the scheduler's word on every rank, as
    ``jobmon-status --scheduler`` does: one ``squeue`` and one ``sacct`` for all jobs. Each row then
    has ``scheduler`` and its ``rank_issues`` the joined state of each rank (timeout,
    out_of_memory, cancelled, ...); problems asking it are in the document's warnings.
    """
    job_list = list(jobs.jobs) if isinstance(jobs, ScanResult) else list(jobs)
    return _jobmon._aggregate(job_list, now, prefix, hide_complete, sort, scheduler)


def status(*targets: PathLike, prefix: str = "", hide_complete: bool = False, sort: str = "name",
           recursive: bool = False, threads: int = 0, scheduler: str = "auto") -> dict:
    """The document ``jobmon-status --json`` prints, as a dict (``scheduler`` as its --scheduler):
    the jobs, and under ``"training"`` the training runs found under the same targets."""
    paths = _paths(targets)
    result = scan(*paths, recursive=recursive, threads=threads, prefix=prefix)
    agg = aggregate(result, prefix=prefix, hide_complete=hide_complete, sort=sort, scheduler=scheduler)
    return agg._status_document(result, paths, os.fsdecode(os.fspath(prefix)), recursive, hide_complete)


def snapshot(work_dir: PathLike, *, now: Optional[float] = None) -> dict:
    """Analyse a Data-Juicer work dir (events*.jsonl, DAG plan, job summary).

    Returns the dict ``jobmon-snapshot`` prints: the reference tool's keys (``job_info``,
    ``overall_status``, ``progress_summary``, ``partition_progress``, ...) with the reference's
    JSON types (lists where it has lists, floats as floats) plus jobmon's additions (``state``,
    ``warnings``, grouped ``failures``...). Raises ``StorageError`` when the directory or one of
    its events files cannot be read (naming it). For a running job, keep a
    ``jobmon.Snapshot(work_dir)`` and call ``update()``: it reads only the appended bytes.
    """
    return _snapshot(work_dir, now)
