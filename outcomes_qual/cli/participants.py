"""``outcomes-qual participants``: distinct participants by two roster variables.

The CSV has the row variable's values (as written in the roster) in the first
column, one column per value of the column variable plus ``total``, and a
last ``total`` row; with ``--by``, one block per value plus an ``all`` block,
each named in a leading ``by`` column.
"""

from __future__ import annotations

import argparse
import csv
import logging
import sys
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..safe_tables import read_csv, write_csv

logger = logging.getLogger(__name__)


def register(subparsers) -> None:
    """Add the ``participants`` subcommand."""
    p = subparsers.add_parser(
        "participants",
        help="count distinct participants by two roster variables (e.g. method x role)",
        description=(
            "Count distinct participants in a roster by a row variable and a column variable, "
            "with row and column totals, optionally in one block per value of a third variable."
        ),
    )
    p.add_argument("roster", metavar="ROSTER.csv", help="roster CSV (transcript, speaker, participant_id, role, ...)")
    p.add_argument("--rows", required=True, metavar="VAR", help="roster column for the rows, e.g. method")
    p.add_argument("--cols", required=True, metavar="VAR", help="roster column for the columns, e.g. role")
    p.add_argument("--by", metavar="VAR", help="a third column: one block per value plus an 'all' block")
    p.add_argument(
        "--normalise",
        action="store_true",
        help="map role and method titles to the toolkit's vocabularies (e.g. 'Senior social worker' -> senior) "
        "and leave facilitators out; by default values are counted as written",
    )
    p.add_argument("--out", required=True, metavar="table.csv", help="where to write the table")
    p.set_defaults(func=run)


def read_roster_table(path: str | Path) -> pd.DataFrame:
    """Read a roster CSV keeping every value as written (strings, no NA guessing)."""
    path = Path(path)
    if not path.is_file():
        raise InputError("no such roster file", path=path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read roster: {err.strerror}", path=path) from None
    if not raw.strip():
        raise InputError("roster is empty; expected a CSV with a header row", path=path)
    if b"\x00" in raw[:4096]:
        raise InputError("roster is not a text CSV (binary content)", path=path)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        logger.warning("%s: not UTF-8; read as cp1252", path)
        text = raw.decode("cp1252", errors="replace")
    from io import StringIO

    try:
        frame = read_csv(StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise InputError(f"not a readable CSV: {err}".splitlines()[0], path=path) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def normalise_roster(roster: pd.DataFrame) -> pd.DataFrame:
    """Map ``role`` and ``method`` to the schema's vocabularies and drop facilitators.

    A role the vocabulary does not know is one of the study's own groups and
    is kept as written (:func:`~outcomes_qual.ingest.roles.study_role`).
    """
    from ..ingest.roles import group_order, normalise_method, study_role

    out = roster.copy()
    if "role" in out:
        out["role"] = out["role"].map(lambda v: study_role(v) if str(v).strip() else "")
        order = group_order(out["role"])
        if order is not None and "role_order" not in out:
            out["role_order"] = order
        out = out[out["role"] != "facilitator"]
    if "method" in out:
        out["method"] = out["method"].map(lambda v: (normalise_method(v) or v) if str(v).strip() else "")
    return out.reset_index(drop=True)


def run(args: argparse.Namespace) -> int:
    """Write the breakdown CSV named by ``--out``."""
    from ..analysis import participant_breakdown

    roster = read_roster_table(args.roster)
    if args.normalise:
        roster = normalise_roster(roster)
    try:
        table = participant_breakdown(roster, rows=args.rows, cols=args.cols, by=args.by)
    except ValueError as err:
        raise InputError(str(err).replace("participants: ", ""), path=args.roster) from None
    out = Path(args.out)
    if out.resolve() == Path(args.roster).resolve():
        raise InputError("--out would overwrite the roster; choose another file", path=out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_csv(table, out, quoting=csv.QUOTE_MINIMAL)
    print(out, file=sys.stdout)
    return 0
