"""What ``agreement`` and ``validate`` share: reading codings/segments CSVs, and the output-path checks.

Both compare codings tables on a set of units, from CSVs or from a project,
and both write several CSVs, so both read their inputs and check their
outputs the same way here. Their arguments stay separate on purpose, because
their defaults differ by meaning: ``agreement`` compares peers (any number of
coders, ``--level code``, no bootstrap unless ``--boot N``), ``validate``
measures the machine against one reference person (``--level theme``, 1000
bootstrap resamples by default, since its intervals are the point).
Both name the resamples ``--boot N`` (``agreement`` also accepts its older
``--bootstrap N``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..safe_tables import read_csv


def read_table(path: str, *, required: tuple[str, ...], what: str) -> pd.DataFrame:
    """Read a CSV into strings, checking ``required`` columns; InputError names the file."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such {what} file", path=p)
    try:
        frame = read_csv(p, dtype=str, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {what} CSV: {str(err).strip().splitlines()[0]}", path=p) from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"{what} file is missing column(s) {missing}; expected at least {list(required)}, got {list(frame.columns)}",
            path=p,
        )
    return frame


def check_outputs(outputs: dict[str, str | None], inputs) -> None:
    """Raise :class:`InputError` when two outputs are one file or an output would overwrite an input.

    Parameters
    ----------
    outputs : dict
        Option name (``"--out"``) -> the path given, or None when not given.
    inputs : iterable of str
        Every input path given (codings CSVs, segments, project).
    """
    given = {flag: path for flag, path in outputs.items() if path}
    resolved = {Path(p).resolve() for p in given.values()}
    if len(resolved) < len(given):
        raise InputError(f"{', '.join(given)} must be different files")
    for path in inputs:
        if path and Path(path).resolve() in resolved:
            raise InputError(f"{'/'.join(given)} would overwrite an input file; choose another path", path=path)
