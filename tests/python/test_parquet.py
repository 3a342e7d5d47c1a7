import csv
import pathlib

import pytest

import jobmon
from conftest import FIXTURES

MANIFEST = FIXTURES / "parquet" / "MANIFEST.tsv"


def manifest_rows():
    with open(MANIFEST, newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


@pytest.mark.parametrize("row", manifest_rows(), ids=lambda r: r["file"])
def test_every_fixture_matches_the_manifest(row):
    path = FIXTURES / "parquet" / row["file"]
    assert jobmon.parquet_num_rows(path) == int(row["num_rows"])
    footer = jobmon.parquet_footer(str(path))
    assert footer["row_groups"] == int(row["row_groups"])
    assert footer["created_by"] == row["created_by"]
    assert jobmon.parquet_num_rows(path.read_bytes()) == int(row["num_rows"])  # bytes work too


def test_bad_inputs_raise_clear_errors(tmp_path):
    real = (FIXTURES / "parquet" / manifest_rows()[0]["file"]).read_bytes()
    with pytest.raises(jobmon.FormatError):
        jobmon.parquet_num_rows(b"PAR1")
    with pytest.raises(jobmon.FormatError):
        jobmon.parquet_num_rows(real[:-1])  # truncated trailer
    with pytest.raises(jobmon.FormatError, match="(?i)encrypt"):
        jobmon.parquet_num_rows(real[:-4] + b"PARE")
    with pytest.raises(jobmon.FormatError):
        jobmon.parquet_num_rows(b"\x00" * 100 + b"\xff\xff\xff\x7fPAR1")  # length beyond the file
    with pytest.raises(jobmon.StorageError):
        jobmon.parquet_num_rows(tmp_path / "missing.parquet")
    with pytest.raises(TypeError):
        jobmon.parquet_num_rows(3.5)
