"""REFI-QDA projects (.qdpx): export shape, XSD validity, round trip, project import and CLI."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outcomes_qual.cli import main
from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.interop import export_qdpx, import_qdpx
from outcomes_qual.interop.qdc import code_guid
from outcomes_qual.interop.qdpx_export import case_guid, turn_guid, user_guid, variable_guid

NS = "urn:QDA-XML:project:1.0"
Q = f"{{{NS}}}"

CB = Codebook(
    "demo",
    (
        Code("culture_shift", "Culture shift", "Changing practice.", color="#e69f00"),
        Code("culture_shift/values", "Values", "What matters to people."),
        Code("systems_barriers", "Systems barriers", "Forms and IT."),
        Code("time", "Time", "Time pressure."),
    ),
)


def make_corpus() -> Corpus:
    """Two transcripts: accents, an emoji (outside the BMP), a participant in both."""
    a = Corpus.from_turns(
        "fg1",
        [
            ("Facilitator", "facilitator", "What has changed? 🙂"),
            ("Siân", "practitioner", "We ask what matters — and we listen."),
            ("Bob", "manager", "The forms still take an hour, every time."),
            ("Siân", "practitioner", "Café conversations help, Bob."),
        ],
        authority="Glanafon",
        department="Adult services",
    )
    b = Corpus.from_turns(
        "int1",
        [("Bob", "manager", "Targets drive the timescales 📈 here.")],
        method="interview",
        authority="Glanafon",
        department="Children and families",
    )
    c = Corpus.concat([a, b])
    part = c.participants.copy()
    part.loc[part["participant_id"] == "int1_Bob", "participant_id"] = "fg1_Bob"  # the same person in both
    seg = c.segments.copy()
    seg.loc[seg["participant_id"] == "int1_Bob", "participant_id"] = "fg1_Bob"
    part["years_in_role"] = pd.array([None, 4, 11, 11], dtype=object)
    part["fte"] = [np.nan, 0.8, 1.0, 1.0]
    part["mentor_trained"] = [False, True, False, False]
    part["started"] = [None, "2019-04-01", "2015-09-14", "2015-09-14"]
    tr = c.transcripts.copy()
    tr["date"] = ["2026-03-04", None]
    return Corpus(tr, part, seg, c.texts)


def make_codings(corpus: Corpus) -> pd.DataFrame:
    text = corpus.texts["fg1"]
    s = text.index("what matters")
    t2 = corpus.texts["int1"]
    e = t2.index("📈") + 1
    rows = [
        # segment-level codings by two coders
        ("fg1:002", "culture_shift", "ann", None, None, "accepted", "2026-01-05 10:00:00"),
        ("fg1:002", "culture_shift", "kim", None, None, "accepted", None),
        ("fg1:003", "systems_barriers", "ann", None, None, "accepted", None),
        ("fg1:003", "time", "keyword", None, None, "suggested", None),
        ("fg1:003", "culture_shift", "keyword", None, None, "rejected", None),
        # spans inside turns, one ending after an emoji
        ("fg1:002", "culture_shift/values", "ann", s, s + len("what matters"), "accepted", None),
        ("int1:001", "time", "kim", 0, e, "accepted", None),
    ]
    df = pd.DataFrame(rows, columns=["segment_id", "code", "coder", "start_char", "end_char", "status", "created_at"])
    df["method"] = "manual"
    df["confidence"] = 1.0
    df["evidence"] = None
    return df


MEMOS = pd.DataFrame(
    {
        "target_type": ["code", "segment", "transcript", "project", "participant"],
        "target_id": ["time", "fg1:003", "int1", None, "fg1_Bob"],
        "text": ["Time is everywhere.", "Check this turn.", "Short interview.", "Overall memo.", "Keen on targets."],
        "author": ["ann", "kim", "ann", "ann", "kim"],
        "created_at": ["2026-01-06 09:00:00", None, None, None, None],
    }
)


@pytest.fixture
def exported(tmp_path):
    corpus = make_corpus()
    codings = make_codings(corpus)
    out = tmp_path / "out.qdpx"
    summary = export_qdpx(corpus, codings, CB, out, memos=MEMOS, timestamp="2026-02-01 12:00:00")
    return corpus, codings, out, summary


def qde_root(path: Path) -> ET.Element:
    return ET.fromstring(zipfile.ZipFile(path).read("project.qde"))


def test_export_validates_against_the_refi_schema(exported, shared_dir):
    xmlschema = pytest.importorskip("xmlschema")
    _, _, out, _ = exported
    schema = xmlschema.XMLSchema(str(shared_dir / "refi" / "Project-1.0.xsd"))
    schema.validate(io.BytesIO(zipfile.ZipFile(out).read("project.qde")))


def test_archive_layout_and_source_encoding(exported):
    corpus, _, out, summary = exported
    zf = zipfile.ZipFile(out)
    names = zf.namelist()
    assert names[0] == "project.qde"
    assert all(n == "project.qde" or n.startswith("sources/") for n in names)
    root = qde_root(out)
    for src in root.iter(f"{Q}TextSource"):
        path = src.get("plainTextPath")
        assert path.startswith("internal://") and src.get("name") in corpus.texts
        data = zf.read("sources/" + path[len("internal://") :])
        assert not data.startswith(b"\xef\xbb\xbf") and b"\r" not in data
        assert data.decode("utf-8") == corpus.texts[src.get("name")]
    assert (summary.n_sources, summary.n_cases, summary.n_codes, summary.n_memos) == (2, 3, 4, 5)
    # rejected codings are not exported; duplicate-free
    assert summary.n_codings == 6


def test_positions_are_code_points_into_the_source_text(exported):
    corpus, _, out, _ = exported
    zf = zipfile.ZipFile(out)
    root = qde_root(out)
    quotes = {}
    for src in root.iter(f"{Q}TextSource"):
        text = zf.read("sources/" + src.get("plainTextPath")[len("internal://") :]).decode("utf-8")
        for sel in src.findall(f"{Q}PlainTextSelection"):
            if sel.find(f"{Q}Coding") is not None:
                quotes[(src.get("name"), sel.get("creatingUser"))] = quotes.get(
                    (src.get("name"), sel.get("creatingUser")), []
                ) + [text[int(sel.get("startPosition")) : int(sel.get("endPosition"))]]
    assert quotes[("int1", user_guid("kim"))] == ["Targets drive the timescales 📈"]
    assert "what matters" in quotes[("fg1", user_guid("ann"))]


def test_users_cases_variables_and_codings(exported):
    _, _, out, _ = exported
    root = qde_root(out)
    users = {u.get("name"): u.get("guid") for u in root.find(f"{Q}Users")}
    assert set(users) == {"outcomes_qual", "ann", "kim", "keyword"}
    # creatingUser on both the selection and the coding, and they agree
    n = 0
    for sel in root.iter(f"{Q}PlainTextSelection"):
        for coding in sel.findall(f"{Q}Coding"):
            assert coding.get("creatingUser") == sel.get("creatingUser") in users.values()
            assert coding.get("creationDateTime")
            n += 1
    assert n == 6
    types = {v.get("name"): v.get("typeOfVariable") for v in root.find(f"{Q}Variables")}
    assert types == {
        "role": "Text",
        "authority": "Text",
        "department": "Text",
        "method": "Text",
        "years_in_role": "Integer",
        "fte": "Float",
        "mentor_trained": "Boolean",
        "started": "Date",
        "date": "Date",
    }
    cases = {c.get("name"): c for c in root.find(f"{Q}Cases")}
    assert set(cases) == {"fg1_Facilitator", "fg1_Siân", "fg1_Bob"}
    bob = cases["fg1_Bob"]
    assert bob.get("guid") == case_guid("fg1_Bob")
    assert [r.get("targetGUID") for r in bob.findall(f"{Q}SelectionRef")] == [turn_guid("fg1:003"), turn_guid("int1:001")]
    values = {vv.find(f"{Q}VariableRef").get("targetGUID"): vv[1] for vv in bob.findall(f"{Q}VariableValue")}
    assert (
        values[variable_guid("years_in_role")].tag == f"{Q}IntegerValue" and values[variable_guid("years_in_role")].text == "11"
    )
    assert values[variable_guid("mentor_trained")].text == "false"
    assert values[variable_guid("started")].text == "2015-09-14"
    # Bob's department differs by transcript exactly as the transcripts do: carried by the sources
    assert variable_guid("department") not in values
    code_refs = {r.get("targetGUID") for r in root.iter(f"{Q}CodeRef")}
    assert code_refs == {code_guid(k) for k in ("culture_shift", "culture_shift/values", "systems_barriers", "time")}


def test_memos_become_notes_with_refs(exported):
    _, _, out, summary = exported
    root = qde_root(out)
    notes = {n.get("guid"): n.find(f"{Q}PlainTextContent").text for n in root.find(f"{Q}Notes")}
    assert sorted(notes.values()) == sorted(MEMOS["text"])
    time_code = next(c for c in root.iter(f"{Q}Code") if c.get("name") == "Time")
    assert [notes[r.get("targetGUID")] for r in time_code.findall(f"{Q}NoteRef")] == ["Time is everywhere."]
    project_refs = [notes[r.get("targetGUID")] for r in root.findall(f"{Q}NoteRef")]
    assert project_refs == ["Overall memo.", "Keen on targets."]
    assert any("participant" in m for m in summary.skipped)


def test_reexport_is_identical(tmp_path):
    corpus = make_corpus()
    codings = make_codings(corpus)
    export_qdpx(corpus, codings, CB, tmp_path / "a.qdpx", memos=MEMOS, timestamp="2026-02-01", name="p")
    export_qdpx(corpus, codings, CB, tmp_path / "b.qdpx", memos=MEMOS, timestamp="2026-02-01", name="p")
    za, zb = zipfile.ZipFile(tmp_path / "a.qdpx"), zipfile.ZipFile(tmp_path / "b.qdpx")
    assert za.namelist() == zb.namelist()
    assert all(za.read(n) == zb.read(n) for n in za.namelist())


def test_round_trip(exported):
    corpus, codings, out, _ = exported
    got = import_qdpx(out)
    assert got.skipped == []
    assert got.corpus.texts == corpus.texts
    pd.testing.assert_frame_equal(got.corpus.segments, corpus.segments, check_dtype=False)
    cols = list(corpus.participants.columns)
    want = corpus.participants.sort_values(["transcript_id", "participant_id"]).reset_index(drop=True)
    have = got.corpus.participants[cols].sort_values(["transcript_id", "participant_id"]).reset_index(drop=True)
    assert list(got.corpus.participants.columns) == cols
    for col in cols:
        assert [None if pd.isna(v) else v for v in have[col]] == [None if pd.isna(v) else v for v in want[col]], col
    tcols = ["transcript_id", "method", "authority", "department", "date", "n_turns"]
    pd.testing.assert_frame_equal(got.corpus.transcripts[tcols], corpus.transcripts[tcols], check_dtype=False)
    assert got.codebook.codes == CB.codes
    kept = codings[codings["status"] != "rejected"]

    def key(df):
        return sorted(
            (
                r.segment_id,
                r.code,
                r.coder,
                None if pd.isna(r.start_char) else int(r.start_char),
                None if pd.isna(r.end_char) else int(r.end_char),
            )
            for r in df.itertuples()
        )

    assert key(got.codings) == key(kept)
    assert set(got.codings["status"]) == {"accepted"}
    # a coding's own time survives; codings without one carry the export time
    stamps = got.codings.set_index(["segment_id", "code", "coder"])["created_at"]
    assert stamps[("fg1:002", "culture_shift", "ann")] == "2026-01-05T10:00:00"
    assert stamps[("fg1:002", "culture_shift", "kim")] == "2026-02-01T12:00:00"
    memos = got.memos.set_index("text")
    assert memos.loc["Time is everywhere.", ["target_type", "target_id", "author"]].tolist() == ["code", "time", "ann"]
    assert memos.loc["Check this turn.", ["target_type", "target_id"]].tolist() == ["segment", "fg1:003"]
    assert memos.loc["Short interview.", ["target_type", "target_id"]].tolist() == ["transcript", "int1"]
    assert memos.loc["Overall memo.", "target_type"] == "project"
    assert memos.loc["Keen on targets.", ["target_type", "target_id"]].tolist() == ["participant", "fg1_Bob"]
    assert len(got.memos) == len(MEMOS)
    assert set(got.users) == {"outcomes_qual", "ann", "kim", "keyword"}


def test_characters_xml_cannot_carry_are_dropped(tmp_path, shared_dir):
    xmlschema = pytest.importorskip("xmlschema")
    c = Corpus.from_turns("x", [("A", "senior", "Soft\x0bbreak and a form\x0cfeed.")])
    cod = pd.DataFrame({"segment_id": ["x:001"], "code": ["time"], "coder": ["ann"]})
    memos = pd.DataFrame({"target_type": ["segment"], "target_id": ["x:001"], "text": ["bell\x07 memo"]})
    export_qdpx(c, cod, CB, tmp_path / "x.qdpx", memos=memos)
    qde = zipfile.ZipFile(tmp_path / "x.qdpx").read("project.qde")
    xmlschema.XMLSchema(str(shared_dir / "refi" / "Project-1.0.xsd")).validate(io.BytesIO(qde))
    got = import_qdpx(tmp_path / "x.qdpx")
    assert got.corpus.texts == c.texts  # the source file itself is plain text and keeps them
    assert got.memos["text"].tolist() == ["bell memo"]


def test_uncoded_corpus_without_codebook_is_valid(tmp_path, shared_dir):
    xmlschema = pytest.importorskip("xmlschema")
    c = Corpus.from_turns("x", [("A", "senior", "Nothing coded yet.")])
    s = export_qdpx(c, pd.DataFrame(columns=["segment_id", "code", "coder"]), Codebook("e", ()), tmp_path / "x.qdpx")
    assert (s.n_codes, s.n_codings, s.n_sources) == (0, 0, 1)
    qde = zipfile.ZipFile(tmp_path / "x.qdpx").read("project.qde")
    xmlschema.XMLSchema(str(shared_dir / "refi" / "Project-1.0.xsd")).validate(io.BytesIO(qde))
    got = import_qdpx(tmp_path / "x.qdpx")
    assert len(got.codebook) == 0 and got.corpus.texts == c.texts


def test_turn_times_survive(tmp_path):
    c = Corpus.from_turns("v", [("A", "senior", "One."), ("B", "mentor", "Two.")])
    seg = c.segments.copy()
    seg["start_s"], seg["end_s"] = [1.5, 4.0], [3.25, 6.0]
    c = Corpus(c.transcripts, c.participants, seg, c.texts)
    export_qdpx(c, pd.DataFrame(columns=["segment_id", "code", "coder"]), CB, tmp_path / "v.qdpx")
    got = import_qdpx(tmp_path / "v.qdpx").corpus.segments
    assert got[["start_s", "end_s"]].values.tolist() == [[1.5, 3.25], [4.0, 6.0]]


def test_export_refuses_unnormalised_text(tmp_path):
    c = Corpus.from_turns("x", [("A", "senior", "Cafe\u0301")])
    with pytest.raises(ValueError, match="not normalised"):
        export_qdpx(c, pd.DataFrame(columns=["segment_id", "code", "coder"]), CB, tmp_path / "x.qdpx")
    assert not (tmp_path / "x.qdpx").exists()


def test_codes_missing_from_the_codebook_are_added_and_reported(tmp_path):
    c = Corpus.from_turns("x", [("A", "senior", "Panels again.")])
    cod = pd.DataFrame({"segment_id": ["x:001"], "code": ["systems_barriers/panels"], "coder": ["ann"]})
    s = export_qdpx(c, cod, Codebook("e", ()), tmp_path / "x.qdpx")
    assert s.n_codes == 2 and any("systems_barriers/panels" in m for m in s.skipped)
    assert import_qdpx(tmp_path / "x.qdpx").codebook.keys() == ["systems_barriers", "systems_barriers/panels"]


# ------------------------------------------------------------------ project and CLI
@pytest.fixture
def project(tmp_path):
    from outcomes_qual.project import Project

    corpus = make_corpus()
    path = tmp_path / "p.sqlite"
    with Project.create(path) as p:
        p.add_corpus(corpus)
        p.add_codebook(CB)
        cod = make_codings(corpus)
        p.add_codings(cod.drop(columns=["status"]).iloc[[0, 1, 2, 5, 6]], status="accepted")
        ids = p.add_codings(cod.drop(columns=["status"]).iloc[[3, 4]], status="suggested")
        p.reject(ids[1:])
        p.add_memo("segment", "fg1:003", "Check this turn with Bob.", author="kim")
    return path


def test_cli_export_anonymises_and_round_trips_into_a_new_project(project, tmp_path, capsys):
    from outcomes_qual.project import Project

    out = tmp_path / "share.qdpx"
    assert main(["export-qdpx", "--project", str(project), str(out), "--accepted-only"]) == 0
    assert "names pseudonymised" in capsys.readouterr().out
    blob = b"".join(zipfile.ZipFile(out).read(n) for n in zipfile.ZipFile(out).namelist())
    assert "Siân".encode() not in blob and b"Bob" not in blob
    with Project.open(project) as a:  # the way back to the names stays in the project
        kept = a.name_mapping()
        assert {"Siân", "Bob"} <= set(kept["original"])
        assert kept.loc[kept["original"] == "Bob", "replacement"].iloc[0].encode() in blob
    assert main(["export-qdpx", "--project", str(project), str(out)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert main(["import-qdpx", str(out), "--project", str(tmp_path / "new.sqlite")]) == 0
    with Project.open(project) as a, Project.open(tmp_path / "new.sqlite") as b:
        assert len(b.codings()) == len(a.codings(status="accepted")) == 5
        assert sorted(b.codings()["code"]) == sorted(a.codings(status="accepted")["code"])
        # spans moved with the pseudonymised text: still the same words
        sp = b.codings().dropna(subset=["start_char"])
        quotes = sorted(
            b.texts()[s.split(":")[0]][int(x) : int(y)]
            for s, x, y in zip(sp["segment_id"], sp["start_char"], sp["end_char"], strict=True)
        )
        assert quotes == ["Targets drive the timescales 📈", "what matters"]
        memo = b.memos()["text"].tolist()
        assert len(memo) == 1 and memo[0].startswith("Check this turn with [") and "Bob" not in memo[0]


def test_cli_round_trip_without_anonymising_is_exact(project, tmp_path):
    from outcomes_qual.project import Project

    out = tmp_path / "raw.qdpx"
    assert main(["export-qdpx", "--project", str(project), str(out), "--no-anonymise"]) == 0
    assert main(["import-qdpx", str(out), "--project", str(tmp_path / "copy.sqlite")]) == 0
    with Project.open(project) as a, Project.open(tmp_path / "copy.sqlite") as b:
        ca, cb = a.corpus(), b.corpus()
        assert ca.texts == cb.texts
        pd.testing.assert_frame_equal(ca.segments, cb.segments)
        cols = ["segment_id", "code", "coder", "start_char", "end_char"]
        keep = a.codings()[a.codings()["status"] != "rejected"][cols].sort_values(cols).reset_index(drop=True)
        pd.testing.assert_frame_equal(b.codings()[cols].sort_values(cols).reset_index(drop=True), keep)
        assert b.codebook().codes == a.codebook().codes


def test_import_into_existing_project_reuses_identical_transcripts(project, tmp_path):
    """A colleague's coding of our export comes back onto our own turns."""
    from outcomes_qual.project import Project

    with Project.open(project) as p:
        corpus = p.corpus()
    theirs = pd.DataFrame({"segment_id": ["fg1:002", "fg1:004"], "code": ["time", "culture_shift"], "coder": ["lee", "lee"]})
    out = tmp_path / "back.qdpx"
    export_qdpx(corpus, theirs, CB, out)
    assert main(["import-qdpx", str(out), "--project", str(project)]) == 0
    with Project.open(project) as p:
        lee = p.codings(coder="lee")
        assert lee[["segment_id", "code", "status"]].values.tolist() == [
            ["fg1:002", "time", "accepted"],
            ["fg1:004", "culture_shift", "accepted"],
        ]
        assert len(p.transcripts()) == 2


