"""write_report: report.docx read back with python-docx (headings, tables, quotes), no names anywhere."""

from __future__ import annotations

import zipfile
from types import SimpleNamespace

import pandas as pd
import pytest

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.report import write_report

docx = pytest.importorskip("docx")

NAMES = ("Gwenllian", "Rhodri", "Bethan", "Iolo", "Morag", "Fergus", "Ailsa", "Tavish")

CODEBOOK = Codebook(
    "mini",
    (
        Code("time", "Time", "Time pressure and the time good conversations need."),
        Code("time/caseloads", "Caseloads", "Caseload size."),
        Code("systems_barriers", "Systems barriers", "Forms, IT and processes in the way."),
        Code("culture_shift", "Culture shift", "Change in values and everyday practice."),
    ),
)

TEXTS = {
    "time": "There is never enough time in the week to sit with a family and really listen to what matters to them.",
    "systems_barriers": "The assessment form still asks about deficits in every box, and the IT system will not save a plan.",
    "culture_shift": "We have changed how we talk to people. The conversation starts with what matters, not with the service.",
}


def build(n_fg_turns: int = 3):
    """Two authorities, two focus groups and an interview; every turn coded by hand."""
    corpora, rows = [], []
    layout = [
        ("gl_fg", "Glanafon", "focus_group", [("Gwenllian", "practitioner"), ("Rhodri", "practitioner"), ("Bethan", "senior")]),
        ("st_fg", "Strathlinn", "focus_group", [("Morag", "practitioner"), ("Fergus", "senior"), ("Ailsa", "senior")]),
        ("st_int", "Strathlinn", "interview", [("Tavish", "manager")]),
    ]
    plan = {
        "practitioner": ["systems_barriers", "time", "systems_barriers"],
        "senior": ["culture_shift", "culture_shift", "time"],
        "manager": ["culture_shift", "time", "systems_barriers"],
    }
    for tid, authority, method, people in layout:
        turns = [("Facilitator", "facilitator", "What has changed for you, and what gets in the way?")]
        codes = []
        for k in range(n_fg_turns):
            for name, role in people:
                theme = plan[role][k % 3]
                turns.append((name, role, f"{TEXTS[theme]} {name} said so as well, turn {k}."))
                codes.append(theme)
        c = Corpus.from_turns(tid, turns, method=method, authority=authority)
        corpora.append(c)
        for sid, code in zip(c.segments["segment_id"][1:], codes, strict=True):
            rows.append((sid, code, "analyst", "manual", 1.0, ""))
            if code == "time":
                rows.append((sid, "time/caseloads", "analyst", "manual", 1.0, ""))
    codings = pd.DataFrame(rows, columns=["segment_id", "code", "coder", "method", "confidence", "evidence"])
    return Corpus.concat(corpora), codings


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    corpus, codings = build()
    agreement = pd.DataFrame(
        {
            "code": ["time", "all"],
            "unit": "segment",
            "n_units": [21, 21],
            "percent_agreement": [0.9, 0.86],
            "cohen_kappa": [0.7, 0.64],
            "krippendorff_alpha": [0.7, 0.63],
            "gwet_ac1": [0.8, 0.75],
        }
    )
    paths = write_report(corpus, codings, CODEBOOK, out, agreement=agreement, title="Mini evaluation")
    return paths, docx.Document(paths["report"])


def texts(doc):
    return [p.text for p in doc.paragraphs]


def table_rows(table):
    return [[c.text for c in row.cells] for row in table.rows]


def test_outputs_exist(written):
    paths, _ = written
    for key in ("report", "xlsx"):
        assert paths[key].is_file()
    for name in ("role_theme_heatmap", "theme_by_authority", "participants_by_role"):
        for ext in (".png", ".svg"):
            assert (paths["figures"] / f"{name}{ext}").is_file()
    assert (paths["tables"] / "role_by_theme.csv").is_file()


def test_headings(written):
    _, doc = written
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert heads[0] == "Mini evaluation"
    for h in (
        "Summary",
        "1. Methods and participants",
        "2. Findings by theme",
        "2.1 Time",
        "2.2 Systems barriers",
        "2.3 Culture shift",
        "3. How the emphasis differed between roles",
        "4. Comparison of authorities",
        "5. Emergent themes",
        "Appendix A. Codebook",
    ):
        assert h in heads


