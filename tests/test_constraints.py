"""constraints.txt: exact pins, used by the Makefile, covering every dependency in pyproject.toml."""

from __future__ import annotations

import importlib.metadata
import os
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*)==([0-9][A-Za-z0-9.!+-]*)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins() -> dict[str, str]:
    pins = {}
    for n, line in enumerate((ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = PIN.match(line)
        assert m, f"constraints.txt:{n}: expected name==version, got {line!r}"
        assert _norm(m.group(1)) not in pins, f"constraints.txt:{n}: {m.group(1)} pinned twice"
        pins[_norm(m.group(1))] = m.group(2)
    return pins


def test_constraints_pin_every_dependency():
    pins = read_pins()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("embeddings", "test", "web", "scale", "browser-test", "lint", "notebooks", "docs"):
        wanted += project["optional-dependencies"][extra]
    names = [_norm(re.split(r"[<>=!~\[; ]", req, maxsplit=1)[0]) for req in wanted]
    missing = [n for n in names if n not in pins]
    assert not missing, f"constraints.txt does not pin {missing}; run `make lock`"
    assert pins["torch"] == "2.13.0"
    assert "outcomes-qual" not in pins
    assert not any("+" in v for v in pins.values()), "local version labels (+cpu) would not match PyPI"


def test_makefile_installs_with_the_constraints():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "CONSTRAINTS := constraints.txt" in makefile
    assert makefile.count("-c $(CONSTRAINTS)") >= 2
    assert re.search(r"^\$\(STAMP\): pyproject.toml \$\(CONSTRAINTS\)", makefile, re.M)
    assert re.search(r"^lock:", makefile, re.M)


def _installed_extras() -> list[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    m = re.search(r'-c \$\(CONSTRAINTS\) -e "\.\[([^\]]+)\]"', makefile)
    assert m, "the Makefile installs the project with its extras"
    return m.group(1).split(",")


def test_make_install_installs_jupyter_and_the_docs_tools():
    extras = _installed_extras()
    assert {"notebooks", "docs"} <= set(extras), extras
    optional = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert [_norm(r.split(">")[0]) for r in optional["notebooks"]] == ["jupyterlab", "notebook"]


@pytest.mark.parametrize(
    "dist", ["jupyterlab", "notebook", "nbconvert", "sphinx", "pydata-sphinx-theme", "numpydoc", "myst-parser"]
)
def test_installed_at_the_pinned_version(dist):
    """After `make install` JupyterLab and the docs tools are there, at the pins (CI fails without them)."""
    try:
        version = importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"{dist} is not installed: `make install` installs the notebooks and docs extras") from None
        pytest.skip(f"{dist} not installed (make install)")
    assert version == read_pins()[_norm(dist)]
