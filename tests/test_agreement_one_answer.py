"""One question, one answer: "how far does the machine agree with this person" is the same figure in
``validate``, Appendix D of the report, ``agreement`` and the web app's Agreement screen."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from outcomes_qual.cli import main
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

CODEBOOK = Codebook(
    "t",
    (
        Code("systems_barriers", "Systems", "Systems in the way."),
        Code("systems_barriers/forms", "Forms", "Forms."),
        Code("culture_shift", "Culture", "Changing practice."),
        Code("time", "Time", "Not enough time."),
        Code("partners", "Partners", "Other agencies."),
    ),
)
TURNS = [
    ("Fac", "facilitator", "What changed?"),
    ("Ann", "practitioner", "The forms take all week."),
    ("Bo", "manager", "We ask what matters."),
    ("Ann", "practitioner", "Never enough time."),
    ("Cy", "senior", "Caseloads are huge."),
    ("Di", "practitioner", "The GP calls us."),
]
SUGGESTIONS = [
    ("fg:002", "systems_barriers"),
    ("fg:002", "time"),
    ("fg:003", "culture_shift"),
    ("fg:004", "time"),
    ("fg:006", "partners"),
]


@pytest.fixture
def project(tmp_path):
    """ana accepts one suggestion on fg:002 and leaves the other pending, rejects fg:003, never opens fg:004,
    codes fg:006 (where a suggestion waits) and fg:005 by hand. bea only accepts and rejects."""
    path = tmp_path / "p.sqlite"
    with Project.create(path) as proj:
        proj.add_corpus(Corpus.from_turns("fg", TURNS))
        proj.add_codebook(CODEBOOK)
        ids = proj.add_codings(
            pd.DataFrame(
                [
                    {"segment_id": s, "code": c, "coder": "outcomes_qual", "method": "keyword", "confidence": 0.7}
                    for s, c in SUGGESTIONS
                ]
            )
        )
        proj.accept(ids[0], reviewer="ana")
        proj.reject(ids[2], reviewer="ana")
        proj.code_segment("fg:006", "partners", coder="ana")
        proj.code_segment("fg:005", "time", coder="ana")
        proj.accept(ids[3], reviewer="bea")
        proj.reject(ids[4], reviewer="bea")
    return path


def _cli(capsys, *argv) -> str:
    code = main([*map(str, argv)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_validate_appendix_agreement_and_web_give_one_figure(project, tmp_path, capsys):
    from outcomes_qual.report.ai_use import ai_use_from_project, ai_use_paragraphs
    from outcomes_qual_web.analysis import coder_agreement

    _cli(capsys, "validate", "--project", project, "--against", "ana", "--boot", "0", "--out", tmp_path / "v.csv")
    out = _cli(
        capsys,
        "agreement",
        "--project",
        project,
        "--coders",
        "outcomes_qual",
        "ana",
        "--level",
        "theme",
        "--out",
        tmp_path / "a.csv",
    )
    assert "on the 4 turn(s) ana coded or reviewed" in out
    validated = pd.read_csv(tmp_path / "v.csv").set_index("code")
    agreed = pd.read_csv(tmp_path / "a.csv").set_index("code")
    with Project.open(project) as proj:
        web = {r["code"]: r for r in coder_agreement(proj, "ana", "outcomes_qual", level="theme")["rows"]}
        info = ai_use_from_project(proj, against="ana", n_boot=0)
    appendix = info.agreement.set_index("code")

    # by hand: the units are fg:002, fg:003, fg:005, fg:006 (fg:004 was never opened); on fg:002 "time" is
    # still pending on a turn ana reviewed, so that one decision is left out: 4 themes x 4 turns - 1 = 15
    # decided cells in code order, turns fg:002, fg:003, fg:005, fg:006 (time: fg:003, fg:005, fg:006 only)
    m = [1, 0, 0, 0] + [0, 1, 0, 0] + [0, 0, 0] + [0, 0, 0, 1]
    h = [1, 0, 0, 0] + [0, 0, 0, 0] + [0, 1, 0] + [0, 0, 0, 1]
    kappa = cohen_kappa_score(m, h)
    assert len(m) == 15
    assert appendix.loc["all", "n_units"] == 15 and appendix.loc["all", "n_undecided"] == 1
    assert appendix.loc["all", "cohen_kappa"] == pytest.approx(kappa, abs=1e-12)
    assert info.n_units == 4

    # one figure everywhere, to the digit
    assert validated.loc["all", "cohen_kappa"] == agreed.loc["all", "cohen_kappa"] == round(kappa, 4)
    assert round(web["all"]["cohen_kappa"], 4) == round(kappa, 4)
    for code in ("systems_barriers", "culture_shift", "time", "partners", "all"):
        assert validated.loc[code, "n_units"] == agreed.loc[code, "n_units"] == web[code]["n_units"]
        assert validated.loc[code, "percent_agreement"] == agreed.loc[code, "percent_agreement"]
        assert round(web[code]["percent_agreement"], 4) == validated.loc[code, "percent_agreement"]
        assert appendix.loc[code, "n_units"] == validated.loc[code, "n_units"]
    assert f"Cohen's kappa was {kappa:.2f}" in " ".join(ai_use_paragraphs(info))


def test_agreement_with_a_person_who_only_reviewed(project, tmp_path, capsys):
    _cli(
        capsys,
        "validate",
        "--project",
        project,
        "--against",
        "bea",
        "--boot",
        "0",
        "--level",
        "code",
        "--out",
        tmp_path / "v.csv",
    )
    _cli(
        capsys,
        "agreement",
        "--project",
        project,
        "--coders",
        "bea",
        "outcomes_qual",
        "--out",
        tmp_path / "a.csv",
        "--disagreements",
        tmp_path / "d.csv",
    )
    validated = pd.read_csv(tmp_path / "v.csv").set_index("code")
    agreed = pd.read_csv(tmp_path / "a.csv").set_index("code")
    assert agreed.loc["all", "n_units"] == validated.loc["all", "n_units"] == 2 * 5  # fg:004, fg:006 x 5 codes
    assert agreed.loc["all", "percent_agreement"] == validated.loc["all", "percent_agreement"] == 0.9
    diff = pd.read_csv(tmp_path / "d.csv", dtype=str).fillna("")
    assert diff[["segment_id", "only_a", "only_b"]].values.tolist() == [["fg:006", "partners", ""]]


def test_agreement_refuses_a_machine_with_options_that_do_not_apply(project, tmp_path, capsys):
    code = main(
        [
            "agreement",
            "--project",
            str(project),
            "--coders",
            "outcomes_qual",
            "ana",
            "--unit",
            "participant",
            "--out",
            str(tmp_path / "a.csv"),
        ]
    )
    _, err = capsys.readouterr()
    assert code == 2 and "outcomes-qual validate" in err


def test_two_people_keep_the_whole_transcript_as_units(project, tmp_path, capsys):
    with Project.open(project) as proj:
        proj.code_segment("fg:005", "time", coder="ben")
    out = _cli(capsys, "agreement", "--project", project, "--coders", "ana", "ben", "--out", tmp_path / "a.csv")
    assert "2 code(s) x 5 segment unit(s) (10 decisions pooled in 'all')" in out  # 5 participant turns x 2 codes


def test_kappa_of_a_code_nobody_used_is_printed_as_undefined(project, tmp_path, capsys):
    with Project.open(project) as proj:
        proj.code_segment("fg:005", "time", coder="ben")
    out = _cli(
        capsys,
        "agreement",
        "--project",
        project,
        "--coders",
        "ana",
        "ben",
        "--codes",
        "culture_shift",
        "--out",
        tmp_path / "a.csv",
    )
    assert "overall kappa undefined, alpha undefined, AC1 1.000" in out
    assert pd.read_csv(tmp_path / "a.csv")["cohen_kappa"].isna().all()
    out = _cli(capsys, "validate", "--project", project, "--against", "ana", "--boot", "0", "--level", "code")
    line = next(x for x in out.splitlines() if x.startswith("systems_barriers/forms"))
    assert line.split()[5:7] == ["n/a", "n/a"]  # units, machine, human, % agreement, kappa, alpha
