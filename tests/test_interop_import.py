"""Importing .qdpx projects in the shapes NVivo, ATLAS.ti, MAXQDA and QualCoder write them."""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from outcomes_qual.interop import import_qdpx
from outcomes_qual.interop._positions import SourceText
from outcomes_qual.interop._turns import find_turns
from outcomes_qual.text import normalise_text

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "refi"


def pack(name: str, dest: Path) -> Path:
    """Zip the fixture folder ``name`` into ``dest/name.qdpx``."""
    out = dest / f"{name}.qdpx"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for f in sorted((FIXTURES / name).rglob("*")):
            if f.is_file():
                zf.write(f, f.relative_to(FIXTURES / name).as_posix())
    return out


def quotes(result) -> list[tuple[str, str, str, str]]:
    """(segment_id, code, coder, coded text) per coding, in order."""
    out = []
    for r in result.codings.itertuples():
        tid = r.segment_id.rsplit(":", 1)[0]
        if pd.isna(r.start_char):
            text = result.corpus.segments.set_index("segment_id").at[r.segment_id, "text"]
        else:
            text = result.corpus.texts[tid][int(r.start_char) : int(r.end_char)]
        out.append((r.segment_id, r.code, r.coder, text))
    return out


def test_fixture_sources_keep_their_bytes():
    # CRLF and the BOM must not be normalised away by git or an editor.
    nvivo = next((FIXTURES / "nvivo_like" / "Sources").glob("*.txt")).read_bytes()
    assert nvivo.startswith(b"\xef\xbb\xbf") and nvivo.count(b"\r\n") == 5
    assert (FIXTURES / "maxqda_flat" / "sources" / "doc1.txt").read_bytes().count(b"\r\n") == 3


def test_nvivo_like(tmp_path):
    got = import_qdpx(pack("nvivo_like", tmp_path))
    assert got.origin.startswith("NVivo") and got.skipped == []
    text = got.corpus.texts["Interview Morag"]
    assert "\r" not in text and not text.startswith("\ufeff")
    seg = got.corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Morag", "Interviewer", "Morag"]
    # one case per interview (SourceRef): its attributes go to the one respondent
    assert seg["participant_id"].tolist() == ["Interview Morag_Interviewer", "Morag", "Interview Morag_Interviewer", "Morag"]
    assert seg["role"].tolist() == ["facilitator", "mentor", "facilitator", "mentor"]
    morag = got.corpus.participants.set_index("participant_id").loc["Morag"]
    assert (morag["Years in post"], morag["Interview date"], morag["Part time"], morag["FTE"]) == (12, "2025-11-03", True, 0.6)
    assert got.codebook.keys() == [
        "culture_shift",
        "culture_shift/conversations",
        "culture_shift/conversations/what_matters",
        "systems_barriers",
        "systems_barriers/forms_it",
    ]
    assert got.codebook["culture_shift"].color == "#e69f00"
    assert quotes(got) == [
        ("Interview Morag:002", "culture_shift/conversations/what_matters", "Fiona Analyst", "what matters to the person"),
        (
            "Interview Morag:002",
            "culture_shift",
            "Fiona Analyst",
            "We start with what matters to the person now.\nIt took a while to feel natural.",
        ),
        ("Interview Morag:004", "systems_barriers/forms_it", "Fiona Analyst", "The forms still ask about services"),
    ]
    # a selection covering the whole turn is a turn coding, not a span
    assert got.codings["start_char"].isna().tolist() == [False, True, False]
    assert got.codings["created_at"].tolist()[0] == "2025-11-10T09:30:00"


