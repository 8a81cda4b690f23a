"""The study's own groups: roles outside the built-in vocabulary flow through tables, figures, the report and exports."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from outcomes_qual.analysis import (
    exemplar_quotes,
    order_roles,
    participant_breakdown,
    role_by_theme,
    role_theme_test,
    theme_summary,
)
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.ingest import read_corpus, read_roster
from outcomes_qual.ingest.roles import study_role

docx = pytest.importorskip("docx")

CODEBOOK = Codebook(
    "proctoring",
    (
        Code("privacy", "Privacy", "Worries about watching students at home."),
        Code("integrity", "Integrity", "Keeping assessment honest."),
        Code("workload", "Workload", "Extra effort for teachers."),
    ),
)
SAYS = {
    "privacy": "Watching students in their bedrooms through a webcam felt intrusive to me and to them.",
    "integrity": "Without some check I could not be sure the marks meant the same thing as before.",
    "workload": "Setting up the software and answering questions took far more hours than a paper exam.",
}
# roster order names "R1 faculty" first; natural order would put "non-R1 faculty" first
ROSTER_CSV = (
    "transcript,speaker,role\n"
    "fg_r1,Facilitator,Facilitator\n"
    "fg_r1,r1-01,R1 faculty\nfg_r1,r1-02,R1 faculty\nfg_r1,r1-03,R1 faculty\n"
    "fg_non,Facilitator,Facilitator\n"
    "fg_non,nR1-01,non-R1 faculty\nfg_non,nR1-02,non-R1 faculty\nfg_non,nR1-03,non-R1 faculty\n"
)
PLAN = {"fg_r1": ["integrity", "integrity", "workload"], "fg_non": ["privacy", "privacy", "workload"]}


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    d = tmp_path_factory.mktemp("study")
    rows = []
    for tid, prefix in (("fg_r1", "r1"), ("fg_non", "nR1")):
        lines = ["Facilitator: What did moving exams online change for you?"]
        for k in range(3):
            for p in range(1, 4):
                theme = PLAN[tid][(k + p) % 3]
                lines.append(f"{prefix.lower()}-0{p}: {SAYS[theme]} Round {k}.")
                rows.append((len(lines), theme))
        (d / f"{tid}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    corpus = read_corpus(d, roster=d / "roster.csv", strict=True)
    codings = []
    for tid in PLAN:
        seg = corpus.segments[corpus.segments["transcript_id"] == tid].reset_index(drop=True)
        for _, r in seg.iterrows():
            if r["role"] != "facilitator":
                theme = next(t for t, s in SAYS.items() if r["text"].startswith(s))
                codings.append((r["segment_id"], theme, "analyst", "manual", 1.0, ""))
    codings = pd.DataFrame(codings, columns=["segment_id", "code", "coder", "method", "confidence", "evidence"])
    return d, corpus, codings


def test_study_role_keeps_groups_and_maps_social_care_roles():
    assert [study_role(r) for r in ["R1 faculty", "non-R1 faculty", "Senior Social Worker", "Team manager", "Lecturer"]] == [
        "R1 faculty",
        "non-R1 faculty",
        "senior",
        "manager",
        "Lecturer",
    ]


def test_roster_keeps_groups_as_written_with_their_order(study):
    d, corpus, _ = study
    roster = read_roster(d / "roster.csv")
    # before: every role outside the vocabulary became "other"
    assert roster["role"].tolist() == ["facilitator"] + ["R1 faculty"] * 3 + ["facilitator"] + ["non-R1 faculty"] * 3
    assert roster["role_order"].tolist() == [None, 1, 1, 1, None, 2, 2, 2]
    part = corpus.participants.set_index("speaker")
    assert part.loc["nR1-02", "role"] == "non-R1 faculty" and part.loc["r1-01", "role"] == "R1 faculty"
    assert corpus.segments["role"].value_counts().to_dict() == {"R1 faculty": 9, "non-R1 faculty": 9, "facilitator": 2}


def test_order_roles_builtin_then_groups_then_catch_alls():
    roles = ["unknown", "non-R1 faculty", "other", "R1 faculty", "manager", "senior"]
    assert order_roles(roles, {"R1 faculty": 1, "non-R1 faculty": 2}) == [
        "senior",
        "manager",
        "R1 faculty",
        "non-R1 faculty",
        "other",
        "unknown",
    ]
    assert order_roles(roles) == ["senior", "manager", "non-R1 faculty", "R1 faculty", "other", "unknown"]


def test_role_by_theme_uses_the_study_groups_in_roster_order(study):
    _, corpus, codings = study
    t = role_by_theme(corpus, codings, codebook=CODEBOOK)
    assert list(dict.fromkeys(t["role"])) == ["R1 faculty", "non-R1 faculty", "all"]
    got = t.set_index(["code", "role"])[["n", "base"]]
    assert got.loc[("integrity", "R1 faculty")].tolist() == [6, 9]
    assert got.loc[("privacy", "non-R1 faculty")].tolist() == [6, 9]
    assert got.loc[("privacy", "R1 faculty")].tolist() == [0, 9]
    # a DataFrame of segments has no roster: natural order, unless role_order is given
    seg = corpus.segments
    assert list(dict.fromkeys(role_by_theme(seg, codings)["role"])) == ["non-R1 faculty", "R1 faculty", "all"]
    assert list(dict.fromkeys(role_by_theme(seg, codings, role_order=["R1 faculty", "non-R1 faculty"])["role"])) == [
        "R1 faculty",
        "non-R1 faculty",
        "all",
    ]
    res = role_theme_test(corpus, codings, codebook=CODEBOOK)
    assert list(res.observed.columns) == ["R1 faculty", "non-R1 faculty"]


def test_summary_quotes_and_breakdown_name_the_groups(study):
    _, corpus, codings = study
    s = theme_summary(corpus, codings, codebook=CODEBOOK).set_index("theme")
    assert s.loc["privacy", "description"].endswith("only by the non-R1 faculty group")
    assert s.loc["workload", "roles"] == "R1 faculty, non-R1 faculty"
    q = exemplar_quotes(corpus, codings, codebook=CODEBOOK, k=1)
    assert set(q["attribution"].str.split(",").str[0]) == {"R1 faculty", "non-R1 faculty"}
    t = participant_breakdown(corpus.participants[corpus.participants["role"] != "facilitator"], rows="method", cols="role")
    assert list(t.columns) == ["method", "R1 faculty", "non-R1 faculty", "total"]


def test_report_docx_uses_the_groups_and_neutral_wording(study, tmp_path):
    from outcomes_qual.report import write_report

    _, corpus, codings = study
    paths = write_report(corpus, codings, CODEBOOK, tmp_path)
    doc = docx.Document(paths["report"])
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0] == "What participants told us"
    assert "3. How the emphasis differed between groups" in heads
    assert "Participants in 2 transcripts talked about the themes below" in text
    assert "with 6 participants: 3 in the R1 faculty group and 3 in the non-R1 faculty group." in text
    assert "How the groups differed (Section 3 gives the test and the figures):" in text
    for word in (
        "Staff in",
        "staff",
        "practitioner",
        "Practitioner",
        "senior",
        "Senior",
        "manager",
        "Manager",
        "facultys",
        "Non-r1",
        "Other staff",
    ):
        assert word not in text, word
        assert not any(word in c for row in cells for c in row), word
    # the per-theme table by group (privacy comes first in the codebook), in roster order, headed "Group"
    by_group = [row for row in cells if row[0] in ("Group", "R1 faculty", "non-R1 faculty")]
    assert by_group[:3] == [
        ["Group", "Turns raising it", "% of group's turns", "Participants raising it", "% of group's participants"],
        ["R1 faculty", "0 of 9", "0%", "0 of 3", "0%"],
        ["non-R1 faculty", "6 of 9", "67%", "3 of 3", "100%"],
    ]
    assert ["Theme", "R1 faculty", "non-R1 faculty"] in cells  # the residuals table
    assert ["Method", "R1 faculty", "non-R1 faculty", "Total"] in cells  # participants by method
    quotes = [p.text for p in doc.paragraphs if p.text.startswith(("R1 faculty: ", "non-R1 faculty: "))]
    assert quotes and not any(n in q for q in quotes for n in ("r1-0", "nR1-0"))  # attributed by group, never by label


def test_mixed_study_keeps_builtin_roles_first_and_social_care_wording(tmp_path):
    from outcomes_qual.corpus import Corpus
    from outcomes_qual.report.docx_report import _words

    c = Corpus.from_turns("t", [("A", "manager", "x"), ("B", "Business support", "y")])
    assert _words(c)["role"] == "role"
    assert order_roles(c.segments["role"]) == ["manager", "Business support"]


def test_project_keeps_groups_and_their_order(study, tmp_path):
    from outcomes_qual.cli import main
    from outcomes_qual.project import Project

    d, _, codings = study
    project = tmp_path / "p.sqlite"
    assert main(["project", "init", str(project)]) == 0
    assert main(["project", "add", str(d), "--roster", str(d / "roster.csv"), "--project", str(project)]) == 0
    with Project.open(project) as proj:
        corpus = proj.corpus()
    assert list(dict.fromkeys(role_by_theme(corpus, codings)["role"])) == ["R1 faculty", "non-R1 faculty", "all"]
    # a roster applied to a project later keeps the groups too (it used to make them "other")
    from outcomes_qual.corpus import Corpus

    project2 = tmp_path / "q.sqlite"
    with Project.create(project2) as proj:
        proj.add_corpus(Corpus.from_turns("fg_r1", [("Facilitator", "facilitator", "Why?"), ("r1-01", "unknown", "Time.")]))
    assert main(["project", "roster", str(d / "roster.csv"), "--project", str(project2)]) == 0
    with Project.open(project2) as proj:
        parts = proj.participants()
    assert parts["role"].tolist() == ["facilitator", "R1 faculty"]


def test_web_matrix_lists_groups_in_roster_order(study, tmp_path):
    pytest.importorskip("starlette")
    from outcomes_qual.project import Project
    from outcomes_qual_web.analysis import matrix

    _, corpus, codings = study
    with Project.create(tmp_path / "w.sqlite") as proj:
        proj.add_corpus(corpus)
        proj.add_codings(codings.assign(status="accepted"))
        got = matrix(proj)
    assert got["roles"] == ["R1 faculty", "non-R1 faculty", "all"]


def test_refi_qda_export_keeps_group_as_role_variable(study, tmp_path):
    from outcomes_qual.interop import export_qdpx

    _, corpus, codings = study
    export_qdpx(corpus, codings, CODEBOOK, tmp_path / "s.qdpx")
    with zipfile.ZipFile(tmp_path / "s.qdpx") as z:
        qde = z.read("project.qde").decode("utf-8")
    assert "<TextValue>non-R1 faculty</TextValue>" in qde and "<TextValue>R1 faculty</TextValue>" in qde


def test_refi_qda_round_trip_keeps_the_roster_order_of_the_groups(study, tmp_path):
    """The cases are written in participant order (non-R1 first); the roster's order (R1 first) must come back."""
    from outcomes_qual.interop import export_qdpx, import_qdpx

    _, corpus, codings = study
    before = list(dict.fromkeys(role_by_theme(corpus, codings, codebook=CODEBOOK)["role"]))
    assert before == ["R1 faculty", "non-R1 faculty", "all"]
    assert corpus.participants["role"].tolist()[:2] == ["facilitator", "non-R1 faculty"]
    export_qdpx(corpus, codings, CODEBOOK, tmp_path / "s.qdpx")
    got = import_qdpx(tmp_path / "s.qdpx")
    assert list(dict.fromkeys(role_by_theme(got.corpus, got.codings, codebook=CODEBOOK)["role"])) == before


