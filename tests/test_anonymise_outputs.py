"""No roster or listed name leaves the toolkit: scan what ``report`` and ``export-qdpx`` write.

A small corpus whose turns name participants, a child, a parent, a service
user and a village goes through the real commands (report with keyword
coding and the light topic backend, so topic quotes are included; a project
exported as .qdpx), and every output file is scanned: report.docx (document
XML), tables.xlsx (shared strings, sheets), tables/*.csv, figures and the
.qdpx (project.qde and sources/*.txt).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from outcomes_qual.anonymise import scan_for_names
from outcomes_qual.cli import main

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("outcomes_qual.report") is None or importlib.util.find_spec("outcomes_qual.interop") is None,
    reason="the report and REFI export commands are not present in this checkout",
)

TRANSCRIPTS = {
    "ga_fg_practitioners.txt": """Method: focus group

Facilitator: What does outcomes-focused practice mean for you, Ceri?

Ceri: It's the conversation, really. With Llŷr we asked what matters to him and the plan came from that, not from the service list.

Gareth: Ceri's right about the culture change. Mrs Pritchard wanted to get to chapel in Cwm Eithin, and the outcome was her confidence, not a bath lift.

Nia: But the paperwork takes so much time. The IT system doesn't record outcomes, so I write everything twice for Megan Jones and every other family.

Ceri: Supervision helps. Gareth and I reflect on the conversations with our senior every fortnight.

Gareth: And the health partners still send referrals asking for services, not outcomes. Llyr's school was the same.
""",  # noqa: E501 - one turn per line, as transcripts are written
    "ga_fg_seniors.txt": """Method: focus group

Facilitator: How is the team responding, Siân?

Siân Hughes: Some staff are resistant; they feel it's the same thing with a new name. Mrs Hughes to the families, Siân to the team, and I hear it both ways.

Dafydd: The values are right but caseloads leave no time. I told Siân that supervision is where the culture shift happens.

Siân Hughes: Megan's case showed it: her mum Megan Jones set the goals herself and the review showed real progress.

Dafydd: Partners in health and housing need to be on board too, or the plan falls apart.
""",  # noqa: E501 - one turn per line, as transcripts are written
    "sl_fg_managers.txt": """Method: focus group

Facilitator: What does leadership look like here, Alison?

Alison Craig: Permission. As managers we have to model it and give staff time in supervision to reflect.

Graham: Measuring outcomes is the hard part. Our performance data counts services, not what changed for Mrs Pritchard or Llŷr.

Alison Craig: Graham is right; the system and the paperwork still pull people back to the old way of working.

