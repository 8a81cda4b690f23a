"""The consultation report from the folder ``autocode --workers`` / ``--scheduler`` wrote.

:func:`consultation_counts_at_scale` reads the folder's ``segments/``,
``codings/`` and ``respondents/`` Parquet parts partition by partition and
returns the :class:`~outcomes_qual.analysis.consultation.ConsultationCounts`
the one-process route computes from a corpus in memory:

- the question, respondent type, authority and region x theme counts as Dask
  aggregations (:func:`.aggregations.many_group_counts`);
- non-response per question and the respondent profile as Dask aggregations of
  the respondents parts;
- quote candidates as a seeded sample per (question, theme, respondent type),
  each partition's ``k`` smallest keys, then the ``k`` smallest of those: the
  same draw as over every answer at once.

Only counts and the sampled quotes reach the client; no step holds every
answer. :func:`report_from_scale_output` then writes the same report as
``outcomes-qual report`` on the export (:mod:`outcomes_qual.report.consultation_report`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import pandas as pd

from outcomes_qual.errors import InputError

logger = logging.getLogger(__name__)

#: Folders a Dask output holds (``respondents/`` for consultations only).
SCALE_FOLDERS: tuple[str, ...] = ("segments", "codings")


def is_scale_output(path) -> bool:
    """True for a folder with the ``segments/`` and ``codings/`` Parquet parts the engine writes.

    Examples
    --------
    >>> is_scale_output("/nonexistent")
    False
    """
    p = Path(path)
    return p.is_dir() and all((p / name).is_dir() and any((p / name).glob("*.parquet")) for name in SCALE_FOLDERS)


def _parts(folder: Path) -> list[Path]:
    return sorted(Path(folder).glob("*.parquet"))


def _columns(folder: Path) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.ParquetFile(_parts(folder)[0]).schema_arrow.names)


def _read(folder: Path, columns):
    import dask.dataframe as dd

    return dd.read_parquet(os.fspath(folder), columns=list(columns), engine="pyarrow")


def _part_stats(seg_path: str, cod_path: str, k: int, seed: int, theme_order) -> tuple[pd.DataFrame, int, int]:
    """Dask task on one (segments, codings) part pair: quote candidates, codings, coded answers."""
    from outcomes_qual.analysis.consultation import quote_candidates

    seg = pd.read_parquet(seg_path, columns=["segment_id", "question", "role", "text"], engine="pyarrow")
    cols: list[str] = [c for c in ("segment_id", "code", "confidence", "status", "method") if c in _columns_of(cod_path)]
    cod = pd.read_parquet(cod_path, columns=cols, engine="pyarrow")
    # a segment's codings are in its own part, so per-part distinct counts add up
    return quote_candidates(seg, cod, k=k, seed=seed, theme_order=theme_order), len(cod), int(cod["segment_id"].nunique())


def _columns_of(path: str) -> list[str]:
    import pyarrow.parquet as pq

    return list(pq.ParquetFile(path).schema_arrow.names)


def consultation_counts_at_scale(out, *, codebook=None, k: int = 3, seed: int = 0):
    """The consultation counts of an ``autocode --workers`` output folder, computed partition by partition.

    Run inside a ``distributed.Client`` context to use its workers; otherwise
    Dask's local threaded scheduler runs the same graph in this process, one
    partition at a time per thread.

    Parameters
    ----------
    out : path-like
        The folder the engine wrote (``segments/``, ``codings/``, ``respondents/``).
    codebook : Codebook, optional
    k : int, default 3
        Quote candidates kept per (question, theme, respondent type).
    seed : int, default 0
        Seed of the quote draw.

    Returns
    -------
    ConsultationCounts

    Raises
    ------
    InputError
        When the folder is not a consultation coded by the engine.
    """
    import dask

    from outcomes_qual.analysis.consultation import (
        GROUP_TABLES,
        ConsultationCounts,
        profile_counts,
        question_wording,
        top_candidates,
        type_labels,
    )

    from .aggregations import (
        group_table,
        many_group_counts,
        nonresponse_counts,
        nonresponse_table,
        split_counts,
    )
    from .engine import count_rows

    out = Path(out)
    if not is_scale_output(out):
        raise InputError("not an autocode --workers output folder (expected segments/ and codings/ Parquet parts)", path=out)
    seg_dir, cod_dir, resp_dir = out / "segments", out / "codings", out / "respondents"
    seg_cols, cod_cols = _columns(seg_dir), _columns(cod_dir)
    if "question" not in seg_cols or not resp_dir.is_dir() or not _parts(resp_dir):
        raise InputError(
            "this output holds transcripts, not a consultation (no question column or respondents/); "
            "write the transcript report from the transcripts with outcomes-qual report INPUT",
            path=out,
        )
    seg_parts, cod_parts = _parts(seg_dir), _parts(cod_dir)
    if [p.name for p in seg_parts] != [p.name for p in cod_parts]:
        raise InputError("segments/ and codings/ hold different parts; the output is incomplete (rerun autocode)", path=out)
    specs = [(name, by, unit) for name, (by, unit) in GROUP_TABLES.items() if by in seg_cols and by in cod_cols]
    ccols = [
        c
        for c in dict.fromkeys(
            ["segment_id", "code", "role", "participant_id", "transcript_id", "status", *[b for _, b, _ in specs]]
        )
        if c in cod_cols
    ]
    scols = [
        c
        for c in dict.fromkeys(["segment_id", "role", "participant_id", "transcript_id", "question", *[b for _, b, _ in specs]])
        if c in seg_cols
    ]
    codings = _read(cod_dir, ccols)
    segments = _read(seg_dir, scols)
    resp_cols = [
        c
        for c in ("role", "respondent_type", "organisation", "authority", "region", "nonresponse", "source_path")
        if c in _columns(resp_dir)
    ]
    respondents = _read(resp_dir, resp_cols)
    lazy_groups = many_group_counts(codings, segments, specs)
    lazy_non = nonresponse_counts(respondents, segments)
    pmeta = pd.DataFrame({"by": pd.Series(dtype=object), "value": pd.Series(dtype=object), "n": pd.Series(dtype="int64")})
    lazy_profile = respondents.map_partitions(profile_counts, meta=pmeta).groupby(["by", "value"]).n.sum(split_out=1)
    lazy_orgs = respondents["organisation"].dropna().astype(str).unique() if "organisation" in resp_cols else None
    lazy_sources = respondents["source_path"].dropna().astype(str).unique() if "source_path" in resp_cols else None
    theme_order = codebook.theme_keys() if codebook is not None else None
    meta_cols = [c for c in ("coder", "method") if c in cod_cols]
    lazy_meta = {c: _read(cod_dir, [c])[c].dropna().astype(str).unique() for c in meta_cols}
    (groups, bases), non, profile, orgs, sources, meta = dask.compute(
        lazy_groups, lazy_non, lazy_profile, lazy_orgs, lazy_sources, lazy_meta
    )
    per_part = dask.compute(
        *[dask.delayed(_part_stats)(str(s), str(c), k, seed, theme_order) for s, c in zip(seg_parts, cod_parts, strict=True)]
    )
    part_quotes = [q for q, _, _ in per_part]
    coded = [(n, m) for _, n, m in per_part]
    tables = {
        name: group_table(*split_counts(groups, bases, name), by=by, unit=unit, codebook=codebook) for name, by, unit in specs
    }
    profile = profile.reset_index()
    profile = profile.astype({"by": object, "value": object, "n": "int64"})
    part_quotes = [q for q in part_quotes if len(q)]
    quotes = (
        top_candidates(pd.concat(part_quotes, ignore_index=True), k)
        if part_quotes
        else top_candidates(pd.DataFrame(columns=["question", "code", "role", "key", "segment_id", "text", "confidence"]), k)
    )
    organisations = sorted(
        {
            str(o).strip()
            for o in (orgs if orgs is not None else [])
            if str(o).strip() and str(o).strip().lower() not in ("nan", "none", "unknown")
        }
    )
    return ConsultationCounts(
        groups=tables,
        profile=profile,
        type_labels=type_labels(profile),
        nonresponse=nonresponse_table(*non),
        quotes=quotes,
        question_text=question_wording(list(sources) if sources is not None else []),
        organisations=organisations,
        n_respondents=count_rows(resp_dir),
        n_answers=count_rows(seg_dir),
        coders=sorted(meta.get("coder", [])),
        methods=sorted(meta.get("method", [])),
        n_codings=int(sum(c[0] for c in coded)),
        n_coded=int(sum(c[1] for c in coded)),
    )


def scale_ai_use(counts, *, codebook=None, settings=None):
    """The facts of the appendix on automated coding from the counts (the codings are machine codings only)."""
    from outcomes_qual.report.ai_use import (
        AIUse,
        installed_embedding_model,
        outcomes_qual_version,
    )

    methods = list(counts.methods)
    found = {k: str(v) for k, v in (settings or {}).items() if v is not None}
    model = None
    if methods and set(methods) - {"keyword"} and found.get("backend") != "lsa":
        model = installed_embedding_model()
    coders = list(counts.coders)
    return AIUse(
        machine=", ".join(coders) or "outcomes_qual",
        toolkit_version=outcomes_qual_version(),
        methods=methods,
        settings=found,
        embedding_model=model,
        codebook_name=getattr(codebook, "name", None),
        codebook_version=None if codebook is None else str(getattr(codebook, "version", "")) or None,
        n_machine_codings=counts.n_codings,
        n_machine_turns=counts.n_coded,
    )


def report_from_scale_output(
    out,
    report_dir,
    *,
    codebook=None,
    title: str | None = None,
    seed: int = 0,
    k: int = 3,
    names=None,
    workers: int | None = None,
    scheduler: str | None = None,
    client=None,
) -> dict:
    """Write the consultation report of an ``autocode --workers`` output folder into ``report_dir``.

    Parameters
    ----------
    out : path-like
        The engine's output folder.
    report_dir : path-like
        Where ``report.docx``, ``tables.xlsx``, ``tables/`` and ``figures/`` go.
    codebook : Codebook, optional
        The codebook the answers were coded with (labels, order, Appendix A).
    title : str, optional
    seed : int, default 0
        Seed of the quote draw (recorded with the settings).
    k : int, default 3
    names : path-like, DataFrame or list of str, optional
        Third-party names (as for :func:`outcomes_qual.anonymise.pseudonymise_corpus`)
        replaced in the sampled quotes, the only answer text the report shows.
    workers, scheduler, client
        At most one: a new ``LocalCluster``, an existing scheduler, or a
        client; none runs the graph on Dask's local threaded scheduler.

    Returns
    -------
    dict of str to Path
        As :func:`outcomes_qual.report.consultation_report.write_consultation_report`.
    """
    from outcomes_qual.report.consultation_report import write_consultation_report

    from .cluster import dask_client

    out = Path(out)
    use_cluster = workers is not None or scheduler is not None or client is not None
    with dask_client(workers=workers, scheduler=scheduler, client=client) if use_cluster else contextlib.nullcontext():
        counts = consultation_counts_at_scale(out, codebook=codebook, k=k, seed=seed)
    if names is not None and len(counts.quotes):
        from outcomes_qual.anonymise import pseudonymise_text

        counts.quotes["text"] = [pseudonymise_text(t, names) for t in counts.quotes["text"]]
    methods = counts.methods
    method = methods[0] if len(methods) == 1 else None
    topics = None
    if (out / "topics.csv").is_file():
        topics = pd.read_csv(out / "topics.csv")
    info = scale_ai_use(counts, codebook=codebook, settings={"method": method})
    return write_consultation_report(
        counts,
        codebook,
        report_dir,
        topics=topics,
        coding_method=method,
        title=title,
        ai_use=info,
        seed=seed,
        topics_backend="light" if topics is not None else None,
    )
