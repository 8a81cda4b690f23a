"""The appendix on automated coding: facts as data, plain words, and in report.docx (validated or not)."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.cli import main
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project
from outcomes_qual.report import write_report
from outcomes_qual.report.ai_use import (
    REVIEW_SUMMARY_COLUMNS,
    ai_use,
    ai_use_from_project,
    ai_use_paragraphs,
    recorded_settings,
)
from outcomes_qual.report.docx_report import AI_USE_HEADING

docx = pytest.importorskip("docx")

CODEBOOK = Codebook(
    "mini",
    (
        Code("time", "Time", "Lack of time."),
        Code("systems_barriers", "Systems barriers", "Forms and IT in the way."),
        Code("culture_shift", "Culture shift", "Changing practice."),
    ),
)
TEXT = {
    "time": "There is never enough time in the week to sit with a family.",
    "systems_barriers": "The form asks about deficits and the system will not save the plan.",
    "culture_shift": "We start the conversation with what matters to the person now.",
}
PLAN = ["time", "systems_barriers", "culture_shift", "time", "systems_barriers", "culture_shift", "time", "time"]
# the machine gets turns 2-9 right except turn 5 (time instead of systems_barriers) and turn 9 (nothing)
MACHINE = ["time", "systems_barriers", "culture_shift", "time", "time", "culture_shift", "time", None]


def corpus():
    turns = [("Facilitator", "facilitator", "What gets in the way?")]
    speakers = [("Gwenllian", "practitioner"), ("Rhodri", "senior"), ("Bethan", "manager")] * 3
    turns += [
        (name, role, TEXT[code]) for (name, role), code in zip(speakers, PLAN, strict=False)
    ]  # the speakers cycle past the plan
    return Corpus.from_turns("fg", turns, authority="Glanafon")


def codings():
    ids = [f"fg:{i:03d}" for i in range(2, 10)]
    rows = [(s, c, "analyst", "manual") for s, c in zip(ids, PLAN, strict=True)]
    rows += [(s, c, "outcomes_qual", "keyword") for s, c in zip(ids, MACHINE, strict=True) if c]
    return pd.DataFrame(rows, columns=["segment_id", "code", "coder", "method"])


def expected_overall():
    # 8 turns x 3 themes = 24 decisions; machine 7 codes, analyst 8, 6 both -> 1 machine-only, 2 analyst-only
    both, mo, ho, neither = 6, 1, 2, 15
    n = 24
    po = (both + neither) / n
    pm, ph = (both + mo) / n, (both + ho) / n
    pe = pm * ph + (1 - pm) * (1 - ph)
    return po, (po - pe) / (1 - pe)


def paragraphs(doc):
    return [p.text for p in doc.paragraphs]


def appendix(doc):
    texts = paragraphs(doc)
    start = texts.index(AI_USE_HEADING)
    return texts[start:]


def test_facts_and_words():
    info = ai_use(codings(), codebook=CODEBOOK, against="analyst", n_boot=200, toolkit_version="9.9")
    po, kappa = expected_overall()
    assert info.machine == "outcomes_qual" and info.methods == ["keyword"] and info.validated
    assert info.n_units == 8 and info.codebook_name == "mini"
    overall = info.agreement.iloc[-1]
    assert overall["percent_agreement"] == pytest.approx(po) and overall["cohen_kappa"] == pytest.approx(kappa)
    words = " ".join(ai_use_paragraphs(info))
    assert "outcomes_qual 9.9" in words and "“mini” codebook" in words
    assert "analyst coded a sample of 8 turns" in words
    assert f"Cohen's kappa was {kappa:.2f} (95% CI" in words and f"agreed on {100 * po:.0f}%" in words
    assert "not validated" not in words


def test_not_validated_says_so():
    info = ai_use(codings(), codebook=CODEBOOK, n_boot=0)
    assert not info.validated
    words = " ".join(ai_use_paragraphs(info))
    assert "The automated coding was not validated against a person" in words


def test_settings_from_the_audit_log():
    log = pd.DataFrame(
        {
            "kind": ["batch", "batch", "batch"],
            "actor": ["outcomes_qual", "outcomes_qual", "bot2"],
            "undone_at": [None, "2026-01-01", None],
            "description": ["autocode: method=ensemble; backend=lsa", "autocode: method=keyword", "autocode: method=semantic"],
        }
    )
    assert recorded_settings(log, machine="outcomes_qual") == {"method": "ensemble", "backend": "lsa"}
    info = ai_use(codings(), actions=log, n_boot=0)
    assert "Settings recorded when the coding was run: method ensemble, backend lsa." in ai_use_paragraphs(info)[0]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    out = {}
    for name, against in (("validated", "analyst"), ("unvalidated", None)):
        info = ai_use(codings(), codebook=CODEBOOK, against=against, n_boot=200)
        paths = write_report(corpus(), codings(), CODEBOOK, tmp_path_factory.mktemp(name), ai_use=info)
        out[name] = (paths, docx.Document(paths["report"]))
    return out


def test_appendix_in_docx_with_sample_size_and_kappa(reports):
    paths, doc = reports["validated"]
    po, kappa = expected_overall()
    text = appendix(doc)
    assert text[0] == "Appendix D. Use of automated coding"
    body = " ".join(text)
    assert "coded a sample of 8 turns" in body
    assert f"Cohen's kappa was {kappa:.2f}" in body
    table = doc.tables[-1]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0][0] == "Theme" and rows[-1][0] == "All"
    assert rows[-1][3].startswith(f"{kappa:.2f}\n[")
    assert rows[-1][1] == "7 / 8"
    methods = " ".join(paragraphs(doc))
    assert "Measured agreement with a human analyst (analyst) on a sample of 8 turns, theme by theme" in methods
    assert "Appendix D gives the details" in methods
    assert (paths["tables"] / "ai_validation.csv").is_file()


def test_appendix_when_not_validated(reports):
    paths, doc = reports["unvalidated"]
    body = " ".join(appendix(doc))
    assert "The automated coding was not validated against a person" in body
    assert not (paths["tables"] / "ai_validation.csv").exists()


def test_no_appendix_without_ai_use(tmp_path):
    paths = write_report(corpus(), codings(), CODEBOOK, tmp_path)
    assert AI_USE_HEADING not in paragraphs(docx.Document(paths["report"]))


@pytest.fixture
def project(tmp_path):
    path = tmp_path / "p.sqlite"
    ids = [f"fg:{i:03d}" for i in range(2, 10)]
    with Project.create(path) as proj:
        proj.add_corpus(corpus())
        proj.add_codebook(CODEBOOK)
        machine = pd.DataFrame(
            {
                "segment_id": [s for s, c in zip(ids, MACHINE, strict=True) if c],
                "code": [c for c in MACHINE if c],
                "coder": "outcomes_qual",
                "method": "keyword",
            }
        )
        with proj.batch("autocode: method=keyword; coder=outcomes_qual", actor="outcomes_qual"):
            cids = proj.add_codings(machine)
        for sid, code in zip(ids[:4], PLAN[:4], strict=True):  # ana codes turns 2-5 herself
            proj.code_segment(sid, code, coder="ana")
        proj.accept(cids[5:7], reviewer="ana")  # turns 7, 8: right
        proj.reject(cids[4], reviewer="ben")  # turn 6: time where it was systems_barriers
        proj.code_segment(ids[4], "systems_barriers", coder="ben")
    return path


def test_from_project_review_counts(project):
    info = ai_use_from_project(project, against="ana", n_boot=0)
    assert info.machine == "outcomes_qual" and info.settings == {"method": "keyword", "coder": "outcomes_qual"}
    assert info.project_codebook_versions == [1]
    # units: turns 2-5 (ana's own) and 7-8 (reviewed by her) = 6
    assert info.n_units == 6 and info.n_units_review_only == 2
    assert (info.n_suggestions, info.n_accepted, info.n_rejected, info.n_changed, info.n_pending) == (7, 2, 1, 1, 4)
    assert list(info.review.columns) == list(REVIEW_SUMMARY_COLUMNS)
    assert info.review.values.tolist() == [["ana", 2, 0, 0], ["ben", 0, 1, 1]]
    words = ai_use_paragraphs(info)[-1]
    assert "2 accepted and 1 rejected (1 of them replaced by a different code on the same turn); 4 were not reviewed" in words
    assert "ana accepted 2 and rejected 0; ben accepted 0 and rejected 1" in words


def test_cli_report_with_validation(project, tmp_path, capsys):
    out = tmp_path / "report"
    code = main(
        [
            "report",
            "--project",
            str(project),
            "--validate-against",
            "ana",
            "--no-topics",
            "--quiet",
            "--boot",
            "100",
            "--out",
            str(out),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 0, err
    body = " ".join(appendix(docx.Document(out / "report.docx")))
    assert (
        "ana coded or reviewed a sample of 6 turns" in body
        and "Settings recorded when the coding was run: method keyword" in body
    )
    code = main(
        [
            "report",
            "--project",
            str(project),
            "--validate-against",
            "zoe",
            "--no-topics",
            "--quiet",
            "--out",
            str(tmp_path / "r2"),
        ]
    )
    _, err = capsys.readouterr()
    assert (
        code == 2
        and "against: no codings by 'zoe' in the project, nor any reviewed by them; "
        "coders and reviewers in it: ['ana', 'ben', 'outcomes_qual']"
        in err
    )


def test_cli_report_without_validation_says_so(project, tmp_path, capsys):
    code = main(["report", "--project", str(project), "--no-topics", "--quiet", "--out", str(tmp_path / "r")])
    _, err = capsys.readouterr()
    assert code == 0, err
    body = " ".join(appendix(docx.Document(tmp_path / "r" / "report.docx")))
    assert "not validated against a person" in body


def test_autocode_records_its_settings(tmp_path, codebook_path, capsys):
    path = tmp_path / "a.sqlite"
    with Project.create(path) as proj:
        proj.add_corpus(corpus())
    code = main(["autocode", "--project", str(path), "--codebook", str(codebook_path), "--method", "keyword"])
    _, err = capsys.readouterr()
    assert code == 0, err
    info = ai_use_from_project(path, n_boot=0)
    assert info.settings["method"] == "keyword" and info.settings["coder"] == "outcomes_qual"
    assert info.settings["codebook"].startswith("outcomes_practice version")
    assert info.n_machine_codings > 0 and info.codebook_name == "outcomes_practice"
    with Project.open(path) as proj:
        assert proj.actions()["description"].str.startswith("autocode: method=keyword").sum() == 1
        proj.undo()
        assert len(proj.codings()) == 0  # the run is one undoable action
    code = main(["autocode", "--project", str(path), "--codebook", str(codebook_path), "--method", "keyword"])
    assert code == 0
    code = main(["autocode", "--project", str(path), "--codebook", str(codebook_path), "--method", "keyword"])
    capsys.readouterr()
    with Project.open(path) as proj:  # nothing new the second time: no second settings record
        assert proj.actions()["description"].str.startswith("autocode:").sum() == 2


def test_cli_report_from_codings_csv(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    turns = corpus().segments
    lines = [f"{r.speaker}: {r.text}" for r in turns.itertuples()]
    (folder / "fg.txt").write_text("\n\n".join(lines) + "\n", encoding="utf-8")
    from outcomes_qual.ingest import read_corpus

    ids = read_corpus([folder]).segments["segment_id"].tolist()
    frame = codings()
    frame["segment_id"] = frame["segment_id"].map(dict(zip(corpus().segments["segment_id"], ids, strict=True)))
    frame.to_csv(tmp_path / "codings.csv", index=False)
    cb = tmp_path / "cb.yaml"
    cb.write_text(
        "name: mini\nversion: '2'\ncodes:\n"
        + "".join(f"  - key: {c.key}\n    label: {c.label}\n    definition: {c.definition}\n" for c in CODEBOOK),
        encoding="utf-8",
    )
    code = main(
        [
            "report",
            str(folder),
            "--codebook",
            str(cb),
            "--codings",
            str(tmp_path / "codings.csv"),
            "--validate-against",
            "analyst",
            "--no-topics",
            "--quiet",
            "--boot",
            "50",
            "--out",
            str(tmp_path / "r"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 0, err
    body = " ".join(appendix(docx.Document(tmp_path / "r" / "report.docx")))
    assert "analyst coded a sample of 8 turns" in body and "“mini” codebook (version 2)" in body
    code = main(
        [
            "report",
            str(folder),
            "--codebook",
            str(cb),
            "--validate-against",
            "analyst",
            "--no-topics",
            "--out",
            str(tmp_path / "r2"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "--validate-against needs --project" in err and not (tmp_path / "r2").exists()


def test_undefined_statistics_show_as_na_in_the_table():
    """Issue 21.9: a narrow column printed "undefi ned"; cells now say n/a, with a note under the table."""
    from outcomes_qual.report.ai_use import NOT_DEFINED, ai_use_table

    rows = codings()
    rows = rows[~((rows["coder"] == "outcomes_qual") & (rows["code"] == "culture_shift"))]  # the machine never uses it
    rows = rows[~((rows["coder"] == "analyst") & (rows["code"] == "culture_shift"))]  # nor does the analyst
    info = ai_use(rows, codebook=CODEBOOK, against="analyst", n_boot=0)
    _, table = ai_use_table(info, CODEBOOK)
    cells = [c for r in table for c in r]
    assert not any("undefined" in c for c in cells)
    culture = next(r for r in table if r[0] == "Culture shift")
    assert NOT_DEFINED in culture[3]  # kappa with no positives on either side
