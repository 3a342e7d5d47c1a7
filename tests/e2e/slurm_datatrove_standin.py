#!/usr/bin/env python3
"""A stand-in for datatrove's SlurmPipelineExecutor (no PyPI in the tests):
it launches and runs array jobs that leave exactly the files datatrove
leaves, so tests/e2e/test_slurm_datatrove.sh can check jobmon's Slurm join
against a real cluster.

  slurm_datatrove_standin.py launch LOGGING_DIR --job-name N --tasks T
      [--workers W] [--tasks-per-job K] [--time T] [--behaviour FILE]
    What executor.run() does outside Slurm: the incomplete ranks (no
    completion marker) go to ranks_to_run.json; executor.json (job_id null,
    world_size last) and launch_script.slurm (#SBATCH lines, %A_%a.out logs
    under LOGGING_DIR/slurm_logs) are (re)written; the array is submitted
    with --export=ALL,RUN_OFFSET=0, then the merge_stats job, an array of one
    task with the same name, logs and --dependency=afterok:<array>. Prints
    "ARRAY_ID MERGE_ID", or "skipped" when every rank is complete.
  ... task LOGGING_DIR    inside an array task (srun -l, as datatrove runs it):
    runs ranks_to_run[i*K:(i+1)*K] for array index i, in order, and stops at
    the first rank that raises.
  ... merge LOGGING_DIR   the merge_stats job: stats/*.json -> stats.json.

The behaviour file (JSON {"rank": "ok"|"raise"|"sleep"}, default "ok") is
named by DT_STANDIN_BEHAVIOUR in the submitting environment, which
--export=ALL hands to the tasks; it never lands in the logging dir.
"""
import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile
import time

STEPS = ["📖 - READER: 🗂 JsonlReader", "🔢 - TOKENIZER: ✍ DocumentTokenizer", "💽 - WRITER: 🗂 JsonlWriter"]


def ensure_dir(path):
    os.makedirs(path, exist_ok=True)


def write_file(path, text):
    with open(path, "w") as f:
        f.write(text)


class TaskLogger:
    """loguru's format, to the rank's task log and to stderr (the slurm_logs file), as datatrove's add_task_logger."""

    def __init__(self, logging_dir, rank):
        ensure_dir(os.path.join(logging_dir, "logs"))
        # "w": a relaunch overwrites the rank's log.
        self.file = open(os.path.join(logging_dir, "logs", f"task_{rank:05d}.log"), "w")

    def log(self, level, where, message):
        now = datetime.datetime.now()
        line = f"{now:%Y-%m-%d %H:%M:%S}.{now.microsecond // 1000:03d} | {level:<8} | {where} - {message}\n"
        for out in (self.file, sys.stderr):
            out.write(line)
            out.flush()

    def close(self):
        self.file.close()


def traceback_block(rank, message):
    # loguru's logger.exception(e): the message line, then the traceback with blank lines between frames.
    frames = [
        ("/usr/lib/python3/dist-packages/datatrove/executor/base.py", 138, "_run_for_rank",
         "pipelined_data = pipeline_step(pipelined_data, rank, self.world_size)"),
        ("/usr/lib/python3/dist-packages/datatrove/pipeline/base.py", 119, "__call__",
         "return self.run(data, rank, world_size)"),
        ("/home/user/pipelines/tokenize.py", 42, "run", f"raise ValueError(\"corrupt shard {rank:05d}\")"),
    ]
    text = "Traceback (most recent call last):\n\n"
    for i, (path, line, fn, code) in enumerate(frames):
        text += f"{'>' if i == 0 else ' '} File \"{path}\", line {line}, in {fn}\n    {code}\n\n"
    return text + f"ValueError: {message}"


