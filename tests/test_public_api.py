"""The top-level API: lazy names, ``__all__``, ``__version__``, and an import that stays light."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib.metadata import version

import pytest

import outcomes_qual

HEAVY = ("torch", "sentence_transformers", "bertopic", "umap", "hdbscan", "matplotlib", "sklearn", "pandas")


def test_import_is_light_in_a_fresh_process():
    code = f"import sys, json, outcomes_qual; print(json.dumps([m for m in {list(HEAVY)!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_every_name_in_all_resolves():
    assert outcomes_qual.__all__ == sorted(outcomes_qual.__all__)
    for name in outcomes_qual.__all__:
        assert getattr(outcomes_qual, name) is not None, name
    assert set(outcomes_qual.__all__) <= set(dir(outcomes_qual))


def test_names_are_the_library_objects():
    from outcomes_qual.agreement import agreement
    from outcomes_qual.analysis import role_by_theme
    from outcomes_qual.coding import autocode
    from outcomes_qual.ingest import read_corpus
    from outcomes_qual.project import Project

    assert outcomes_qual.read_corpus is read_corpus
    assert outcomes_qual.autocode is autocode
    assert outcomes_qual.role_by_theme is role_by_theme
    assert outcomes_qual.coder_agreement is agreement
    assert outcomes_qual.Project is Project
    assert outcomes_qual.open_project == Project.open


def test_version_matches_the_installed_distribution():
    assert outcomes_qual.__version__ == version("outcomes_qual")


def test_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        outcomes_qual.nope  # noqa: B018 - the attribute access is what is tested
    from outcomes_qual import read_corpus  # noqa: F401  (from-import goes through __getattr__)