def test_methods_paragraph_from_data(written):
    _, doc = written
    body = " ".join(texts(doc))
    assert (
        "This report draws on 2 focus groups and 1 one-to-one interview in 2 local authorities "
        "(Glanafon and Strathlinn), with 7 participants: 3 practitioners, 3 seniors and 1 manager."
    ) in body
    assert "The transcripts hold 21 participant turns" in body
    assert "by hand by the evaluation team" in body
    assert (
        "Measured agreement with a human analyst over 21 segments: Cohen's kappa 0.64, Krippendorff's alpha 0.63, "
        "Gwet's AC1 0.75 and 86% agreement." in body
    )


def test_participant_tables(written):
    _, doc = written
    first = table_rows(doc.tables[0])
    assert first == [
        ["Method", "Practitioners", "Seniors", "Managers", "Total"],
        ["Focus group", "3", "3", "0", "6"],
        ["Interview", "0", "0", "1", "1"],
        ["Total", "3", "3", "1", "7"],
    ]
    second = table_rows(doc.tables[1])
    assert second[1] == ["Glanafon", "2", "1", "0", "3"]
    # header row repeats on each page
    assert doc.tables[0].rows[0]._tr.xpath("./w:trPr/w:tblHeader")


def test_theme_role_table_and_quotes(written):
    _, doc = written
    tables = [table_rows(t) for t in doc.tables]
    time_table = next(t for t in tables if t[0][0] == "Role" and t[1][1] == "3 of 9")
    # time: practitioners raised it in 3 of 9 turns (k=1 for each of 3), seniors 3 of 9, manager 1 of 3
    assert time_table[1] == ["Practitioners", "3 of 9", "33%", "3 of 3", "100%"]
    assert time_table[3] == ["Managers", "1 of 3", "33%", "1 of 1", "100%"]
    quotes = [p.text for p in doc.paragraphs if p.text.startswith(("Practitioner: “", "Senior: “", "Manager: “"))]
    assert len(quotes) >= 6
    assert any(q.startswith("Senior: “We have changed how we talk to people.") for q in quotes)
    assert all(q.rstrip().endswith(")") for q in quotes)  # context in brackets
    assert any("(Strathlinn, interview)" in q for q in quotes)


def test_vignette_box(written):
    _, doc = written
    boxes = [t for t in doc.tables if len(t.rows) == 1 and len(t.columns) == 1]
    assert boxes and boxes[0].cell(0, 0).paragraphs[0].text.startswith("Case vignette: ")
    assert boxes[0]._tbl.xpath(".//w:tcBorders") and boxes[0]._tbl.xpath(".//w:shd")


def test_figures_embedded_and_emergent_placeholder(written):
    _, doc = written
    assert len(doc.inline_shapes) == 3
    body = " ".join(texts(doc))
    assert "Topic modelling was not run for this report" in body


def test_roles_section_written_from_residuals(written):
    _, doc = written
    body = " ".join(texts(doc))
    assert "Practitioners dwelt more than other roles on systems barriers (+" in body
    assert "Seniors dwelt more than other roles on culture shift (+" in body


def test_codebook_appendix(written):
    _, doc = written
    last = table_rows(doc.tables[-2])
    assert last[0] == ["Theme / sub-code", "Key", "Definition"]
    assert [r[1] for r in last[1:]] == ["time", "time/caseloads", "systems_barriers", "culture_shift"]


def test_no_speaker_names_anywhere(written):
    paths, _ = written
    with zipfile.ZipFile(paths["report"]) as z:
        xml = " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
    with zipfile.ZipFile(paths["xlsx"]) as z:
        xml += " ".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml"))
    csvs = " ".join(p.read_text() for p in paths["tables"].glob("*.csv"))
    for name in NAMES:
        assert name not in xml, name
        assert name not in csvs, name
    assert "[name] said so as well" in xml


