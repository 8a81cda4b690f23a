"""``autocode --out``: a .csv or .parquet path is one codings file, with or without ``--workers``.

A folder ``--out`` keeps the Dask layout (Parquet parts, tables, problems.csv).
"""

from __future__ import annotations

from importlib.util import find_spec

import pandas as pd
import pytest
from conftest import CODEBOOK, SAMPLE

from outcomes_qual import schema
from outcomes_qual.cli import main

CONSULTATION = SAMPLE / "consultation_sample.csv"


def _autocode(out, *extra):
    return main(["autocode", str(CONSULTATION), "--codebook", str(CODEBOOK), "--method", "keyword", "--out", str(out), *extra])


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    """The single-process CSV: the reference every other output is compared with."""
    out = tmp_path_factory.mktemp("single") / "codings.csv"
    assert _autocode(out) == 0
    return out


def test_single_process_parquet_out_is_parquet_with_the_csv_rows(single, tmp_path):
    pytest.importorskip("pyarrow")
    assert _autocode(tmp_path / "codings.parquet") == 0
    got = pd.read_parquet(tmp_path / "codings.parquet")
    want = pd.read_csv(single)
    assert list(got.columns) == list(want.columns) and len(got) == len(want) > 100
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["codings.parquet"]  # no temporary file left


@pytest.mark.skipif(
    any(find_spec(m) is None for m in ("dask", "distributed", "pyarrow")),
    reason="needs the scale extra (dask, distributed, pyarrow)",
)
class TestDask:
    @pytest.fixture(scope="class")
    @classmethod
    def scheduler(cls):
        from _dask_setup import local_cluster

        with local_cluster() as cluster:
            yield cluster.scheduler_address

    def test_workers_2_out_csv_writes_that_one_file_equal_to_the_single_process_one(self, single, tmp_path, capsys):
        out = tmp_path / "codings.csv"
        assert _autocode(out, "--workers", "2", "--no-progress") == 0
        assert out.is_file()
        assert out.read_bytes() == single.read_bytes()
        assert sorted(p.name for p in tmp_path.iterdir()) == ["codings.csv"]  # the working folder is gone
        assert f"wrote {out}\n" in capsys.readouterr().err

    def test_out_parquet_on_a_cluster_is_one_parquet_file(self, single, scheduler, tmp_path, capsys):
        out = tmp_path / "sub" / "codings.PARQUET"
        assert _autocode(out, "--scheduler", scheduler, "--no-progress") == 0
        got = pd.read_parquet(out)
        assert list(got.columns) == list(schema.MACHINE_CODING_COLUMNS)
        pd.testing.assert_frame_equal(got, pd.read_csv(single), check_dtype=False)
        assert sorted(p.name for p in out.parent.iterdir()) == ["codings.PARQUET"]

    def test_a_folder_out_keeps_the_parts_and_tables_layout(self, single, scheduler, tmp_path):
        from outcomes_qual_dask import read_codings

        out = tmp_path / "run"
        assert _autocode(out, "--scheduler", scheduler, "--no-progress") == 0
        assert sorted(p.name for p in out.iterdir()) == ["codings", "problems.csv", "respondents", "segments", "tables"]
        got = read_codings(out)[list(schema.MACHINE_CODING_COLUMNS)]
        pd.testing.assert_frame_equal(got, pd.read_csv(single), check_dtype=False)

    def test_a_file_out_that_is_an_existing_folder_or_asks_for_topics_is_refused(self, scheduler, tmp_path, capsys):
        (tmp_path / "old.csv").mkdir()
        assert _autocode(tmp_path / "old.csv", "--scheduler", scheduler) == 2
        assert "is an existing folder" in capsys.readouterr().err
        assert _autocode(tmp_path / "t.csv", "--scheduler", scheduler, "--topics-sample", "50") == 2
        assert "--topics-sample writes a topics/ folder: give --out DIR" in capsys.readouterr().err
        assert sorted(p.name for p in tmp_path.iterdir()) == ["old.csv"]

    def test_an_interrupted_file_run_leaves_the_old_file_and_no_working_folder(self, scheduler, tmp_path, monkeypatch):
        import outcomes_qual_dask

        out = tmp_path / "codings.csv"
        out.write_text("the previous codings\n")

        def broken(run_dir, target):
            raise KeyboardInterrupt

        monkeypatch.setattr(outcomes_qual_dask, "write_codings_file", broken)
        assert _autocode(out, "--scheduler", scheduler, "--no-progress") == 130  # "interrupted"
        assert out.read_text() == "the previous codings\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["codings.csv"]
