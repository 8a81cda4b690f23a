"""``outcomes-qual topics``: tables and figures written, quotes pseudonymised, clear errors."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from test_topics_synthetic import CODEBOOK, make_planted_corpus

from outcomes_qual import schema
from outcomes_qual.cli import main
from outcomes_qual.topics import TOPIC_BY_ROLE_COLUMNS

NAMES = ["Ffion Hughes", "Gareth Price", "Morag Baird", "Iain Ross", "Siân Lloyd"]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    """The planted corpus as a CSV of segments with speaker names, a names list and a codebook."""
    d = tmp_path_factory.mktemp("topics_cli")
    corpus, _ = make_planted_corpus(0)
    seg = corpus.segment_context()
    rows = []
    for i, r in enumerate(seg.itertuples(index=False)):
        text = r.text
        if "agency" in text.lower() and i % 3 == 0:
            text = text.rstrip(".") + ", ask Mrs Pritchard about it."
        speaker = "Facilitator" if r.role == "facilitator" else NAMES[sum(map(ord, r.speaker)) % len(NAMES)]
        rows.append(
            {
                "id": r.segment_id,
                "transcript_id": r.transcript_id,
                "speaker": speaker,
                "role": r.role,
                "authority": r.authority,
                "text": text,
            }
        )
    path = d / "responses.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    names = d / "names.csv"
    names.write_text("name,replacement,category\nMrs Pritchard,,service_user\n", encoding="utf-8")
    from outcomes_qual.codebook import save_codebook

    codebook = save_codebook(CODEBOOK, d / "codebook.yaml")
    return {"csv": path, "names": names, "codebook": codebook, "dir": d}


@pytest.fixture(scope="module")
def run_out(inputs, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "topics"
    code = main(
        [
            "topics",
            str(inputs["csv"]),
            "--codebook",
            str(inputs["codebook"]),
            "--names",
            str(inputs["names"]),
            "--backend",
            "light",
            "--seed",
            "0",
            "--out",
            str(out),
        ]
    )
    return code, out


def test_writes_tables_and_figures(run_out):
    code, out = run_out
    assert code == 0
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == [
        "figures/topic_by_role.png",
        "figures/topic_by_role.svg",
        "figures/topic_sizes.png",
        "figures/topic_sizes.svg",
        "topic_assignments.csv",
        "topic_by_authority.csv",
        "topic_by_role.csv",
        "topics.csv",
    ]
    topics = pd.read_csv(out / "topics.csv")
    assert tuple(topics.columns) == schema.TOPIC_COLUMNS
    assert tuple(pd.read_csv(out / "topic_by_role.csv").columns) == TOPIC_BY_ROLE_COLUMNS
    emergent = topics[topics["emergent"]]
    assert any("agency" in label or "locum" in label for label in emergent["label"])
    # shares are rounded at export
    assert (topics["share_groups"].round(3) == topics["share_groups"]).all()


def test_prints_summary_and_emergent_topics(inputs, tmp_path, capsys):
    code = main(
        ["topics", str(inputs["csv"]), "--codebook", str(inputs["codebook"]), "--backend", "light", "--out", str(tmp_path / "o")]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "turns modelled (24 facilitator and 24 very short turns left out) with the light backend" in out
    assert "emergent topic" in out and f"wrote {tmp_path / 'o' / 'topics.csv'}" in out


def _all_csv_text(out) -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in out.glob("*.csv"))


def test_quotes_are_pseudonymised(run_out, inputs):
    _, out = run_out
    text = _all_csv_text(out)
    assert "Pritchard" not in text
    for name in NAMES:
        assert name not in text and name.split()[0] not in text
    assert "agency" in text.lower()


def test_no_anonymise_keeps_names(inputs, tmp_path):
    out = tmp_path / "raw"
    assert main(["topics", str(inputs["csv"]), "--backend", "light", "--no-anonymise", "--out", str(out)]) == 0
    assert "Pritchard" in _all_csv_text(out)


def test_codings_are_used(inputs, tmp_path):
    codings = tmp_path / "codings.csv"
    seg = pd.read_csv(inputs["csv"])
    time_ids = seg[seg["text"].str.contains("caseload", case=False)]["id"]
    with codings.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["segment_id", "code", "coder", "method", "confidence", "evidence"])
        for sid in time_ids:
            w.writerow([sid, "time", "analyst", "manual", 1.0, ""])
    out = tmp_path / "c"
    assert main(["topics", str(inputs["csv"]), "--codings", str(codings), "--backend", "light", "--out", str(out)]) == 0
    a = pd.read_csv(out / "topic_assignments.csv")
    assert set(a[a["segment_id"].isin(time_ids)]["source"]) == {"codings"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--min-topic-size", "1"], "error: --min-topic-size: expected an integer of at least 2, got 1"),
        (["--codebook", "missing.yaml"], "missing.yaml"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(inputs, tmp_path, capsys, extra, message):
    code = main(["topics", str(inputs["csv"]), "--backend", "light", "--out", str(tmp_path / "x"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_bad_codings_and_out_is_file(inputs, tmp_path, capsys):
    bad = tmp_path / "codings.csv"
    bad.write_text("segment,theme\nx,time\n", encoding="utf-8")
    assert main(["topics", str(inputs["csv"]), "--codings", str(bad), "--backend", "light", "--out", str(tmp_path / "y")]) == 2
    assert "codings.csv: missing column(s) 'segment_id', 'code'" in capsys.readouterr().err
    afile = tmp_path / "file.txt"
    afile.write_text("x", encoding="utf-8")
    assert main(["topics", str(inputs["csv"]), "--backend", "light", "--out", str(afile)]) == 2
    assert "--out must be a directory" in capsys.readouterr().err
    assert afile.read_text(encoding="utf-8") == "x"


def test_help_mentions_emergent(capsys):
    with pytest.raises(SystemExit):
        main(["topics", "--help"])
    assert "emergent" in capsys.readouterr().out


def test_reads_a_project_file(tmp_path, capsys):
    from outcomes_qual.project import Project

    corpus, _ = make_planted_corpus(0)
    path = tmp_path / "p.sqlite"
    with Project.create(path) as proj:
        proj.add_corpus(corpus)
    before = path.read_bytes()
    out = tmp_path / "from_project"
    assert main(["topics", "--project", str(path), "--backend", "light", "--out", str(out)]) == 0
    assert len(pd.read_csv(out / "topic_assignments.csv")) == 6 * 28
    assert "turns modelled" in capsys.readouterr().out
    assert path.read_bytes() == before  # the project is only read
