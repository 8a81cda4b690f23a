"""The consultation report from an ``autocode --workers`` output folder equals the one-process report's tables."""

from __future__ import annotations

import sys

import pandas as pd
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from conftest import CODEBOOK, ROOT

sys.path.insert(0, str(ROOT / "benchmarks"))
from _consultation import make_consultation

from outcomes_qual.analysis.consultation import consultation_counts
from outcomes_qual.cli import main
from outcomes_qual.codebook import load_codebook
from outcomes_qual.ingest import read_consultation
from outcomes_qual.report.consultation_report import write_consultation_report
from outcomes_qual_dask import autocode_at_scale, read_codings
from outcomes_qual_dask.report import consultation_counts_at_scale, is_scale_output


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory):
    """400 synthetic respondents coded by keyword on a 2-worker LocalCluster (threads: quick), in partitions of 70."""
    from distributed import Client, LocalCluster

    d = tmp_path_factory.mktemp("scale")
    make_consultation(400, seed=7).to_csv(d / "ncs.csv", index=False)
    cb = load_codebook(CODEBOOK)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster,
        Client(cluster, timeout="60s") as c,
    ):
        result = autocode_at_scale(d / "ncs.csv", cb, out=d / "out", method="keyword", client=c, partition_rows=70)
    assert result.n_partitions == 6
    return d


def _tables(folder):
    return {p.stem: pd.read_csv(p) for p in sorted((folder / "tables").glob("*.csv")) if p.stem != "run_settings"}


def test_report_from_dask_output_equals_one_process(scale_out, tmp_path):
    cb = load_codebook(CODEBOOK)
    assert is_scale_output(scale_out / "out")
    corpus = read_consultation(scale_out / "ncs.csv")
    codings = read_codings(scale_out / "out")
    one = consultation_counts(corpus, codings, codebook=cb, seed=5)
    write_consultation_report(one, cb, tmp_path / "one", coding_method="keyword", seed=5)
    code = main(["report", str(scale_out / "out"), "--codebook", str(CODEBOOK), "--seed", "5", "--out", str(tmp_path / "dask")])
    assert code == 0
    a, b = _tables(tmp_path / "one"), _tables(tmp_path / "dask")
    assert (
        set(a)
        == set(b)
        >= {
            "question_by_theme",
            "respondent_type_by_theme",
            "nonresponse_by_question",
            "respondents_profile",
            "authority_comparison",
            "respondent_type_theme_test",
        }
    )
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)
    scaled = consultation_counts_at_scale(scale_out / "out", codebook=cb, seed=5)
    pd.testing.assert_frame_equal(scaled.quotes, one.quotes)  # the same seeded quote sample
    assert (scaled.n_respondents, scaled.n_answers, scaled.n_codings) == (400, len(corpus.segments), len(codings))
    assert scaled.question_text == one.question_text and scaled.question_text["q1"].startswith("Q1. ")
    import docx

    text = "\n".join(p.text for p in docx.Document(str(tmp_path / "dask" / "report.docx")).paragraphs)
    assert "3.5 Q5: Do you have any other comments?" in text
    assert "focus group" not in text.lower() and "transcript" not in text.lower()


def test_report_refuses_to_write_into_the_engine_output(scale_out, capsys):
    code = main(["report", str(scale_out / "out"), "--codebook", str(CODEBOOK), "--out", str(scale_out / "out" / "tables")])
    assert code == 2
    assert "--out would write into the engine's own output" in capsys.readouterr().err


def test_report_from_a_folder_needs_the_codebook(scale_out, tmp_path, capsys):
    code = main(["report", str(scale_out / "out"), "--out", str(tmp_path / "r")])
    assert code == 2
    assert "--codebook is required" in capsys.readouterr().err


def test_listed_names_are_replaced_in_quotes(scale_out, tmp_path):
    """--names: the only answer text the report shows (the sampled quotes) is pseudonymised."""
    import re

    import docx

    from outcomes_qual_dask.report import report_from_scale_output

    def quotes(path):
        paras = [p.text for p in docx.Document(str(path / "report.docx")).paragraphs]
        return [t for t in paras if re.match(r"^[^:“]{1,40}: “", t)]

    cb = load_codebook(CODEBOOK)
    report_from_scale_output(scale_out / "out", tmp_path / "plain", codebook=cb, seed=5)
    word = max(re.findall(r"[A-Za-z]{5,}", quotes(tmp_path / "plain")[0].split("“", 1)[1]), key=len)
    report_from_scale_output(scale_out / "out", tmp_path / "named", codebook=cb, seed=5, names=[word])
    named = quotes(tmp_path / "named")
    assert not any(re.search(rf"\b{word}\b", q) for q in named)
    assert "[Person 1]" in named[0]
