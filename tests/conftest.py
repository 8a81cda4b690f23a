"""Shared fixtures: paths to the sample corpus and to ../shared (skips when absent)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# The default coder caches its trained head (outcomes_qual.coding._cache): tests and the subprocesses they
# start share one cache inside the clone (git-ignored), never the user's own.
os.environ.setdefault("OUTCOMES_QUAL_CACHE", str(ROOT / ".cache" / "test"))
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "transcripts_sample"
CODEBOOK = ROOT / "codebooks" / "outcomes_practice.yaml"


@pytest.fixture
def shared_dir() -> Path:
    """``../shared``; tests that use it skip cleanly on a user's clone without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside this clone")
    return SHARED


@pytest.fixture
def sample_dir() -> Path:
    """The fictional sample corpus shipped in ``transcripts_sample/``."""
    return SAMPLE


@pytest.fixture
def codebook_path() -> Path:
    """The shipped codebook ``codebooks/outcomes_practice.yaml``."""
    return CODEBOOK
