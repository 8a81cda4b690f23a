"""The documentation site builds offline with warnings as errors, and every relative link resolves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (what myst_heading_anchors also produces)."""
    text = re.sub(r"[`*]|\[([^\]]*)\]\([^)]*\)", lambda m: m.group(1) or "", heading.strip()).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    out = set()
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*#*\s*$", text, re.M):
        base = slug(heading)
        n = seen.get(base, 0)
        out.add(base if n == 0 else f"{base}-{n}")
        seen[base] = n + 1
    return out


def links(page: Path) -> list[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    text = FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)  # keep line numbers
    found = []
    for n, line in enumerate(text.splitlines(), start=1):
        for target in LINK.findall(CODE.sub("", line)):
            if not re.match(r"^[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto: are not checked (offline)
                found.append((n, target))
    return found


def test_slug_matches_github():
    assert slug("Reading transcripts (`outcomes_qual.ingest`)") == "reading-transcripts-outcomes_qualingest"
    assert slug("Coding as a team: project file and agreement") == "coding-as-a-team-project-file-and-agreement"
    assert slug("How far to trust a suggestion") == "how-far-to-trust-a-suggestion"


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_relative_links_resolve(page):
    broken = []
    for line, target in links(page):
        path, _, anchor = target.partition("#")
        dest = (page.parent / path).resolve() if path else page
        if not dest.exists():
            broken.append(f"{page.relative_to(ROOT)}:{line}: {target} (no such file)")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            broken.append(f"{page.relative_to(ROOT)}:{line}: {target} (no heading #{anchor} in {dest.name})")
    assert not broken, "\n".join(broken)


def test_docs_site_builds_without_warnings(tmp_path):
    """`make docs` as a test: Sphinx with -W --keep-going, offline, every page and module page written."""
    try:
        import myst_parser  # noqa: F401 - imported to check the docs tools are installed
        import numpydoc  # noqa: F401 - as above
        import pydata_sphinx_theme  # noqa: F401 - as above
        import sphinx  # noqa: F401 - as above
    except ImportError as err:
        if os.environ.get("CI") == "true":
            raise AssertionError(f"the docs tools are not installed ({err.name}): make install") from None
        pytest.skip(f"docs extra not installed ({err.name})")
    out = tmp_path / "html"
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "MPLBACKEND": "Agg",
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-b",
            "html",
            "-W",
            "--keep-going",
            "-q",
            "-d",
            str(tmp_path / "doctrees"),
            "docs",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    assert not proc.stderr.strip(), proc.stderr[-3000:]
    for page in ["index", "glossary", "figures", "about", "api/index", "coding", "web"]:
        assert (out / f"{page}.html").is_file(), page
    modules = [
        "outcomes_qual",
        "outcomes_qual.ingest",
        "outcomes_qual.codebook",
        "outcomes_qual.coding",
        "outcomes_qual.agreement",
        "outcomes_qual.analysis",
        "outcomes_qual.topics",
        "outcomes_qual.report",
        "outcomes_qual.interop",
        "outcomes_qual.anonymise",
        "outcomes_qual.project",
        "outcomes_qual_web",
        "outcomes_qual_dask",
    ]
    for module in modules:
        assert (out / "api" / "generated" / f"{module}.html").is_file(), module
    coding = (out / "api" / "generated" / "outcomes_qual.coding.html").read_text(encoding="utf-8")
    assert 'id="outcomes_qual.coding.autocode"' in coding  # documented from its docstring, not just listed
    glossary = (out / "glossary.html").read_text(encoding="utf-8")
    for term in ["kappa", "alpha", "AC1", "macro-F1", "top-1", "confidence", "calibration", "LSA", "UMAP", "HDBSCAN", "REFI-QDA"]:
        assert f'id="term-{term}"' in glossary, term
