"""``outcomes-qual anonymise``: review, apply, never overwrite inputs, clear errors."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual.anonymise import scan_for_names
from outcomes_qual.cli import main
from outcomes_qual.ingest import read_corpus

FG1 = """Focus group: practitioners
Method: focus group

Facilitator: Welcome. Ceri, would you start?

Ceri: Thanks. Llŷr's mum rang me; Llyr is doing well at Ysgol y Graig.

Gareth: Mrs Pritchard said the same, Ceri.
"""

INT1 = """Method: interview

Interviewer: How is Llŷr?

Ceri: Fine. Gareth and I visited Mrs. Pritchard on Tuesday.
"""

ROSTER = """transcript,speaker,participant_id,role,authority
fg1,Facilitator,EV-F01,facilitator,Glanafon
fg1,Ceri,GA-P01,practitioner,Glanafon
fg1,Gareth,GA-P02,senior,Glanafon
int1,Interviewer,EV-F01,facilitator,Glanafon
int1,Ceri,GA-P01,practitioner,Glanafon
"""

NAMES = "name,category,replacement\nLlŷr,child,\nMrs Pritchard,neighbour,\nYsgol y Graig,,[School]\n"


@pytest.fixture
def inputs(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "fg1.txt").write_text(FG1, encoding="utf-8")
    (d / "int1.txt").write_text(INT1, encoding="utf-8")
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    (tmp_path / "names.csv").write_text(NAMES, encoding="utf-8")
    return tmp_path


def _snapshot(root):
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_review_writes_candidates(inputs, capsys):
    out = inputs / "review" / "candidates.csv"
    before = _snapshot(inputs / "in")
    rc = main(["anonymise", str(inputs / "in"), "--roster", str(inputs / "roster.csv"), "--review", str(out)])
    assert rc == 0
    cand = pd.read_csv(out, keep_default_na=False)
    got = dict(zip(cand["candidate"], cand["count"], strict=True))
    assert got["Llŷr"] == 3  # "Llŷr" and "Llyr" fold to one candidate
    assert got["Mrs Pritchard"] == 2 and got["Ceri"] >= 3 and got["Gareth"] >= 2
    assert set(cand.loc[cand["candidate"].isin(["Ceri", "Gareth"]), "category_guess"]) == {"participant"}
    assert "Welcome" not in got and "Tuesday" not in got
    captured = capsys.readouterr()
    assert "candidate names" in captured.out and "do not share it" in captured.err
    assert _snapshot(inputs / "in") == before


def test_apply_writes_pseudonymised_copies_mapping_and_round_trips(inputs, capsys):
    out = inputs / "anon"
    before = _snapshot(inputs / "in")
    rc = main(
        [
            "anonymise",
            str(inputs / "in"),
            "--roster",
            str(inputs / "roster.csv"),
            "--names",
            str(inputs / "names.csv"),
            "--apply",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    assert _snapshot(inputs / "in") == before  # originals untouched
    fg1 = (out / "transcripts" / "fg1.txt").read_text(encoding="utf-8")
    assert fg1 == (
        "Focus group: practitioners\nMethod: focus group\n\n"
        "Facilitator EV-F01: Welcome. [Practitioner GA-P01], would you start?\n\n"
        "Practitioner GA-P01: Thanks. [Child 1]'s mum rang me; [Child 1] is doing well at [School].\n\n"
        "Senior GA-P02: [Neighbour 1] said the same, [Practitioner GA-P01].\n"
    )
    int1 = (out / "transcripts" / "int1.txt").read_text(encoding="utf-8")
    assert int1.endswith("Practitioner GA-P01: Fine. [Senior GA-P02] and I visited [Neighbour 1] on Tuesday.\n")
    # segments.csv offsets index the written files exactly
    seg = pd.read_csv(out / "segments.csv", keep_default_na=False)
    texts = {"fg1": fg1, "int1": int1}
    assert [texts[t][a:b] for t, a, b in zip(seg["transcript_id"], seg["start_char"], seg["end_char"], strict=True)] == seg[
        "text"
    ].tolist()
    assert seg["speaker"].tolist()[:3] == ["Facilitator EV-F01", "Practitioner GA-P01", "Senior GA-P02"]
    # the copies read back with the written roster: same turns, roles and participants
    back = read_corpus([out / "transcripts"], roster=out / "roster.csv", strict=True)
    assert back.segments["text"].tolist() == seg["text"].tolist()
    assert back.segments["participant_id"].tolist() == seg["participant_id"].tolist()
    assert back.segments["role"].tolist() == seg["role"].tolist()
    # mapping.csv holds the real names (and says so loudly); the copies hold none
    mapping = pd.read_csv(out / "mapping.csv", keep_default_na=False)
    assert {"Ceri", "Gareth", "Llŷr", "Mrs Pritchard", "Ysgol y Graig"} <= set(mapping["original"])
    assert scan_for_names([out / "transcripts", out / "segments.csv", out / "roster.csv"], mapping).empty
    assert len(scan_for_names(out / "mapping.csv", ["Llŷr"])) == 1
    err = capsys.readouterr().err
    assert "mapping.csv holds the REAL NAMES" in err


def test_mapping_elsewhere(inputs):
    rc = main(
        ["anonymise", str(inputs / "in"), "--apply", "--out", str(inputs / "anon"), "--mapping", str(inputs / "secret" / "m.csv")]
    )
    assert rc == 0
    assert (inputs / "secret" / "m.csv").is_file() and not (inputs / "anon" / "mapping.csv").exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--apply", "--out", "{in}"], "--out contains an input file"),
        (["--apply", "--out", "{in}/sub"], "--out is inside the input directory"),
        (["--apply"], "--apply needs --out DIR"),
        (["--review", "{in}/fg1.txt"], "--review would overwrite an input file"),
        ([], "nothing to do"),
    ],
)
def test_refuses_to_touch_inputs(inputs, capsys, extra, message):
    before = _snapshot(inputs)
    args = ["anonymise", str(inputs / "in")] + [e.replace("{in}", str(inputs / "in")) for e in extra]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert _snapshot(inputs) == before


def test_bad_names_list_stops_before_writing(inputs, capsys):
    (inputs / "names.csv").write_text("name,category\nLlŷr,child\n,parent\n", encoding="utf-8")
    rc = main(["anonymise", str(inputs / "in"), "--names", str(inputs / "names.csv"), "--apply", "--out", str(inputs / "anon")])
    assert rc == 2
    assert "names.csv:3: empty name" in capsys.readouterr().err
    assert not (inputs / "anon").exists()


def test_bad_file_in_batch_exits_1(inputs, capsys):
    (inputs / "in" / "empty.txt").write_text("", encoding="utf-8")
    rc = main(["anonymise", str(inputs / "in"), "--apply", "--out", str(inputs / "anon")])
    assert rc == 1
    assert "empty.txt" in capsys.readouterr().err
    assert sorted(p.name for p in (inputs / "anon" / "transcripts").iterdir()) == ["fg1.txt", "int1.txt"]
