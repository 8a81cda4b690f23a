"""What the report counts: ``report --project P --codings decided|confident|all``, said in the Summary, the
Methods and Appendix D (read back from the docx)."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.cli import main
from outcomes_qual.corpus import Corpus
from outcomes_qual.errors import InputError
from outcomes_qual.project import Project
from outcomes_qual.report.counted import count_codings

TURNS = [
    ("Facilitator", "facilitator", "What has changed in how you work with families?"),
    ("Gwen Price", "practitioner", "We start with what matters to the person now, not with the form in front of us."),
    ("Rhod Evans", "senior", "The assessment form still asks about deficits and the IT system will not save a plan."),
    ("Gwen Price", "practitioner", "There is never enough time in the week to sit with a family and listen."),
    ("Mo Bell", "manager", "Health colleagues and the police still work to their own forms and timescales."),
    ("Rhod Evans", "senior", "Caseloads are too high, so the good conversations get squeezed out every week."),
]
# (turn, code, confidence, what a person did)
MACHINE = [
    ("fg:002", "culture_shift", 0.90, "accept"),
    ("fg:003", "systems_barriers", 0.80, None),  # confident, unreviewed
    ("fg:003", "systems_barriers/paperwork_and_it", 0.70, None),
    ("fg:004", "time", 0.30, None),  # below the review threshold
    ("fg:005", "partners", 0.95, "reject"),  # theme rejected ...
    ("fg:005", "partners/health", 0.90, None),  # ... its sub-code still pending: not counted
    ("fg:006", "time", 0.40, "reject"),
]


@pytest.fixture
def project(tmp_path, codebook_path):
    from outcomes_qual.codebook import load_codebook

    path = tmp_path / "p.sqlite"
    with Project.create(path) as proj:
        proj.add_corpus(Corpus.from_turns("fg", TURNS, authority="Glanafon"))
        proj.add_codebook(load_codebook(codebook_path))
        ids = proj.add_codings(
            pd.DataFrame(
                [
                    {"segment_id": s, "code": c, "coder": "outcomes_qual", "method": "keyword", "confidence": p}
                    for s, c, p, _ in MACHINE
                ]
            )
        )
        proj.accept([i for i, m in zip(ids, MACHINE, strict=True) if m[3] == "accept"], reviewer="ana")
        proj.reject([i for i, m in zip(ids, MACHINE, strict=True) if m[3] == "reject"], reviewer="ana")
        proj.code_segment("fg:006", "time", coder="ana")
        codings = proj.codings()
    return path, codings


def test_count_codings_exact(project):
    _, codings = project
    picked = {sel: count_codings(codings, sel)[0] for sel in ("decided", "confident", "all")}
    turns = {sel: sorted(set(zip(f["segment_id"], f["code"].str.split("/").str[0], strict=True))) for sel, f in picked.items()}
    assert turns["decided"] == [("fg:002", "culture_shift"), ("fg:006", "time")]
    assert turns["confident"] == [("fg:002", "culture_shift"), ("fg:003", "systems_barriers"), ("fg:006", "time")]
    assert sorted(turns["all"]) == sorted(turns["confident"] + [("fg:004", "time")])
    _, counted = count_codings(codings, "confident")
    assert (
        counted.n_counted,
        counted.n_decided,
        counted.n_pending_counted,
        counted.n_pending_left_out,
        counted.n_theme_rejected,
        counted.n_rejected,
    ) == (4, 2, 2, 2, 1, 2)
    assert counted.share_reviewed == 0.5
    _, everything = count_codings(codings, "all")
    assert everything.n_pending_counted == 3 and everything.min_confidence == 0.30
    with pytest.raises(InputError, match="expected one of"):
        count_codings(codings, "some")
    with pytest.raises(InputError, match="between 0 and 1"):
        count_codings(codings, "confident", threshold=50)


def _report(capsys, path, out, *extra) -> None:
    code = main(
        [
            "report",
            "--project",
            str(path),
            "--no-topics",
            "--quiet",
            "--validate-against",
            "ana",
            "--boot",
            "0",
            "--out",
            str(out),
            *extra,
        ]
    )
    assert code == 0, capsys.readouterr().err


def _paragraphs(docx_path) -> tuple[list[str], list[str], list[str]]:
    """Summary, Methods and Appendix D paragraphs of the report."""
    import docx

    sections: dict[str, list[str]] = {}
    current = None
    for p in docx.Document(str(docx_path)).paragraphs:
        if p.style.name.startswith("Heading 1"):
            current = p.text
            sections[current] = []
        elif current is not None:
            sections[current].append(p.text)
    appendix = next(v for k, v in sections.items() if k.startswith("Appendix D"))
    return sections["Summary"], sections["1. Methods and participants"], appendix


def test_report_counts_confident_by_default_and_says_so(project, tmp_path, capsys):
    path, _ = project
    _report(capsys, path, tmp_path / "default")
    summary = pd.read_csv(tmp_path / "default" / "tables" / "theme_summary.csv").set_index("theme")
    assert summary.loc["systems_barriers", "n_turns"] == 1  # unreviewed, confidence 0.80
    assert summary.loc["time", "n_turns"] == 1  # ana's own coding on fg:006; 0.30 on fg:004 left out
    assert summary.loc["partners", "n_turns"] == 0  # theme rejected: pending sub-code not counted
    said = (
        "The findings count 4 codings: 2 (50%) decided by a person (suggestions they accepted and codes they "
        "gave themselves) and 2 suggestions of the automated coding that no one has reviewed yet, each with a "
        "confidence of at least 0.50; 1 less confident unreviewed suggestions and every rejected coding are "
        "left out. 1 unreviewed suggestion under a theme a person rejected on the same turn is left out as well."
    )
    summary_text, methods, appendix = _paragraphs(tmp_path / "default" / "report.docx")
    assert said in summary_text and said in methods
    assert any(said in p for p in appendix)
    assert not any("The findings count accepted suggestions and those not yet reviewed" in p for p in appendix)


def test_report_decided_and_all(project, tmp_path, capsys):
    path, _ = project
    _report(capsys, path, tmp_path / "decided", "--codings", "decided")
    summary = pd.read_csv(tmp_path / "decided" / "tables" / "theme_summary.csv").set_index("theme")
    assert summary.loc["systems_barriers", "n_turns"] == 0 and summary.loc["time", "n_turns"] == 1
    text, methods, _ = _paragraphs(tmp_path / "decided" / "report.docx")
    assert any(p.startswith("The findings count only what a person decided: 2 codings") for p in text)
    _report(capsys, path, tmp_path / "all", "--codings", "all")
    summary = pd.read_csv(tmp_path / "all" / "tables" / "theme_summary.csv").set_index("theme")
    assert summary.loc["time", "n_turns"] == 2 and summary.loc["partners", "n_turns"] == 0
    text, _, _ = _paragraphs(tmp_path / "all" / "report.docx")
    assert any("of any confidence down to a confidence of 0.30" in p for p in text)


def test_selection_needs_a_project(tmp_path, capsys, codebook_path):
    (tmp_path / "a.txt").write_text("Ann: The forms take all week.\n")
    code = main(
        [
            "report",
            str(tmp_path / "a.txt"),
            "--codebook",
            str(codebook_path),
            "--codings",
            "decided",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == 2 and "--codings decided chooses among a project's codings: it needs --project" in capsys.readouterr().err
