"""The evaluation report: tables (xlsx, csv), figures (png, svg) and report.docx.

Examples
--------
>>> import tempfile, pandas as pd
>>> from pathlib import Path
>>> from outcomes_qual.corpus import Corpus
>>> corpus = Corpus.from_turns("fg1", [("F", "facilitator", "What gets in the way?"),
...     ("Ann", "practitioner", "The forms take all week and the system crashes on every plan we write."),
...     ("Bob", "senior", "We have so little time to sit with families and really listen to them.")],
...     authority="Glanafon")
>>> codings = pd.DataFrame({"segment_id": ["fg1:002", "fg1:003"], "code": ["systems_barriers", "time"]})
>>> with tempfile.TemporaryDirectory() as d:
...     out = write_report(corpus, codings, None, Path(d))
...     sorted(k for k in out if "/" not in k)
['figures', 'report', 'tables', 'xlsx']
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pandas as pd

from ..provenance import run_settings
from .docx_report import write_docx
from .figures import authority_figure, participants_by_role_figure, role_theme_heatmap
from .tables import alias_corpus, analysed_participants, build_tables
from .xlsx import write_csvs, write_workbook

logger = logging.getLogger(__name__)

__all__ = [
    "authority_figure",
    "build_tables",
    "participants_by_role_figure",
    "role_theme_heatmap",
    "write_csvs",
    "write_docx",
    "write_report",
    "write_workbook",
]

#: Tables kept out of the workbook and CSVs (internal to the docx).
_INTERNAL_TABLES = ("vignette_candidates",)


def _steps(progress: bool, total: int):
    if not progress:
        return None
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        return None
    return tqdm(total=total, desc="report", unit="step", file=sys.stderr, leave=False)


def write_report(
    corpus,
    codings: pd.DataFrame,
    codebook,
    out_dir,
    *,
    topics=None,
    agreement=None,
    coding_method: str | None = None,
    title: str | None = None,
    ai_use=None,
    alias_authorities: bool = False,
    k_quotes: int = 3,
    seed: int | None = None,
    progress: bool = False,
    counted=None,
) -> dict[str, Path]:
    """Write the full report for a coded corpus into ``out_dir``.

    Writes ``report.docx``, ``tables.xlsx`` (one sheet per table, with topic
    sheets when ``topics`` is given), ``tables/*.csv`` and ``figures/*.png|svg``.
    Existing files of the same names are replaced; nothing else is touched.

    Parameters
    ----------
    corpus : Corpus
        The corpus, already pseudonymised: quotes are taken from its text.
    codings : pandas.DataFrame
        Codings (segment_id, code, ...); sub-codes roll up to themes.
    codebook : Codebook or None
        Orders and labels the themes and fills Appendix A.
    out_dir : str or Path
    topics : TopicResult, optional
        From :func:`outcomes_qual.topics.find_topics`; fills "Emergent themes"
        and adds topic sheets (and its figures when
        ``outcomes_qual.topics.write_topic_figures`` is available).
    agreement : float, dict, DataFrame or str, optional
        Measured agreement of the coding with a person (e.g. the ``all`` row of
        :func:`outcomes_qual.agreement.agreement`), quoted in the methods.
    coding_method : str, optional
        How the codings were made (``"ensemble"``, ``"keyword"``, ``"manual"``...);
        inferred from ``codings["method"]`` when not given.
    title : str, optional
    ai_use : AIUse, optional
        From :func:`outcomes_qual.report.ai_use.ai_use` (or ``ai_use_from_project``):
        adds "Appendix D. Use of automated coding" (model, settings, codebook
        version, validation against a person or the statement that there was
        none, and the human review) and, when validated, the ``ai_validation``
        table; its overall agreement is quoted in the methods unless
        ``agreement`` is given.
    alias_authorities : bool, default False
        Replace authority names by "Authority A", "Authority B"... everywhere.
    k_quotes : int, default 3
        Exemplar quotes per theme x role in the quotes table.
    seed : int, optional
        The random_state the codings and topics were made with (default: the
        topics'), recorded with the settings and package versions in the
        ``run_settings`` table and the methods section.
    progress : bool, default False
        Show a progress bar on stderr.
    counted : Counted, optional
        From :func:`outcomes_qual.report.counted.count_codings`: the Summary,
        the Methods and Appendix D say what the findings count and how much of
        it a person reviewed.

    Returns
    -------
    dict of str to Path
        ``report``, ``xlsx``, ``tables`` (directory), ``figures`` (directory),
        and one entry per written file keyed by its path relative to ``out_dir``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if alias_authorities:
        corpus = alias_corpus(corpus)
    if coding_method is None and "method" in codings and len(codings):
        methods = codings["method"].dropna().astype(str).unique().tolist()
        coding_method = methods[0] if len(methods) == 1 else ("ensemble" if "ensemble" in methods else None)
    bar = _steps(progress, 5)

    def step(what: str) -> None:
        logger.info("report: %s", what)
        if bar is not None:
            bar.set_postfix_str(what)
            bar.update(1)

    tables = build_tables(corpus, codings, codebook, k=k_quotes, topics=topics)
    if ai_use is not None and ai_use.validated:
        tables["ai_validation"] = ai_use.agreement
        if agreement is None:
            agreement = ai_use.agreement
    step("tables")
    fig_dir = out_dir / "figures"
    figures: dict[str, Path] = {}
    written: dict[str, Path] = {}
    for key, fn, args in (
        ("heatmap", role_theme_heatmap, (tables["role_by_theme"], fig_dir / "role_theme_heatmap")),
        ("authorities", authority_figure, (tables["authority_comparison"], fig_dir / "theme_by_authority")),
        ("participants", participants_by_role_figure, (analysed_participants(corpus), fig_dir / "participants_by_role")),
    ):
        if key == "authorities" and tables["authority_comparison"]["authority"].nunique() < 2:
            continue
        kwargs = {} if key == "participants" else {"codebook": codebook}
        paths = fn(*args, **kwargs)
        figures[key] = paths[0]
        for p in paths:
            written[str(p.relative_to(out_dir))] = p
    if topics is not None:
        try:
            from ..topics import write_topic_figures

            for p in write_topic_figures(topics, fig_dir):
                written[str(Path(p).relative_to(out_dir)) if Path(p).is_relative_to(out_dir) else str(p)] = Path(p)
        except (ImportError, AttributeError) as err:
            logger.info("topic figures not written: %s", err)
    step("figures")
    exported = {k: v for k, v in tables.items() if k not in _INTERNAL_TABLES}
    settings = run_settings(seed=seed, coding_method=coding_method, topics=topics)
    exported["run_settings"] = settings
    for p in write_csvs(exported, out_dir / "tables").values():
        written[str(p.relative_to(out_dir))] = p
    xlsx = write_workbook(exported, out_dir / "tables.xlsx")
    step("tables.xlsx")
    report = write_docx(
        out_dir / "report.docx",
        corpus=corpus,
        tables=tables,
        figures=figures,
        codebook=codebook,
        topics=topics,
        agreement=agreement,
        coding_method=coding_method,
        title=title,
        ai_use=ai_use,
        settings=settings,
        counted=counted,
    )
    step("report.docx")
    if bar is not None:
        bar.close()
    return {"report": report, "xlsx": xlsx, "tables": out_dir / "tables", "figures": fig_dir, **written}
