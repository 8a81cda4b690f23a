"""Fixtures for the review web app: a small project file with suggestions, and a headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from outcomes_qual.codebook import Code, Codebook
from outcomes_qual.corpus import Corpus
from outcomes_qual.project import Project

XSS_TEXT = 'Look: <script>window.__xss = 1</script> and <img src=x onerror="window.__xss = 2"> in a turn.'

TURNS_FG1 = [
    ("Facilitator", "facilitator", "What has changed in how you work?"),
    ("Ann Jones", "practitioner", "The forms take all week and the IT system crashes."),
    ("Bo Evans", "manager", "We ask what matters to people now, not what the form asks."),
    ("Ann Jones", "practitioner", "There is never enough time with families, the caseloads are huge."),
    ("Cy Price", "senior", XSS_TEXT),
]
TURNS_FG2 = [
    ("Facilitator", "facilitator", "And partners?"),
    ("Di Hall", "practitioner", "Health colleagues still send the old referral forms."),
    ("Ed Moss", "manager", "Café déjà vu 🙂: the GP surgery calls us every week."),
]
PIDS = {
    "Ann Jones": "GA-P01",
    "Bo Evans": "GA-M01",
    "Cy Price": "GA-S01",
    "Di Hall": "ST-P01",
    "Ed Moss": "ST-M01",
    "Facilitator": None,
}

CODEBOOK = Codebook(
    "test",
    (
        Code(
            "systems_barriers",
            "Systems and barriers",
            "Systems, forms and IT that get in the way.",
            include=("forms, IT",),
            exclude=("staffing",),
            keywords=("forms", "IT system"),
            examples=("The form takes all day.",),
            color="#1f77b4",
        ),
        Code("systems_barriers/paperwork_and_it", "Paperwork and IT", "Forms and recording systems.", keywords=("form",)),
        Code(
            "culture_shift",
            "Culture shift",
            "Asking what matters; strengths-based practice.",
            keywords=("what matters",),
            color="#2ca02c",
        ),
        Code("time", "Time", "Not enough time; caseloads and deadlines.", keywords=("time", "caseloads"), color="#d62728"),
        Code("partners", "Partners", "Health, police, schools and other agencies.", keywords=("health", "GP"), color="#9467bd"),
    ),
)

#: The machine's suggestions: (segment_id, code, confidence, keywords that fired).
SUGGESTIONS = [
    ("fg1:002", "systems_barriers", 0.93, "forms; IT system"),
    ("fg1:002", "time", 0.52, "time"),
    ("fg1:003", "culture_shift", 0.81, "what matters"),
    ("fg1:004", "time", 0.45, "time; caseloads"),
    ("fg2:002", "partners", 0.70, "health"),
    ("fg2:003", "partners", 0.97, "GP"),
]


def _corpus(tid: str, turns, authority: str) -> Corpus:
    corpus = Corpus.from_turns(tid, turns, authority=authority, department="adult services")
    for frame in (corpus.segments, corpus.participants):
        frame["participant_id"] = frame["speaker"].map(PIDS)
    return corpus


def build_project(path) -> dict[str, int]:
    """Write the test project at ``path``; return the suggestions' coding ids by (segment_id, code)."""
    with Project.create(path) as proj:
        proj.add_corpus(_corpus("fg1", TURNS_FG1, "Glanafon"))
        proj.add_corpus(_corpus("fg2", TURNS_FG2, "Strathlinn"))
        version = proj.add_codebook(CODEBOOK)
        frame = pd.DataFrame(
            [
                {
                    "segment_id": s,
                    "code": c,
                    "coder": "machine",
                    "method": "keyword",
                    "confidence": p,
                    "evidence": f"keywords: {k}",
                }
                for s, c, p, k in SUGGESTIONS
            ]
        )
        ids = proj.add_codings(frame, codebook=version)
    return {(s, c): i for (s, c, _, _), i in zip(SUGGESTIONS, ids, strict=True)}


@pytest.fixture
def project_file(tmp_path):
    path = tmp_path / "study.sqlite"
    ids = build_project(path)
    return path, ids


# --------------------------------------------------------------------- the browser (test_browser*.py)
CHROMIUM = Path(os.environ.get("OUTCOMES_QUAL_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI: browser tests cannot run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install playwright; its browsers are not needed)")
    pytest.importorskip("starlette")
    if not CHROMIUM.is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()
