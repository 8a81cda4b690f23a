"""``outcomes-qual autocode`` end to end on small inline inputs."""

from __future__ import annotations

import pandas as pd
import pytest

from outcomes_qual import schema
from outcomes_qual.cli import main

TRANSCRIPT = """Facilitator: What gets in the way of the work?
Ann: The assessment forms on the IT system take all morning, and the database asks the same things twice.
Ben: The GP and the school never come to the reviews.
Cat: Honestly there is no time; my caseload is thirty and the deadlines never stop.
Facilitator: Thank you.
"""


@pytest.fixture
def transcript(tmp_path):
    path = tmp_path / "fg1.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


def test_autocode_transcript_keyword(transcript, tmp_path, codebook_path, capsys):
    out = tmp_path / "out" / "codings.csv"
    rc = main(["autocode", str(transcript), "--codebook", str(codebook_path), "--method", "keyword", "--out", str(out)])
    assert rc == 0
    codings = pd.read_csv(out)
    assert tuple(codings.columns) == schema.MACHINE_CODING_COLUMNS
    themes = codings[~codings["code"].str.contains("/")].groupby("segment_id")["code"].apply(set).to_dict()
    assert "systems_barriers" in themes["fg1:002"]
    assert "partners" in themes["fg1:003"]
    assert "time" in themes["fg1:004"]
    assert not codings["segment_id"].isin(["fg1:001", "fg1:005"]).any()  # facilitator turns not coded
    text = capsys.readouterr().out
    assert f"wrote {out}" in text and "(2 facilitator turns not coded)" in text


def test_autocode_segments_csv_and_training(tmp_path, codebook_path):
    seg = tmp_path / "responses.csv"
    pd.DataFrame(
        {
            "id": ["r1", "r2", "r3", "r4", "r5", "r6"],
            "text": [
                "The forms and the IT system are a nightmare.",
                "Typing into the database twice is a waste.",
                "The GP and the hospital nurse were helpful.",
                "The school and the health visitor joined us.",
                "No time to see anyone properly.",
                "The deadlines leave no time for families.",
            ],
        }
    ).to_csv(seg, index=False)
    train = tmp_path / "human.csv"
    pd.DataFrame(
        {
            "segment_id": ["r1", "r2", "r3", "r4"],
            "code": ["systems_barriers", "systems_barriers", "partners", "partners"],
            "coder": "ann",
        }
    ).to_csv(train, index=False)
    out = tmp_path / "codings.csv"
    rc = main(
        [
            "autocode",
            str(seg),
            "--codebook",
            str(codebook_path),
            "--method",
            "ensemble",
            "--backend",
            "lsa",
            "--train",
            str(train),
            "--coder",
            "bot",
            "--out",
            str(out),
        ]
    )
    assert rc == 0
    codings = pd.read_csv(out)
    assert set(codings["segment_id"]) <= {"r1", "r2", "r3", "r4", "r5", "r6"}
    assert (codings["coder"] == "bot").all() and set(codings["method"]) == {"ensemble"}
    got = codings[~codings["code"].str.contains("/")].groupby("segment_id")["code"].apply(set).to_dict()
    assert "systems_barriers" in got["r1"] and "partners" in got["r3"] and "time" in got["r6"]


