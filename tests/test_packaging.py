"""The package metadata: an SPDX licence with its file, classifiers, py.typed, a changelog, and no setuptools warning."""

from __future__ import annotations

import tomllib
import warnings

import pytest
from conftest import ROOT

PACKAGES = ("outcomes_qual", "outcomes_qual_web", "outcomes_qual_dask")


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_licence_is_an_spdx_expression_with_its_file(pyproject):
    project = pyproject["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"] and (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert not [c for c in project["classifiers"] if c.startswith("License ::")]  # setuptools refuses both
    assert "setuptools>=77" in pyproject["build-system"]["requires"]  # the first to read the SPDX form


def test_every_package_ships_py_typed(pyproject):
    data = pyproject["tool"]["setuptools"]["package-data"]
    for package in PACKAGES:
        assert (ROOT / package / "py.typed").is_file(), package
        assert "py.typed" in data[package], package
    assert "Typing :: Typed" in pyproject["project"]["classifiers"]


def test_changelog_has_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog\n") and "\n## Unreleased\n" in text
    assert text.index("## Unreleased") < text.index("## 0.1.0")


def test_setuptools_reads_the_metadata_without_a_warning(monkeypatch):
    from setuptools.config.pyprojecttoml import apply_configuration
    from setuptools.dist import Distribution

    monkeypatch.chdir(ROOT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(Distribution(), ROOT / "pyproject.toml")
    assert [f"{w.category.__name__}: {str(w.message).splitlines()[0]}" for w in caught] == []
    assert dist.metadata.license_expression == "MIT"
