"""``outcomes-qual report OUT_FOLDER``: the consultation report from what ``autocode --workers`` wrote.

The Dask engine (``outcomes_qual_dask``, the ``scale`` extra) is imported only
here, lazily; the report is computed from the folder's Parquet parts
partition by partition (:mod:`outcomes_qual_dask.report`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import InputError

#: Folders of an engine output that the report must not be written into.
_ENGINE_FOLDERS = ("segments", "codings", "respondents", "tables", "topic_assignments")


def looks_like_scale_output(path) -> bool:
    """True for a folder holding ``segments/`` and ``codings/`` Parquet parts (checked without importing Dask).

    Examples
    --------
    >>> looks_like_scale_output("/nonexistent")
    False
    """
    p = Path(path)
    return p.is_dir() and all((p / n).is_dir() and any((p / n).glob("*.parquet")) for n in ("segments", "codings"))


def wants_scale_report(args: argparse.Namespace) -> bool:
    """True when the one INPUT is an engine output folder."""
    inputs = getattr(args, "inputs", None) or []
    return len(inputs) == 1 and not getattr(args, "project", None) and looks_like_scale_output(inputs[0])


def run_scale_report(args: argparse.Namespace) -> int:
    """Write the report of an engine output folder; print the paths written."""
    folder = Path(args.inputs[0])
    out = Path(args.out)
    resolved = out.resolve()
    if resolved == folder.resolve() or any(
        resolved == (folder / n).resolve() or (folder / n).resolve() in resolved.parents for n in _ENGINE_FOLDERS
    ):
        raise InputError(
            "--out would write into the engine's own output (its segments, codings or tables); choose a "
            "new folder such as OUT_FOLDER/report",
            path=out,
        )
    for flag, value in (
        ("--codings", args.codings),
        ("--train", args.train),
        ("--project", args.project),
        ("--validate-against", args.validate_against),
        ("--agreement", args.agreement),
    ):
        if value:
            raise InputError(
                f"{flag} does not apply to an autocode --workers output folder: its codings are in {folder / 'codings'}"
            )
    if not args.codebook:
        raise InputError(
            "--codebook is required with an autocode --workers output folder (the codebook the answers were coded with)",
            path=folder,
        )
    try:
        import outcomes_qual_dask as oqd

        oqd.require_scale()
        from outcomes_qual_dask.report import report_from_scale_output
    except ImportError as err:
        hint = "" if "install outcomes_qual[scale]" in str(err) else "; install outcomes_qual[scale]"
        raise InputError(f"a report from an autocode --workers folder needs the Dask engine: {err}{hint}") from None
    import logging

    from ..codebook import load_codebook

    for name in ("distributed", "dask"):
        if logging.getLogger(name).getEffectiveLevel() < logging.WARNING:
            logging.getLogger(name).setLevel(logging.WARNING)
    codebook = load_codebook(args.codebook)
    names = getattr(args, "names", None)
    paths = report_from_scale_output(
        folder,
        out,
        codebook=codebook,
        title=args.title,
        seed=args.seed,
        names=names,
        workers=getattr(args, "workers", None),
        scheduler=getattr(args, "scheduler", None),
    )
    if names:
        from ..report.checks import check_no_names

        check_no_names(paths, [], names)  # the listed names must not appear in anything written
    print(f"report:  {paths['report']}")
    print(f"tables:  {paths['xlsx']} and {paths['tables']}/*.csv")
    print(f"figures: {paths['figures']}/")
    return 0