def test_import_refuses_clashing_transcript_and_writes_nothing(project, tmp_path, capsys):
    from outcomes_qual.project import Project

    other = Corpus.from_turns("fg1", [("Zed", "senior", "A different text entirely.")])
    out = tmp_path / "clash.qdpx"
    export_qdpx(other, pd.DataFrame({"segment_id": ["fg1:001"], "code": ["time"], "coder": ["z"]}), CB, out)
    with Project.open(project) as p:
        before = p.summary()
    assert main(["import-qdpx", str(out), "--project", str(project)]) == 2
    assert "already in the project with different text" in capsys.readouterr().err
    with Project.open(project) as p:
        assert p.summary() == before


def test_colleague_coding_of_a_pseudonymised_export_comes_back_with_align_turns(project, tmp_path, capsys):
    from outcomes_qual.project import Project

    share = tmp_path / "share.qdpx"
    assert main(["export-qdpx", "--project", str(project), str(share)]) == 0
    received = import_qdpx(share)
    text = received.corpus.texts["fg1"]
    s = text.index("forms still take")
    theirs = pd.DataFrame(
        {
            "segment_id": ["fg1:003", "fg1:004"],
            "code": ["systems_barriers", "culture_shift"],
            "coder": ["lee", "lee"],
            "start_char": [s, None],
            "end_char": [s + len("forms still take"), None],
        }
    )
    back = tmp_path / "back.qdpx"
    export_qdpx(received.corpus, theirs, received.codebook, back)
    capsys.readouterr()
    assert main(["import-qdpx", str(back), "--project", str(project)]) == 2
    assert "pass --align-turns" in capsys.readouterr().err
    assert main(["import-qdpx", str(back), "--project", str(project), "--align-turns"]) == 0
    with Project.open(project) as p:
        lee = p.codings(coder="lee")
        original = p.texts()["fg1"]
        assert lee["segment_id"].tolist() == ["fg1:003", "fg1:004"]
        a, b = int(lee["start_char"][0]), int(lee["end_char"][0])
        assert original[a:b] == "forms still take"
        assert pd.isna(lee["start_char"][1])
        assert "help, Bob." in original  # our text is untouched


