"""Sphinx configuration for the outcomes_qual documentation site (``make docs``).

The build is offline (no intersphinx inventories, no remote images or fonts)
and runs with warnings as errors (``-W --keep-going``). The user guide is the
Markdown in this folder (myst-parser); the API reference is generated from
the numpydoc docstrings (autodoc + autosummary + numpydoc).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import outcomes_qual

project = "outcomes_qual"
author = "outcomes_qual contributors"
copyright = "2026, outcomes_qual contributors"
release = version = outcomes_qual.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = ["_build", "api/generated/*.*.*.rst", "img/*.py"]

# Markdown (the user guide pages are plain GitHub Markdown)
myst_heading_anchors = 3  # [text](page.md#a-heading) links resolve
myst_enable_extensions = ["deflist"]

# API reference: one page per public module, members from its __all__
autosummary_generate = True
autosummary_ignore_module_all = False
autosummary_imported_members = True
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
autodoc_inherit_docstrings = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

nitpicky = False
suppress_warnings = [
    # The user guide links to files outside docs/ (notebooks, benchmarks, the sample
    # corpus) for readers on GitHub or in a clone; Sphinx cannot resolve those.
    # tests/test_docs.py checks that every relative link in README.md and docs/
    # (and every #anchor into a page) exists instead.
    "myst.xref_missing",
]


def _skip_third_party(app, what, name, obj, skip, options):
    """Leave out what scikit-learn's BaseEstimator adds to every estimator class.

    ``set_*_request`` (metadata routing) and ``set_output`` are generated on each
    subclass with scikit-learn's docstrings, whose cross-references point into
    scikit-learn's own site.
    """
    if name.startswith("set_") and (name.endswith("_request") or name == "set_output"):
        return True
    return None


def setup(app):
    """Register the hook above."""
    app.connect("autodoc-skip-member", _skip_third_party)


html_theme = "pydata_sphinx_theme"
html_title = "outcomes_qual"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