def test_autocode_errors(transcript, tmp_path, codebook_path, capsys):
    bad_cb = tmp_path / "bad.yaml"
    bad_cb.write_text("codes:\n  - key: time\n    label: Time\n", encoding="utf-8")
    assert main(["autocode", str(transcript), "--codebook", str(bad_cb), "--out", str(tmp_path / "c.csv")]) == 2
    assert f"error: {bad_cb}:2: code 'time': missing required field 'definition'" in capsys.readouterr().err
    assert main(["autocode", str(transcript), "--codebook", str(codebook_path)]) == 2
    assert "give --out CODINGS.csv" in capsys.readouterr().err
    train = tmp_path / "t.csv"
    train.write_text("segment,label\nx,y\n", encoding="utf-8")
    assert (
        main(
            [
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--train",
                str(train),
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 2
    )
    assert "missing column(s) ['segment_id', 'code']" in capsys.readouterr().err
    assert (
        main(
            [
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--method",
                "supervised",
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 2
    )
    assert "--method supervised needs --train" in capsys.readouterr().err
    assert main(["autocode", str(transcript), "--codebook", str(codebook_path), "--out", str(transcript)]) == 2
    assert "--out would overwrite an input file" in capsys.readouterr().err
    assert transcript.read_text(encoding="utf-8") == TRANSCRIPT
    missing_model = tmp_path / "no_model"
    assert (
        main(
            [
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--backend",
                "sentence-transformers",
                "--model",
                str(missing_model),
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        "model_path: expected a local sentence-transformers model directory" in err or "install outcomes_qual[embeddings]" in err
    )
    unmatched = tmp_path / "u.csv"
    unmatched.write_text("segment_id,code\nzz:001,time\n", encoding="utf-8")
    assert (
        main(
            [
                "autocode",
                str(transcript),
                "--codebook",
                str(codebook_path),
                "--train",
                str(unmatched),
                "--out",
                str(tmp_path / "c.csv"),
            ]
        )
        == 2
    )
    assert "none of the segment ids in the training codings match" in capsys.readouterr().err


def test_autocode_into_project(transcript, tmp_path, codebook_path, capsys):
    project = pytest.importorskip("outcomes_qual.project")
    from outcomes_qual.ingest import read_corpus

    path = tmp_path / "p.sqlite"
    with project.Project.create(path) as proj:
        proj.add_corpus(read_corpus([transcript]))
    rc = main(["autocode", "--project", str(path), "--codebook", str(codebook_path), "--method", "keyword"])
    assert rc == 0
    assert "stored" in capsys.readouterr().out
    with project.Project.open(path) as proj:
        stored = proj.codings()
    assert len(stored) and set(stored["status"]) == {"suggested"}
    assert {"systems_barriers", "partners", "time"} <= set(stored["code"])
    # a second run adds nothing and does not revive a suggestion a person rejected
    with project.Project.open(path) as proj:
        proj.reject(stored["coding_id"].iloc[:1])
    assert main(["autocode", "--project", str(path), "--codebook", str(codebook_path), "--method", "keyword"]) == 0
    assert f"stored 0 suggested codings in {path} ({len(stored)} already there, not added again)" in capsys.readouterr().out
    with project.Project.open(path) as proj:
        again = proj.codings()
    assert len(again) == len(stored)
    assert (again["status"] == "rejected").sum() == 1


QUOTES = [
    {"id": "q1", "text": "The forms on the IT system take all morning, every morning."},
    {"id": "q2", "text": "There is no time; my caseload is huge and the deadline is Friday."},
    {"id": "q3", "text": "The GP and the school never come to the review meetings."},
    {"id": "q4", "text": "Some colleagues just carry on the old way and will not budge."},
]


def test_autocode_quotes_jsonl_contract(tmp_path, codebook_path):
    """The outside-scoring contract: JSONL of {id, text} in, one row per (segment, code) with confidence out."""
    import json

    src = tmp_path / "quotes.jsonl"
    src.write_text("".join(json.dumps(q) + "\n" for q in QUOTES), encoding="utf-8")
    out = tmp_path / "codings.csv"
    assert main(["autocode", str(src), "--codebook", str(codebook_path), "--out", str(out), "--backend", "lsa"]) == 0
    codings = pd.read_csv(out)
    assert {"segment_id", "code", "confidence"} <= set(codings.columns)
    assert not codings.duplicated(["segment_id", "code"]).any()
    assert set(codings["segment_id"].astype(str)) <= {"q1", "q2", "q3", "q4"}
    assert codings["confidence"].between(0, 1).all()
    best = codings[~codings["code"].str.contains("/")].sort_values("confidence").groupby("segment_id")["code"].last()
    assert best["q1"] == "systems_barriers" and best["q2"] == "time" and best["q3"] == "partners"


def test_suggest_cli(tmp_path, codebook_path, capsys):
    import json

    src = tmp_path / "quotes.jsonl"
    src.write_text("".join(json.dumps(q) + "\n" for q in QUOTES), encoding="utf-8")
    coded = tmp_path / "coded.csv"
    coded.write_text("segment_id,code\nq1,systems_barriers\n", encoding="utf-8")
    out = tmp_path / "next.csv"
    assert (
        main(
            [
                "suggest",
                str(src),
                "--codebook",
                str(codebook_path),
                "--train",
                str(coded),
                "-n",
                "2",
                "--backend",
                "lsa",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = pd.read_csv(out)
    assert list(table.columns) == ["rank", "segment_id", "uncertainty", "reason", "role", "text"]
    assert len(table) == 2 and "q1" not in set(table["segment_id"])
    assert main(["suggest", str(src), "--codebook", str(codebook_path), "-n", "0", "--out", str(out)]) == 2
    assert "-n: expected a positive number" in capsys.readouterr().err