_words = (
    st.lists(st.sampled_from(list("abcé ŵ🙂.,'") + ["e\u0301"]), min_size=1, max_size=25)
    .map(lambda t: " ".join("".join(t).split()))
    .filter(bool)
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(turns=st.lists(_words, min_size=1, max_size=6), data=st.data())
def test_round_trip_property(tmp_path_factory, turns, data):
    """Any turns and spans: the import gives the same text and the same coded words."""
    from outcomes_qual.text import normalise_text

    corpus = Corpus.from_turns("t", [(f"P{i % 3}", "practitioner", normalise_text(t)) for i, t in enumerate(turns)])
    seg = corpus.segments
    rows = []
    for r in seg.itertuples():
        if data.draw(st.booleans()):
            a = data.draw(st.integers(r.start_char, r.end_char - 1))
            b = data.draw(st.integers(a + 1, r.end_char))
            rows.append((r.segment_id, "time", "ann", a, b))
        else:
            rows.append((r.segment_id, "time", "kim", None, None))
    cod = pd.DataFrame(rows, columns=["segment_id", "code", "coder", "start_char", "end_char"])
    out = tmp_path_factory.mktemp("prop") / "p.qdpx"
    export_qdpx(corpus, cod, CB, out)
    got = import_qdpx(out)
    assert got.corpus.texts == corpus.texts
    assert got.corpus.segments["text"].tolist() == seg["text"].tolist()

    def coded(c, frame):
        out = []
        for r in frame.itertuples():
            s = c.segments.set_index("segment_id").loc[r.segment_id]
            a = s["start_char"] if pd.isna(r.start_char) else int(r.start_char)
            b = s["end_char"] if pd.isna(r.end_char) else int(r.end_char)
            out.append((r.segment_id, r.coder, c.texts["t"][a:b]))
        return sorted(out)

    assert coded(got.corpus, got.codings) == coded(corpus, cod)


def test_an_unreadable_timestamp_is_refused_by_argument(tmp_path):
    corpus = make_corpus()
    out = tmp_path / "bad.qdpx"
    with pytest.raises(ValueError, match=r"timestamp: expected a date and time, got 'next tuesday'"):
        export_qdpx(corpus, make_codings(corpus), CB, out, timestamp="next tuesday")
    assert not out.exists()