def test_cli_participants_normalise_keeps_study_groups(tmp_path):
    from outcomes_qual.cli import main

    roster = tmp_path / "roster.csv"
    roster.write_text(
        "transcript,speaker,role,method\n"
        "fg1,Facilitator,Facilitator,Focus group\n"
        "fg1,a,R1 faculty,Focus group\nfg1,b,non-R1 faculty,Focus group\nfg1,c,Team manager,Focus group\n",
        encoding="utf-8",
    )
    out = tmp_path / "t.csv"
    assert main(["participants", str(roster), "--rows", "method", "--cols", "role", "--normalise", "--out", str(out)]) == 0
    # before: both groups were folded into one "other" column
    assert out.read_text().splitlines()[0] == "method,manager,R1 faculty,non-R1 faculty,total"


def test_cli_segments_summary_names_the_groups(study, tmp_path, capsys):
    from outcomes_qual.cli import main

    d, _, _ = study
    assert main(["segments", str(d), "--roster", str(d / "roster.csv"), "--out", str(tmp_path / "s.csv")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "2 transcripts, 8 participants, 20 turns (2 facilitator, 9 R1 faculty, 9 non-R1 faculty)"
    )


def test_figures_label_the_groups_in_roster_order(study, tmp_path):
    from outcomes_qual.report.figures import participants_by_role_figure, role_theme_heatmap

    _, corpus, codings = study
    svg = role_theme_heatmap(role_by_theme(corpus, codings, codebook=CODEBOOK), tmp_path / "heat")[1].read_text()
    assert svg.index("R1 faculty") < svg.index("non-R1 faculty")
    assert "Share of each group's turns" in svg and "facultys" not in svg
    parts = corpus.participants[corpus.participants["role"] != "facilitator"]
    svg = participants_by_role_figure(parts, tmp_path / "parts")[1].read_text()
    assert "Participants by group and data-collection method" in svg
    assert svg.index("R1 faculty") < svg.index("non-R1 faculty")  # "R1 faculty" first occurs on its own
