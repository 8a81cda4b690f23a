"""``outcomes-qual agreement`` end to end."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from outcomes_qual.agreement import AGREEMENT_COLUMNS, DISAGREEMENT_COLUMNS, agreement
from outcomes_qual.cli import main


@pytest.fixture
def files(tmp_path):
    seg = pd.DataFrame(
        {
            "segment_id": [f"fg:{i:03d}" for i in range(1, 9)],
            "transcript_id": "fg",
            "turn": range(1, 9),
            "speaker": ["Fac", "Ann", "Bea", "Ann", "Bea", "Cy", "Cy", "Ann"],
            "participant_id": ["F", "P1", "P2", "P1", "P2", "P3", "P3", "P1"],
            "role": ["facilitator", "practitioner", "senior", "practitioner", "senior", "manager", "manager", "practitioner"],
            "text": [f"turn {i}, with a comma" for i in range(1, 9)],
        }
    )
    seg.to_csv(tmp_path / "segments.csv", index=False)
    a = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:003", "fg:005", "fg:007", "fg:008"],
            "code": ["time", "time", "partners/health", "time", "resistance"],
            "coder": "ann",
        }
    )
    b = pd.DataFrame(
        {
            "segment_id": ["fg:002", "fg:004", "fg:005", "fg:007"],
            "code": ["time", "time", "partners", "time"],
            "coder": "ensemble",
            "confidence": [0.9, 0.5, 0.7, 0.8],
        }
    )
    a.to_csv(tmp_path / "a.csv", index=False)
    b.to_csv(tmp_path / "b.csv", index=False)
    return tmp_path, seg, a, b


def run(capsys, *argv):
    code = main(["agreement", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def test_writes_table_and_disagreements(files, capsys):
    d, seg, a, b = files
    code, out, err = run(
        capsys,
        d / "a.csv",
        d / "b.csv",
        "--segments",
        d / "segments.csv",
        "--out",
        d / "out" / "agreement.csv",
        "--disagreements",
        d / "out" / "diff.csv",
    )
    assert code == 0, err
    assert "coders ann, ensemble" in out and "7 turn(s)" not in out
    # 7 non-facilitator turns per code; "all" pools 4 codes x 7 turns (it used to say "28 ... unit(s) per code")
    assert f"wrote {d / 'out' / 'agreement.csv'}: 4 code(s) x 7 segment unit(s) (28 decisions pooled in 'all'), " in out
    table = pd.read_csv(d / "out" / "agreement.csv")
    assert list(table.columns) == list(AGREEMENT_COLUMNS)
    assert table["code"].tolist() == ["partners", "partners/health", "resistance", "time", "all"]
    expected = agreement(a, b, segments=seg).round(4)
    np.testing.assert_allclose(table["cohen_kappa"], expected["cohen_kappa"], equal_nan=True)
    ids = [f"fg:{i:03d}" for i in range(2, 9)]
    ann = [int(s in {"fg:002", "fg:003", "fg:007"}) for s in ids]
    ens = [int(s in {"fg:002", "fg:004", "fg:007"}) for s in ids]
    assert table.set_index("code").loc["time", "cohen_kappa"] == pytest.approx(cohen_kappa_score(ann, ens), abs=1e-4)
    diff = pd.read_csv(d / "out" / "diff.csv", keep_default_na=False)
    assert list(diff.columns) == list(DISAGREEMENT_COLUMNS)
    assert diff["segment_id"].tolist() == ["fg:003", "fg:004", "fg:005", "fg:008"]
    assert diff["text"].iloc[0] == "turn 3, with a comma"
    assert "Ann" not in diff.to_string()


def test_theme_level_participant_unit_and_codes(files, capsys):
    d, *_ = files
    code, out, err = run(
        capsys,
        d / "a.csv",
        d / "b.csv",
        "--segments",
        d / "segments.csv",
        "--unit",
        "participant",
        "--level",
        "theme",
        "--codes",
        "partners",
        "time",
        "culture_shift",
        "--out",
        d / "t.csv",
    )
    assert code == 0, err
    table = pd.read_csv(d / "t.csv").set_index("code")
    assert table.index.tolist() == ["partners", "time", "culture_shift", "all"]
    assert table.loc["partners", "percent_agreement"] == 1.0  # health rolls up to partners
    assert table.loc["time", "n_units"] == 3 and table.loc["time", "unit"] == "participant"
    assert np.isnan(table.loc["culture_shift", "cohen_kappa"])
    assert table.loc["culture_shift", "gwet_ac1"] == 1.0


def test_one_file_with_two_coders_and_file_name_as_coder(files, capsys):
    d, seg, a, b = files
    pd.concat([a, b]).to_csv(d / "both.csv", index=False)
    assert run(capsys, d / "both.csv", "--segments", d / "segments.csv", "--out", d / "x.csv")[0] == 0
    a.drop(columns="coder").to_csv(d / "maria.csv", index=False)
    b.drop(columns="coder").to_csv(d / "machine.csv", index=False)
    code, out, _ = run(capsys, d / "maria.csv", d / "machine.csv", "--segments", d / "segments.csv", "--out", d / "y.csv")
    assert code == 0 and "coders maria, machine" in out
    pd.testing.assert_frame_equal(
        pd.read_csv(d / "x.csv").drop(columns="coders"), pd.read_csv(d / "y.csv").drop(columns="coders")
    )


@pytest.mark.parametrize(
    "setup, message",
    [
        (
            lambda d: (d / "a.csv").write_text("segment,code\nx,y\n"),
            r"a\.csv: codings file is missing column\(s\) \['segment_id'\]",
        ),
        (lambda d: (d / "a.csv").unlink(), r"a\.csv: no such codings file"),
        (
            lambda d: [(d / f"{x}.csv").write_text(f"segment_id,code,coder\nfg:099,time,{x}\n") for x in "ab"],
            r"none of the codings refer to a turn in segments \(e\.g\. \['fg:099'\]\)",
        ),
        (lambda d: (d / "b.csv").write_text("segment_id,code,coder\nfg:002,time,ann\n"), "at least two coders"),
    ],
)
def test_bad_inputs_give_one_line(files, capsys, setup, message):
    d, *_ = files
    if "at least two" in message:
        setup(d)
        code, _, err = run(capsys, d / "b.csv", "--segments", d / "segments.csv", "--out", d / "o.csv")
    else:
        setup(d)
        code, _, err = run(capsys, d / "a.csv", d / "b.csv", "--segments", d / "segments.csv", "--out", d / "o.csv")
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert pytest.importorskip("re").search(message, err), err
    assert not (d / "o.csv").exists()


def test_refuses_to_overwrite_an_input(files, capsys):
    d, *_ = files
    before = (d / "a.csv").read_bytes()
    code, _, err = run(capsys, d / "a.csv", d / "b.csv", "--segments", d / "segments.csv", "--out", d / "a.csv")
    assert code == 2 and "would overwrite an input file" in err
    assert (d / "a.csv").read_bytes() == before


def test_participant_unit_needs_participant_column(files, capsys):
    d, seg, *_ = files
    seg.drop(columns="participant_id").to_csv(d / "segments.csv", index=False)
    code, _, err = run(
        capsys, d / "a.csv", d / "b.csv", "--segments", d / "segments.csv", "--unit", "participant", "--out", d / "o.csv"
    )
    assert code == 2 and "segments.csv: segments file is missing column(s) ['participant_id']" in err


def test_project_form_compares_coders_on_the_transcripts_they_coded(files, tmp_path, capsys):
    from outcomes_qual.corpus import Corpus
    from outcomes_qual.project import Project

    d, seg, a, b = files
    fg = Corpus.from_turns("fg", [(s, r, t) for s, r, t in zip(seg["speaker"], seg["role"], seg["text"], strict=True)])
    other = Corpus.from_turns("other", [("Dee", "senior", "Not double coded.")])
    with Project.create(tmp_path / "p.sqlite") as p:
        p.add_corpus(Corpus.concat([fg, other]))
        p.add_codings(pd.concat([a, b]))
        ids = p.add_codings(pd.DataFrame({"segment_id": ["fg:006"], "code": ["time"], "coder": ["ann"]}))
        p.reject(ids)
    code, out, err = run(capsys, "--project", tmp_path / "p.sqlite", "--coders", "ann", "ensemble", "--out", d / "p.csv")
    assert code == 0, err
    via_project = pd.read_csv(d / "p.csv")
    run(capsys, d / "a.csv", d / "b.csv", "--segments", d / "segments.csv", "--out", d / "c.csv")
    pd.testing.assert_frame_equal(via_project, pd.read_csv(d / "c.csv"))
    run(
        capsys,
        "--project",
        tmp_path / "p.sqlite",
        "--coders",
        "ann",
        "ensemble",
        "--out",
        d / "p.csv",
        "--disagreements",
        d / "pd.csv",
    )
    assert pd.read_csv(d / "pd.csv")["segment_id"].tolist() == ["fg:003", "fg:004", "fg:005", "fg:008"]
    code, _, err = run(capsys, "--project", tmp_path / "p.sqlite", "--coders", "ann", "zoe", "--out", d / "x.csv")
    assert code == 2 and "no codings by ['zoe'] in the project; coders in it: ['ann', 'ensemble']" in err
    code, _, err = run(capsys, "--out", d / "x.csv")
    assert code == 2 and "give two or more CODINGS.csv" in err


def test_names_are_replaced_in_the_disagreement_text(files, capsys):
    d, seg, *_ = files
    seg.assign(text=seg["text"] + " Ask Megan.").to_csv(d / "segments.csv", index=False)
    (d / "names.csv").write_text("name,category\nMegan,child\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        d / "a.csv",
        d / "b.csv",
        "--segments",
        d / "segments.csv",
        "--out",
        d / "o.csv",
        "--disagreements",
        d / "diff.csv",
        "--names",
        d / "names.csv",
    )
    assert code == 0, err
    text = pd.read_csv(d / "diff.csv")["text"]
    assert not text.str.contains("Megan").any() and text.str.contains("Ask ").all()


def test_bootstrap_option_fills_intervals(files, capsys):
    d, *_ = files
    code, _, err = run(
        capsys,
        d / "a.csv",
        d / "b.csv",
        "--segments",
        d / "segments.csv",
        "--bootstrap",
        "200",
        "--seed",
        "3",
        "--out",
        d / "ci.csv",
    )
    assert code == 0, err
    row = pd.read_csv(d / "ci.csv").set_index("code").loc["all"]
    assert row["cohen_kappa_ci_low"] <= row["cohen_kappa"] <= row["cohen_kappa_ci_high"]


def test_boot_is_the_same_option_as_bootstrap_as_in_validate_and_report(files, capsys):
    d, *_ = files
    common = [d / "a.csv", d / "b.csv", "--segments", d / "segments.csv", "--seed", "3"]
    assert run(capsys, *common, "--boot", "200", "--out", d / "boot.csv")[0] == 0
    assert run(capsys, *common, "--bootstrap", "200", "--out", d / "bootstrap.csv")[0] == 0
    assert (d / "boot.csv").read_bytes() == (d / "bootstrap.csv").read_bytes()
    assert pd.read_csv(d / "boot.csv")["cohen_kappa_ci_low"].notna().any()


def test_out_and_disagreements_must_be_different_files(files, capsys):
    d, *_ = files
    code, _, err = run(
        capsys,
        d / "a.csv",
        d / "b.csv",
        "--segments",
        d / "segments.csv",
        "--out",
        d / "same.csv",
        "--disagreements",
        d / "same.csv",
    )
    assert code == 2 and "--out, --disagreements must be different files" in err
    assert not (d / "same.csv").exists()