def test_emergent_section_from_topics_and_aliases(tmp_path):
    corpus, codings = build()
    topics = SimpleNamespace(
        topics=pd.DataFrame(
            {
                "topic_id": [0, 1],
                "label": ["agency cover", "time"],
                "size": [5, 9],
                "n_groups": [2, 3],
                "share_groups": [0.67, 1.0],
                "n_participants": [4, 7],
                "share_participants": [0.57, 1.0],
                "top_words": ["agency, cover, locum", "time, week"],
                "quote_1": ["There is never enough time in the week", "x"],
                "quote_2": [None, None],
                "quote_3": [None, None],
                "nearest_code": ["time", "time"],
                "similarity": [0.21, 0.8],
                "emergent": [True, False],
            }
        ),
        topic_by_role=pd.DataFrame(
            {
                "topic_id": [0, 0],
                "label": "agency cover",
                "emergent": True,
                "role": ["practitioner", "senior"],
                "n_segments": [4, 1],
                "share_segments": [0.8, 0.2],
                "n_participants": [3, 1],
                "share_participants": [0.75, 0.25],
            }
        ),
        topic_by_authority=pd.DataFrame({"topic_id": [0], "authority": ["Glanafon"], "n_segments": [5]}),
    )
    paths = write_report(corpus, codings, CODEBOOK, tmp_path, topics=topics, alias_authorities=True)
    doc = docx.Document(paths["report"])
    heads = [p.text for p in doc.paragraphs]
    assert "Emergent topic 1: agency cover" in heads
    body = " ".join(heads)
    assert "Key words: agency, cover, locum" in body
    assert "Clustering the participant turns by meaning gave 2 topics. 1 topic lay close to a codebook theme" in body
    assert any(h.startswith("Practitioner: “There is never enough time") for h in heads)
    from openpyxl import load_workbook

    assert {"topics", "topic_by_role", "topic_by_authority"} <= set(load_workbook(paths["xlsx"]).sheetnames)
    # alias_authorities=True: councils shown as Authority A/B everywhere in the report
    with zipfile.ZipFile(paths["report"]) as z:
        xml = z.read("word/document.xml").decode()
    assert "Glanafon" not in xml and "Strathlinn" not in xml
    assert "Authority A" in xml and "Authority B" in xml


def test_degenerate_inputs_still_give_a_report(tmp_path):
    """No codings and a single authority: the report says so instead of failing."""
    corpus, codings = build()
    one = corpus.subset(["gl_fg"])
    paths = write_report(one, codings.iloc[0:0], CODEBOOK, tmp_path)
    doc = docx.Document(paths["report"])
    body = " ".join(texts(doc))
    assert "No participant turn was coded with this theme." in body
    assert "Only one role (or one theme) is present" in body
    assert "The corpus comes from a single authority, so authorities cannot be compared." in body
    assert not (paths["figures"] / "theme_by_authority.png").exists()
    assert len(doc.inline_shapes) == 2


# ---------------------------------------------------------------- issue 21.9: the report's rough edges
def _summary(doc):
    texts = [p.text for p in doc.paragraphs]
    return texts[texts.index("Summary") + 1 : texts.index("1. Methods and participants")]


def test_summary_states_role_differences_in_plain_words(written):
    summary = " ".join(_summary(written[1]))
    assert "How the roles differed (Section 3 gives the test and the figures):" in summary
    assert not __import__("re").search(r"\([+−-]?\d\.\d\)", summary)  # no bare "(+2.1)" residuals
    assert "of their turns, against" in summary or "No role stood out" in summary


def test_no_hard_page_break_before_the_appendices(written):
    with zipfile.ZipFile(written[0]["report"]) as z:
        xml = z.read("word/document.xml").decode()
    assert 'w:type="page"' not in xml


def test_header_words_never_break_mid_word(written):
    from outcomes_qual.report._docx import word_width_cm

    for table in written[1].tables:
        header = [c.text for c in table.rows[0].cells]
        if len(header) < 2:
            continue
        size = 8.5 if len(header) <= 6 else 7.5
        for j, h in enumerate(header):
            assert table.columns[j].width.cm >= word_width_cm(h, size) - 1e-3, (header, h)  # EMU rounding


def test_narrow_turns_column_is_widened(tmp_path):
    from outcomes_qual.report._docx import add_table, word_width_cm

    doc = docx.Document()
    header = ["Topic", "Key words", "Turns", "Nearest theme", "Similarity", "Emergent"]
    table = add_table(doc, header, [["a", "b", 3, "Time", "0.31", "yes"]], widths=[2.9, 5.0, 1.3, 2.8, 2.2, 2.2])
    assert table.columns[2].width.cm >= word_width_cm("Turns", 8.5) > 1.3
    assert sum(c.width.cm for c in table.columns) == pytest.approx(16.4, abs=0.01)