def run_rank(logging_dir, rank, world_size, behaviour):
    """datatrove's _run_for_rank: True when the rank completed, raises like it on failure."""
    if os.path.exists(os.path.join(logging_dir, "completions", f"{rank:05d}")):
        print(f"Skipping rank={rank} as it has already been completed.", file=sys.stderr)
        return True
    log = TaskLogger(logging_dir, rank)
    try:
        log.log("INFO", "datatrove.utils.logging:add_task_logger:58", f"Launching pipeline for rank={rank}")
        log.log("INFO", "datatrove.utils.logging:log_pipeline:90", "\n--- 🛠️ PIPELINE 🛠\n" + "\n".join(STEPS))
        log.log("INFO", "datatrove.pipeline.readers.base:read_files_shard:193",
                f"Reading input file shard-{rank:05d}.jsonl.gz, 1/1")
        if behaviour == "sleep":
            # Runs until Slurm ends it (time limit, scancel).
            time.sleep(3600)
        if behaviour == "raise":
            message = f"corrupt shard {rank:05d} (rank={rank})"
            log.log("ERROR", "datatrove.executor.base:_run_for_rank:150", message + "\n" + traceback_block(rank, message))
            raise ValueError(message)
        log.log("SUCCESS", "datatrove.executor.base:_run_for_rank:140", f"Processing done for rank={rank}")
        stats = [{"name": step.split(": ", 1)[1], "time_stats": {"total": 0.01, "n": 1, "mean": 0.01},
                  "stats": {"documents": 10 + rank}} for step in STEPS]
        ensure_dir(os.path.join(logging_dir, "stats"))
        write_file(os.path.join(logging_dir, "stats", f"{rank:05d}.json"), json.dumps(stats, indent=4))
        log.log("INFO", "datatrove.executor.base:_run_for_rank:147",
                f"\n\n📉📉📉 Stats: Task {rank} 📉📉📉\n\nTotal Runtime: 0 seconds\n")
        ensure_dir(os.path.join(logging_dir, "completions"))
        open(os.path.join(logging_dir, "completions", f"{rank:05d}"), "w").close()
        return True
    finally:
        log.close()


def task(logging_dir):
    with open(os.path.join(logging_dir, "executor.json")) as f:
        executor = json.load(f)
    index = int(os.environ["SLURM_ARRAY_TASK_ID"]) + executor["max_array_size"] * int(os.environ.get("RUN_OFFSET", 0))
    tpj = executor["tasks_per_job"]
    with open(os.path.join(logging_dir, "ranks_to_run.json")) as f:
        all_ranks = json.load(f)
    behaviours = {}
    if os.environ.get("DT_STANDIN_BEHAVIOUR"):
        with open(os.environ["DT_STANDIN_BEHAVIOUR"]) as f:
            behaviours = json.load(f)
    for rank in all_ranks[index * tpj:(index + 1) * tpj]:
        # An exception ends the task here: its later ranks never start.
        run_rank(logging_dir, rank, executor["world_size"], behaviours.get(str(rank), "ok"))


def merge(logging_dir):
    merged = {}
    stats_dir = os.path.join(logging_dir, "stats")
    for name in sorted(os.listdir(stats_dir)):
        with open(os.path.join(stats_dir, name)) as f:
            for step in json.load(f):
                merged.setdefault(step["name"], 0)
                merged[step["name"]] += step["stats"]["documents"]
    write_file(os.path.join(logging_dir, "stats.json"),
               json.dumps([{"name": k, "stats": {"documents": v}} for k, v in merged.items()], indent=4))


def executor_json(a, logging_dir, slurm_logs):
    # The executor's attributes in datatrove's order, world_size last.
    return {
        "pipeline": [{"name": step.split(": ", 1)[1]} for step in STEPS],
        "logging_dir": f"DataFolder(path='{logging_dir}', fs=<fsspec.implementations.local.LocalFileSystem object at 0x7f3228b47110>)",
        "skip_completed": True,
        "randomize_start_duration": 0,
        "tasks": a.tasks,
        "workers": a.workers,
        "partition": "debug",
        "cpus_per_task": 1,
        "mem_per_cpu_gb": 1,
        "tasks_per_job": a.tasks_per_job,
        "time": a.time,
        "job_name": a.job_name,
        "qos": "normal",
        "env_command": None,
        "condaenv": None,
        "venv_path": None,
        "depends": None,
        "depends_job_id": None,
        "_sbatch_args": {},
        "max_array_size": 1001,
        "max_array_launch_parallel": False,
        "stagger_max_array_jobs": 0,
        "run_on_dependency_fail": False,
        "job_id": None,
        "requeue_signals": ["SIGUSR1"],
        "mail_type": "ALL",
        "mail_user": None,
        "srun_args": None,
        "slurm_logs_folder": slurm_logs,
        "requeue": True,
        "world_size": a.tasks,
    }