def test_atlasti_like(tmp_path):
    qdpx = pack("atlasti_like", tmp_path)
    (tmp_path / "group2.txt").write_text("Facilitator: Anything else?\nRhys: The discharge team calls us late.\n")
    got = import_qdpx(qdpx)
    assert list(got.corpus.texts) == ["Group 1", "Team notes", "Group 2"]
    assert got.codebook.keys() == ["partners", "partners/health", "wellbeing", "wellbeing/health"]
    assert quotes(got) == [
        ("Group 1:002", "partners/health", "Gwen", "The practice nurse rings us now"),  # coder from the selection
        ("Group 1:003", "partners/health", "Huw", "Health colleagues still want a service named on the form."),
        ("Team notes:002", "wellbeing/health", "Gwen", "wellbeing offer from health was patchy"),
    ]
    assert got.skipped == [
        "pdf source 'Service leaflet' skipped: only text can be imported (1 coding(s) on it not imported)",
        "audio source 'Group 1 recording' skipped: only text can be imported",
    ]
    memos = got.memos.set_index("text")
    assert memos.loc[
        "Split health into primary and acute care later.", ["target_type", "target_id", "author", "created_at"]
    ].tolist() == ["code", "partners", "Gwen", "2025-06-01T11:00:00"]
    assert memos.loc["Same complaint came up in group 2.", ["target_type", "target_id"]].tolist() == ["segment", "Group 1:003"]
    assert got.corpus.segments.set_index("segment_id").at["Group 1:001", "role"] == "facilitator"


def test_atlasti_like_missing_relative_file_is_reported(tmp_path):
    got = import_qdpx(pack("atlasti_like", tmp_path))
    assert "source 'Group 2': text file 'relative://group2.txt' is not in the archive" in got.skipped
    assert list(got.corpus.texts) == ["Group 1", "Team notes"]


def test_maxqda_flat_codebook_and_crlf_counted_as_one(tmp_path):
    got = import_qdpx(pack("maxqda_flat", tmp_path))
    assert got.codebook.keys() == ["time", "time/caseloads", "time/deadlines", "resistance", "resistance/waiting_it_out"]
    assert got.codebook["resistance/waiting_it_out"].label == "Waiting it out"
    assert quotes(got) == [
        ("Seniors group:001", "time/caseloads", "Iona", "Caseloads are too high"),
        # one selection across two turns: a span in each
        ("Seniors group:001", "time/deadlines", "Iona", "listen properly."),
        ("Seniors group:002", "time/deadlines", "Iona", "The review deadline"),
        ("Seniors group:003", "resistance/waiting_it_out", "Iona", "Some folk just wait for this to pass."),
    ]
    tr = got.corpus.transcripts.iloc[0]
    assert (tr["authority"], tr["method"]) == ("Strathlinn", "focus_group")
    assert set(got.corpus.participants["authority"]) == {"Strathlinn"}


def test_maxqda_forced_wrong_convention_shifts_later_selections(tmp_path):
    # Forcing "CR counts" on a file that counted CRLF as one shifts every
    # selection after a line end: what auto-detection avoids.
    got = import_qdpx(pack("maxqda_flat", tmp_path), crlf="raw")
    assert quotes(got)[0][3] == "Caseloads are too high"
    assert quotes(got)[-1][3] != "Some folk just wait for this to pass."
    with pytest.raises(ValueError, match="convention"):
        import_qdpx(pack("maxqda_flat", tmp_path), crlf="sideways")


def test_qualcoder_like_cases_matched_by_speaker_name(tmp_path):
    got = import_qdpx(pack("qualcoder_like", tmp_path))
    part = got.corpus.participants.set_index("participant_id")
    assert part.loc["Aileen", "role"] == "senior"
    # mapped as a roster maps it; the role as written kept in role_raw
    assert part.loc["Duncan", ["role", "role_raw"]].tolist() == ["manager", "Team leader"]
    assert str(part["years_in_role"].dtype) == "Int64" and part.loc["Duncan", "years_in_role"] == 15
    assert part.loc["Aileen", "trained_on"] == "2024-09-12"
    assert quotes(got) == [
        ("fg_seniors:002", "time/time_for_relationships", "default", "Time to build the relationship before the assessment."),
        ("fg_seniors:003", "culture_shift/leadership", "default", "A manager who backs you at panel."),
        ("fg_seniors:004", "systems_barriers", "default", "fewer forms"),
    ]


