"""Faults on the Dask engine: a worker killed mid-run, malformed rows, an interrupted run, the CLI."""

from __future__ import annotations

import os
import signal
import threading
import time

import pandas as pd
import pytest
from _dask_setup import local_cluster, make_consultation
from conftest import CODEBOOK

from outcomes_qual import schema
from outcomes_qual.analysis import role_by_theme
from outcomes_qual.cli import main
from outcomes_qual.codebook import load_codebook
from outcomes_qual.coding import autocode
from outcomes_qual.ingest import read_consultation
from outcomes_qual_dask import autocode_at_scale, read_codings
from outcomes_qual_dask import engine as engine_mod


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as c:
        yield c


@pytest.fixture
def client(cluster):
    from distributed import Client

    with Client(cluster, timeout="60s") as c:
        c.wait_for_workers(2, timeout=60)
        yield c


def test_worker_killed_mid_run_gives_the_same_result(client, tmp_path):
    make_consultation(250, seed=4).to_csv(tmp_path / "k.csv", index=False)
    cb = load_codebook(CODEBOOK)
    corpus = read_consultation(tmp_path / "k.csv")
    expected = autocode(corpus, cb, method="ensemble", backend="lsa")
    pids = client.run(os.getpid)
    out = tmp_path / "out"
    box = {}

    def run():
        try:
            box["result"] = autocode_at_scale(
                tmp_path / "k.csv", cb, out=out, method="ensemble", backend="lsa", client=client, partition_rows=8
            )
        except BaseException as err:  # reported below
            box["error"] = err

    thread = threading.Thread(target=run)
    thread.start()
    killed_at = None
    deadline = time.monotonic() + 120
    while thread.is_alive() and time.monotonic() < deadline:
        written = [p for d in out.glob(".codings.tmp-*") for p in d.glob("*.parquet")]
        if written:
            victim = sorted(pids.values())[0]
            os.kill(victim, signal.SIGKILL)
            killed_at = len(written)
            break
        time.sleep(0.005)
    thread.join(timeout=180)
    assert not thread.is_alive()
    assert "error" not in box, box.get("error")
    result = box["result"]
    assert killed_at is not None and killed_at < result.n_partitions  # the kill happened while coding
    got = read_codings(out)
    pd.testing.assert_frame_equal(got[list(schema.MACHINE_CODING_COLUMNS)], expected)
    pd.testing.assert_frame_equal(result.tables["role_by_theme"], role_by_theme(corpus, expected, codebook=cb))
    client.wait_for_workers(2, timeout=60)
    assert victim not in client.run(os.getpid).values()  # the nanny restarted it


def test_malformed_rows_reported_with_file_and_row_rest_processed(client, tmp_path):
    wide = make_consultation(40, seed=5)
    text = wide.to_csv(index=False, lineterminator="\n").splitlines()
    text.insert(6, "R9999999,Individual,,Glanafon")  # too few fields: line 7
    text.insert(30, text[3])  # respondent on line 4 again, in a later partition: line 31
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    cb = load_codebook(CODEBOOK)
    result = autocode_at_scale(path, cb, out=tmp_path / "o", method="keyword", client=client, partition_rows=10)
    messages = sorted(str(p) for p in result.problems)
    assert messages == [
        f"{path}:31: row 31: respondent id 'R0000002' repeats (first in row 4); row skipped",
        f"{path}:7: row 7: expected 10 fields (as in the header), got 4; row skipped",
    ]
    corpus = read_consultation(path)
    assert sorted(map(str, corpus.problems)) == messages
    assert result.n_segments == len(corpus.segments)
    pd.testing.assert_frame_equal(
        read_codings(result.out)[list(schema.MACHINE_CODING_COLUMNS)], autocode(corpus, cb, method="keyword")
    )
    problems = pd.read_csv(tmp_path / "o" / "problems.csv")
    assert sorted(problems["line"].tolist()) == [7, 31]


def test_interrupted_run_leaves_no_half_written_output(client, tmp_path, monkeypatch):
    make_consultation(60, seed=6).to_csv(tmp_path / "c.csv", index=False)
    cb = load_codebook(CODEBOOK)
    out = tmp_path / "out"
    first = autocode_at_scale(tmp_path / "c.csv", cb, out=out, method="keyword", client=client, partition_rows=10)
    before = read_codings(out)
    real = engine_mod.code_partition

    def failing(part, token, extra):  # defined here, so it is shipped to the workers by value
        if len(part) and "R0000033:q1" in set(part["segment_id"]):
            raise RuntimeError("interrupted")
        return real(part, token, extra)

    monkeypatch.setattr(engine_mod, "code_partition", failing)
    with pytest.raises(BaseException, match="interrupted"):
        autocode_at_scale(tmp_path / "c.csv", cb, out=out, method="semantic", backend="lsa", client=client, partition_rows=10)
    # the finished output of the first run is still there, whole; nothing temporary is left
    pd.testing.assert_frame_equal(read_codings(out), before)
    assert sorted(p.name for p in out.iterdir()) == ["codings", "problems.csv", "respondents", "segments", "tables"]
    assert len(list((out / "codings").glob("*.parquet"))) == first.n_partitions


def test_cli_with_scheduler_writes_folder_and_exits_1_on_bad_rows(cluster, tmp_path, capsys):
    wide = make_consultation(30, seed=8)
    lines = wide.to_csv(index=False, lineterminator="\n").splitlines()
    lines.insert(3, "R7777777,Individual")
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    rc = main(
        [
            "autocode",
            str(tmp_path / "c.csv"),
            "--codebook",
            str(CODEBOOK),
            "--method",
            "keyword",
            "--scheduler",
            cluster.scheduler_address,
            "--out",
            str(tmp_path / "o"),
            "--no-progress",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 1
    assert f"{tmp_path / 'c.csv'}:4: row 4: expected 10 fields (as in the header), got 2; row skipped" in err
    assert "Dask: 2 workers" in err
    assert (tmp_path / "o" / "tables" / "question_by_theme.csv").is_file()
    table = pd.read_csv(tmp_path / "o" / "tables" / "question_by_theme.csv")
    assert set(table["question"]) == {"q1", "q2", "q3", "q4", "q5", "all"}


def test_cli_without_the_scale_extra_says_what_to_install(tmp_path, capsys, monkeypatch):
    import outcomes_qual_dask

    def missing():
        raise outcomes_qual_dask.ScaleExtraMissing(f"dask not installed: {outcomes_qual_dask.INSTALL_HINT}")

    monkeypatch.setattr(outcomes_qual_dask, "require_scale", missing)
    (tmp_path / "c.csv").write_text("respondent_id,Q1. Why?\nr1,Because.\n", encoding="utf-8")
    rc = main(["autocode", str(tmp_path / "c.csv"), "--codebook", str(CODEBOOK), "--workers", "2", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "install outcomes_qual[scale]" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