def launch_file(a, sbatch_args, run_script):
    lines = [f"#SBATCH --{k}={v}" if v != "" else f"#SBATCH --{k}" for k, v in sbatch_args.items()]
    return ("#!/bin/bash\n" + "\n".join(lines) + f'\necho "Starting data processing job {a.job_name}"\n\n'
            "set -xe\nexport PYTHONUNBUFFERED=TRUE\n" + run_script + "\n")


def sbatch(contents, *args):
    with tempfile.NamedTemporaryFile("w", suffix=".slurm") as f:
        f.write(contents)
        f.flush()
        out = subprocess.check_output(["sbatch", *args, f.name]).decode()
    return out.split()[-1]  # "Submitted batch job 37"


def launch(a):
    logging_dir = os.path.abspath(a.logging_dir)
    ensure_dir(logging_dir)
    done = set(os.listdir(os.path.join(logging_dir, "completions"))) if os.path.isdir(
        os.path.join(logging_dir, "completions")) else set()
    ranks_to_run = [r for r in range(a.tasks) if f"{r:05d}" not in done]
    if not ranks_to_run:
        print("skipped")
        return
    slurm_logs = os.path.join(logging_dir, "slurm_logs")
    ensure_dir(slurm_logs)
    with open(os.path.join(logging_dir, "executor.json"), "w") as f:
        json.dump(executor_json(a, logging_dir, slurm_logs), f, indent=4)
    write_file(os.path.join(logging_dir, "ranks_to_run.json"), json.dumps(ranks_to_run))
    array_size = -(-len(ranks_to_run) // a.tasks_per_job)

    def sbatch_args(size):
        log = os.path.join(slurm_logs, "%A_%a.out")
        return {"cpus-per-task": 1, "mem-per-cpu": "1G", "partition": "debug", "job-name": a.job_name,
                "time": a.time, "output": log, "error": log,
                "array": f"0-{size - 1}" + (f"%{a.workers}" if a.workers != -1 else ""),
                "requeue": "", "qos": "normal"}

    me = os.path.abspath(__file__)
    contents = launch_file(a, sbatch_args(array_size), f"srun  -l {sys.executable} {me} task {logging_dir}")
    write_file(os.path.join(logging_dir, "launch_script.slurm"), contents)
    env_before = os.environ.get("DT_STANDIN_BEHAVIOUR")
    if a.behaviour:
        os.environ["DT_STANDIN_BEHAVIOUR"] = os.path.abspath(a.behaviour)
    try:
        array_id = sbatch(contents, "--export=ALL,RUN_OFFSET=0")
        merge_args = {**sbatch_args(1), "cpus-per-task": 1, "mem-per-cpu": "1G", "dependency": f"afterok:{array_id}"}
        merge_id = sbatch(launch_file(a, merge_args, f"srun  -l {sys.executable} {me} merge {logging_dir}"))
    finally:
        if env_before is None:
            os.environ.pop("DT_STANDIN_BEHAVIOUR", None)
    print(array_id, merge_id)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    lp = sub.add_parser("launch")
    lp.add_argument("logging_dir")
    lp.add_argument("--job-name", required=True)
    lp.add_argument("--tasks", type=int, required=True)
    lp.add_argument("--workers", type=int, default=-1)
    lp.add_argument("--tasks-per-job", type=int, default=1)
    lp.add_argument("--time", default="00:10:00")
    lp.add_argument("--behaviour")
    for name in ("task", "merge"):
        sub.add_parser(name).add_argument("logging_dir")
    a = p.parse_args()
    if a.command == "launch":
        launch(a)
    elif a.command == "task":
        task(a.logging_dir)
    else:
        merge(a.logging_dir)


if __name__ == "__main__":
    main()