def test_fixtures_import_into_a_project_and_agree_with_themselves(tmp_path):
    from outcomes_qual.interop.project_io import import_qdpx_to_project
    from outcomes_qual.project import Project

    for name in ("nvivo_like", "maxqda_flat", "qualcoder_like"):
        summary = import_qdpx_to_project(pack(name, tmp_path), tmp_path / f"{name}.sqlite")
        assert summary["created"] and summary["codings_added"] >= 3
        with Project.open(tmp_path / f"{name}.sqlite") as p:
            assert len(p.codings()) == summary["codings_added"]
            p.corpus().check()


# ---------------------------------------------------------------- position re-basing
def test_positions_crlf_bom_and_nfd():
    raw = "\ufeffA: Cafe\u0301 time\r\nB: ok\r\n"
    st_ = SourceText.from_str(raw)
    assert st_.text == "A: Café time\nB: ok\n"
    pmap = st_.position_map([(3, 8), (18, 20)], convention="raw")  # BOM not counted
    assert st_.text[pmap(3) : pmap(8)] == "Café"
    assert st_.text[pmap(18) : pmap(20)] == "ok"
    pmap = st_.position_map([(3, 8), (17, 19)], convention="collapsed")
    assert st_.text[pmap(17) : pmap(19)] == "ok"
    # auto picks the convention in which both selections sit on word boundaries
    assert st_.position_map([(3, 8), (17, 19)]).convention == "collapsed"
    assert st_.position_map([(3, 8), (18, 20)]).convention == "raw"


def test_non_utf8_source_is_read_and_reported():
    st_ = SourceText.from_bytes("Caf\xe9".encode("cp1252"))
    assert (st_.text, st_.encoding) == ("Café", "cp1252")
    assert SourceText.from_bytes("\ufeffHi".encode("utf-16")).text == "Hi"


_pieces = st.sampled_from(["a", "b", "Z", " ", ".", "e\u0301", "é", "\r\n", "\n", "🙂", "ŵ", "w\u0302"])


@settings(max_examples=80, deadline=None)
@given(tokens=st.lists(_pieces, min_size=1, max_size=40), data=st.data(), collapse=st.booleans())
def test_rebased_positions_select_the_same_text(tokens, data, collapse):
    """Selections at token boundaries select the normalised version of the same text."""
    raw = "".join(tokens)
    basis = raw.replace("\r\n", "\n") if collapse else raw
    bounds, pos = [0], 0
    for t in tokens:
        pos += len(t.replace("\r\n", "\n") if collapse else t)
        bounds.append(pos)
    i = data.draw(st.integers(0, len(bounds) - 1))
    j = data.draw(st.integers(i, len(bounds) - 1))
    s, e = bounds[i], bounds[j]
    src = SourceText.from_str(raw)
    pmap = src.position_map([(s, e)], convention="collapsed" if collapse else "raw")
    want = unicodedata.normalize("NFC", basis[s:e].replace("\r\n", "\n"))
    assert src.text[pmap(s) : pmap(e)] == want
    assert src.text == normalise_text(raw)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Ann", "Bo Li", "Interviewer", ""]),
            st.text(alphabet="abc .,?", min_size=1, max_size=20).filter(lambda s: s.strip()),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_find_turns_spans_are_trimmed_and_ordered(lines):
    text = "\n".join(f"{sp}: {t}" if sp else t for sp, t in lines)
    turns = find_turns(text)
    assert turns, text
    last = -1
    for t in turns:
        assert last <= t.start < t.end <= len(text)
        assert text[t.start : t.end] == text[t.start : t.end].strip()
        last = t.end


