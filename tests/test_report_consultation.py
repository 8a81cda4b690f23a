"""The consultation report: tables from counts, and a Word report that reads as a consultation analysis."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from outcomes_qual.analysis import authority_comparison, role_theme_test
from outcomes_qual.analysis.consultation import (
    comparison,
    consultation_counts,
    consultation_tables,
    group_theme_test,
    is_consultation,
    quote_candidates,
    top_candidates,
)
from outcomes_qual.cli import main
from outcomes_qual.codebook import load_codebook
from outcomes_qual.ingest.consultation import parse_consultation_csv, read_consultation
from outcomes_qual.report.consultation_report import (
    pick_quotes,
    write_consultation_report,
)

CODEBOOK = load_codebook("codebooks/outcomes_practice.yaml")

ANSWERS = {
    "culture_shift": (
        "We now start with what matters to the person rather than the service on offer, which is a real change in how we think."
    ),
    "time": "There is never enough time to sit with a family and listen, because caseloads are far too high every single week.",
    "partners": "The housing officer and the district nurses came to the review and it helped the family feel listened to.",
    "systems_barriers": "The assessment form asks the same questions three times and the recording system will not save a plan.",
}
TYPES = ["Individual", "Unpaid carer", "Organisation", "Individual"]
AUTHS = ["Glanafon", "Strathlinn"]


def _csv(n: int = 16) -> str:
    lines = [
        "respondent_id,respondent_type,organisation,authority,region,"
        "Q1. What has worked well?,Q2. What gets in the way?,Q3. How should partners work together?"
    ]
    keys = list(ANSWERS)
    for i in range(n):
        rtype = TYPES[i % len(TYPES)]
        org = "Hillside Housing Association" if rtype == "Organisation" else ""
        a1 = ANSWERS[keys[i % 2]]  # culture shift or time
        a2 = "N/A" if i % 5 == 0 else ANSWERS[keys[3 - (i % 2)]]
        a3 = ANSWERS["partners"].replace("review", "review at Hillside Housing Association") if org else ANSWERS["partners"]
        if i % 7 == 0:
            a3 = ""
        lines.append(f'R{i:03d},{rtype},{org},{AUTHS[i % 2]},Wales,"{a1}","{a2}","{a3}"')
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("nc") / "nc.csv"
    path.write_text(_csv())
    return read_consultation(path)


@pytest.fixture(scope="module")
def codings(corpus):
    rows = []
    for sid, text in zip(corpus.segments["segment_id"], corpus.segments["text"], strict=True):
        for code, answer in ANSWERS.items():
            if text.startswith(answer[:40]):
                rows.append({"segment_id": sid, "code": code, "confidence": 0.9, "coder": "outcomes_qual", "method": "keyword"})
        if text.startswith(ANSWERS["systems_barriers"][:40]):  # a second, weaker code
            rows.append({"segment_id": sid, "code": "time", "confidence": 0.3, "coder": "outcomes_qual", "method": "keyword"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def tables(corpus, codings):
    return consultation_tables(consultation_counts(corpus, codings, codebook=CODEBOOK), CODEBOOK)


def test_is_consultation(corpus):
    assert is_consultation(corpus)
    assert is_consultation(parse_consultation_csv(_csv(4), "nc"))


def test_question_by_theme_counts_and_wilson_intervals_match_scipy(tables):
    q = tables["question_by_theme"]
    assert list(dict.fromkeys(q["question"])) == ["q1", "q2", "q3"]
    q1 = q[q["question"] == "q1"].set_index("code")
    assert (q1.loc["culture_shift", "n"], q1.loc["culture_shift", "base"]) == (8, 16)
    assert (q1.loc["partners", "n"], q1.loc["partners", "base"]) == (0, 16)
    q2 = q[q["question"] == "q2"].set_index("code")
    assert int(q2.loc["systems_barriers", "base"]) == 12  # 4 of 16 answered N/A
    for r in q[q["base"] > 0].itertuples():
        ci = binomtest(int(r.n), int(r.base)).proportion_ci(confidence_level=0.95, method="wilson")
        assert r.ci_low == pytest.approx(ci.low, abs=1e-9)
        assert r.ci_high == pytest.approx(ci.high, abs=1e-9)
        assert r.share == pytest.approx(r.n / r.base)


def test_nonresponse_and_profile(tables):
    non = tables["nonresponse_by_question"].set_index("question")
    assert non.loc["q2", ["n_answered", "n_nonresponse"]].tolist() == [12, 4]
    assert non.loc["q3", ["n_answered", "n_nonresponse"]].tolist() == [13, 3]
    prof = tables["respondents_profile"]
    assert prof[prof["by"] == "respondent_type"][["label", "n"]].values.tolist() == [
        ["Individual", 8],
        ["Organisation", 4],
        ["Unpaid carer", 4],
    ]
    assert prof[prof["by"] == "responding_as"][["value", "n"]].values.tolist() == [["individual", 12], ["organisation", 4]]


def test_type_test_from_counts_equals_role_theme_test(corpus, codings, tables):
    expected = role_theme_test(corpus, codings, unit="participants", codebook=CODEBOOK)
    got = tables["respondent_type_theme_test"]
    pd.testing.assert_frame_equal(
        got.rename(columns={"respondent_type": "role"}).reset_index(drop=True), expected.cells.reset_index(drop=True)
    )
    assert tables["respondent_type_theme_test_summary"]["p_value"].iloc[0] == pytest.approx(expected.p_value)


def test_authority_comparison_from_counts_equals_library(corpus, codings, tables):
    expected = authority_comparison(corpus, codings, codebook=CODEBOOK)
    got = tables["authority_comparison"]
    assert got["authority"].tolist() == expected["authority"].tolist()
    for col in ("n", "base", "share", "ci_low", "ci_high", "p_value", "p_adjusted", "significant"):
        np.testing.assert_allclose(got[col].astype(float), expected[col].astype(float), equal_nan=True)


def test_quote_sample_does_not_depend_on_partitioning(corpus, codings):
    seg = corpus.segment_context()
    whole = quote_candidates(seg, codings, k=2, seed=3)
    parts = [quote_candidates(seg.iloc[i::3], codings, k=2, seed=3) for i in range(3)]
    combined = top_candidates(pd.concat(parts, ignore_index=True), 2)
    pd.testing.assert_frame_equal(whole, combined)
    other = quote_candidates(seg, codings, k=2, seed=4)
    assert len(whole) == len(other) > 0 and whole["segment_id"].tolist() != other["segment_id"].tolist()


def test_quotes_are_answers_whose_best_code_is_the_theme(tables):
    sample = tables["quote_sample"]
    # systems-barrier answers carry a weaker "time" code: never a quote for time
    assert not sample[(sample["code"] == "time") & sample["text"].str.startswith("The assessment form")].shape[0]
    picked = pick_quotes(sample, "q1", "culture_shift", 2)
    assert len(picked) == 2 and {p["role"] for p in picked} <= {"individual", "unpaid_carer", "organisation"}
    assert len({p["role"] for p in picked}) == 2  # types take turns


def _docx_text(path):
    import docx

    d = docx.Document(str(path))
    paras = [(p.style.name, p.text) for p in d.paragraphs]
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return d, paras, cells


def test_report_reads_as_a_consultation(corpus, codings, tmp_path):
    counts = consultation_counts(corpus, codings, codebook=CODEBOOK)
    paths = write_consultation_report(counts, CODEBOOK, tmp_path, coding_method="keyword", seed=0)
    d, paras, _ = _docx_text(paths["report"])
    # the codebook's own definitions (Appendix A) are the user's words, not the report's
    cut = [t for _, t in paras].index("Appendix A. Codebook")
    own = [c.text for t in d.tables if t.rows[0].cells[0].text != "Theme / sub-code" for r in t.rows for c in r.cells]
    text = "\n".join(t for _, t in paras[:cut] + paras[cut + 2 :]) + "\n" + "\n".join(own)
    for word in ("focus group", "transcript", "staff", "participant", r"\bturns?\b"):
        assert not re.search(word, text, re.IGNORECASE), word
    headings = [t for s, t in paras if s.startswith("Heading 2")]
    assert [h for h in headings if re.match(r"3\.\d Q\d", h)] == [
        "3.1 Q1: What has worked well?",
        "3.2 Q2: What gets in the way?",
        "3.3 Q3: How should partners work together?",
    ]
    qtables = [
        t
        for t in d.tables
        if [c.text for c in t.rows[0].cells] == ["Theme", "Respondents raising it", "% of those who answered [95% CI]"]
    ]
    assert len(qtables) == 3
    assert [c.text for c in qtables[0].rows[1].cells][:2] == ["Culture shift", "8"]
    assert "Hillside" not in text  # quotes never name an organisation
    quotes = [t for s, t in paras if re.match(r"^[^:“]{1,40}: “", t)]
    assert len(quotes) >= 6 and all(re.match(r"^(Individual|Unpaid carer|Organisation): “", q) for q in quotes)
    for name in ("question_by_theme", "respondent_type_by_theme", "nonresponse_by_question"):
        assert (tmp_path / "tables" / f"{name}.csv").is_file()
    from openpyxl import load_workbook

    sheets = load_workbook(paths["xlsx"], read_only=True).sheetnames
    assert {"question_by_theme", "respondent_type_by_theme", "nonresponse_by_question"} <= set(sheets)
    assert "quote_sample" not in sheets


def test_cli_report_on_a_consultation_export(tmp_path, capsys):
    src = tmp_path / "consultation.csv"
    src.write_text(_csv())
    code = main(
        [
            "report",
            str(src),
            "--codebook",
            "codebooks/outcomes_practice.yaml",
            "--method",
            "keyword",
            "--no-topics",
            "--quiet",
            "--out",
            str(tmp_path / "rep"),
        ]
    )
    assert code == 0
    _, paras, _ = _docx_text(tmp_path / "rep" / "report.docx")
    assert paras[0][1] == "Consultation analysis: what respondents told us"
    assert (tmp_path / "rep" / "tables" / "question_by_theme.csv").is_file()


def test_comparison_needs_counts_table():
    t = pd.DataFrame({"code": "time", "level": "theme", "region": ["N", "S", "all"], "n": [3, 1, 4], "base": [4, 4, 8]})
    out = comparison(t, by="region")
    assert out["group"].tolist() == ["N", "S"]
    assert out["share"].tolist() == [0.75, 0.25]


def test_group_theme_test_needs_two_groups():
    t = pd.DataFrame({"code": ["time", "time"], "level": "theme", "role": ["individual", "all"], "n": [3, 3], "base": [4, 4]})
    assert group_theme_test(t).test == "none"


def test_quote_label_is_the_type_as_respondents_wrote_it(tmp_path):
    path = tmp_path / "nhs.csv"
    path.write_text(_csv(8).replace("Unpaid carer", "NHS board"))
    corpus = read_consultation(path)
    cod = pd.DataFrame({"segment_id": corpus.segments["segment_id"], "code": "partners", "confidence": 0.9})
    paths = write_consultation_report(consultation_counts(corpus, cod, codebook=CODEBOOK), CODEBOOK, tmp_path / "r")
    _, paras, cells = _docx_text(paths["report"])
    quotes = [t for _, t in paras if re.match(r"^[^:“]{1,40}: “", t)]
    assert any(q.startswith("NHS board: “") for q in quotes)
    assert not any("Nhs board" in t for _, t in paras)
    assert "NHS board (n=2)" in cells


def test_cli_workers_only_for_an_engine_output(tmp_path, capsys):
    src = tmp_path / "consultation.csv"
    src.write_text(_csv(4))
    code = main(
        ["report", str(src), "--codebook", "codebooks/outcomes_practice.yaml", "--workers", "2", "--out", str(tmp_path / "rep")]
    )
    assert code == 2
    assert "--workers/--scheduler apply to a report from an autocode --workers output folder" in capsys.readouterr().err
    assert not (tmp_path / "rep").exists()


def test_quote_candidates_reviewed_first_then_most_confident_never_rejected():
    from outcomes_qual.report.consultation_report import pick_quotes

    answer = "Being asked what matters to me made the difference, and the plan now says it in my own words. "
    seg = pd.DataFrame(
        {
            "segment_id": [f"r{i}:q1" for i in range(1, 6)],
            "question": "q1",
            "role": "Individual",
            "text": [answer + f"Answer {i}." for i in range(1, 6)],
        }
    )
    cod = pd.DataFrame(
        {
            "segment_id": [f"r{i}:q1" for i in range(1, 6)],
            "code": "culture_shift",
            "coder": "outcomes_qual",
            "method": "ensemble",
            "confidence": [0.55, 0.95, 0.99, 0.62, 0.78],
            "status": ["accepted", "suggested", "rejected", "suggested", "suggested"],
        }
    )
    for seed in (0, 1, 2):  # whatever the seeded key says
        got = quote_candidates(seg, cod, k=3, seed=seed)
        assert got["segment_id"].tolist() == ["r1:q1", "r2:q1", "r5:q1"], seed
        assert got["reviewed"].tolist() == [True, False, False]
        assert [q["segment_id"] for q in pick_quotes(got, "q1", "culture_shift", 2)] == ["r1:q1", "r2:q1"]
