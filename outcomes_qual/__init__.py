"""outcomes_qual: qualitative analysis of focus groups and interviews for social-care evaluations.

The names below are the library's public face for notebooks and scripts.
Each is imported from its subpackage the first time it is used (PEP 562), so
``import outcomes_qual`` stays fast and never imports pandas, torch,
sentence-transformers, BERTopic or matplotlib.

=========================  ==================================================================
name                       what it is
=========================  ==================================================================
``read_corpus``            read transcript files or folders (and a roster) into a ``Corpus``
``Corpus``                 transcripts, participants and segments (one row per turn)
``load_codebook``          read and validate a codebook YAML file
``autocode``               propose codes for every participant turn (a codings table)
``make_coder``             a scikit-learn-style coder (keyword, semantic, supervised, ensemble)
``suggest_next``           the uncoded turns whose coding would teach the coder most
``validate``               the auto-coder against a person's sample: agreement with 95% intervals
``role_by_theme``          how many turns (people, groups) of each role raised each theme
``role_theme_test``        chi-square or exact test of role x theme, with adjusted residuals
``exemplar_quotes``        short quotes per theme, attributed by role only
``find_topics``            emergent themes: topics the codebook covers and topics it does not
``write_report``           report.docx, tables.xlsx, ``tables/*.csv`` and figures
``pseudonymise_corpus``    replace participants' (and listed third parties') names
``Project``                the SQLite team-coding project (``Project.create`` / ``Project.open``)
``open_project``           ``Project.open(path)``
``coder_agreement``        inter-coder agreement per code and overall (``outcomes_qual.agreement.agreement``)
``export_qdpx``            write a REFI-QDA project for NVivo, ATLAS.ti, MAXQDA, QualCoder
``import_qdpx``            read a REFI-QDA project
=========================  ==================================================================

Examples
--------
>>> import outcomes_qual as oq
>>> oq.__version__ != ""
True
>>> "role_by_theme" in oq.__all__ and callable(oq.role_by_theme)
True
"""

from __future__ import annotations

import importlib

#: Public name -> "module:attribute" it is imported from on first use.
#: One line per name; to expose a new entry point, add its line here.
_REGISTRY: dict[str, str] = {
    # files -> corpus
    "read_corpus": "outcomes_qual.ingest:read_corpus",
    "Corpus": "outcomes_qual.corpus:Corpus",
    # codebook and coding
    "load_codebook": "outcomes_qual.codebook:load_codebook",
    "autocode": "outcomes_qual.coding:autocode",
    "make_coder": "outcomes_qual.coding:make_coder",
    "suggest_next": "outcomes_qual.coding:suggest_next",
    "validate": "outcomes_qual.agreement:validate",
    # tables
    "role_by_theme": "outcomes_qual.analysis:role_by_theme",
    "role_theme_test": "outcomes_qual.analysis:role_theme_test",
    "exemplar_quotes": "outcomes_qual.analysis:exemplar_quotes",
    # emergent themes
    "find_topics": "outcomes_qual.topics:find_topics",
    # report
    "write_report": "outcomes_qual.report:write_report",
    # anonymity
    "pseudonymise_corpus": "outcomes_qual.anonymise:pseudonymise_corpus",
    # team coding
    "Project": "outcomes_qual.project:Project",
    "open_project": "outcomes_qual.project:Project.open",
    # not "agreement": that is the subpackage's name, which the import system binds here
    "coder_agreement": "outcomes_qual.agreement:agreement",
    # exchange
    "export_qdpx": "outcomes_qual.interop:export_qdpx",
    "import_qdpx": "outcomes_qual.interop:import_qdpx",
}

__all__ = sorted([*_REGISTRY, "__version__"])


def _find_version() -> str:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # pragma: no cover - Python < 3.8
        return "0+unknown"
    try:
        return version("outcomes_qual")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "0+unknown"


__version__: str = _find_version()


def __getattr__(name: str):
    target = _REGISTRY.get(name)
    if target is None:
        raise AttributeError(f"module 'outcomes_qual' has no attribute {name!r}")
    module_name, _, attrs = target.partition(":")
    value = importlib.import_module(module_name)
    for attr in attrs.split("."):
        value = getattr(value, attr)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