def test_case_selections_of_another_tool_assign_turns_to_cases(tmp_path):
    """Another tool's case selections are passages: turns come from the text, cases from overlap."""
    text = "Interviewer: How is it going?\nParticipant 2: Better since the new forms.\nInterviewer: Good.\n"
    s = text.index("Better")
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="p">
  <Users><User guid="00000000-0000-4000-8000-000000000001" name="x"/></Users>
  <Variables><Variable guid="00000000-0000-4000-8000-0000000000a1" name="role" typeOfVariable="Text"/></Variables>
  <Cases><Case guid="00000000-0000-4000-8000-0000000000c1" name="Pat">
    <VariableValue><VariableRef targetGUID="00000000-0000-4000-8000-0000000000a1"/>
      <TextValue>Practitioner</TextValue></VariableValue>
    <SelectionRef targetGUID="00000000-0000-4000-8000-0000000000e1"/></Case></Cases>
  <Sources><TextSource guid="00000000-0000-4000-8000-0000000000b1" name="int">
    <PlainTextContent>{text}</PlainTextContent>
    <PlainTextSelection guid="00000000-0000-4000-8000-0000000000e1" name="Better since"
      startPosition="{s}" endPosition="{s + 12}"/>
  </TextSource></Sources></Project>"""
    path = tmp_path / "p.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    got = import_qdpx(path)
    seg = got.corpus.segments
    assert seg["speaker"].tolist() == ["Interviewer", "Participant 2", "Interviewer"]
    assert seg["participant_id"].tolist() == ["int_Interviewer", "Pat", "int_Interviewer"]
    assert seg["role"].tolist() == ["facilitator", "practitioner", "facilitator"]
    assert seg["text"][1] == "Better since the new forms."


def role_cases_project(path: Path, cases: list[tuple[str, str]], speakers: list[str], *, origin: str | None = None) -> Path:
    """Write a project as another tool might: one source where each speaker says hello, cases with a ``role`` variable."""
    text = "".join(f"{name}: Hello from {name}.\n" for name in speakers)
    cases_xml = "".join(
        f"""<Case guid="00000000-0000-4000-8000-0000000000c{i}" name="{name}">
    <VariableValue><VariableRef targetGUID="00000000-0000-4000-8000-0000000000a1"/>
      <TextValue>{role}</TextValue></VariableValue></Case>"""
        for i, (name, role) in enumerate(cases, start=1)
    )
    origin_attr = f' origin="{origin}"' if origin else ""
    qde = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="p"{origin_attr}>
  <Variables><Variable guid="00000000-0000-4000-8000-0000000000a1" name="role" typeOfVariable="Text"/></Variables>
  <Cases>{cases_xml}</Cases>
  <Sources><TextSource guid="00000000-0000-4000-8000-0000000000b1" name="fg">
    <PlainTextContent>{text}</PlainTextContent></TextSource></Sources></Project>"""
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
    return path


def test_case_roles_are_read_as_a_roster_reads_them(tmp_path):
    """A study's own group ("R1 faculty") is kept as written; "Social Worker" maps as the roster reader maps it."""
    # before: both became "other" (with the text in role_raw)
    from outcomes_qual.ingest import read_roster

    roles = {"Ann": "R1 faculty", "Bea": "Social Worker", "Cy": "senior"}
    got = import_qdpx(role_cases_project(tmp_path / "p.qdpx", list(roles.items()), list(roles)))
    part = got.corpus.participants.set_index("participant_id")
    assert part.loc[["Ann", "Bea", "Cy"], "role"].tolist() == ["R1 faculty", "practitioner", "senior"]
    assert part.loc[["Ann", "Bea", "Cy"], "role_raw"].fillna("").tolist() == ["", "Social Worker", ""]
    assert got.corpus.segments["role"].tolist() == ["R1 faculty", "practitioner", "senior"]
    roster = tmp_path / "roster.csv"
    roster.write_text("transcript,speaker,role\n" + "".join(f"fg,{n},{r}\n" for n, r in roles.items()), encoding="utf-8")
    assert read_roster(roster)["role"].tolist() == ["R1 faculty", "practitioner", "senior"]


def _groups_project(tmp_path) -> Path:
    """Cases list "R2 faculty" before "R1 faculty"; the text (and natural order) has R1 first."""
    cases = [("Cy", "R2 faculty"), ("Ann", "R1 faculty"), ("Dee", "R2 faculty"), ("Bo", "R1 faculty"), ("Fac", "Facilitator")]
    return role_cases_project(tmp_path / "groups.qdpx", cases, ["Fac", "Ann", "Bo", "Cy", "Dee"], origin="Another QDA tool")


