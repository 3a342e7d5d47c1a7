import os
import pathlib
import shutil
import subprocess

import pytest

SOURCE = pathlib.Path(os.environ.get("JOBMON_SOURCE", pathlib.Path(__file__).resolve().parents[2]))
FIXTURES = pathlib.Path(os.environ.get("JOBMON_FIXTURES_DIR", SOURCE / "tests" / "fixtures"))
BIN = pathlib.Path(os.environ.get("JOBMON_BIN", SOURCE / "build" / "tools"))


def strip_keys(value, keys):
    """The value without the given keys at any depth (fields that depend on the clock)."""
    if isinstance(value, dict):
        return {k: strip_keys(v, keys) for k, v in value.items() if k not in keys}
    if isinstance(value, list):
        return [strip_keys(v, keys) for v in value]
    return value


def make_job(root: pathlib.Path, name: str, world_size: int, done) -> pathlib.Path:
    job = root / name
    (job / "completions").mkdir(parents=True)
    (job / "executor.json").write_text('{\n    "pipeline": [],\n    "world_size": %d\n}' % world_size)
    for r in done:
        (job / "completions" / f"{r:05d}").touch()
    return job


@pytest.fixture
def datatrove_fixtures(tmp_path):
    dest = tmp_path / "logs"
    shutil.copytree(FIXTURES / "datatrove", dest)
    return dest


@pytest.fixture
def cli():
    def run(tool, *args):
        exe = BIN / tool / tool
        proc = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True)
        return proc
    return run