def test_long_tables_keep_their_last_rows_together():
    from outcomes_qual.report._docx import add_table

    doc = docx.Document()
    table = add_table(doc, ["Theme", "n"], [[f"t{i}", i] for i in range(20)])
    assert all(c.paragraphs[0].paragraph_format.keep_with_next for r in table.rows[-4:-1] for c in r.cells)
    assert not table.rows[-1].cells[0].paragraphs[0].paragraph_format.keep_with_next


def test_vignette_is_a_turn_whose_strongest_theme_is_the_theme():
    from outcomes_qual.report.tables import build_tables

    hybrid = (
        "Since we went hybrid I hardly see the team; working from home means the duty room is empty and the "
        "emails pile up, and I miss the chat in the office that used to sort things out before lunch. Some "
        "colleagues say the new approach is just another initiative, but mostly it is the hybrid working that "
        "changed how the week feels for all of us here."
    )
    pushback = (
        "Some of the older hands still say strengths-based practice is a fad that will pass when the money goes, "
        "and they push back in every team meeting when we try to write outcomes in the family's own words "
        "instead of the old service list. It takes patience to bring them round, case by case and supervision "
        "by supervision, and some never come round at all."
    )
    c = Corpus.from_turns(
        "fg",
        [("F", "facilitator", "What gets in the way?"), ("Ann", "practitioner", hybrid), ("Bob", "senior", pushback)],
        authority="Glanafon",
    )
    cod = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:002", "fg:003"],
            "code": ["time", "resistance", "resistance"],
            "confidence": [0.9, 0.35, 0.8],
        }
    )
    v = build_tables(c, cod, None)["vignette_candidates"]
    assert v[v["code"] == "resistance"]["segment_id"].tolist() == ["fg:003"]
    assert v[v["code"] == "time"]["segment_id"].tolist() == ["fg:002"]


# ------------------------------------------------------------ the coding the report trusts
def _long(topic: str, n: int) -> str:
    """A distinct turn of about 300 characters about ``topic``."""
    return (
        f"Turn {n} is about {topic}. " + f"We talked it through as a team, case {n} after case {n}, and wrote it "
        "down together so that the plan said what the family wanted rather than what the service offered. " * 3
    )[:300]


def _trust_corpus(n: int):
    return Corpus.from_turns(
        "fg",
        [("F", "facilitator", "What gets in the way?")] + [(f"P{i}", "practitioner", _long("work", i)) for i in range(n)],
        authority="Glanafon",
    )


def test_vignette_candidates_reach_past_turns_whose_best_theme_is_another():
    from outcomes_qual.report.tables import build_tables

    # six turns mention resistance (0.9) but are mostly about time (0.95); one is mostly about resistance (0.5)
    c = _trust_corpus(7)
    sids = [f"fg:{i:03d}" for i in range(2, 9)]
    cod = pd.DataFrame(
        {
            "segment_id": sids[:6] * 2 + [sids[6]],
            "code": ["time"] * 6 + ["resistance"] * 7,
            "confidence": [0.95] * 6 + [0.9] * 6 + [0.5],
            "method": "ensemble",
            "status": "suggested",
        }
    )
    v = build_tables(c, cod, None, k=1)["vignette_candidates"]
    assert v[v["code"] == "resistance"]["segment_id"].tolist() == ["fg:008"]
    assert v[v["code"] == "time"]["segment_id"].tolist() == ["fg:002", "fg:003", "fg:004"]


def test_a_vignettes_best_code_puts_a_persons_decision_first():
    from outcomes_qual.report.tables import build_tables, strongest_theme

    c = _trust_corpus(2)
    # fg:002: a person accepted partners (0.55); time is a more confident suggestion no one has reviewed
    cod = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:002", "fg:003", "fg:003"],
            "code": ["partners", "time", "time", "partners"],
            "confidence": [0.55, 0.9, 0.8, 0.95],
            "method": "ensemble",
            "status": ["accepted", "suggested", "suggested", "rejected"],
        }
    )
    v = build_tables(c, cod, None)["vignette_candidates"]
    assert sorted(map(tuple, v[["code", "segment_id"]].values.tolist())) == [("partners", "fg:002"), ("time", "fg:003")]
    assert v.set_index("segment_id")["reviewed"].to_dict() == {"fg:002": True, "fg:003": False}
    q = pd.DataFrame({"segment_id": ["fg:002", "fg:002", "fg:003"], "code": ["partners", "time", "time"]})
    assert strongest_theme(q, cod).tolist() == [True, False, True]