def test_study_groups_keep_the_order_of_the_cases(tmp_path):
    """Another tool's project: its groups are ranked as its <Cases> list them, as a roster's rows rank them."""
    # before: no role_order, so tables listed the groups in natural order (R1 first)
    from outcomes_qual.analysis import role_by_theme

    got = import_qdpx(_groups_project(tmp_path))
    part = got.corpus.participants.set_index("participant_id").loc[["Fac", "Ann", "Bo", "Cy", "Dee"]]
    assert part["role"].tolist() == ["facilitator"] + ["R1 faculty"] * 2 + ["R2 faculty"] * 2
    assert part["role_order"].tolist() == [pd.NA, 2, 2, 1, 1]
    codings = pd.DataFrame({"segment_id": got.corpus.segments["segment_id"], "code": "time", "coder": "kim"})
    assert list(dict.fromkeys(role_by_theme(got.corpus, codings)["role"])) == ["R2 faculty", "R1 faculty", "all"]
    # and so does a project the import goes into
    from outcomes_qual.interop import import_qdpx_to_project
    from outcomes_qual.project import Project

    import_qdpx_to_project(tmp_path / "groups.qdpx", tmp_path / "p.sqlite", result=got)
    with Project.open(tmp_path / "p.sqlite") as proj:
        stored = proj.corpus()
    assert list(dict.fromkeys(role_by_theme(stored, codings)["role"])) == ["R2 faculty", "R1 faculty", "all"]


def test_study_group_order_survives_export_and_import_again(tmp_path):
    from outcomes_qual.analysis import role_by_theme
    from outcomes_qual.codebook import Code, Codebook
    from outcomes_qual.interop import export_qdpx

    first = import_qdpx(_groups_project(tmp_path))
    codings = pd.DataFrame({"segment_id": first.corpus.segments["segment_id"], "code": "time", "coder": "kim"})
    export_qdpx(first.corpus, codings, Codebook("c", (Code("time", "Time", "Time."),)), tmp_path / "again.qdpx")
    again = import_qdpx(tmp_path / "again.qdpx")
    assert list(dict.fromkeys(role_by_theme(again.corpus, again.codings)["role"])) == ["R2 faculty", "R1 faculty", "all"]


def test_own_export_without_a_group_order_invents_none(tmp_path):
    """A corpus with groups but no roster order lists them in natural order; its round trip must too."""
    from outcomes_qual.analysis import role_by_theme
    from outcomes_qual.codebook import Code, Codebook
    from outcomes_qual.corpus import Corpus
    from outcomes_qual.interop import export_qdpx

    corpus = Corpus.from_turns("fg", [("Cy", "R2 faculty", "Hello."), ("Ann", "R1 faculty", "Hi.")])
    assert "role_order" not in corpus.participants
    codings = pd.DataFrame({"segment_id": corpus.segments["segment_id"], "code": "time", "coder": "kim"})
    export_qdpx(corpus, codings, Codebook("c", (Code("time", "Time", "Time."),)), tmp_path / "own.qdpx")
    got = import_qdpx(tmp_path / "own.qdpx")
    assert "role_order" not in got.corpus.participants
    order = ["R1 faculty", "R2 faculty", "all"]
    assert list(dict.fromkeys(role_by_theme(corpus, codings)["role"])) == order
    assert list(dict.fromkeys(role_by_theme(got.corpus, got.codings)["role"])) == order


@pytest.mark.parametrize("name", ["nvivo_like", "atlasti_like", "maxqda_flat", "qualcoder_like"])
def test_fixtures_are_valid_refi(name, shared_dir):
    xmlschema = pytest.importorskip("xmlschema")
    schema = xmlschema.XMLSchema(str(shared_dir / "refi" / "Project-1.0.xsd"))
    schema.validate(str(FIXTURES / name / "project.qde"))