Graham: Alison and I want partners to share the same purpose, and that culture takes time.
""",
}

ROSTER = """transcript,speaker,participant_id,role,authority,department,method
ga_fg_practitioners,Facilitator,EV-F01,facilitator,Glanafon,Adult services,focus group
ga_fg_practitioners,Ceri,GA-P01,practitioner,Glanafon,Adult services,focus group
ga_fg_practitioners,Gareth,GA-P02,practitioner,Glanafon,Adult services,focus group
ga_fg_practitioners,Nia,GA-P03,practitioner,Glanafon,Adult services,focus group
ga_fg_seniors,Facilitator,EV-F01,facilitator,Glanafon,Adult services,focus group
ga_fg_seniors,Siân Hughes,GA-P04,senior,Glanafon,Adult services,focus group
ga_fg_seniors,Dafydd,GA-P05,senior,Glanafon,Adult services,focus group
sl_fg_managers,Facilitator,EV-F01,facilitator,Strathlinn,Children's services,focus group
sl_fg_managers,Alison Craig,SL-P01,manager,Strathlinn,Children's services,focus group
sl_fg_managers,Graham,SL-P02,manager,Strathlinn,Children's services,focus group
"""

NAMES_CSV = """name,category,replacement
Llŷr,child,
Megan Jones,parent,
Mrs Pritchard,service_user,
Cwm Eithin,place,
"""

#: Every real name in the corpus: participants (roster) and listed third parties.
REAL_NAMES = [
    "Ceri",
    "Gareth",
    "Nia",
    "Siân Hughes",
    "Dafydd",
    "Alison Craig",
    "Graham",
    "Llŷr",
    "Megan Jones",
    "Mrs Pritchard",
    "Cwm Eithin",
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("anon_outputs")
    src = root / "in"
    src.mkdir()
    for name, text in TRANSCRIPTS.items():
        (src / name).write_text(text, encoding="utf-8")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (root / "names.csv").write_text(NAMES_CSV, encoding="utf-8")
    # the scan does see every name in the inputs (so a clean output means something)
    found = set(scan_for_names(src, REAL_NAMES)["name"])
    assert found == set(REAL_NAMES)
    return root


CODEBOOK = Path(__file__).resolve().parents[1] / "codebooks" / "outcomes_practice.yaml"


@pytest.fixture(scope="module")
def report_dir(inputs):
    out = inputs / "report"
    rc = main(
        [
            "report",
            str(inputs / "in"),
            "--roster",
            str(inputs / "roster.csv"),
            "--codebook",
            str(CODEBOOK),
            "--method",
            "keyword",
            "--topic-backend",
            "light",
            "--quiet",
            "--names",
            str(inputs / "names.csv"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    return out


def test_report_docx_xlsx_csv_and_figures_hold_no_names(report_dir):
    files = {p.relative_to(report_dir).as_posix() for p in report_dir.rglob("*") if p.is_file()}
    assert {"report.docx", "tables.xlsx"} <= files
    assert any(f.startswith("tables/") and f.endswith(".csv") for f in files)
    leaks = scan_for_names(report_dir, REAL_NAMES)
    assert leaks.empty, leaks.to_string()


def test_report_quotes_are_pseudonymised_not_dropped(report_dir):
    import pandas as pd

    quotes = pd.read_csv(report_dir / "tables" / "exemplar_quotes.csv", keep_default_na=False)
    text = "\n".join(quotes["quote"])
    # quotes that named people are kept, with the pseudonyms in place
    assert "[Child 1]" in text and "[Practitioner GA-P01]" in text
    assert quotes["attribution"].str.match(r"^(Practitioner|Senior|Manager), ").all()
    # topic representative quotes come from the pseudonymised text as well
    topics = pd.read_csv(report_dir / "tables" / "topics.csv", keep_default_na=False)
    topic_quotes = "\n".join(topics[[c for c in topics.columns if c.startswith("quote_")]].to_numpy().ravel())
    assert "[Practitioner GA-P0" in topic_quotes or "[Senior GA-P0" in topic_quotes or "[Child 1]" in topic_quotes


@pytest.fixture(scope="module")
def project(inputs):
    path = inputs / "p.sqlite"
    assert main(["project", "init", str(path)]) == 0
    assert main(["project", "add", "--roster", str(inputs / "roster.csv"), "--project", str(path), str(inputs / "in")]) == 0
    # code spans that contain names, and whole turns, so selections carry names into the export
    assert (
        main(["project", "code", "--coder", "kim", "--search", "Llŷr", "--spread", "match", "--project", str(path), "time"]) == 0
    )
    assert main(["project", "code", "--coder", "kim", "--search", "Pritchard", "--project", str(path), "partners"]) == 0
    return path


def test_qdpx_export_holds_no_names(inputs, project):
    out = inputs / "anon.qdpx"
    assert main(["export-qdpx", "--project", str(project), "--names", str(inputs / "names.csv"), str(out)]) == 0
    leaks = scan_for_names(out, REAL_NAMES)
    assert leaks.empty, leaks.to_string()


def test_qdpx_export_without_anonymising_does_leak(inputs, project):
    """Positive control: with --no-anonymise the same scan finds the names."""
    out = inputs / "internal.qdpx"
    assert main(["export-qdpx", "--project", str(project), "--no-anonymise", str(out)]) == 0
    leaks = scan_for_names(out, REAL_NAMES)
    assert {"Llŷr", "Ceri", "Mrs Pritchard"} <= set(leaks["name"])
    assert "project.qde" in set(leaks["member"])
    assert any(m.startswith("sources/") for m in leaks["member"])


def test_topics_outputs_hold_no_names(inputs):
    import argparse

    from outcomes_qual.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    if "--backend" not in sub.choices["topics"].format_help():
        pytest.skip("the topics command is not present in this checkout")
    out = inputs / "topics"
    rc = main(
        [
            "topics",
            str(inputs / "in"),
            "--roster",
            str(inputs / "roster.csv"),
            "--codebook",
            str(CODEBOOK),
            "--backend",
            "light",
            "--names",
            str(inputs / "names.csv"),
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert (out / "topics.csv").is_file()
    leaks = scan_for_names(out, REAL_NAMES)
    assert leaks.empty, leaks.to_string()