def _theme_notes(doc):
    return [p.text for p in doc.paragraphs if "quotes shown under this theme" in p.text or "quote shown under" in p.text]


def test_report_quotes_reviewed_first_and_says_how_many(tmp_path):
    # two practitioners and a senior on culture shift: the practitioner's 0.99 suggestion is unreviewed,
    # the other practitioner's 0.6 was accepted, the senior's 0.97 was rejected
    c = Corpus.from_turns(
        "fg",
        [
            ("F", "facilitator", "What has changed?"),
            ("Ann", "practitioner", _long("culture one", 1)),
            ("Cai", "practitioner", _long("culture two", 2)),
            ("Bob", "senior", _long("culture three", 3)),
        ],
        authority="Glanafon",
    )
    cod = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:003", "fg:004"],
            "code": "culture_shift",
            "coder": "outcomes_qual",
            "method": "ensemble",
            "confidence": [0.99, 0.6, 0.97],
            "status": ["suggested", "accepted", "rejected"],
            "reviewed_by": [None, "ana", "ana"],
        }
    )
    paths = write_report(c, cod, CODEBOOK, tmp_path, coding_method="ensemble")
    doc = docx.Document(paths["report"])
    body = texts(doc)
    quotes = [p for p in body if p.startswith(("Practitioner: “", "Senior: “"))]
    # the accepted one first, then the unreviewed one; the rejected one never
    assert [q.split("“")[1][:27] for q in quotes] == ["Turn 2 is about culture two", "Turn 1 is about culture one"]
    assert "Turn 3" not in " ".join(body)
    assert _theme_notes(doc) == [
        "Of the 2 quotes shown under this theme, 1 comes from a coding a person made or "
        "accepted and 1 from the automated coding's most confident suggestions that no one "
        "has reviewed yet."
    ]
    methods = " ".join(body[body.index("1. Methods and participants") : body.index("2. Findings by theme")])
    assert (
        "Quotes and case vignettes were drawn first from codings a person made or accepted, then from the automated "
        "coding's most confident unreviewed suggestions, never from a rejected coding; a case vignette is a turn "
        "whose strongest code is its theme. 1 of the 2 quotes shown comes from a reviewed coding."
    ) in methods


def test_report_vignette_reviewed_before_a_more_confident_suggestion(tmp_path):
    # three practitioners (two accepted, one unreviewed at 0.99) and three seniors (all accepted at 0.6):
    # each role's two best quotes are shown, and the vignette is the senior left over, not the 0.99 suggestion
    people = [
        ("Ann", "practitioner"),
        ("Cai", "practitioner"),
        ("Dee", "practitioner"),
        ("Bob", "senior"),
        ("Eve", "senior"),
        ("Fay", "senior"),
    ]
    c = Corpus.from_turns(
        "fg",
        [("F", "facilitator", "What has changed?")]
        + [(name, role, _long(f"culture {i}", i)) for i, (name, role) in enumerate(people, start=1)],
        authority="Glanafon",
    )
    cod = pd.DataFrame(
        {
            "segment_id": [f"fg:{i:03d}" for i in range(2, 8)],
            "code": "culture_shift",
            "coder": "outcomes_qual",
            "method": "ensemble",
            "confidence": [0.6, 0.6, 0.99, 0.6, 0.6, 0.6],
            "status": ["accepted", "accepted", "suggested", "accepted", "accepted", "accepted"],
        }
    )
    doc = docx.Document(write_report(c, cod, CODEBOOK, tmp_path, coding_method="ensemble")["report"])
    quotes = [p.text.split("“")[1][:17] for p in doc.paragraphs if p.text.startswith(("Practitioner: “", "Senior: “"))]
    assert quotes == ["Turn 1 is about c", "Turn 2 is about c", "Turn 4 is about c", "Turn 5 is about c"]
    boxes = [t for t in doc.tables if len(t.rows) == 1 and len(t.columns) == 1]
    assert boxes[0].cell(0, 0).paragraphs[1].text.startswith("“Turn 6 is about culture 6.")
    assert _theme_notes(doc) == [
        "All 5 quotes shown under this theme (the case vignette included) come from codings a person made or accepted."
    ]


def test_report_all_quotes_reviewed_says_so(written):
    _, doc = written
    notes = _theme_notes(doc)
    assert len(notes) == 3
    assert all(n.startswith("All ") and n.endswith("come from codings a person made or accepted.") for n in notes)
